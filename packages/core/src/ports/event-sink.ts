import type { RunEvent } from '../domain/index.ts';

/**
 * Receives run events as they are recorded, for live views (SSE, Discord message edits,
 * CLI progress lines). Must not throw: a failing sink never fails a run.
 */
export interface EventSink {
  publish(event: RunEvent): void;
}
