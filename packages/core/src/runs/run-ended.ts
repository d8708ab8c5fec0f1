import type { Run } from '../domain/index.ts';
import { type Logger, noopLogger } from '../ports/logger.ts';

/**
 * Told that a run ended, with the run as stored in its terminal status. Awaited: the worker that
 * executed the run finishes its job only after every listener has settled, so a listener may
 * enqueue follow-up work (an action's callback) before the job is done.
 */
export type RunEndedListener = (run: Run) => Promise<void> | void;

/**
 * The typed "run ended" notification: the run service announces every run that ends in this
 * process (executed by its workers, canceled, or given up by recovery); other services subscribe.
 * A listener never changes a run's outcome: whatever it throws is dropped.
 */
export interface RunEndedEvent {
  /** Adds `listener` (called in subscription order); returns the unsubscribe function. */
  subscribe(listener: RunEndedListener): () => void;
  /** Calls every listener with `run`, one after the other; resolves once they have settled, never rejects. */
  announce(run: Run): Promise<void>;
}

/** Builds a run-ended notification with no listener yet; what a listener throws goes to `logger`. */
export function createRunEndedEvent(logger: Logger = noopLogger): RunEndedEvent {
  const listeners = new Set<RunEndedListener>();
  return {
    subscribe(listener) {
      // A wrapper per subscription, so that subscribing the same function twice calls it twice.
      const entry: RunEndedListener = (run) => listener(run);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    async announce(run) {
      for (const listener of [...listeners]) {
        try {
          await listener(run);
        } catch (error) {
          // A listener (a callback, a Discord reply) never changes a run's outcome; an operator
          // still needs to know it failed.
          logger.error('a run-ended listener failed', { runId: run.id, err: error });
        }
      }
    },
  };
}
