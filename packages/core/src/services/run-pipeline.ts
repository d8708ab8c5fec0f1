import type { z } from 'zod';
import { executorLabel, type ModelProfile, type Repo, type Run } from '../domain/index.ts';
import { ConflictError, GoosukeError, InvalidInputError, UnsupportedError } from '../errors/index.ts';
import type { CodeHostResolver } from '../ports/code-host.ts';
import { collectPages, type Store } from '../ports/store.ts';
import { type PickCandidate, pickableRuns, pickMatches, pickRun } from '../pull-requests/pick-run.ts';
import { withFreshCredentialsOnce } from '../runs/git-credentials.ts';
import type { RunRuntime } from '../runs/run-runtime.ts';
import type { ModelProfileService } from './model-profile-service.ts';
import { parseInput } from './parse-input.ts';
import type { PullRequestService } from './pull-request-service.ts';
import type { RepoService } from './repo-service.ts';
import { agentNameOf, agentProfileOf, requireAgentSpec } from './run-agents.ts';
import { resolveExtensionIds } from './run-extensions.ts';
import { assertRunsWithin, assertTextWithin, defaultRunLimits, type RunLimits } from './run-limits.ts';
import { chooseBase } from './run-pipeline-base.ts';
import {
  type RunPipelineEvent,
  type RunPipelineInput,
  type RunPipelineOptions,
  type RunPipelinePick,
  type RunPipelineResult,
  runPipelineInputSchema,
} from './run-pipeline-input.ts';
import { gitAuthFor, locatePipelineTarget, requireCodeHost } from './run-pipeline-target.ts';
import type { RunService } from './run-service.ts';
import { type TaskService, taskTitleFrom } from './task-service.ts';
import { waitForRunsOrCancel } from './wait-for-runs-or-cancel.ts';

/**
 * The run pipeline: what `goosuke run` does, in one call for any program. One instruction on
 * several models in parallel against a repository, then the pick and, when asked, the pull
 * request.
 */
export interface RunPipeline {
  /**
   * Runs the pipeline, in this order, each step only after the previous one succeeded:
   * 1. checks the input, the model profiles (NotFoundError), the `pick` (InvalidInputError when it
   *    names none of the models) and, for a pull request, the repository's code host (a local
   *    checkout's `origin` when that is on the code host; CodeHostUnavailableError otherwise) and
   *    the open pull request on `pullRequest.branch`; nothing is stored or cloned before;
   * 2. finds the repository by its URL or registers it, and clones or updates Goosuke's clone
   *    with the code host's credentials (renewed once when refused, as runs do);
   * 3. chooses the base (see {@link RunPipelineInput.base}; InvalidInputError when the base given
   *    names no branch, tag or commit of the clone, or HEAD is on no branch of the repository),
   *    creates the task and one run per model;
   * 4. starts this Goosuke's workers when asked, waits for the runs (see {@link RunPipelineOptions.signal}
   *    for cancellation), compares them and picks one (see `pickRun`); a `pick` asked for becomes
   *    the task's chosen run (its follow-ups build on it), as a pull request's run does;
   * 5. with `pullRequest`, opens the pull request from the pick, or adds it to the open one on
   *    the branch asked for.
   * Progress is reported through `options.onEvent`. Errors are GoosukeErrors; UnsupportedError
   * for a Goosuke built without runtime ports.
   */
  run(input: RunPipelineInput, options?: RunPipelineOptions): Promise<RunPipelineResult>;
  /**
   * Where pull requests of the repository at `repoUrl` go: its `owner/name` on the configured
   * code host. CodeHostUnavailableError when it is on none, or the configuration is incomplete.
   */
  codeHostOf(repoUrl: string): Promise<{ repository: string }>;
}

/** The services and ports the pipeline runs on (it reads no store itself). */
export interface RunPipelineContext {
  /** Read for the agents named (built-in or custom) and their default model profiles. */
  store: Store;
  repos: Pick<RepoService, 'list' | 'create'>;
  tasks: Pick<TaskService, 'create' | 'choose'>;
  runs: Pick<RunService, 'create' | 'subscribe' | 'startWorkers' | 'waitFor' | 'cancel' | 'compare'>;
  models: Pick<ModelProfileService, 'get'>;
  pullRequests: Pick<PullRequestService, 'create'>;
  /** Git, the clone layout and the clone credentials; without it `run` is UnsupportedError. */
  runtime: RunRuntime | undefined;
  codeHosts: CodeHostResolver | undefined;
  /** Whether this Goosuke's run workers run now (see {@link RunPipelineOptions.workers}). */
  workersRunning: () => boolean;
  /** The limits `runs.create` holds the input to, checked before anything is cloned; default {@link defaultRunLimits}. */
  limits?: RunLimits;
}

const noPickableRun = 'no run succeeded with changes';

/** The pipeline's input once parsed. */
type RunPipelineRequest = z.output<typeof runPipelineInputSchema>;

/** How the pull request is to be made, or null when none is asked for. */
function pullRequestOf(input: RunPipelineRequest): { branch?: string; draft?: boolean } | null {
  if (input.pullRequest === undefined || input.pullRequest === false) return null;
  return input.pullRequest === true ? {} : input.pullRequest;
}

/** Stops the pipeline when `signal` has aborted: with its reason when that is a GoosukeError. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  if (GoosukeError.isInstance(signal.reason)) throw signal.reason;
  throw new GoosukeError('canceled', 'the run pipeline was canceled', { cause: signal.reason });
}

/** Builds the run pipeline on the services and runtime ports `createGoosuke` made. */
export function createRunPipeline(context: RunPipelineContext): RunPipeline {
  const { repos, runs } = context;

  /** The repository registered under `url`, registered now when there is none. */
  async function findOrCreateRepo(url: string): Promise<Repo> {
    const find = async (): Promise<Repo | null> =>
      (await collectPages((cursor) => repos.list({ limit: 500, cursor }))).find(
        (candidate) => candidate.url === url,
      ) ?? null;
    const found = await find();
    if (found !== null) return found;
    try {
      return await repos.create({ url });
    } catch (error) {
      // Registered meanwhile by another caller: that one is ours too.
      if (!(error instanceof ConflictError)) throw error;
      const again = await find();
      if (again === null) throw error;
      return again;
    }
  }

  /**
   * Announces the runs (`announce`), then follows their events, starts the workers when asked
   * and waits for the runs to end, or cancels them when the signal aborts.
   */
  async function execute(
    ids: string[],
    options: RunPipelineOptions,
    announce: () => Promise<void>,
  ): Promise<{ runs: Run[]; canceled: boolean }> {
    await announce();
    const { onEvent, signal } = options;
    const ours = new Set(ids);
    const unsubscribe = runs.subscribe((event) => {
      if (!ours.has(event.runId) || onEvent === undefined) return;
      // Run events come while the runs execute: nothing waits for what the listener does, and
      // what it throws is dropped (by the event hub when thrown, here when a promise rejects).
      void Promise.resolve(onEvent({ type: 'run', event })).catch(() => undefined);
    });
    try {
      // This Goosuke's workers, started here when asked and not running yet; they keep running
      // (a Goosuke starts them once, and stopping them closes its queue) until `close()`.
      if (options.workers !== undefined && options.workers !== false && !context.workersRunning()) {
        runs.startWorkers({ concurrency: ids.length, ...(options.workers === true ? {} : options.workers) });
      }
      return await waitForRunsOrCancel(runs, ids, {
        ...(signal === undefined ? {} : { signal }),
        onCancel: () => onEvent?.({ type: 'canceling', runIds: ids }),
      });
    } finally {
      unsubscribe();
    }
  }

  /**
   * Steps 1 to 3 of {@link RunPipeline.run}: the checks, the repository and its clone, the base,
   * the task and its runs. An abort stops it with a `canceled` GoosukeError.
   */
  async function prepare(input: RunPipelineRequest, runtime: RunRuntime, options: RunPipelineOptions) {
    const { signal } = options;
    const emit = async (event: RunPipelineEvent): Promise<void> => {
      await options.onEvent?.(event);
    };
    try {
      throwIfAborted(signal);
      // 1. Everything that can be checked before anything is stored or cloned.
      // In the order the runs are made: the models, then the agents.
      const planned: Array<{ label: string; profile: ModelProfile; agent: string | null }> = [];
      for (const id of input.models) {
        const profile = await context.models.get(id);
        planned.push({ label: profile.displayName, profile, agent: null });
      }
      for (const entry of input.agents) {
        const spec = await requireAgentSpec(context.store, entry.agent);
        const profile = await agentProfileOf(context.store, spec, entry.model);
        const agent = agentNameOf(spec);
        const label = executorLabel({ kind: 'agent', agent, modelProfileId: profile.id }, profile);
        planned.push({ label, profile, agent });
      }
      const extensionIds = await resolveExtensionIds(context.store, input.extensions);
      const labels = planned.map((run) => run.label);
      const wanted = input.pick;
      if (
        wanted !== undefined &&
        !planned.some((run) => pickMatches(run.label, run.profile, wanted, run.agent))
      ) {
        throw new InvalidInputError(`pick ${wanted} names none of the models run (${labels.join(', ')})`, [
          { path: ['pick'], message: 'names none of the models' },
        ]);
      }
      const pullRequest = pullRequestOf(input);
      const target = await locatePipelineTarget(
        { git: runtime.git, codeHosts: context.codeHosts, ...(signal === undefined ? {} : { signal }) },
        { repo: input.repo, pullRequest, onOrigin: (origin) => emit({ type: 'checkout-origin', ...origin }) },
      );
      throwIfAborted(signal);

      // 2. The repository and Goosuke's clone of it, with credentials renewed once when refused.
      const repo = await findOrCreateRepo(target.url);
      await emit({ type: 'cloning', repo });
      const clone = await withFreshCredentialsOnce(
        (fresh) => (target.local ? undefined : gitAuthFor(runtime.gitAuth, repo.url, fresh)),
        (auth) =>
          runtime.git.clone({
            url: repo.url,
            dir: runtime.layout.cloneDir(repo),
            ...(signal === undefined ? {} : { signal }),
            ...(auth === undefined ? {} : { auth }),
          }),
      );

      // 3. The base, the task and its runs.
      const adopted = target.pullRequest?.adopted ?? null;
      const { taskBase, base } = await chooseBase(runtime.git, {
        clone,
        checkout: target.checkout,
        url: input.repo,
        local: target.local,
        base: input.base,
        pullRequest: pullRequest === null ? null : { branch: pullRequest.branch, adopted },
      });
      if (adopted !== null) await emit({ type: 'pull-request-adopted', pullRequest: adopted });
      throwIfAborted(signal);
      const createdBy = input.createdBy === undefined ? {} : { createdBy: input.createdBy };
      const { task } = await context.tasks.create({
        repoId: repo.id,
        baseBranch: taskBase,
        title: input.title ?? taskTitleFrom(input.instruction),
        ...createdBy,
      });
      const { message, runs: queued } = await runs.create(task.id, {
        instruction: input.instruction,
        models: input.models,
        agents: input.agents,
        ...(input.maxCostUsd === undefined ? {} : { maxCostUsd: input.maxCostUsd }),
        ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
        ...(input.allowShell === undefined ? {} : { allowShell: input.allowShell }),
        extensionIds,
        baseRef: base.ref,
        ...createdBy,
      });
      return { outcome: { repo, task, message, labels, base }, queued, pullRequest, adopted, emit };
    } catch (error) {
      // Whatever an abort interrupted (a clone, a request) reports it its own way: say canceled.
      throwIfAborted(signal);
      throw error;
    }
  }

  return {
    async run(raw, options = {}) {
      const limits = context.limits ?? defaultRunLimits;
      assertTextWithin(
        typeof raw === 'object' && raw !== null ? (raw as { instruction?: unknown }).instruction : undefined,
        limits.maxInstructionBytes,
        'instruction',
      );
      const input = parseInput(runPipelineInputSchema, raw, 'pipeline input');
      // Before any clone or model call: the runs would be refused for it at the end of preparing.
      assertRunsWithin(input, limits.maxModelsPerMessage, 'pipeline input');
      const runtime = context.runtime;
      if (runtime === undefined) {
        throw new UnsupportedError(
          'the run pipeline needs a job queue, a git backend and language models; build Goosuke with runtime',
        );
      }
      const { outcome, queued, pullRequest, adopted, emit } = await prepare(input, runtime, options);
      const ids = queued.map((run) => run.id);

      // 4. Execute (here when asked), wait, compare, pick.
      let ended: { runs: Run[]; canceled: boolean };
      try {
        ended = await execute(ids, options, () => emit({ type: 'runs-started', ...outcome, runs: queued }));
      } catch (error) {
        // The runs must not linger queued or running for a pipeline that gave up on them.
        for (const id of ids) await runs.cancel(id).catch(() => undefined);
        throw error;
      }
      if (ended.canceled) return { outcome: 'canceled', ...outcome, runs: ended.runs };
      const comparison = await runs.compare(outcome.message.id);
      await emit({ type: 'runs-ended', runs: ended.runs, comparison });
      const candidates: PickCandidate[] = ended.runs.map((run, index) => ({
        entry: comparison.runs.find((entry) => entry.runId === run.id)!,
        label: outcome.labels[index]!,
        completedAt: run.completedAt,
      }));
      let pick: RunPipelinePick | null = null;
      let task = outcome.task;
      if (pickableRuns(candidates).length > 0) {
        const picked = pickRun(candidates, input.pick);
        pick = { runId: picked.candidate.entry.runId, label: picked.candidate.label, reason: picked.reason };
        // A pick asked for is the task's choice whether or not a pull request follows (one opened
        // records its run anyway): follow-ups build on it.
        if (input.pick !== undefined) task = await context.tasks.choose(task.id, pick.runId);
      }
      const noPickReason = pick === null ? noPickableRun : null;
      await emit({ type: 'picked', pick, noPickReason });
      const completed = {
        outcome: 'completed' as const,
        ...outcome,
        task,
        runs: ended.runs,
        comparison,
        pick,
        noPickReason,
        pullRequest: null,
        pullRequestAction: null,
      };
      if (pullRequest === null || pick === null) return completed;

      // 5. The pull request.
      const made = await context.pullRequests.create(outcome.task.id, {
        runId: pick.runId,
        reason: pick.reason,
        ...(pullRequest.branch === undefined ? {} : { branch: pullRequest.branch }),
        ...(pullRequest.draft === undefined ? {} : { draft: pullRequest.draft }),
      });
      const action = adopted?.number === made.number ? 'updated' : 'opened';
      await emit({ type: 'pull-request', pullRequest: made, action });
      return { ...completed, pullRequest: made, pullRequestAction: action };
    },

    async codeHostOf(repoUrl) {
      const { repository } = await requireCodeHost(context.codeHosts, repoUrl);
      return { repository };
    },
  };
}
