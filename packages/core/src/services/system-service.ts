import { z } from 'zod';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Store } from '../ports/store.ts';

/**
 * What {@link SystemService.health} reports: whether the store and the job queue answer, how
 * many runs wait or execute, and whether this process executes runs. Nothing about the host.
 */
export const systemHealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']).meta({ description: '`degraded` when the store or the queue fails' }),
    store: z.enum(['ok', 'error']),
    queue: z
      .enum(['ok', 'error', 'none'])
      .meta({ description: '`none` when Goosuke was built without a job queue (it cannot execute runs)' }),
    jobs: z
      .object({ queued: z.number().int().nonnegative(), running: z.number().int().nonnegative() })
      .nullable()
      .meta({
        description: 'Unfinished jobs of the queue (every process sharing it); null unless `queue` is `ok`',
      }),
    workers: z
      .enum(['running', 'stopped'])
      .meta({ description: "Whether this process's run workers are started and not stopping" }),
  })
  .meta({ id: 'Health' });
/** See {@link systemHealthSchema}. */
export type SystemHealth = z.infer<typeof systemHealthSchema>;

/** The state of the deployment as a whole, for health checks. */
export interface SystemService {
  /**
   * Probes the store (a one-row read) and the job queue (its counts) and reports them; never
   * rejects: a failing part is reported as `error` and the status as `degraded`.
   */
  health(): Promise<SystemHealth>;
}

/** What the system service looks at. */
export interface SystemServiceContext {
  store: Store;
  /** Absent when Goosuke was built without runtime ports. */
  queue: JobQueue | undefined;
  /** Whether this process's run workers run now. */
  workersRunning(): boolean;
}

/** Builds the system service. */
export function createSystemService(context: SystemServiceContext): SystemService {
  return {
    async health() {
      const [store, jobs] = await Promise.all([
        context.store.models.list({ limit: 1 }).then(
          () => 'ok' as const,
          () => 'error' as const,
        ),
        context.queue === undefined
          ? Promise.resolve(undefined)
          : context.queue.stats().then(
              ({ queued, running }) => ({ queued, running }),
              () => null,
            ),
      ]);
      const queue = jobs === undefined ? 'none' : jobs === null ? 'error' : 'ok';
      return {
        status: store === 'ok' && queue !== 'error' ? 'ok' : 'degraded',
        store,
        queue,
        jobs: jobs ?? null,
        workers: context.workersRunning() ? 'running' : 'stopped',
      };
    },
  };
}
