import { createContextCache } from '../agents/context/context-cache.ts';
import { createEditAgent } from '../agents/edit-agent.ts';
import { runTextAgent } from '../agents/text-agent.ts';
import type { ModelProfile, Repo, Run, Task, Usage } from '../domain/index.ts';
import { transitionRun } from '../domain/index.ts';
import { ConflictError, GoosukeError, redactJson, redactSecrets } from '../errors/index.ts';
import { costOf, resolveModelPrice } from '../models/model-prices.ts';
import type { AgentOutcome } from '../ports/agent.ts';
import type { AgentSpec } from '../ports/agent-host.ts';
import type { Clock } from '../ports/clock.ts';
import { isoNow } from '../ports/clock.ts';
import type { RepoCheckout } from '../ports/git-backend.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { TokenUsage } from '../ports/language-model.ts';
import type { Store } from '../ports/store.ts';
import type { Workspace } from '../ports/workspace.ts';
import { composeCommitMessage } from '../pull-requests/commit-message.ts';
import type { ModelProfileService } from '../services/model-profile-service.ts';
import { findAgentSpec } from '../services/run-agents.ts';
import { agentSessionOf, directoryTakenEvent, findAgentContinuation } from './agent-continuation.ts';
import { type AgentSession, gatewayCallEvent, openAgentSession } from './agent-session.ts';
import { ForeignBaseError, ownBranchesOf, resolveRunBase } from './base-ref-policy.ts';
import { createDeferredWorkspace } from './deferred-workspace.ts';
import { withFreshCredentialsOnce } from './git-credentials.ts';
import type { KeyedLimiter } from './keyed-limiter.ts';
import { summarizePatch } from './patch-stats.ts';
import { createRunBudget, type RunBudget } from './run-budget.ts';
import { historyOf, summaryRequestOf } from './run-conversation.ts';
import type { RunEventHub, RunEventInput } from './run-events.ts';
import {
  agentExtensionsOf,
  openRunExtensions,
  type RunExtensionSession,
  type RunExtensionSource,
} from './run-extension-session.ts';
import { createRunFinisher } from './run-finish.ts';
import { type RunRuntime, type RunSettings, runBranchName } from './run-runtime.ts';
import { summarizeRun } from './run-summarize.ts';
import { addUsage, staleWorkspace } from './run-work.ts';

const defaultAuthor = { name: 'Goosuke', email: 'goosuke@localhost' };

/** What the executor is built from. */
export interface RunExecutorContext {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  models: ModelProfileService;
  events: RunEventHub;
  runtime: RunRuntime;
  settings: RunSettings;
  /** Bounds model work per provider. */
  limiter: KeyedLimiter;
  /** Opens runs' extensions (their secrets) and records their servers. */
  extensions: RunExtensionSource;
}

/** Thrown inside the executor to end a run as failed with a code and a safe message. */
class RunFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Executes queued runs: the job handler behind the run workers. For one run it creates the
 * working copy at the base commit, runs the agent, diffs, commits on `goosuke/run-<id>`, stores
 * the patch and stats, and removes the working copy; every step is a run event.
 */
export function createRunExecutor(context: RunExecutorContext) {
  const { store, clock, events, runtime, settings } = context;
  const { git, layout } = runtime;
  const clones = new Map<string, Promise<{ dir: string; url: string }>>();
  const maxInterruptedRetries = settings.maxInterruptedRetries ?? 1;
  // The runs of one message read the same commit with the same conversation: one ranking serves them.
  const contextCache = createContextCache();

  /** One clone per repo; concurrent runs of one repo share the clone and its fetch. */
  const checkout = (repo: Repo, signal: AbortSignal) => {
    const dir = layout.cloneDir(repo);
    const pending = clones.get(dir);
    if (pending !== undefined) return pending;
    const started = withFreshCredentialsOnce(
      (fresh) => runtime.gitAuth?.(repo.url, fresh ? { fresh } : undefined),
      (auth) => git.clone({ url: repo.url, dir, signal, ...(auth === undefined ? {} : { auth }) }),
    ).finally(() => {
      // Later runs fetch again; runs started together share this fetch.
      clones.delete(dir);
    });
    clones.set(dir, started);
    return started;
  };

  const emit = (runId: string, event: RunEventInput) => events.record(runId, event);

  const priceOf = (profile: ModelProfile | null) =>
    profile === null
      ? null
      : resolveModelPrice(profile.provider, profile.modelName, { overrides: settings.prices });

  async function fail(
    run: Run,
    code: string,
    message: string,
    usage: Usage | null = run.usage,
  ): Promise<void> {
    await finish(run, { to: 'failed', error: { code, message }, usage });
  }

  const finish = createRunFinisher({ store, clock, ids: context.ids, events });

  /** Connects a model run to its extensions and records their servers on the run. */
  async function connectExtensions(run: Run, task: Task, signal: AbortSignal) {
    const tools = await openRunExtensions({
      run,
      source: context.extensions,
      connector: runtime.extensionConnector,
      builtin: { builtins: runtime.builtinExtensions, task, runId: run.id },
      clock,
      signal,
      emit: (event) => emit(run.id, event).then(() => undefined),
    });
    if (run.extensions.length > 0) await store.runs.update(run.id, { extensions: tools.records });
    return tools;
  }

  /** The run's base commit, among what its task may build on (see resolveRunBase). */
  async function resolveBase(repo: RepoCheckout, run: Run, ref: string): Promise<string> {
    try {
      const byUser = ((await store.messages.get(run.messageId))?.createdBy ?? null) !== null;
      return await resolveRunBase({ git, repo, ref, own: ownBranchesOf(store, run.taskId), byUser });
    } catch (error) {
      if (error instanceof ForeignBaseError) throw new RunFailure('not_found', error.message);
      throw error;
    }
  }

  async function execute(
    runId: string,
    signal: AbortSignal,
    jobStatus: () => Promise<string | null>,
  ): Promise<void> {
    let run = await store.runs.get(runId);
    if (run === null || (run.status !== 'queued' && run.status !== 'running')) return;

    let attempt = 1;
    if (run.status === 'running') {
      // Its worker died: count the starts it already had.
      const starts = (await store.runEvents.list({ runId, limit: 500 })).filter(
        (event) => event.type === 'run-started',
      );
      attempt = starts.length + 1;
      if (starts.length > maxInterruptedRetries) {
        await fail(
          run,
          'interrupted',
          `the run was interrupted ${starts.length} times (its worker stopped) and was given up`,
        );
        return;
      }
      await emit(runId, {
        type: 'run-log',
        level: 'warn',
        message: `the previous attempt was interrupted; starting over (attempt ${attempt})`,
        data: { interrupted: true },
      });
    } else {
      const started = await store.transaction(async (tx) => {
        const current = await tx.runs.get(runId);
        if (current === null || current.status !== 'queued') return null;
        const next = transitionRun(current, { to: 'running', at: isoNow(clock) });
        await tx.runs.update(runId, { status: next.status, startedAt: next.startedAt });
        return next;
      });
      if (started === null) return;
      run = started;
    }

    let ending: (() => Promise<void>) | null = null;
    const current: Run = run;
    let profile: ModelProfile | null = null;
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    const usageWithCost = (): Usage | null =>
      usage.inputTokens + usage.outputTokens === 0
        ? null
        : { ...usage, costUsd: costOf(usage, priceOf(profile)) };
    let workspace: Workspace | null = null;
    let copying: Promise<Workspace> | null = null;
    let secrets: string[] = [];
    let warnings: string[] = [];
    let agentSummary: string | null = null;
    let session: AgentSession | null = null;
    let tools: RunExtensionSession | null = null;
    let releaseGrants = (): void => {};
    let budget: RunBudget | null = null;
    // Aborts the agent when the run's budget is spent; the job's signal aborts it too.
    const budgetStop = new AbortController();
    const agentSignal = AbortSignal.any([signal, budgetStop.signal]);
    const spent = (): void => {
      if (budget?.check(usage) === true)
        budgetStop.abort(new RunFailure('budget_exceeded', budget.message()));
    };
    try {
      const task = (await store.tasks.get(run.taskId)) as Task | null;
      if (task === null) return;
      let spec: AgentSpec | null = null;
      if (run.executor.kind === 'agent') {
        spec = await findAgentSpec(store, run.executor.agent);
        if (spec === null) throw new RunFailure('not_found', `the agent ${run.executor.agent} was removed`);
        if (task.repoId === null) throw new RunFailure('invalid_input', 'agents need a repository task');
      }
      const profileId = run.executor.modelProfileId;
      if (profileId === null) {
        throw new RunFailure(
          'unsupported',
          'this agent run was stored by an earlier version without a model',
        );
      }
      profile = await store.models.get(profileId);
      if (profile === null) {
        throw new RunFailure('not_found', `the model profile ${profileId} was deleted`);
      }
      budget = createRunBudget(run, priceOf(profile));
      if (task.repoId === null) {
        // A text task: the text agent, one model call on the conversation, no repository.
        const apiKey = await context.models.revealApiKey(profile.id);
        secrets = apiKey === null ? [] : [apiKey];
        const model = await runtime.languageModels(profile, apiKey);
        await emit(runId, {
          type: 'run-started',
          message: `started on ${profile.displayName}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
          data: { attempt, baseCommit: null },
        });
        const activeProfile = profile;
        const summaryRequest = await summaryRequestOf(store, task, run);
        const history = summaryRequest === null ? await historyOf(store, run) : [];
        tools = summaryRequest === null ? await connectExtensions(run, task, signal) : null;
        secrets = [...secrets, ...(tools?.secrets ?? [])];
        const textTools = tools?.tools ?? [];
        const answer = await context.limiter.run(
          profile.provider,
          () =>
            summaryRequest !== null
              ? summarizeRun(
                  {
                    emit: (event) => emit(runId, event),
                    model,
                    request: summaryRequest,
                    signal: agentSignal,
                  },
                  (call) => {
                    usage = addUsage(usage, call);
                    return { ...usage, costUsd: costOf(usage, priceOf(activeProfile)) };
                  },
                )
              : runTextAgent({
                  model,
                  history,
                  tools: textTools,
                  signal: agentSignal,
                  emit: async (event) => {
                    if (event.type === 'run-tokens') {
                      usage = addUsage(usage, event.call);
                      spent();
                      await emit(runId, {
                        type: 'run-tokens',
                        message: event.message,
                        data: {
                          call: event.call,
                          total: { ...usage, costUsd: costOf(usage, priceOf(activeProfile)) },
                        },
                      });
                    } else {
                      await emit(runId, {
                        type: 'run-log',
                        level: event.level ?? 'info',
                        message: redactSecrets(event.message, secrets),
                        data: redactJson(event.data, secrets),
                      });
                    }
                  },
                }),
          signal,
        );
        ending = () =>
          finish(current, {
            to: 'succeeded',
            fields: {
              summary: redactSecrets(answer.text, secrets),
              patch: null,
              filesChanged: [],
              warnings: [...(tools?.warnings ?? []), ...answer.warnings],
              usage: usageWithCost(),
              workingBranch: null,
            },
            commit: null,
          });
        return;
      }
      if (run.baseRef === null) throw new RunFailure('invalid_input', 'a repository run needs a base ref');
      const repo = await store.repos.get(task.repoId);
      if (repo === null) throw new RunFailure('not_found', `the repository ${task.repoId} was deleted`);

      const apiKey = await context.models.revealApiKey(profile.id);
      secrets = apiKey === null ? [] : [apiKey];
      const activeProfile = profile;
      const model = spec === null ? await runtime.languageModels(profile, apiKey) : null;
      if (spec !== null) {
        // The agent starts or reaches its extensions' servers itself, with their secrets.
        const given = await agentExtensionsOf(run, context.extensions, {
          builtins: runtime.builtinExtensions,
          task,
          runId,
        });
        releaseGrants = given.release;
        secrets = [...secrets, ...given.secrets];
        warnings = [...warnings, ...given.warnings];
        // The key stays in the gateway; the agent's calls come back here as ledger entries.
        let recorded: Promise<unknown> = Promise.resolve();
        session = await openAgentSession({
          runtime,
          run,
          task,
          spec,
          profile,
          apiKey,
          price: priceOf(profile),
          onCall: (call) => {
            if (call.usage !== null) usage = addUsage(usage, call.usage);
            spent();
            const total = { ...usage, costUsd: costOf(usage, priceOf(activeProfile)) };
            recorded = recorded.then(() => emit(runId, gatewayCallEvent(call, total))).catch(() => undefined);
          },
          extensions: given.extensions,
        });
        secrets = [...secrets, session.lease.token];
      }

      const checkoutDone = await checkout(repo, signal);
      const baseCommit = await resolveBase(checkoutDone, run, run.baseRef);
      await store.runs.update(runId, { baseCommit });
      run = { ...run, baseCommit };
      await emit(runId, {
        type: 'run-started',
        message: `started on ${profile.displayName} at ${baseCommit.slice(0, 12)}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
        data: { attempt, baseCommit },
      });

      // A follow-up of the same agent continues its session in the directory the session was made
      // in (agents key their sessions by it); a run of another kind, or a retry, gets its own.
      let continuation = spec === null ? null : await findAgentContinuation(store, run, attempt);
      const ownDir = layout.workingCopyDir(run);
      let dir = continuation === null ? ownDir : layout.workingCopyDir({ id: continuation.directoryRunId });
      const branch = runBranchName(run.id);
      if (attempt > 1) {
        await git.removeWorkingCopy({ workspace: staleWorkspace(dir) });
        await git.deleteBranch({ repo: checkoutDone, branch });
      }
      const startCopy = (): Promise<Workspace> => {
        if (copying === null) {
          copying = git.createWorkingCopy({
            repo: checkoutDone,
            baseRef: baseCommit,
            branch,
            dir,
            signal,
            // Agents write files in place: their copy shares no file with a snapshot or another copy.
            ...(spec === null ? {} : { inPlaceWrites: true }),
          });
          // Awaited in `finally` whatever happens; this only keeps an early failure from going unobserved.
          copying.catch(() => undefined);
        }
        return copying;
      };

      const custom =
        session?.agent ?? (model === null ? undefined : settings.createAgent?.({ run, profile, model }));
      if (custom === undefined) {
        // Their tools only read and answer: a stdio server runs in a directory of its own, not in
        // the working copy, whose changes are the edit agent's alone.
        tools = await connectExtensions(run, task, signal);
        secrets = [...secrets, ...tools.secrets];
        warnings = [...warnings, ...tools.warnings];
      }
      const agent =
        custom ??
        createEditAgent({
          // Only agent runs have no model, and they have their session's agent.
          model: model!,
          contextCache,
          ...(tools === null || tools.tools.length === 0 ? {} : { tools: tools.tools }),
          ...(settings.maxEditAttempts === undefined ? {} : { maxAttempts: settings.maxEditAttempts }),
          ...(settings.forbiddenPaths === undefined ? {} : { forbiddenPaths: settings.forbiddenPaths }),
        });
      // The edit agent changes files through writeFiles only, so it reads the base commit to choose
      // its context (from the listing and the files it shows, where the backend lists sizes), and
      // its copy is made while it waits for the model: started with the agent's first event (it
      // reports its context just before calling the model) or first write, awaited only by the
      // first write (a failure fails the run then; cancelling aborts both). Not before: on a fresh
      // clone the copy (a snapshot of the whole tree) competes for the one JavaScript thread, and
      // started at once it delayed the model call by seconds. Other agents get the directory first.
      const deferred =
        custom === undefined
          ? createDeferredWorkspace({
              root: dir,
              base: await git.openCommit({ repo: checkoutDone, commit: baseCommit }),
              copy: startCopy,
            })
          : null;
      workspace =
        deferred ??
        (await startCopy().catch(async (error: unknown) => {
          // The session's directory is another run's now (two follow-ups of one session at once):
          // this one starts afresh in its own.
          if (continuation === null || !(error instanceof ConflictError) || signal.aborted) throw error;
          await emit(runId, directoryTakenEvent(continuation, dir));
          [continuation, dir, copying] = [null, ownDir, null];
          return await startCopy();
        }));
      const history = await historyOf(store, run);
      const activeWorkspace = workspace;
      const activeRun = run;
      const outcome: AgentOutcome = await context.limiter.run(
        profile.provider,
        () =>
          agent.run({
            instruction: activeRun.instruction,
            history,
            workspace: activeWorkspace,
            signal: agentSignal,
            ...(continuation === null ? {} : { resume: { sessionId: continuation.sessionId } }),
            emit: async (event) => {
              if (deferred !== null) void startCopy();
              if (event.type === 'run-tokens') {
                const call = (event.data as { call?: TokenUsage }).call;
                if (call !== undefined) usage = addUsage(usage, call);
                spent();
                await emit(runId, {
                  type: 'run-tokens',
                  level: event.level,
                  message: event.message,
                  data: {
                    call: call ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
                    total: { ...usage, costUsd: costOf(usage, priceOf(activeProfile)) },
                  },
                });
                return;
              }
              await emit(runId, {
                type: 'run-log',
                level: event.level,
                message: redactSecrets(event.message, secrets),
                data: redactJson(event.data, secrets),
              });
            },
          }),
        signal,
      );
      warnings = [...warnings, ...outcome.warnings];
      agentSummary = outcome.summary;
      const agentSession = agentSessionOf(outcome, continuation?.directoryRunId ?? run.id);
      if (agentSession !== null) await store.runs.update(runId, { agentSession });
      if (session !== null) {
        await session.lease.close();
        if (session.lease.budgetExceeded()) budget.exceed('the model gateway refused a call');
      }
      if (budget.exceeded) throw new RunFailure('budget_exceeded', budget.message());
      if (outcome.usage !== null && usage.inputTokens + usage.outputTokens === 0) {
        // An agent that reports usage only at the end (agent CLIs) still gets it recorded.
        usage = {
          inputTokens: outcome.usage.inputTokens,
          outputTokens: outcome.usage.outputTokens,
          cachedInputTokens: outcome.usage.cachedInputTokens,
        };
      }
      if (outcome.status === 'failed') {
        ending = () =>
          finish(current, {
            to: 'failed',
            error: { code: 'agent_failed', message: redactSecrets(outcome.reason, secrets) },
            usage: usageWithCost(),
            warnings,
            summary: outcome.summary,
          });
        return;
      }

      // The copy exists by now unless the agent never wrote; its failure fails the run.
      const copy = await startCopy();
      const writtenPaths = deferred?.writtenPaths();
      const paths = writtenPaths === undefined ? {} : { paths: writtenPaths };
      const patch =
        writtenPaths?.length === 0 ? '' : await git.diff({ workspace: copy, base: baseCommit, ...paths });
      const filesChanged = summarizePatch(patch);
      let commit: string | null = null;
      if (patch === '') warnings = [...warnings, 'the run changed no files'];
      else
        commit = await git.commit({
          workspace: copy,
          message: composeCommitMessage({
            summary: redactSecrets(outcome.summary, secrets),
            instruction: run.instruction,
            model: { provider: profile.provider, modelName: profile.modelName },
            runId: run.id,
          }),
          author: settings.author ?? defaultAuthor,
          ...paths,
        });
      ending = () =>
        finish(current, {
          to: 'succeeded',
          fields: {
            summary: redactSecrets(outcome.summary, secrets),
            patch,
            filesChanged,
            warnings,
            usage: usageWithCost(),
            workingBranch: commit === null ? null : branch,
          },
          commit,
        });
    } catch (error) {
      if (budget?.exceeded === true) {
        const message = budget.message();
        ending = () =>
          finish(current, {
            to: 'failed',
            error: { code: 'budget_exceeded', message },
            usage: usageWithCost(),
            warnings,
            summary: agentSummary,
          });
        return;
      }
      if (signal.aborted) {
        if ((await jobStatus()) === 'canceled') {
          ending = () => finish(current, { to: 'canceled', usage: usageWithCost() });
          return;
        }
        // The queue is closing or lost the lease: the run resumes on its next delivery.
        throw signal.reason ?? error;
      }
      if (error instanceof RunFailure) {
        ending = () => fail(current, error.code, error.message, usageWithCost());
      } else if (GoosukeError.isInstance(error)) {
        ending = () =>
          finish(current, {
            to: 'failed',
            error: { code: error.code, message: redactSecrets(error.message, secrets) },
            usage: usageWithCost(),
            warnings,
            summary: agentSummary,
          });
      } else {
        // An unexpected error is a bug: its message may hold anything, so the run says only that.
        ending = () =>
          fail(
            current,
            'internal',
            'an unexpected error ended the run; see the job queue record',
            usageWithCost(),
          );
        // Recorded as the job's last error for whoever debugs it, without any key in it.
        throw new Error(
          redactSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error), secrets),
        );
      }
    } finally {
      await tools?.close();
      releaseGrants();
      // The run's token stops working before anything else: nothing may call on its behalf now.
      if (session !== null) await session.lease.close().catch(() => undefined);
      // Clean up before the run is reported ended: whoever waits for it finds no leftovers.
      // Assigned inside `startCopy`, which the compiler's narrowing does not see.
      const made = copying as Promise<Workspace> | null;
      const copy = made === null ? null : await made.catch(() => null);
      if (copy !== null) await git.removeWorkingCopy({ workspace: copy }).catch(() => undefined);
      if (ending !== null) await ending();
    }
  }

  return { execute };
}

/** The run executor's public shape. */
export type RunExecutor = ReturnType<typeof createRunExecutor>;
