import type { z } from 'zod';
import {
  isTerminalRunStatus,
  type Message,
  type ModelProfile,
  type Run,
  type RunEvent,
  transitionRun,
  type Usage,
} from '../domain/index.ts';
import { ConflictError, GoosukeError, NotFoundError, UnsupportedError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { EventSink } from '../ports/event-sink.ts';
import type { Job } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import { collectPages, type ListOptions, type Page, type Store } from '../ports/store.ts';
import { assertCommitBaseVisible, ownBranchesOf } from '../runs/base-ref-policy.ts';
import { createKeyedLimiter } from '../runs/keyed-limiter.ts';
import { createRunEndedEvent, type RunEndedListener } from '../runs/run-ended.ts';
import { createRunEventHub, type RunEventListener } from '../runs/run-events.ts';
import { createRunExecutor } from '../runs/run-executor.ts';
import type { RunExtensionSource } from '../runs/run-extension-session.ts';
import { createRunJobRegistration, runIdOfJob, runJobType } from '../runs/run-job.ts';
import { recoverRuns } from '../runs/run-recovery.ts';
import type {
  RunRuntime,
  RunSettings,
  RunWorkerOptions,
  RunWorkers,
  RunWorkersStopped,
} from '../runs/run-runtime.ts';
import { refreshTaskStatus } from '../runs/task-status.ts';
import type { WorkerRuntime } from '../runs/worker-runtime.ts';
import { type IdempotencyOptions, runIdempotent } from './idempotency.ts';
import type { ModelProfileService } from './model-profile-service.ts';
import { parseInput } from './parse-input.ts';
import { queuedRun } from './queued-run.ts';
import { planExecutors } from './run-agents.ts';
import { chooseRunBase, describeRunBase } from './run-base.ts';
import { compareRuns, type RunComparison } from './run-comparison.ts';
import { planRunExtensions } from './run-extensions.ts';
import { type CreateRunsInput, createRunsInputSchema } from './run-input.ts';
import {
  assertActiveRunsWithin,
  assertRunsWithin,
  assertTextWithin,
  defaultRunLimits,
  type RunLimits,
} from './run-limits.ts';
import type { ServiceContext } from './service-context.ts';

/** Input of {@link RunService.create} (see `run-input.ts`). */
/** The job type of a run in the JobQueue (one job per run, its id the run's). */
export { type CreateRunsInput, createRunsInputSchema, runJobType };

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
   * `run-queued` event each, saying where the runs start and why), enqueues the runs and returns
   * at once. The base is, in order: `baseRef`; `fromRun`; the branch of the task's open pull
   * request; the task's chosen run (`Task.chosenRunId`); the task's base branch. Each run records
   * it (`baseRef`, `baseSource`).
   * A task without a repository gets text runs (the text agent answers; no branch; `fromRun` or a
   * chosen run puts that answer in the history).
   * NotFoundError for a missing task, profile or `fromRun`; UnsupportedError for a Goosuke built
   * without a job queue; ConflictError for an archived task or a `fromRun` without a result;
   * InvalidInputError for `baseRef` on a text task, or `baseRef` with `fromRun`, a model profile
   * named twice or more models than `RunLimits.maxModelsPerMessage`; PayloadTooLargeError for an
   * instruction over `RunLimits.maxInstructionBytes`; RateLimitedError when `createdBy` would have
   * more than `RunLimits.maxActiveRunsPerUser` queued and running runs.
   * With `idempotency`, the caller's key is recorded with the message (see runIdempotent): a
   * retry returns the first message and its runs and starts nothing.
   */
  create(
    taskId: string,
    input: CreateRunsInput,
    options?: { idempotency?: IdempotencyOptions },
  ): Promise<{ message: Message; runs: Run[] }>;
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
   * is after the request: when it is still running (its worker is in another process, or died
   * and recovery has yet to end it), `cancelRequestedAt` records the cancel. A finished run is
   * returned unchanged.
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
   * Starts the process's worker runtime: registers the `run` job type (with this call's
   * per-provider limits) beside the types other services registered (action callbacks, action
   * pull requests), sweeps, then executes queued jobs of every type. Once per Goosuke
   * (ConflictError after). Runs left `running` by a dead worker are started over (see
   * RunSettings.maxInterruptedRetries) or failed as `interrupted`.
   */
  startWorkers(options?: RunWorkerOptions): RunWorkers;
  /**
   * Calls `listener` with every run that ends in this process from now on (executed by this
   * process's workers, canceled here, or given up by `recover`), once it is stored in its
   * terminal status; returns the unsubscribe function. Listeners are awaited one after the other
   * before the run's job counts as done; what they throw is dropped: a listener never changes a
   * run's outcome. Action callbacks subscribe here.
   */
  onEnded(listener: RunEndedListener): () => void;
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
  /**
   * The process's worker runtime (present with `runtime`): `startWorkers` registers the `run`
   * job type with it, next to the types other services registered, and starts it.
   */
  workers: WorkerRuntime | undefined;
  /** What one message may ask for; {@link defaultRunLimits} when absent. */
  limits?: RunLimits;
  /** Where failures nobody awaits are written (a run-ended listener that threw); none when absent. */
  logger?: Logger;
  /** Opens runs' extensions for the workers (their secrets) and records their servers. */
  extensions: RunExtensionSource;
}

/** The run ids of run jobs. */
function runIdsOf(jobs: readonly Job[]): string[] {
  return jobs.flatMap((job) => {
    const runId = job.type === runJobType ? runIdOfJob(job) : null;
    return runId === null ? [] : [runId];
  });
}

/** Builds the run service. */
export function createRunService(context: RunServiceContext): RunService {
  const { store, clock, ids } = context;
  const events = createRunEventHub({ store, clock, ids, sinks: context.sinks });
  const runEnded = createRunEndedEvent(context.logger);
  const limits = context.limits ?? defaultRunLimits;

  /** The input checked against the limits: size before parsing (a 413 whatever else is wrong), models after. */
  function parseLimited(raw: CreateRunsInput): z.output<typeof createRunsInputSchema> {
    assertTextWithin(
      (raw as { instruction?: unknown } | null)?.instruction,
      limits.maxInstructionBytes,
      'instruction',
    );
    const input = parseInput(createRunsInputSchema, raw, 'runs');
    assertRunsWithin(input, limits.maxModelsPerMessage, 'runs');
    return input;
  }

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
      await refreshTaskStatus(tx, current);
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

  /** Tells the run-ended listeners that a run ended, once it is terminal in the store. */
  async function ended(runId: string): Promise<void> {
    const run = await store.runs.get(runId).catch(() => null);
    if (run !== null && isTerminalRunStatus(run.status)) await runEnded.announce(run);
  }

  const recover = (): Promise<number> =>
    recoverRuns({
      store,
      queue: requireRuntime('recovering runs').queue,
      enqueue,
      end: markEnded,
    });

  /** The reads and writes of {@link RunService.create}, with `tx`; `started` delivers and enqueues after commit. */
  async function insertRuns(
    tx: Store,
    taskId: string,
    input: z.output<typeof createRunsInputSchema>,
  ): Promise<{ message: Message; runs: Run[]; started(): Promise<void> }> {
    const task = await tx.tasks.get(taskId);
    if (task === null) throw new NotFoundError('task', taskId);
    if (task.archived) throw new ConflictError(`task ${taskId} is archived; restore it to add runs`);
    // A text task (no repository) runs the text agent: no branch, and a base only to follow an
    // earlier answer.
    if (input.createdBy !== undefined) {
      await assertActiveRunsWithin(
        tx,
        input.createdBy,
        input.models.length + input.agents.length,
        limits.maxActiveRunsPerUser,
      );
    }
    const base = await chooseRunBase(tx, task, input);
    const planned = await planExecutors(tx, task, input);
    const extensions = await planRunExtensions(tx, task, input.extensionIds);
    const startingFrom = describeRunBase(base);
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
    const runs: Run[] = planned.map(({ executor }) =>
      queuedRun({
        id: ids.next('run'),
        taskId,
        messageId: message.id,
        executor,
        instruction: input.instruction,
        base,
        createdAt: now,
        limits: input,
        extensions,
      }),
    );
    {
      await tx.messages.insert(message);
      const appended: RunEvent[] = [];
      for (const [index, run] of runs.entries()) {
        await tx.runs.insert(run);
        const { profile, label } = planned[index]!;
        const on =
          run.executor.kind === 'agent'
            ? `${run.executor.agent} on ${profile.displayName}`
            : profile.displayName;
        appended.push(
          await events.append(tx, run.id, {
            type: 'run-queued',
            message: `queued on ${on}${startingFrom === null ? '' : `, ${startingFrom}`}`,
            data: {
              executor: label,
              baseRef: base.baseRef,
              baseSource: base.baseSource,
              ...(extensions.length === 0
                ? {}
                : { extensions: extensions.map((extension) => extension.name) }),
            },
          }),
        );
      }
      await tx.tasks.update(taskId, { updatedAt: now, status: 'active' });
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

  /** A user's base commit that the clone holds must be the repository's or the task's (see assertCommitBaseVisible). */
  async function checkCommitBase(runtime: RunRuntime, taskId: string, ref: string): Promise<void> {
    const task = await store.tasks.get(taskId);
    const repo = task?.repoId == null ? null : await store.repos.get(task.repoId);
    if (task == null || repo === null) return;
    await assertCommitBaseVisible({
      git: runtime.git,
      repo: { dir: runtime.layout.cloneDir(repo), url: repo.url },
      ref,
      own: ownBranchesOf(store, taskId),
    });
  }

  const service: RunService = {
    async create(taskId, raw, options = {}) {
      const input = parseLimited(raw);
      const runtime = requireRuntime('running a task');
      if (input.createdBy !== undefined && input.baseRef !== undefined) {
        await checkCommitBase(runtime, taskId, input.baseRef);
      }
      return runIdempotent({
        store,
        clock,
        operation: 'runs.create',
        target: taskId,
        options: options.idempotency,
        request: input,
        replay: async (record) => {
          const message = record.messageId === null ? null : await store.messages.get(record.messageId);
          if (message === null) throw new NotFoundError('message', record.messageId ?? '');
          const runs = await collectPages((cursor) =>
            store.runs.list({ messageId: message.id, limit: 500, cursor }),
          );
          return { message, runs };
        },
        create: async (claim) => {
          const created = await store.transaction(async (tx) => {
            const inserted = await insertRuns(tx, taskId, input);
            await claim?.(tx, { taskId, messageId: inserted.message.id });
            return inserted;
          });
          await created.started();
          return { message: created.message, runs: created.runs };
        },
      });
    },

    async createInTransaction(tx, taskId, raw) {
      const input = parseLimited(raw);
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
      const current = await get(id);
      if (isTerminalRunStatus(current.status)) return current;
      // Its worker is elsewhere, or dead: the canceled job is the cancel, which the worker (or
      // recovery) turns into `canceled`. Recorded on the run, so that the caller sees it asked.
      return store.runs.update(id, { cancelRequestedAt: current.cancelRequestedAt ?? isoNow(clock) });
    },

    compare: (messageId) => compareRuns(store, messageId),

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
      const workers = context.workers;
      if (workers === undefined) throw new UnsupportedError('executing runs needs a worker runtime');
      if (workers.state() !== 'idle') throw new ConflictError('the run workers are already started');
      // The runs' job type joins the types other services registered, with this start's limits.
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
        extensions: context.extensions,
      });
      workers.register(
        createRunJobRegistration({
          queue: runtime.queue,
          executor,
          events,
          ended,
          recover,
          unfinished: async (runId) => {
            const run = await store.runs.get(runId);
            return run !== null && !isTerminalRunStatus(run.status);
          },
        }),
      );
      workers.start({
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.recoverEveryMs === undefined ? {} : { recoverEveryMs: options.recoverEveryMs }),
      });
      let stopping: Promise<RunWorkersStopped> | null = null;
      return {
        stop(stopOptions) {
          stopping ??= workers.stop(stopOptions).then(({ canceled }) => ({ canceled: runIdsOf(canceled) }));
          return stopping;
        },
        running: () => runIdsOf(workers.running()),
        drain: () => workers.drain(),
      };
    },

    onEnded: (listener) => runEnded.subscribe(listener),

    recover,
  };
  return service;
}
