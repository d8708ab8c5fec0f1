import { ConflictError, UnsupportedError } from '../errors/index.ts';
import type { Job, JobHandler, JobQueue } from '../ports/job-queue.ts';

/**
 * One job type's work, registered with a {@link WorkerRuntime}: how to do a job of that type,
 * and optionally the type's part of the recovery sweep and of a graceful stop.
 */
export interface JobTypeRegistration {
  /** The job type (`NewJob.type`) this handles; a runtime takes one registration per type. */
  readonly type: string;
  /**
   * Does one job of this type (see JobHandler: resolving marks it succeeded, throwing retries
   * it or marks it failed). Jobs are delivered at least once: it must be idempotent.
   */
  readonly handle: JobHandler;
  /**
   * This type's part of the recovery sweep: repairs the work whose job was lost or ended without
   * finishing it, and resolves with how many items it repaired. The runtime calls it when the
   * workers start (before taking any job) and every `recoverEveryMs`.
   */
  readonly recover?: () => Promise<number>;
  /**
   * A graceful stop's last word on a job of this type still running when the grace period
   * ends: resolve true to have the runtime cancel the job through the queue (its handler's
   * signal aborts), after recording why; false to let it finish. Without it, jobs of this type
   * are left to finish: the stop waits for them before it closes the queue.
   */
  readonly cancelAfterGrace?: (job: Job, graceMs: number) => Promise<boolean>;
}

/** Options of {@link WorkerRuntime.start}. */
export interface WorkerStartOptions {
  /** Jobs handled at once in this process, all types together. Default 4. */
  concurrency?: number;
  /** How often the recovery sweep runs, in milliseconds. Default 30,000. */
  recoverEveryMs?: number;
}

/** Options of {@link WorkerRuntime.stop}; the semantics of `RunWorkersStopOptions`. */
export interface WorkerStopOptions {
  /**
   * A graceful stop: take no new job at once, let the running ones finish for up to this many
   * milliseconds, then cancel those whose registration says so (see
   * {@link JobTypeRegistration.cancelAfterGrace}). Without it, running jobs are interrupted at
   * once and delivered again on the next start.
   */
  graceMs?: number;
}

/** What {@link WorkerRuntime.stop} did. */
export interface WorkerStopped {
  /** The jobs a graceful stop canceled because they outlasted the grace period. */
  canceled: Job[];
}

/** Where a runtime is in its life: it starts once and stops once. */
export type WorkerRuntimeState = 'idle' | 'running' | 'stopped';

/**
 * The process's worker runtime: a job router keyed by job type over the JobQueue, the recovery
 * sweep and the graceful stop. Services register the job types they own (runs, action callbacks,
 * action pull requests) before the workers start; the runtime delivers each job to its type's
 * handler. A job of a type nobody registered is not dropped: it fails, its `lastError` naming the
 * type and the types this process handles.
 *
 * Seams for what comes next:
 * - Agent executors (an executor per run kind) plug into the `run` registration (the run service
 *   chooses the executor of each run), or register a job type of their own here when their runs
 *   need their own queue semantics.
 * - Workers in other processes build the same runtime on the shared, durable queue: every job
 *   carries its type and payload, recovery contributions are idempotent and look at the store and
 *   the queue only, and a run is owned by whichever process holds its job's lease. Until the
 *   JobQueue port can deliver a subset of types, every process that starts workers on a shared
 *   queue must register every type the queue may hold.
 */
export interface WorkerRuntime {
  /**
   * Adds a job type's handler (and its recovery and stop contributions). ConflictError for a
   * type already registered, or once the workers have started.
   */
  register(registration: JobTypeRegistration): void;
  /** The registered job types, in registration order. */
  types(): string[];
  /**
   * Runs every registration's recovery once, in registration order, and resolves with how many
   * items they repaired in all. A failing contribution does not keep the others from running;
   * the first failure is rethrown after them.
   */
  recover(): Promise<number>;
  /**
   * Starts delivering jobs in this process: sweeps first (repairing what an earlier process
   * left), then starts the queue, then sweeps every `recoverEveryMs`. Once per runtime:
   * ConflictError when started before.
   */
  start(options?: WorkerStartOptions): void;
  /**
   * Stops taking jobs, then ends the running ones: at once (interrupted, they are delivered
   * again on the next start) or after a grace period (see {@link WorkerStopOptions.graceMs});
   * resolves once the queue is closed. Idempotent: later calls return the first call's promise.
   * Before `start` it only keeps the runtime from starting (the queue is left open).
   */
  stop(options?: WorkerStopOptions): Promise<WorkerStopped>;
  /** The jobs this process is handling now. */
  running(): Job[];
  /** Resolves once the start's first sweep is done and no job is queued or running in the queue. */
  drain(): Promise<void>;
  /** `running` from `start` until `stop` is called, `stopped` after. */
  state(): WorkerRuntimeState;
}

/** Builds a worker runtime on `queue`; nothing starts until {@link WorkerRuntime.start}. */
export function createWorkerRuntime(options: { queue: JobQueue }): WorkerRuntime {
  const { queue } = options;
  const registrations = new Map<string, JobTypeRegistration>();
  const active = new Map<string, Job>();
  let state: WorkerRuntimeState = 'idle';
  let started: Promise<void> | null = null;
  let sweeping: Promise<unknown> = Promise.resolve();
  let interval: ReturnType<typeof setInterval> | undefined;
  let stopping: Promise<WorkerStopped> | null = null;

  const route: JobHandler = async (job, context) => {
    const registration = registrations.get(job.type);
    if (registration === undefined) {
      throw new UnsupportedError(
        `no handler for job type "${job.type}" in this process (it handles ${[...registrations.keys()].join(', ') || 'none'}): the job is failed rather than dropped`,
      );
    }
    active.set(job.id, job);
    try {
      await registration.handle(job, context);
    } finally {
      active.delete(job.id);
    }
  };

  async function recover(): Promise<number> {
    let repaired = 0;
    let failure: { error: unknown } | null = null;
    for (const registration of [...registrations.values()]) {
      if (registration.recover === undefined) continue;
      try {
        repaired += await registration.recover();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
    return repaired;
  }

  /** Cancels the jobs that outlasted a graceful stop's grace period, as their registrations ask. */
  async function cancelAfterGrace(graceMs: number): Promise<Job[]> {
    const canceled: Job[] = [];
    for (const job of [...active.values()]) {
      const decide = registrations.get(job.type)?.cancelAfterGrace;
      if (decide === undefined || !(await decide(job, graceMs).catch(() => true))) continue;
      // Aborts the handler; the handler sees its job canceled and records the outcome.
      if (await queue.cancel(job.id).catch(() => false)) canceled.push(job);
    }
    return canceled;
  }

  return {
    register(registration) {
      if (state !== 'idle') {
        throw new ConflictError(
          `job type ${registration.type} registered after the workers started: register every type first`,
        );
      }
      if (registrations.has(registration.type)) {
        throw new ConflictError(`job type ${registration.type} is already registered`);
      }
      registrations.set(registration.type, registration);
    },

    types: () => [...registrations.keys()],

    recover,

    start(startOptions = {}) {
      if (state !== 'idle') throw new ConflictError('the workers are already started');
      state = 'running';
      const sweep = (): void => {
        sweeping = recover().catch(() => 0);
      };
      // Repair what a previous process left before taking new work.
      sweep();
      started = sweeping.then(() => {
        if (state === 'running') queue.start(route, { concurrency: startOptions.concurrency ?? 4 });
      });
      interval = setInterval(sweep, startOptions.recoverEveryMs ?? 30_000);
      // Never keep a process alive just to sweep.
      (interval as { unref?: () => void }).unref?.();
    },

    stop(stopOptions = {}) {
      stopping ??= (async () => {
        const wasStarted = state === 'running';
        state = 'stopped';
        if (!wasStarted) return { canceled: [] };
        clearInterval(interval);
        await started;
        await sweeping;
        let canceled: Job[] = [];
        const { graceMs } = stopOptions;
        if (graceMs !== undefined) {
          // Running handlers go on; no new job starts.
          const paused = queue.pause();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const inTime = await Promise.race([
            paused.then(() => true),
            new Promise<false>((resolve) => {
              timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
            }),
          ]);
          clearTimeout(timer);
          if (!inTime) {
            canceled = await cancelAfterGrace(graceMs);
            // Before close: the handlers still ask the queue whether their job was canceled.
            await paused;
          }
        }
        await queue.close();
        return { canceled };
      })();
      return stopping;
    },

    running: () => [...active.values()],

    async drain() {
      await started;
      await queue.drain();
    },

    state: () => state,
  };
}
