import type { JobQueue } from '../ports/job-queue.ts';
import type { RunEventHub } from './run-events.ts';
import type { RunExecutor } from './run-executor.ts';
import type { JobTypeRegistration } from './worker-runtime.ts';

/** The job type of a run in the JobQueue: one job per run, its id the run's id, its payload `{ runId }`. */
export const runJobType = 'run';

/** The run a run job executes, or null for a payload without one. */
export function runIdOfJob(job: { payload: unknown }): string | null {
  const runId = (job.payload as { runId?: unknown } | null)?.runId;
  return typeof runId === 'string' ? runId : null;
}

/** What the run job registration is built from. */
export interface RunJobContext {
  queue: JobQueue;
  executor: RunExecutor;
  events: RunEventHub;
  /** Tells the run-ended listeners, once the run is terminal (after its job's cleanup). */
  ended(runId: string): Promise<void>;
  /** The runs' part of the recovery sweep. */
  recover(): Promise<number>;
  /** Whether the run is still queued or running (a graceful stop cancels only those). */
  unfinished(runId: string): Promise<boolean>;
}

/**
 * The `run` job type for the worker runtime: executes the run, then announces that it ended;
 * contributes the runs' recovery; after a graceful stop's grace period it logs why and has the
 * run canceled (it ends `canceled` and is not resumed).
 */
export function createRunJobRegistration(context: RunJobContext): JobTypeRegistration {
  return {
    type: runJobType,
    async handle(job, jobContext) {
      const runId = runIdOfJob(job);
      if (runId === null) return;
      await context.executor.execute(
        runId,
        jobContext.signal,
        async () => (await context.queue.get(job.id))?.status ?? null,
      );
      await context.ended(runId);
    },
    recover: () => context.recover(),
    async cancelAfterGrace(job, graceMs) {
      const runId = runIdOfJob(job);
      // A run that already ended is only telling its listeners: let it.
      if (runId === null || !(await context.unfinished(runId))) return false;
      // Logged before the cancel, so that it comes before the terminal event streams end on.
      await context.events
        .record(runId, {
          type: 'run-log',
          level: 'warn',
          message: `the server is shutting down and the run did not finish within the grace period (${Math.round(graceMs / 1000)} s): canceling it`,
          data: { reason: 'shutdown' },
        })
        .catch(() => undefined);
      // The executor sees the canceled job and ends the run `canceled`.
      return true;
    },
  };
}
