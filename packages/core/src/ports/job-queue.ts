import type { JsonValue } from '../domain/index.ts';

/** A job's lifecycle. Terminal: succeeded, failed, canceled. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** What to enqueue. */
export interface NewJob {
  /** Caller-chosen id (e.g. the run id); enqueuing an id twice throws ConflictError. */
  id: string;
  /** Names the handler's work, e.g. `run`. */
  type: string;
  payload: JsonValue;
  /**
   * How many deliveries a job whose handler throws gets before it is `failed`. Default 1 (no
   * retry). Counts handler failures only: a worker that dies is bounded by the queue's own
   * limit on expired leases (see {@link JobQueue}).
   */
  maxAttempts?: number;
  /** Do not deliver before this many milliseconds from now. Default 0. */
  delayMs?: number;
}

/** A job as the queue holds it. */
export interface Job {
  id: string;
  type: string;
  payload: JsonValue;
  status: JobStatus;
  /**
   * Deliveries so far, counting the current one, whatever ended them (the handler resolved,
   * threw, was interrupted by `close`, or its worker died).
   */
  attempts: number;
  maxAttempts: number;
  /**
   * The last handler error's message, if any; for a job given up after its workers died
   * (see {@link JobQueue}), a message saying so.
   */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** How many unfinished jobs a queue holds; see {@link JobQueue.stats}. */
export interface JobQueueStats {
  /** Waiting for a worker: due, delayed, or waiting for a retry. */
  queued: number;
  /** Delivered and not finished (including jobs whose worker died and whose lease has not been taken over yet). */
  running: number;
}

/** What the handler gets besides the job. */
export interface JobContext {
  /** Aborted when the job is canceled or the queue closes; the handler should stop promptly. */
  signal: AbortSignal;
}

/** Does a job's work. Resolving marks it succeeded; throwing retries it or marks it failed. */
export type JobHandler = (job: Job, context: JobContext) => Promise<void>;

/**
 * A work queue with at-least-once delivery: a job whose worker died (its process ended
 * without finishing, so the job's lease expired) is delivered again. Handlers must therefore
 * be idempotent.
 *
 * Redelivery after a dead worker is bounded, so that a "poison" job that kills its process
 * (out of memory, a native crash, a killed container) cannot take workers down forever: the
 * queue counts, per job, the leases that expired (a worker that stalled longer than its lease
 * and lost the job counts too). When a job's lease expires for the `maxLeaseExpiries`-th time
 * (a queue option of each implementation, default 3), the job is not delivered again: the
 * first live worker that finds the expired lease marks it `failed`, with a `lastError`
 * saying that its worker stopped that many times without finishing it (the lease expired)
 * and that it was given up. This limit is separate from `maxAttempts`, which counts handler
 * failures only, and `attempts` still counts every delivery. A job interrupted by `close`
 * (an orderly stop) goes back to the queue without counting as an expired lease.
 *
 * Implementations: the durable SQLite queue (`@goosuke/store-sqlite`), the in-memory
 * reference queue in `@goosuke/core/testing`.
 */
export interface JobQueue {
  enqueue(job: NewJob): Promise<Job>;
  get(id: string): Promise<Job | null>;
  /**
   * Cancels a queued or running job: a queued one never runs, a running one has its signal
   * aborted. Returns false when the job is unknown or already finished.
   */
  cancel(id: string): Promise<boolean>;
  /** Starts delivering jobs to `handler`, at most `concurrency` at once. Call once. */
  start(handler: JobHandler, options: { concurrency: number }): void;
  /** Resolves once every job has finished (or now if idle). For tests and graceful shutdown. */
  drain(): Promise<void>;
  /**
   * Counts the unfinished jobs of the queue's storage (every handle and process sharing it
   * counts). Doubles as a health probe: rejects with a GoosukeError when the storage does not
   * answer or this handle is closed.
   */
  stats(): Promise<JobQueueStats>;
  /**
   * The first step of a graceful shutdown: this handle delivers no more jobs (there is no
   * resume; jobs it has not taken stay queued for other handles or the next start), while the
   * handlers it is running go on undisturbed: their signals are not aborted, their leases are
   * still renewed and their outcomes are recorded as usual, and `cancel` still aborts them.
   * Resolves once those handlers have settled and their outcomes are recorded (at once when
   * none run). Idempotent: later calls return the same promise. `close` afterwards still
   * aborts and puts back whatever runs then.
   */
  pause(): Promise<void>;
  /** Stops delivering, aborts running handlers and waits for them. Idempotent. */
  close(): Promise<void>;
}
