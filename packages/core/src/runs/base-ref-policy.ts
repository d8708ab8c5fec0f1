import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { GitBackend, RepoCheckout } from '../ports/git-backend.ts';
import { collectPages, type Store } from '../ports/store.ts';
import { runIdOfBranch } from './run-runtime.ts';

/**
 * The branch namespace Goosuke writes in a repository's shared clone (and pushes pull requests
 * from): run branches `goosuke/run-<id>` and task branches `goosuke/<title>-<id>`. Every task's
 * runs share one clone, so a name in it may be another user's work.
 */
export const goosukeBranchPrefix = 'goosuke/';

const fullCommit = /^[0-9a-f]{40}$/;

/** The branch name a ref means, without `refs/heads/`, `refs/remotes/origin/` or `origin/`. */
function branchPart(ref: string): string {
  return ref
    .replace(/^refs\/heads\//, '')
    .replace(/^refs\/remotes\/origin\//, '')
    .replace(/^origin\//, '');
}

/** Whether `ref` names a branch in Goosuke's namespace (see {@link goosukeBranchPrefix}), in any spelling. */
export function namesGoosukeBranch(ref: string): boolean {
  return branchPart(ref).startsWith(goosukeBranchPrefix);
}

/**
 * The branches a task may start from beyond the repository's own: its runs' branches and its pull
 * requests' branches, asked about one name at a time. A run branch (`goosuke/run-<id>`) is
 * checked by reading that one run: a task may have thousands of runs, and listing them all on
 * every request made each new run cost time proportional to the task's history (under 50
 * concurrent requests, p99 of `POST /tasks/{id}/runs` went from 0.1 to 5 s).
 */
export interface OwnBranches {
  /** Whether `branch` (exactly this name) is one of the task's run or pull request branches. */
  has(branch: string): Promise<boolean>;
  /** All of them, for walking from each (a commit base); read once, when first asked. */
  all(): Promise<ReadonlySet<string>>;
}

/** The {@link OwnBranches} of a task that has none yet (a new task). */
export const noOwnBranches: OwnBranches = {
  has: async () => false,
  all: async () => new Set(),
};

/** The task's {@link OwnBranches}, read with `store` when asked (nothing is read before). */
export function ownBranchesOf(store: Store, taskId: string): OwnBranches {
  let pulls: Promise<Set<string>> | null = null;
  let every: Promise<Set<string>> | null = null;
  const pullBranches = (): Promise<Set<string>> => {
    pulls ??= store.pullRequests
      .list({ taskId, limit: 500 })
      .then((page) => new Set(page.items.map((pull) => pull.branch)));
    return pulls;
  };
  return {
    async has(branch) {
      const runId = runIdOfBranch(branch);
      if (runId !== null) {
        // A run's working branch is always its own `goosuke/run-<id>`, set once it has a commit.
        const run = await store.runs.get(runId);
        if (run !== null && run.taskId === taskId && run.workingBranch === branch) return true;
      }
      return (await pullBranches()).has(branch);
    },
    all() {
      every ??= (async () => {
        const own = new Set(await pullBranches());
        const runs = await collectPages((cursor) => store.runs.list({ taskId, limit: 500, cursor }));
        for (const run of runs) if (run.workingBranch !== null) own.add(run.workingBranch);
        return own;
      })();
      return every;
    },
  };
}

/**
 * Refuses a base a caller names (`baseRef` of runs, `baseBranch` of a task) that is not the
 * repository's own: a branch in Goosuke's namespace that is not one of `own` (the task's run and
 * pull request branches), or a local `refs/heads/` ref. Names of the repository's branches and
 * tags pass (they are resolved on the remote's refs when the run starts), and so do commit ids
 * (checked there to be on one of the repository's branches or tags).
 *
 * @throws InvalidInputError naming `field`.
 */
export async function assertCallerBaseRef(ref: string, own: OwnBranches, field: string): Promise<void> {
  // Only a name in Goosuke's namespace or a local branch can be refused: nothing is read otherwise.
  if (!namesGoosukeBranch(ref) && !ref.startsWith('refs/heads/')) return;
  if ((await own.has(ref)) || (await own.has(branchPart(ref)))) return;
  throw new InvalidInputError(
    `${field} ${ref} is not a branch, tag or commit of the repository, nor a branch of this task's runs or pull requests`,
    [{ path: [field], message: "another task's branch, or not the repository's own" }],
  );
}

/** What {@link resolveRunBase} reads with. */
export interface RunBaseResolution {
  git: GitBackend;
  repo: RepoCheckout;
  /** The base as the run records it. */
  ref: string;
  /** The task's own run and pull request branches (see {@link ownBranchesOf}). */
  own: OwnBranches;
  /**
   * Whether a user asked for the run (its message has an author): then the base must be the
   * repository's own or the task's. Trusted callers (`goosuke run` in CI on its own checkout) may
   * start from any commit or branch of the clone.
   */
  byUser: boolean;
}

/** Thrown when the base is not the repository's own nor the task's: the run fails with this. */
export class ForeignBaseError extends GoosukeError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'ForeignBaseError';
  }
}

async function tryResolve(git: GitBackend, repo: RepoCheckout, ref: string): Promise<string | null> {
  try {
    return await git.resolveRef({ repo, ref });
  } catch (error) {
    if (GoosukeError.isInstance(error) && error.code === 'not_found') return null;
    throw error;
  }
}

/** The commit a tag names (annotated tags peeled), or null for a tag on no commit (a tree, a blob). */
async function tagCommit(git: GitBackend, repo: RepoCheckout, tag: string): Promise<string | null> {
  try {
    return await git.resolveRef({ repo, ref: `refs/tags/${tag}` });
  } catch (error) {
    // Refusing is the safe side: a tag that cannot be peeled to a commit vouches for nothing.
    if (GoosukeError.isInstance(error)) return null;
    throw error;
  }
}

/**
 * Whether `commit` is contained in one of the repository's own refs as fetched from the remote
 * (its branches outside Goosuke's namespace, then its tags: Goosuke makes no tags, so every tag
 * of the clone is the repository's), or in one of the task's own branches. Each distinct tip is
 * walked once; tags come last, as a repository may have many.
 */
async function reachableFromRepository(
  git: GitBackend,
  repo: RepoCheckout,
  commit: string,
  own: OwnBranches,
): Promise<boolean> {
  const seen = new Set<string>();
  const contains = async (tip: string | null): Promise<boolean> => {
    if (tip === null || seen.has(tip)) return false;
    seen.add(tip);
    return git.isAncestor({ repo, ancestor: commit, commit: tip });
  };
  const branches = (await git.listBranches({ repo })).filter(
    (branch) => branch.startsWith('origin/') && !namesGoosukeBranch(branch),
  );
  for (const branch of [...branches.map((name) => `refs/remotes/${name}`), ...(await own.all())]) {
    if (await contains(await tryResolve(git, repo, branch))) return true;
  }
  for (const tag of await git.listTags({ repo })) {
    if (await contains(await tagCommit(git, repo, tag))) return true;
  }
  return false;
}

/**
 * The commit a run starts from. For a user's run, resolved only among what the task may build on: the task's own
 * branches (local, or as pushed); else the repository's own refs as fetched from the remote
 * (`origin/<branch>`, tags; never local branches, which hold other tasks' runs); a commit id only
 * when one of the repository's branches (outside Goosuke's namespace) or tags (annotated ones
 * peeled), or the task's own branches, contains it.
 *
 * @throws ForeignBaseError (`not_found`) for anything else, with a message saying why.
 */
export async function resolveRunBase({ git, repo, ref, own, byUser }: RunBaseResolution): Promise<string> {
  if (!byUser) {
    // A branch name means the upstream's branch as just fetched; a run branch or commit is local.
    const candidates =
      fullCommit.test(ref) || ref.startsWith('refs/') || namesGoosukeBranch(ref)
        ? [ref]
        : [`origin/${ref}`, ref];
    for (const candidate of candidates) {
      const commit = await tryResolve(git, repo, candidate);
      if (commit !== null) return commit;
    }
    throw new ForeignBaseError(`the base ref ${ref} does not exist in ${repo.url}`);
  }
  if (await own.has(ref)) {
    for (const candidate of [ref, `origin/${ref}`]) {
      const commit = await tryResolve(git, repo, candidate);
      if (commit !== null) return commit;
    }
    throw new ForeignBaseError(`the base ref ${ref} does not exist in ${repo.url}`);
  }
  if (fullCommit.test(ref)) {
    const commit = await tryResolve(git, repo, ref);
    if (commit !== null && (await reachableFromRepository(git, repo, commit, own))) return commit;
    throw new ForeignBaseError(`the base commit ${ref} is not on a branch or tag of ${repo.url}`);
  }
  if (!namesGoosukeBranch(ref) && !ref.startsWith('refs/heads/')) {
    const name = ref.replace(/^refs\/remotes\/origin\//, '').replace(/^origin\//, '');
    // Fully spelled: a short name could also match a local branch, and local branches are Goosuke's.
    const candidates = ref.startsWith('refs/tags/')
      ? [ref]
      : [`refs/remotes/origin/${name}`, `refs/tags/${name}`];
    for (const candidate of candidates) {
      const commit = await tryResolve(git, repo, candidate);
      if (commit !== null) return commit;
    }
  }
  throw new ForeignBaseError(
    `the base ref ${ref} is not a branch, tag or commit of ${repo.url}, nor a branch of this task`,
  );
}

/**
 * Refuses, when the runs are asked for, a user's base commit that the shared clone already holds
 * but that is on none of the repository's branches or tags nor the task's own: another task's
 * run commit.
 * A commit the clone does not hold (not fetched yet, or no clone yet) is left to the run, which
 * fetches first and checks again (see {@link resolveRunBase}).
 *
 * @throws InvalidInputError naming `baseRef`.
 */
export async function assertCommitBaseVisible(resolution: Omit<RunBaseResolution, 'byUser'>): Promise<void> {
  if (!fullCommit.test(resolution.ref)) return;
  if ((await tryResolve(resolution.git, resolution.repo, resolution.ref).catch(() => null)) === null) return;
  try {
    await resolveRunBase({ ...resolution, byUser: true });
  } catch (error) {
    if (!(error instanceof ForeignBaseError)) return;
    throw new InvalidInputError(
      `baseRef ${resolution.ref} is not a branch, tag or commit of the repository, nor a branch of this task's runs or pull requests`,
      [{ path: ['baseRef'], message: "another task's commit, or not the repository's own" }],
    );
  }
}
