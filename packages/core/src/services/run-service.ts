import { z } from 'zod';
import {
  idSchema,
  isTerminalRunStatus,
  type Message,
  type ModelProfile,
  modelProviderSchema,
  type Run,
  type RunEvent,
  runErrorSchema,
  runStatusSchema,
  transitionRun,
  type Usage,
  usageSchema,
} from '../domain/index.ts';
import {
  ConflictError,
  GoosukeError,
  InvalidInputError,
  NotFoundError,
  UnsupportedError,
} from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { EventSink } from '../ports/event-sink.ts';
import type { Job, JobHandler } from '../ports/job-queue.ts';
import { collectPages, type ListOptions, type Page, type Store } from '../ports/store.ts';
import { createKeyedLimiter } from '../runs/keyed-limiter.ts';
import { lineTotals } from '../runs/patch-stats.ts';
import { createRunEventHub, type RunEventListener } from '../runs/run-events.ts';
import { createRunExecutor } from '../runs/run-executor.ts';
import {
  type RunRuntime,
  type RunSettings,
  type RunWorkerOptions,
  type RunWorkers,
  type RunWorkersStopped,
  runBranchName,
} from '../runs/run-runtime.ts';
import type { ModelProfileService } from './model-profile-service.ts';
import { parseInput } from './parse-input.ts';
import { findOpenPullRequest } from './pull-request-service.ts';
import type { ServiceContext } from './service-context.ts';

/** The job type of a run in the JobQueue. */
export const runJobType = 'run';

/** Input of {@link RunService.create}: one instruction for several models. */
export const createRunsInputSchema = z
  .object({
    instruction: z.string().trim().min(1, 'an instruction cannot be empty').max(1_000_000),
    /** Model profile ids, one run each; a profile may repeat (to compare a model with itself). */
    models: z.array(idSchema).min(1, 'name at least one model profile').max(16, 'at most 16 runs at once'),
    /** The branch, tag or commit to start from; default the branch of the task's open pull request, else the task's base branch. */
    baseRef: z.string().trim().min(1).max(255).optional(),
    /** Build on this earlier run of the task: its result is the base and its answer is in the history. */
    fromRun: idSchema.optional(),
    createdBy: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateRunsInput' });
/** Input to start runs. */
export type CreateRunsInput = z.input<typeof createRunsInputSchema>;

/** One run in a {@link RunComparison}. */
export const runComparisonEntrySchema = z
  .object({
    runId: idSchema,
    status: runStatusSchema,
    /** The model the run used; null for an agent CLI or a deleted profile. */
    model: z
      .object({
        profileId: idSchema,
        provider: modelProviderSchema,
        modelName: z.string(),
        displayName: z.string(),
      })
      .nullable(),
    filesChanged: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    /** The changed paths, sorted. */
    paths: z.array(z.string()),
    /** From start to end; null until the run has both. */
    durationMs: z.number().int().nonnegative().nullable(),
    usage: usageSchema.nullable(),
    error: runErrorSchema.nullable(),
    /**
     * Model calls the run made (its `run-tokens` events): 1 when the first answer applied, more
     * when edits had to be asked for again. A measure of how cleanly the model worked.
     */
    modelCalls: z.number().int().nonnegative(),
  })
  .meta({ id: 'RunComparisonEntry' });
/** One run of a comparison. */
export type RunComparisonEntry = z.infer<typeof runComparisonEntrySchema>;

/** The runs of one message side by side, and the files two runs both changed. */
export const runComparisonSchema = z
  .object({
    messageId: idSchema,
    taskId: idSchema,
    runs: z.array(runComparisonEntrySchema),
    /** Every pair of runs that changed some of the same files, with those paths. */
    sharedFiles: z.array(z.object({ runIds: z.tuple([idSchema, idSchema]), paths: z.array(z.string()) })),
  })
  .meta({ id: 'RunComparison' });
/** A comparison of runs. */
export type RunComparison = z.infer<typeof runComparisonSchema>;

/** The tokens and cost of every run of a task. */
export interface TaskUsage extends Usage {
  /** Runs that used any tokens. */
  runs: number;
  /** Of those, the runs whose model has no known price (their cost is not in `costUsd`). */
  unpricedRuns: number;
}

/** Runs: one instruction fanned out to several models, executed by workers, compared afterwards. */
export interface RunService {
  /**
   * Stores the user message and one queued run per model in one transaction (with a
   * `run-queued` event each), enqueues the runs and returns at once.
   * A task without a repository gets text runs (the text agent answers; no base, no branch).
   * NotFoundError for a missing task, profile or `fromRun`; UnsupportedError for a Goosuke built
   * without a job queue; ConflictError for an archived task; InvalidInputError for `baseRef` on a
   * text task.
   */
  create(taskId: string, input: CreateRunsInput): Promise<{ message: Message; runs: Run[] }>;
  /**
   * `create` inside the caller's transaction `tx` (e.g. one that also creates the task): the
   * message, runs and their events are written with `tx`; call `started()` once it has committed
   * to announce and enqueue the runs (runs left queued without a job are enqueued by `recover`).
   */
  createInTransaction(
    tx: Store,
    taskId: string,
    input: CreateRunsInput,
  ): Promise<{ message: Message; runs: Run[]; started(): Promise<void> }>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Run>;
  list(
    options?: ListOptions & { taskId?: string; messageId?: string; status?: Run['status'] },
  ): Promise<Page<Run>>;
  /** A run's events in order after `afterSequence`, at most `limit` (default 500). NotFoundError for a missing run. */
  events(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<RunEvent[]>;
  /** Calls `listener` with every run event recorded in this process from now on; returns the unsubscribe function. */
  subscribe(listener: RunEventListener): () => void;
  /**
   * Cancels a run: a queued one is canceled at once; a running one has its model call aborted and
   * becomes `canceled` (event `run-canceled`) when its worker has cleaned up. Returns the run as it
   * is after the request; a finished run is returned unchanged.
   */
  cancel(id: string): Promise<Run>;
  /** The runs of a user message side by side. NotFoundError for a missing message. */
  compare(messageId: string): Promise<RunComparison>;
  /** Tokens and cost over every run of a task. NotFoundError for a missing task. */
  taskUsage(taskId: string): Promise<TaskUsage>;
  /**
   * Resolves with the runs once every one of them has ended (succeeded, failed or canceled),
   * whichever process executes them. Rejects with the signal's reason when it aborts.
   */
  waitFor(runIds: readonly string[], options?: { signal?: AbortSignal; pollMs?: number }): Promise<Run[]>;
  /**
   * Starts executing queued runs in this process. Once per Goosuke. Runs left `running` by a
   * dead worker are started over (see RunSettings.maxInterruptedRetries) or failed as `interrupted`.
   */
  startWorkers(options?: RunWorkerOptions): RunWorkers;
  /**
   * Repairs runs whose job is missing or ended without them: re-enqueues queued runs that have no
   * job, fails running runs whose job is gone as `interrupted`. Returns how many it repaired.
   * The workers call it when they start and every `recoverEveryMs`.
   */
  recover(): Promise<number>;
}

/** What the run service needs beyond the common context. */
export interface RunServiceContext extends ServiceContext {
  models: ModelProfileService;
  /** Absent when Goosuke was built without runtime ports: reads work, creating and executing runs do not. */
  runtime: RunRuntime | undefined;
  settings: RunSettings;
  sinks: readonly EventSink[];
  /** What other services add to the run workers; read when used, so it may be filled in after creation. */
  hooks?: RunHooks;
}

/** What other services add to the run workers. */
export interface RunHooks {
  /**
   * Called once a run has ended (in the worker that executed it, or where it was canceled or
   * given up). Errors are swallowed: a hook never changes a run's outcome.
   */
  onRunEnded?: (run: Run) => Promise<void>;
  /** Handlers of job types other than runs, delivered by the same workers and queue. */
  jobHandlers?: Record<string, JobHandler>;
}

/** Builds the run service. */
export function createRunService(context: RunServiceContext): RunService {
  const { store, clock, ids } = context;
  const events = createRunEventHub({ store, clock, ids, sinks: context.sinks });
  let workers: RunWorkers | null = null;

  /** How many `run-tokens` events (one per model call) a run recorded. */
  const modelCallsOf = async (runId: string): Promise<number> => {
    let calls = 0;
    let afterSequence = 0;
    for (;;) {
      const events = await store.runEvents.list({ runId, afterSequence, limit: 500 });
      for (const event of events) if (event.type === 'run-tokens') calls++;
      if (events.length < 500) return calls;
      afterSequence = events[events.length - 1]!.sequence;
    }
  };

  const requireRuntime = (what: string): RunRuntime => {
    if (context.runtime === undefined) {
      throw new UnsupportedError(
        `${what} needs a job queue, a git backend and language models; build Goosuke with them`,
      );
    }
    return context.runtime;
  };

  async function get(id: string): Promise<Run> {
    const run = await store.runs.get(id);
    if (!run) throw new NotFoundError('run', id);
    return run;
  }

  const allRuns = (filter: { taskId?: string; messageId?: string; status?: Run['status'] }): Promise<Run[]> =>
    collectPages((cursor) => store.runs.list({ ...filter, limit: 500, cursor }));

  async function enqueue(runId: string): Promise<void> {
    try {
      await requireRuntime('running a task').queue.enqueue({
        id: runId,
        type: runJobType,
        payload: { runId },
      });
    } catch (error) {
      // recover() may have enqueued it first.
      if (!(GoosukeError.isInstance(error) && error.code === 'conflict')) throw error;
    }
  }

  async function markEnded(
    run: Run,
    to: 'failed' | 'canceled',
    error: Run['error'] = null,
  ): Promise<boolean> {
    const stored = await store.transaction(async (tx) => {
      const current = await tx.runs.get(run.id);
      if (current === null || isTerminalRunStatus(current.status)) return null;
      const next = transitionRun(current, { to, at: isoNow(clock), ...(error === null ? {} : { error }) });
      await tx.runs.update(run.id, { status: next.status, completedAt: next.completedAt, error: next.error });
      return events.append(
        tx,
        run.id,
        to === 'canceled'
          ? { type: 'run-canceled', level: 'warn', message: 'canceled', data: {} }
          : {
              type: 'run-failed',
              level: 'error',
              message: `failed: ${error!.message}`,
              data: { code: error!.code, message: error!.message },
            },
      );
    });
    if (stored !== null) {
      events.deliver([stored]);
      await ended(run.id);
    }
    return stored !== null;
  }

  /** Tells the hooks that a run ended. */
  async function ended(runId: string): Promise<void> {
    const hook = context.hooks?.onRunEnded;
    if (hook === undefined) return;
    try {
      const run = await store.runs.get(runId);
      if (run !== null && isTerminalRunStatus(run.status)) await hook(run);
    } catch {
      // A hook (a callback, a Discord reply) never changes a run's outcome.
    }
  }

  async function recover(): Promise<number> {
    const runtime = requireRuntime('recovering runs');
    let repaired = 0;
    for (const status of ['queued', 'running'] as const) {
      for (const run of await allRuns({ status })) {
        const job: Job | null = await runtime.queue.get(run.id);
        if (job === null) {
          if (status === 'queued') {
            await enqueue(run.id);
            repaired++;
          } else if (
            await markEnded(run, 'failed', {
              code: 'interrupted',
              message: 'the run was interrupted (its job was lost) and was given up',
            })
          ) {
            repaired++;
          }
        } else if (job.status === 'canceled') {
          if (await markEnded(run, 'canceled')) repaired++;
        } else if (job.status === 'failed' || job.status === 'succeeded') {
          if (
            await markEnded(run, 'failed', {
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

  /** The reads and writes of {@link RunService.create}, with `tx`; `started` delivers and enqueues after commit. */
  async function insertRuns(
    tx: Store,
    taskId: string,
    input: z.output<typeof createRunsInputSchema>,
  ): Promise<{ message: Message; runs: Run[]; started(): Promise<void> }> {
    const task = await tx.tasks.get(taskId);
    if (task === null) throw new NotFoundError('task', taskId);
    if (task.archived) throw new ConflictError(`task ${taskId} is archived; restore it to add runs`);
    // A text task (no repository) runs the text agent: no base, no branch.
    const textTask = task.repoId === null;
    if (textTask && input.baseRef !== undefined) {
      throw new InvalidInputError(`task ${taskId} has no repository: baseRef does not apply to its runs`, [
        { path: ['baseRef'], message: 'only for tasks on a repository' },
      ]);
    }
    const profiles = new Map<string, ModelProfile>();
    for (const id of input.models) {
      const profile = await tx.models.get(id);
      if (profile === null) throw new NotFoundError('model profile', id);
      profiles.set(id, profile);
    }
    // A task with an open pull request continues on its branch: follow-ups build on the PR.
    let baseRef = textTask
      ? null
      : (input.baseRef ?? (await findOpenPullRequest(tx, taskId))?.branch ?? task.baseBranch);
    if (input.fromRun !== undefined) {
      const parent = await tx.runs.get(input.fromRun);
      if (parent === null || parent.taskId !== taskId) throw new NotFoundError('run', input.fromRun);
      if (textTask && parent.status === 'succeeded') {
        // A text follow-up sees the answer it builds on (the history follows run references).
        baseRef = runBranchName(parent.id);
      } else if (parent.status !== 'succeeded' || parent.workingBranch === null) {
        throw new ConflictError(
          `run ${input.fromRun} has no result to build on (it is ${parent.status} without a commit)`,
        );
      } else baseRef = parent.workingBranch;
    }
    const now = isoNow(clock);
    const message: Message = {
      id: ids.next('message'),
      taskId,
      role: 'user',
      content: input.instruction,
      runId: null,
      createdBy: input.createdBy ?? null,
      createdAt: now,
    };
    const runs: Run[] = input.models.map((profileId) => ({
      id: ids.next('run'),
      taskId,
      messageId: message.id,
      executor: { kind: 'model', modelProfileId: profileId },
      instruction: input.instruction,
      baseRef,
      baseCommit: null,
      workingBranch: null,
      status: 'queued',
      summary: null,
      patch: null,
      filesChanged: [],
      warnings: [],
      error: null,
      usage: null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
    }));
    {
      await tx.messages.insert(message);
      const appended: RunEvent[] = [];
      for (const run of runs) {
        await tx.runs.insert(run);
        const profile = profiles.get((run.executor as { modelProfileId: string }).modelProfileId)!;
        appended.push(
          await events.append(tx, run.id, {
            type: 'run-queued',
            message: `queued on ${profile.displayName}`,
            data: { executor: `${profile.provider}:${profile.modelName}` },
          }),
        );
      }
      await tx.tasks.update(taskId, { updatedAt: now });
      return {
        message,
        runs,
        started: async () => {
          events.deliver(appended);
          for (const run of runs) await enqueue(run.id);
        },
      };
    }
  }

  const service: RunService = {
    async create(taskId, raw) {
      const input = parseInput(createRunsInputSchema, raw, 'runs');
      requireRuntime('running a task');
      const created = await store.transaction((tx) => insertRuns(tx, taskId, input));
      await created.started();
      return { message: created.message, runs: created.runs };
    },

    async createInTransaction(tx, taskId, raw) {
      const input = parseInput(createRunsInputSchema, raw, 'runs');
      requireRuntime('running a task');
      return insertRuns(tx, taskId, input);
    },

    get,

    list(options) {
      return store.runs.list(options);
    },

    async events(runId, options = {}) {
      await get(runId);
      return store.runEvents.list({ runId, ...options });
    },

    subscribe: (listener) => events.subscribe(listener),

    async cancel(id) {
      const run = await get(id);
      if (isTerminalRunStatus(run.status)) return run;
      const runtime = requireRuntime('canceling a run');
      if (run.status === 'queued' && (await markEnded(run, 'canceled'))) {
        await runtime.queue.cancel(id);
        return get(id);
      }
      // Running (or it just started): aborting the job's signal makes its worker stop and record it.
      if (!(await runtime.queue.cancel(id))) await markEnded(run, 'canceled');
      return get(id);
    },

    async compare(messageId) {
      const message = await store.messages.get(messageId);
      if (message === null) throw new NotFoundError('message', messageId);
      const runs = await allRuns({ messageId });
      const profiles = new Map<string, ModelProfile | null>();
      const entries: RunComparisonEntry[] = [];
      for (const run of runs) {
        let model: RunComparisonEntry['model'] = null;
        if (run.executor.kind === 'model') {
          const profileId = run.executor.modelProfileId;
          if (!profiles.has(profileId)) profiles.set(profileId, await store.models.get(profileId));
          const profile = profiles.get(profileId) ?? null;
          if (profile !== null) {
            model = {
              profileId,
              provider: profile.provider,
              modelName: profile.modelName,
              displayName: profile.displayName,
            };
          }
        }
        entries.push({
          runId: run.id,
          status: run.status,
          model,
          filesChanged: run.filesChanged.length,
          ...lineTotals(run.filesChanged),
          paths: run.filesChanged.map((file) => file.path).sort(),
          durationMs:
            run.startedAt === null || run.completedAt === null
              ? null
              : Math.max(0, Date.parse(run.completedAt) - Date.parse(run.startedAt)),
          usage: run.usage,
          error: run.error,
          modelCalls: await modelCallsOf(run.id),
        });
      }
      const sharedFiles: RunComparison['sharedFiles'] = [];
      for (let left = 0; left < entries.length; left++) {
        for (let right = left + 1; right < entries.length; right++) {
          const other = new Set(entries[right]!.paths);
          const paths = entries[left]!.paths.filter((path) => other.has(path));
          if (paths.length > 0)
            sharedFiles.push({ runIds: [entries[left]!.runId, entries[right]!.runId], paths });
        }
      }
      return { messageId, taskId: message.taskId, runs: entries, sharedFiles };
    },

    async taskUsage(taskId) {
      if ((await store.tasks.get(taskId)) === null) throw new NotFoundError('task', taskId);
      const total: TaskUsage = {
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        costUsd: null,
        runs: 0,
        unpricedRuns: 0,
      };
      for (const run of await allRuns({ taskId })) {
        if (run.usage === null) continue;
        total.runs++;
        total.inputTokens += run.usage.inputTokens;
        total.outputTokens += run.usage.outputTokens;
        total.cachedInputTokens += run.usage.cachedInputTokens;
        if (run.usage.costUsd === null) total.unpricedRuns++;
        else total.costUsd = Math.round(((total.costUsd ?? 0) + run.usage.costUsd) * 1_000_000) / 1_000_000;
      }
      return total;
    },

    async waitFor(runIds, options = {}) {
      const pending = new Set(runIds);
      const check = async (): Promise<Run[] | null> => {
        const runs = await Promise.all(runIds.map((id) => get(id)));
        for (const run of runs) if (isTerminalRunStatus(run.status)) pending.delete(run.id);
        return pending.size === 0 ? runs : null;
      };
      const ready = await check();
      if (ready !== null) return ready;
      return new Promise<Run[]>((resolve, reject) => {
        let settled = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = (error: unknown, runs?: Run[]): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          unsubscribe();
          options.signal?.removeEventListener('abort', onAbort);
          if (runs !== undefined) resolve(runs);
          else reject(error);
        };
        const poke = (): void => {
          check().then(
            (runs) => {
              if (runs !== null) done(null, runs);
            },
            (error: unknown) => done(error),
          );
        };
        const unsubscribe = events.subscribe((event) => {
          if (
            pending.has(event.runId) &&
            ['run-succeeded', 'run-failed', 'run-canceled'].includes(event.type)
          )
            poke();
        });
        const onAbort = (): void => done(options.signal!.reason);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        // Runs may execute in another process: look at the store now and then as well.
        const poll = (): void => {
          if (settled) return;
          poke();
          timer = setTimeout(poll, options.pollMs ?? 1_000);
        };
        timer = setTimeout(poll, options.pollMs ?? 1_000);
        if (options.signal?.aborted) onAbort();
      });
    },

    startWorkers(options = {}) {
      const runtime = requireRuntime('executing runs');
      if (workers !== null) throw new ConflictError('the run workers are already started');
      const limiter = createKeyedLimiter(
        (provider) => options.perProvider?.[provider as ModelProfile['provider']],
      );
      const executor = createRunExecutor({
        store,
        clock,
        ids,
        models: context.models,
        events,
        runtime,
        settings: context.settings,
        limiter,
      });
      // The runs executing in this process, for a graceful stop.
      const active = new Set<string>();
      const handler: JobHandler = async (job, jobContext) => {
        if (job.type !== runJobType) {
          await context.hooks?.jobHandlers?.[job.type]?.(job, jobContext);
          return;
        }
        const runId = (job.payload as { runId?: unknown }).runId;
        if (typeof runId !== 'string') return;
        active.add(runId);
        try {
          await executor.execute(
            runId,
            jobContext.signal,
            async () => (await runtime.queue.get(job.id))?.status ?? null,
          );
        } finally {
          active.delete(runId);
        }
        await ended(runId);
      };
      /** Cancels the runs that outlasted a graceful stop's grace period; returns those it canceled. */
      const cancelForShutdown = async (graceMs: number): Promise<string[]> => {
        const canceled: string[] = [];
        for (const runId of [...active]) {
          // Logged before the cancel, so that it comes before the terminal event streams end on.
          await events
            .record(runId, {
              type: 'run-log',
              level: 'warn',
              message: `the server is shutting down and the run did not finish within the grace period (${Math.round(graceMs / 1000)} s): canceling it`,
              data: { reason: 'shutdown' },
            })
            .catch(() => undefined);
          // Aborts the handler; the executor sees the canceled job and ends the run `canceled`.
          if (await runtime.queue.cancel(runId).catch(() => false)) canceled.push(runId);
        }
        return canceled;
      };
      let stopped = false;
      let stopping: Promise<RunWorkersStopped> | null = null;
      let sweeping: Promise<unknown> = Promise.resolve();
      const sweep = (): void => {
        sweeping = recover().catch(() => 0);
      };
      // Repair what a previous process left before taking new work.
      sweep();
      const started = sweeping.then(() => {
        if (!stopped) runtime.queue.start(handler, { concurrency: options.concurrency ?? 4 });
      });
      const interval = setInterval(sweep, options.recoverEveryMs ?? 30_000);
      // Never keep a process alive just to sweep.
      (interval as { unref?: () => void }).unref?.();
      workers = {
        stop(stopOptions = {}) {
          stopping ??= (async () => {
            stopped = true;
            clearInterval(interval);
            await started;
            await sweeping;
            let canceled: string[] = [];
            const { graceMs } = stopOptions;
            if (graceMs !== undefined) {
              // Running handlers go on; no new run starts.
              const paused = runtime.queue.pause();
              let timer: ReturnType<typeof setTimeout> | undefined;
              const inTime = await Promise.race([
                paused.then(() => true),
                new Promise<false>((resolve) => {
                  timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
                }),
              ]);
              clearTimeout(timer);
              if (!inTime) {
                canceled = await cancelForShutdown(graceMs);
                // Before close: the handlers still ask the queue whether their job was canceled.
                await paused;
              }
            }
            await runtime.queue.close();
            return { canceled };
          })();
          return stopping;
        },
        running: () => [...active],
        async drain() {
          await started;
          await runtime.queue.drain();
        },
      };
      return workers;
    },

    recover,
  };
  return service;
}
