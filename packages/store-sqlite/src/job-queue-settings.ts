import { InvalidInputError } from '@goosuke/core';
import { systemClock } from '@goosuke/core/implementing';
import { jobSubject } from './job-queue-sql.ts';
import { translateSqliteError } from './sqlite-error.ts';
import type { SqliteJobQueueOptions } from './sqlite-job-queue-options.ts';

/** The options of a queue handle, checked, with their defaults applied. */
export interface QueueSettings {
  /** How long a claimed job stays reserved without a renewal, in ms. */
  readonly leaseMs: number;
  /** `leaseMs` in whole ms, as lease expiries are stored. */
  readonly leaseSpan: number;
  readonly pollIntervalMs: number;
  readonly maxLeaseExpiries: number;
  /** The lease owner this handle writes into the jobs it claims. */
  readonly workerId: string;
  /** How long a job waits after failed attempt number `attempt`, in whole ms. */
  retryDelay(attempt: number): number;
  /** The clock's time in whole ms (`run_at` and `lease_expires_at` are INTEGER columns). */
  nowMs(): number;
  /** Tells `onError` about a failure the queue survives; a throwing listener is ignored. */
  report(error: unknown): void;
}

/**
 * Checks `options` and applies the defaults.
 *
 * @throws InvalidInputError for a non-positive `leaseMs` or `pollIntervalMs`, or a
 *   `maxLeaseExpiries` that is not a positive integer.
 */
export function resolveQueueSettings(options: SqliteJobQueueOptions): QueueSettings {
  const leaseMs = positive(options.leaseMs, 30_000, 'leaseMs');
  const pollIntervalMs = positive(options.pollIntervalMs, 250, 'pollIntervalMs');
  const maxLeaseExpiries = positiveInteger(options.maxLeaseExpiries, 3, 'maxLeaseExpiries');
  const backoff = options.retryBackoffMs ?? defaultBackoff;
  const clock = options.clock ?? systemClock;
  return {
    leaseMs,
    leaseSpan: Math.ceil(leaseMs),
    pollIntervalMs,
    maxLeaseExpiries,
    workerId: options.workerId ?? crypto.randomUUID(),
    retryDelay: (attempt) => Math.max(0, Math.ceil(typeof backoff === 'number' ? backoff : backoff(attempt))),
    // run_at and lease_expires_at are INTEGER columns of a STRICT table: whole milliseconds.
    nowMs: () => Math.floor(clock.now()),
    report(error) {
      try {
        options.onError?.(translateSqliteError(error, jobSubject));
      } catch {
        // A failing error listener must not stop the queue.
      }
    },
  };
}

function defaultBackoff(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 1) {
    throw InvalidInputError.fromIssues('job queue options', [
      { path: [name], message: 'must be a positive integer' },
    ]);
  }
  return chosen;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !Number.isFinite(chosen) || chosen <= 0) {
    throw InvalidInputError.fromIssues('job queue options', [
      { path: [name], message: 'must be a positive number' },
    ]);
  }
  return chosen;
}
