import { z } from 'zod';
import { idSchema, type PullRequest, type Repo, type Run, type Task } from '../domain/index.ts';
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { CodeHost, CodeHostResolver, HostedPullRequest } from '../ports/code-host.ts';
import type { GitAuthor, RepoCheckout } from '../ports/git-backend.ts';
import type { Store } from '../ports/store.ts';
import { collectPages } from '../ports/store.ts';
import { composeCommitMessage } from '../pull-requests/commit-message.ts';
import {
  type ComparedRun,
  composePullRequestBody,
  renderOwnedBlock,
  replaceOwnedBlock,
} from '../pull-requests/pull-request-body.ts';
import { pullRequestSummaryRequest } from '../pull-requests/pull-request-summary.ts';
import { taskBranchName } from '../pull-requests/task-branch.ts';
import { withFreshCredentialsOnce } from '../runs/git-credentials.ts';
import type { RunRuntime } from '../runs/run-runtime.ts';
import type { ModelProfileService } from './model-profile-service.ts';
import { parseInput } from './parse-input.ts';
import type { RunService } from './run-service.ts';
import type { ServiceContext } from './service-context.ts';

/** Input of {@link PullRequestService.create}. */
export const createPullRequestInputSchema = z
  .object({
    /** The run whose change the pull request proposes (a succeeded run of the task). */
    runId: idSchema,
    /** Default: the subject of the run's commit message. */
    title: z.string().trim().min(1).max(256).optional(),
    draft: z.boolean().optional(),
    /**
     * The branch to push to, instead of `goosuke/<title>-<id>`: a stable name lets a later
     * pipeline find this pull request again by its head branch.
     */
    branch: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, ".", "_", "-" and "/" only')
      .optional(),
    /** Why this run was chosen, for the body; default "chosen by hand". */
    reason: z.string().trim().min(1).max(300).optional(),
    /** A model profile that writes a short summary at the top of Goosuke's block (one call). */
    summaryModel: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreatePullRequestInput' });
/** Input of {@link PullRequestService.create}. */
export type CreatePullRequestInput = z.infer<typeof createPullRequestInputSchema>;

/** Input of {@link PullRequestService.update}. */
export const updatePullRequestInputSchema = z
  .object({
    /** A succeeded run based on the pull request's branch (a follow-up message's run). */
    runId: idSchema,
    /** Why this run was chosen, for the body. */
    reason: z.string().trim().min(1).max(300).optional(),
    /** Replace the branch even when the run does not build on it (a force push). Default false. */
    force: z.boolean().optional(),
    /** A model profile that writes a short summary at the top of Goosuke's block (one call). */
    summaryModel: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'UpdatePullRequestInput' });
/** Input of {@link PullRequestService.update}. */
export type UpdatePullRequestInput = z.infer<typeof updatePullRequestInputSchema>;

/** The task's open pull request (a task has at most one), or null. */
export async function findOpenPullRequest(store: Store, taskId: string): Promise<PullRequest | null> {
  const { items } = await store.pullRequests.list({ taskId, limit: 500 });
  return items.find((pullRequest) => pullRequest.state === 'open') ?? null;
}

/** Pull requests made from runs: one per task, on the task's branch, updated by later runs. */
export interface PullRequestService {
  /**
   * Puts the run's commit on the task's branch, pushes it (credentials for that push only),
   * and opens a pull request against the task's base branch, its body the repository's template
   * plus the block Goosuke owns. An open pull request already on that head branch (a retry, or a
   * pipeline's stable `branch`) is adopted and its block refreshed instead of opening another;
   * when an earlier task here recorded it, that record moves to this task.
   * Records the run as the task's chosen run (`Task.chosenRunId`) with the pull request.
   * ConflictError when the task already has a pull request, or the run has no change;
   * UnsupportedError when the repository is on no configured code host.
   */
  create(taskId: string, input: CreatePullRequestInput): Promise<PullRequest>;
  /**
   * Adds a follow-up run's commit on top of the pull request's branch (a fast-forward push;
   * a force push only with `force`), merges the base branch in when it has moved (conflicts are
   * a ConflictError naming the paths, and nothing is pushed), and rewrites only the owned block
   * of the body; the run becomes the task's chosen run. A pull request closed or merged meanwhile is recorded and reported
   * (ConflictError). `pullRequestId` defaults to the task's open pull request (a task has one);
   * NotFoundError when it has none.
   */
  update(taskId: string, input: UpdatePullRequestInput, pullRequestId?: string): Promise<PullRequest>;
  /** NotFoundError unless the pull request belongs to the task. */
  get(taskId: string, pullRequestId: string): Promise<PullRequest>;
  /** The task's pull requests (at most one open), oldest first. */
  list(taskId: string): Promise<PullRequest[]>;
}

/** What the pull request service needs besides the store. */
export interface PullRequestServiceContext extends ServiceContext {
  /** Git and the clone layout; without it every call is UnsupportedError. */
  runtime: RunRuntime | undefined;
  /** Where repositories' pull requests live; without it every call is UnsupportedError. */
  codeHosts: CodeHostResolver | undefined;
  runs: Pick<RunService, 'compare'>;
  /** For the optional model-written summary: the profile and its key. */
  models: Pick<ModelProfileService, 'get' | 'revealApiKey'>;
  /** Author of merge commits made when the base branch moved; default `Goosuke <goosuke@localhost>`. */
  author?: GitAuthor;
  /**
   * What `update` does when the base branch moved: `merge` (default) merges it into the pull
   * request's branch; `rebase` replays the branch's commits on it and force-pushes the branch
   * (choosing rebase is consenting to that force push).
   */
  baseUpdate?: 'merge' | 'rebase';
}

const defaultAuthor: GitAuthor = { name: 'Goosuke', email: 'goosuke@localhost' };

/** Builds the pull request service. */
export function createPullRequestService(context: PullRequestServiceContext): PullRequestService {
  const { store, clock, ids } = context;

  const requirements = () => {
    if (context.runtime === undefined) {
      throw new UnsupportedError('pull requests need git: pass runtime to createGoosuke');
    }
    if (context.codeHosts === undefined) {
      throw new UnsupportedError(
        'pull requests need a code host: configure GitHub (GITHUB_TOKEN, or GOOSUKE_GITHUB_APP_ID with its key and installation)',
      );
    }
    return { runtime: context.runtime, codeHosts: context.codeHosts };
  };

  async function taskWithRepo(taskId: string): Promise<{ task: Task; repo: Repo }> {
    const task = await store.tasks.get(taskId);
    if (task === null) throw new NotFoundError('task', taskId);
    if (task.repoId === null || task.baseBranch === null) {
      throw new InvalidInputError(`task ${taskId} has no repository: only repo tasks make pull requests`);
    }
    const repo = await store.repos.get(task.repoId);
    if (repo === null) throw new NotFoundError('repo', task.repoId);
    return { task, repo };
  }

  async function hostOf(repo: Repo): Promise<{ host: CodeHost; repository: string }> {
    const found = await requirements().codeHosts.resolve(repo.url);
    if (found === null) {
      throw new UnsupportedError(
        `repository ${repo.url} is on no configured code host: pull requests need a GitHub repository and GitHub credentials`,
      );
    }
    return found;
  }

  async function chosenRun(task: Task, runId: string): Promise<Run> {
    const run = await store.runs.get(runId);
    if (run === null || run.taskId !== task.id) throw new NotFoundError('run', runId);
    if (run.status !== 'succeeded' || run.workingBranch === null) {
      throw new ConflictError(`run ${runId} has no change to propose: it is ${run.status}`);
    }
    if (run.filesChanged.length === 0) throw new ConflictError(`run ${runId} changed no files`);
    return run;
  }

  /** The clone, fetched with the host's credentials, and the run's commit in it. */
  async function cloneWith(repo: Repo, run: Run, host: CodeHost, repository: string) {
    const { runtime } = requirements();
    // Credentials are asked for per operation, and renewed once when the server refuses them.
    const auth = (fresh: boolean) => host.getGitAuth({ repository, ...(fresh ? { fresh } : {}) });
    const checkout = await withFreshCredentialsOnce(auth, (credentials) =>
      runtime.git.clone({
        url: repo.url,
        dir: runtime.layout.cloneDir(repo),
        ...(credentials === undefined ? {} : { auth: credentials }),
      }),
    );
    const commit = await runtime.git.resolveRef({ repo: checkout, ref: run.workingBranch! });
    return { checkout, commit, auth };
  }

  /** The owned block for `run`: the conversation, the runs of its message, the choice. */
  async function ownedBlock(task: Task, run: Run, reason: string, summaryModel?: string): Promise<string> {
    const messages = await collectPages((cursor) =>
      store.messages.list({ taskId: task.id, cursor, limit: 500 }),
    );
    const modelSummary =
      summaryModel === undefined
        ? null
        : await summarize(
            summaryModel,
            messages.filter((message) => message.role === 'user').map((message) => message.content),
            run,
          );
    const comparison = await context.runs.compare(run.messageId);
    const runs: ComparedRun[] = comparison.runs.map((entry) => ({
      label: entry.model === null ? entry.runId : `${entry.model.provider}:${entry.model.modelName}`,
      status: entry.status,
      filesChanged: entry.filesChanged,
      added: entry.added,
      removed: entry.removed,
      durationMs: entry.durationMs,
      inputTokens: entry.usage?.inputTokens ?? 0,
      outputTokens: entry.usage?.outputTokens ?? 0,
      costUsd: entry.usage?.costUsd ?? null,
      chosen: entry.runId === run.id,
    }));
    return renderOwnedBlock({
      conversation: messages.map((message) => ({ role: message.role, content: message.content })),
      runs,
      reason,
      summary: run.summary ?? '',
      modelSummary,
    });
  }

  /** The optional model-written summary: one direct call to the profile's model. */
  async function summarize(profileId: string, requests: string[], run: Run): Promise<string> {
    const { runtime } = requirements();
    const profile = await context.models.get(profileId);
    const model = await runtime.languageModels(profile, await context.models.revealApiKey(profile.id));
    const generation = await model.generate(
      pullRequestSummaryRequest({ requests, runSummary: run.summary ?? '', patch: run.patch ?? '' }),
    );
    return generation.text.trim();
  }

  async function titleFor(run: Run): Promise<string> {
    let model = { provider: 'model', modelName: 'unknown' };
    if (run.executor.modelProfileId !== null) {
      const profile = await store.models.get(run.executor.modelProfileId);
      if (profile !== null) model = { provider: profile.provider, modelName: profile.modelName };
    }
    return composeCommitMessage({ summary: run.summary ?? '', instruction: run.instruction, model }).split(
      '\n',
      1,
    )[0]!;
  }

  async function openPullRequestOf(taskId: string): Promise<PullRequest> {
    const open = await findOpenPullRequest(store, taskId);
    if (open === null) {
      if ((await store.tasks.get(taskId)) === null) throw new NotFoundError('task', taskId);
      throw new NotFoundError('open pull request of task', taskId);
    }
    return open;
  }

  async function ownPullRequest(taskId: string, pullRequestId: string): Promise<PullRequest> {
    const pullRequest = await store.pullRequests.get(pullRequestId);
    if (pullRequest === null || pullRequest.taskId !== taskId) {
      throw new NotFoundError('pull request', pullRequestId);
    }
    return pullRequest;
  }

  return {
    async create(taskId, raw) {
      const input = parseInput(createPullRequestInputSchema, raw, 'pull request');
      const { task, repo } = await taskWithRepo(taskId);
      const existing = await store.pullRequests.list({ taskId, limit: 500 });
      const earlier = existing.items[existing.items.length - 1];
      if (earlier !== undefined) {
        throw new ConflictError(
          earlier.state === 'open'
            ? `task ${taskId} already has pull request #${earlier.number} (${earlier.url}): update it with the new run instead`
            : `task ${taskId}'s pull request #${earlier.number} is ${earlier.state}: start a new task for a new pull request`,
        );
      }
      const run = await chosenRun(task, input.runId);
      // What the request names is checked first: a missing run is a 404 on any server.
      const { runtime } = requirements();
      const { host, repository } = await hostOf(repo);
      const { checkout, commit, auth } = await cloneWith(repo, run, host, repository);
      // The block before pushing: a failing summary call leaves nothing pushed.
      const block = await ownedBlock(task, run, input.reason ?? 'chosen by hand', input.summaryModel);
      const branch = input.branch ?? taskBranchName(task);
      await runtime.git.setBranch({ repo: checkout, branch, commit });
      await withFreshCredentialsOnce(auth, (credentials) =>
        runtime.git.pushBranch({
          repo: checkout,
          branch,
          ...(credentials === undefined ? {} : { auth: credentials }),
        }),
      );

      const adopted = await host.findPullRequest({ repository, head: branch, state: 'open' });
      let hosted: HostedPullRequest;
      if (adopted !== null) {
        hosted = await host.updatePullRequest({
          repository,
          number: adopted.number,
          body: replaceOwnedBlock(adopted.body, block),
          ...(input.title === undefined ? {} : { title: input.title }),
        });
      } else {
        const templates = await host.getPullRequestTemplates({ repository, ref: task.baseBranch! });
        hosted = await host.createPullRequest({
          repository,
          head: branch,
          base: task.baseBranch!,
          title: input.title ?? (await titleFor(run)),
          body: composePullRequestBody({ template: templates[0]?.content ?? null, block }),
          ...(input.draft === undefined ? {} : { draft: input.draft }),
        });
      }
      const now = isoNow(clock);
      const fields = {
        taskId,
        runId: run.id,
        url: hosted.url,
        title: hosted.title,
        body: hosted.body,
        branch,
        baseBranch: hosted.base,
        state: hosted.state,
        updatedAt: now,
      };
      // The task continues from the proposed run: the pull request and the pick are one write.
      return store.transaction(async (tx) => {
        // An adopted pull request an earlier task of this Goosuke made (a pipeline's stable branch
        // run again): its record moves to this task, whose run it now proposes.
        const tracked =
          adopted === null
            ? undefined
            : (
                await collectPages((cursor) => tx.pullRequests.list({ repoId: repo.id, cursor, limit: 500 }))
              ).find((pullRequest) => pullRequest.number === hosted.number);
        const stored =
          tracked !== undefined
            ? await tx.pullRequests.update(tracked.id, fields)
            : await tx.pullRequests.insert({
                id: ids.next('pr'),
                repoId: repo.id,
                number: hosted.number,
                createdAt: now,
                ...fields,
              });
        await tx.tasks.update(taskId, { chosenRunId: run.id, updatedAt: now });
        return stored;
      });
    },

    async update(taskId, raw, pullRequestId) {
      const input = parseInput(updatePullRequestInputSchema, raw, 'pull request update');
      const pullRequest =
        pullRequestId === undefined
          ? await openPullRequestOf(taskId)
          : await ownPullRequest(taskId, pullRequestId);
      const { task, repo } = await taskWithRepo(taskId);
      const run = await chosenRun(task, input.runId);
      const { runtime } = requirements();
      const { host, repository } = await hostOf(repo);
      const hosted = await host.getPullRequest({ repository, number: pullRequest.number });
      if (hosted === null) {
        throw new NotFoundError('pull request', `${repository}#${pullRequest.number}`);
      }
      if (hosted.state !== 'open') {
        if (hosted.state !== pullRequest.state) {
          await store.pullRequests.update(pullRequest.id, { state: hosted.state, updatedAt: isoNow(clock) });
        }
        throw new ConflictError(
          `pull request #${pullRequest.number} is ${hosted.state}: start a new task for further changes`,
        );
      }
      const { checkout, commit, auth } = await cloneWith(repo, run, host, repository);
      const git = runtime.git;
      const { branch } = pullRequest;
      const head = await git.resolveRef({ repo: checkout, ref: branch });
      const force = input.force === true;
      if (!force && !(await git.isAncestor({ repo: checkout, ancestor: head, commit }))) {
        throw new ConflictError(
          `run ${run.id} does not build on the pull request's branch ${branch}: start the run from the task's branch (follow-up messages do), or pass force to replace the branch`,
        );
      }
      // The block before pushing: a failing summary call leaves nothing pushed.
      const block = await ownedBlock(task, run, input.reason ?? 'chosen by hand', input.summaryModel);
      await git.setBranch({ repo: checkout, branch, commit, force });
      try {
        // The base branch moved on: merge it in (or rebase onto it), so the pull request stays
        // mergeable; a conflict is reported with nothing pushed.
        const base = await git.resolveRef({ repo: checkout, ref: `origin/${pullRequest.baseBranch}` });
        let rewritten = false;
        if (!(await git.isAncestor({ repo: checkout, ancestor: base, commit }))) {
          if (context.baseUpdate === 'rebase') {
            await git.rebaseBranch({
              repo: checkout,
              branch,
              onto: base,
              committer: context.author ?? defaultAuthor,
            });
            rewritten = true;
          } else {
            await git.mergeIntoBranch({
              repo: checkout,
              branch,
              theirs: base,
              message: `Merge ${pullRequest.baseBranch} into ${branch}`,
              author: context.author ?? defaultAuthor,
            });
          }
        }
        await withFreshCredentialsOnce(auth, (credentials) =>
          git.pushBranch({
            repo: checkout,
            branch,
            force: force || rewritten,
            ...(credentials === undefined ? {} : { auth: credentials }),
          }),
        );
      } catch (error) {
        // Nothing half-done: the local branch goes back to what the pull request holds.
        await restoreBranch(checkout, branch, head);
        throw error;
      }
      const updated = await host.updatePullRequest({
        repository,
        number: pullRequest.number,
        body: replaceOwnedBlock(hosted.body, block),
      });
      const now = isoNow(clock);
      return store.transaction(async (tx) => {
        const stored = await tx.pullRequests.update(pullRequest.id, {
          runId: run.id,
          title: updated.title,
          body: updated.body,
          state: updated.state,
          updatedAt: now,
        });
        await tx.tasks.update(taskId, { chosenRunId: run.id, updatedAt: now });
        return stored;
      });
    },

    get: ownPullRequest,

    async list(taskId) {
      const task = await store.tasks.get(taskId);
      if (task === null) throw new NotFoundError('task', taskId);
      return collectPages((cursor) => store.pullRequests.list({ taskId, cursor, limit: 500 }));
    },
  };

  async function restoreBranch(checkout: RepoCheckout, branch: string, commit: string): Promise<void> {
    await requirements()
      .runtime.git.setBranch({ repo: checkout, branch, commit, force: true })
      .catch(() => undefined);
  }
}
