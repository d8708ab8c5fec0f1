import type { Run } from '../domain/index.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import { collectPages, type Store } from '../ports/store.ts';

/** What the runs' recovery reads and repairs with. */
export interface RunRecoveryContext {
  store: Store;
  queue: JobQueue;
  /** Enqueues the run's job (a job enqueued meanwhile by another process is fine). */
  enqueue(runId: string): Promise<void>;
  /**
   * Ends an unfinished run as `failed` (with `error`) or `canceled`, with its terminal event;
   * resolves false when it had ended meanwhile.
   */
  end(run: Run, to: 'failed' | 'canceled', error?: Run['error']): Promise<boolean>;
}

/**
 * The runs' part of the recovery sweep: re-enqueues queued runs that have no job, fails running
 * runs whose job is gone or ended without them as `interrupted`, and ends as `canceled` the runs
 * whose job was canceled. Resolves with how many runs it repaired. Idempotent, and safe to run in
 * several processes at once: it looks at the store and the shared queue only.
 */
export async function recoverRuns(context: RunRecoveryContext): Promise<number> {
  const { store, queue } = context;
  let repaired = 0;
  for (const status of ['queued', 'running'] as const) {
    const runs = await collectPages((cursor) => store.runs.list({ status, limit: 500, cursor }));
    for (const run of runs) {
      const job = await queue.get(run.id);
      if (job === null) {
        if (status === 'queued') {
          await context.enqueue(run.id);
          repaired++;
        } else if (
          await context.end(run, 'failed', {
            code: 'interrupted',
            message: 'the run was interrupted (its job was lost) and was given up',
          })
        ) {
          repaired++;
        }
      } else if (job.status === 'canceled') {
        if (await context.end(run, 'canceled')) repaired++;
      } else if (job.status === 'failed' || job.status === 'succeeded') {
        if (
          await context.end(run, 'failed', {
            code: 'interrupted',
            message: 'the run was interrupted (its worker stopped without finishing it) and was given up',
          })
        ) {
          repaired++;
        }
      }
    }
  }
  return repaired;
}
