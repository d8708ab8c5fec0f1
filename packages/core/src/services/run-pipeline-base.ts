import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { HostedPullRequest } from '../ports/code-host.ts';
import type { GitBackend, RepoCheckout } from '../ports/git-backend.ts';
import type { RunPipelineBase } from './run-pipeline-input.ts';

/**
 * The branch a pull request goes into when no base is given: the one branch of the clone whose
 * commit is `head` (main or master first when several are), never `exclude` (the pull request's
 * own branch). InvalidInputError when there is none, or several without main or master.
 */
export async function baseBranchAt(
  git: GitBackend,
  clone: RepoCheckout,
  head: string,
  exclude: string | undefined,
): Promise<string> {
  const names = new Set<string>();
  for (const name of await git.listBranches({ repo: clone })) {
    if (!name.startsWith('origin/')) continue;
    const branch = name.slice('origin/'.length);
    if (branch === exclude) continue;
    if ((await git.resolveRef({ repo: clone, ref: name })) === head) names.add(branch);
  }
  const found = [...names];
  if (found.length === 1) return found[0]!;
  const preferred = ['main', 'master'].find((name) => names.has(name));
  if (preferred !== undefined) return preferred;
  throw new InvalidInputError(
    found.length === 0
      ? `HEAD (${head.slice(0, 12)}) is on no branch of the repository; name the base branch the pull request goes into`
      : `HEAD is on several branches (${found.join(', ')}); name the base branch the pull request goes into`,
  );
}

/** What the base of the pipeline's task and runs is chosen from. */
export interface BaseChoice {
  clone: RepoCheckout;
  /** The local checkout whose HEAD is the default, or null. */
  checkout: string | null;
  /** The repository as given (for messages). */
  url: string;
  /** True when the repository is the local path itself (no branch names to look for). */
  local: boolean;
  /** The base asked for, if any. */
  base: string | undefined;
  /** For a pull request: its branch, and the open pull request on it. */
  pullRequest: { branch: string | undefined; adopted: HostedPullRequest | null } | null;
}

/**
 * The task's base branch (where its pull request goes) and the base the runs start from: the base
 * given; else the local checkout's HEAD, else the remote's HEAD, which must be in the clone
 * (InvalidInputError otherwise). The task's base is a branch name where one can be found (for a
 * pull request it must be: the open pull request's base, else the branch at HEAD); with an open
 * pull request on the branch asked for, the runs start from that branch.
 */
export async function chooseBase(
  git: GitBackend,
  choice: BaseChoice,
): Promise<{ taskBase: string; base: RunPipelineBase }> {
  let ref = choice.base;
  let from: RunPipelineBase['from'] = 'given';
  // A base that names nothing is the caller's mistake: say so now, before any run is created
  // (and any model is paid for), not as one failed run per model.
  if (ref !== undefined && !(await refExists(git, choice.clone, ref))) {
    throw new InvalidInputError(
      `the base ${ref} is not a branch, tag or commit of ${choice.checkout ?? choice.url}; name one that is`,
    );
  }
  if (ref === undefined) {
    const head = await git.resolveRef({
      repo: choice.checkout === null ? choice.clone : { dir: choice.checkout, url: choice.checkout },
      ref: 'HEAD',
    });
    try {
      await git.resolveRef({ repo: choice.clone, ref: head });
    } catch (error) {
      if (!GoosukeError.isInstance(error) || error.code !== 'not_found') throw error;
      throw new InvalidInputError(
        `HEAD of ${choice.checkout ?? choice.url} (${head.slice(0, 12)}) is on no branch; push it to a branch, or name the base to start from`,
      );
    }
    ref = head;
    from = choice.checkout === null ? 'remote' : 'checkout';
  }
  const headRef = ref;
  if (choice.pullRequest === null) {
    // A branch name, when HEAD is on one, lets a pull request be opened from the task later.
    const taskBase =
      choice.base !== undefined || choice.local
        ? headRef
        : await baseBranchAt(git, choice.clone, headRef, undefined).catch((error: unknown) => {
            if (error instanceof InvalidInputError) return headRef;
            throw error;
          });
    return { taskBase, base: { ref: headRef, from } };
  }
  const { adopted, branch } = choice.pullRequest;
  const taskBase = choice.base ?? adopted?.base ?? (await baseBranchAt(git, choice.clone, headRef, branch));
  if (adopted === null) return { taskBase, base: { ref: headRef, from } };
  return { taskBase, base: { ref: `origin/${adopted.head}`, from: 'pull-request' } };
}

/** Whether `ref` names a commit in the clone, as the runs resolve it: `origin/<ref>`, else `<ref>`. */
async function refExists(git: GitBackend, clone: RepoCheckout, ref: string): Promise<boolean> {
  for (const candidate of [`origin/${ref}`, ref]) {
    try {
      await git.resolveRef({ repo: clone, ref: candidate });
      return true;
    } catch (error) {
      if (!GoosukeError.isInstance(error) || error.code !== 'not_found') throw error;
    }
  }
  return false;
}
