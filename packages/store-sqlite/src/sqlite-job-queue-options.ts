import type { Clock, GoosukeError, JobQueue } from '@goosuke/core';
import type { SqliteConnectionOptions, SqliteDatabase } from './sqlite-connection.ts';

/** Options of {@link createSqliteJobQueue}. */
export interface SqliteJobQueueOptions extends SqliteConnectionOptions {
  /**
   * How long a claimed job stays reserved for this worker without a renewal, in ms. The
   * worker renews every `leaseMs / 3` while the handler runs; a job whose lease ran out
   * (its process died) is delivered again to any worker, up to `maxLeaseExpiries`.
   * Default 30 000.
   */
  leaseMs?: number;
  /**
   * The crash budget: how many times a job's lease may expire (its worker died, or stalled
   * longer than the lease, without finishing it) before the queue gives the job up. When a
   * job's lease expires for the `maxLeaseExpiries`-th time, the worker that finds it marks it
   * `failed` with a `lastError` saying so instead of delivering it again, so a job that kills
   * its process cannot take workers down forever. Independent of `maxAttempts` (handler
   * failures); a job put back by `close()` does not count. Handles and processes sharing a
   * file should agree on it: the limit of the worker that finds the expired lease applies.
   * A positive integer; default 3.
   */
  maxLeaseExpiries?: number;
  /** How often a started queue looks for due jobs, in ms. Default 250. */
  pollIntervalMs?: number;
  /**
   * How long a failed job waits before its next delivery: a fixed number of ms, or a
   * function of the attempt that failed (1 for the first). Default: 1 s doubling per
   * attempt, at most 60 s.
   */
  retryBackoffMs?: number | ((attempt: number) => number);
  /** Names this queue handle in `lease_owner`. Default: a random UUID. */
  workerId?: string;
  /** The time source for `run_at`, leases and timestamps. Default: the system clock. */
  clock?: Clock;
  /**
   * Told about failures of background work (claiming, renewing a lease, writing an outcome)
   * that the queue survives by trying again on the next poll or renewal; a job whose outcome
   * could not be written is delivered again after its lease. Default: ignored.
   */
  onError?: (error: GoosukeError) => void;
}

/** The durable JobQueue on SQLite, with what an operator or a test needs beside the port. */
export interface SqliteJobQueue extends JobQueue {
  /** The lease owner this handle writes into the jobs it claims. */
  readonly workerId: string;
  /** The better-sqlite3 handle the queue works through. */
  readonly database: SqliteDatabase;
  /**
   * Testing aid: stops this handle as if its process had died. Timers stop, running
   * handlers are forgotten (their signals are not aborted and their outcomes are never
   * written) and nothing is written to the database, so the jobs it was running keep their
   * leases until they expire and are then delivered again to another worker. The connection
   * is closed when the queue opened it. Every later call fails; `close()` resolves.
   */
  simulateCrash(): Promise<void>;
}
