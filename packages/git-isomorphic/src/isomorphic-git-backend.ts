import type { GitBackend } from '@goosuke/core';
import { createBackendContext } from './backend-context.ts';
import type { IsomorphicGitBackendOptions } from './backend-options.ts';
import {
  deleteBranch,
  isAncestor,
  listBranches,
  listTags,
  mergeIntoBranch,
  rebaseBranch,
  resolveRef,
  setBranch,
} from './branch-operations.ts';
import { commit, diff, openCommit } from './commit-operations.ts';
import { clone, pushBranch } from './remote-operations.ts';
import { readRemoteUrl } from './remote-url.ts';
import { createWorkingCopy, removeWorkingCopy } from './working-copies.ts';

/**
 * The GitBackend port on isomorphic-git (pure JavaScript, no git binary needed).
 *
 * Contract, beyond the port's:
 * - A clone is `<dir>/.git` with no checked-out files. `https://` and `http://` URLs go through
 *   isomorphic-git's smart-HTTP client; credentials come per call (`auth`) through `onAuth` and
 *   are never written to disk (a URL's user-info is moved into `auth` and stripped from the
 *   stored URL). A local path or `file://` URL is cloned by hard-linking its object files.
 *   Cloning into an existing clone of the same URL fetches instead; after every fetch, a local
 *   branch that was level with its remote-tracking branch before the fetch is fast-forwarded
 *   with it, so `main` never lags behind `origin/main` silently. Every clone and fetch brings
 *   all the remote's tags and mirrors them (`pruneTags`: deleted tags removed, moved ones moved).
 * - A working copy is a git worktree of the clone: `<dir>/.git` is a file naming
 *   `<clone>/.git/worktrees/<name>`, which holds the copy's own HEAD and index plus symbolic links
 *   to the clone's object store, refs and config (and `commondir`, so the git CLI sees a normal
 *   worktree). No object is copied per working copy; its branch lives in the clone's refs.
 * - `diff` covers tracked and untracked files minus ignored ones against the base commit:
 *   exact renames (identical content, paired one to one by blob id) become `rename from/to`,
 *   binary files `Binary files a/x and b/x differ` with full blob ids (the new blob is written to
 *   the clone's object store so `git apply` in any worktree of the clone can use it).
 * - `commit` stages everything (additions, modifications, deletions, mode changes) and commits
 *   on the copy's branch; with nothing to commit it makes no commit and returns the branch head.
 * - `pushBranch` sends a local branch of the clone (a working copy's branch is one); a rejected
 *   push is a ConflictError unless `force`, and so is a push the remote refuses outright (a
 *   hook, a protected branch).
 * - `mergeIntoBranch` merges in the object store alone (isomorphic-git's merge without a working
 *   directory): no working copy, index or file of the clone is touched, whatever the outcome.
 *   Beyond the port, it refuses (ConflictError) to move a branch a working copy has checked out,
 *   as `setBranch` does, and reports as a ConflictError, branch unchanged, the merges
 *   isomorphic-git cannot do: a file against a directory, several merge bases, no common history.
 * - `rebaseBranch` cherry-picks the branch's own commits (its first-parent line down to the merge
 *   base) in the object store alone, in a scratch git directory `<clone>/.git/goosuke/rebase-*`
 *   with a detached HEAD, removed afterwards: no working copy, index, HEAD or other ref of the
 *   clone changes, and no temporary branch is made. Beyond the port: a commit that becomes empty
 *   (its change is already in `onto`) is dropped, as `git rebase` does; a replay isomorphic-git
 *   cannot merge (a file against a directory, both sides adding one path) or a branch without
 *   common history with `onto` is a ConflictError, branch unchanged.
 * - `remoteUrl` reads a checkout's remote from its config (a linked worktree's from its common
 *   git directory), credentials removed.
 * - Every operation on one clone runs alone (a per-clone queue); clones run in parallel.
 * - Errors are GoosukeErrors: NotFoundError (unknown ref or repository), ConflictError (rejected
 *   push, taken branch or directory), `unauthorized` (HTTP 401/403), `storage` (file system and
 *   network), with every credential redacted from messages.
 */
export function createIsomorphicGitBackend(options: IsomorphicGitBackendOptions = {}): GitBackend {
  // Everything the operations share (the per-clone queue, caches, known working copies) lives
  // in this one object, handed to each of them: the backend's state is explicit and per instance.
  const context = createBackendContext(options);
  return {
    clone: (request) => clone(context, request),
    resolveRef: (request) => resolveRef(context, request),
    listBranches: (request) => listBranches(context, request),
    listTags: (request) => listTags(context, request),
    createWorkingCopy: (request) => createWorkingCopy(context, request),
    openCommit: (request) => openCommit(context, request),
    diff: (request) => diff(context, request),
    commit: (request) => commit(context, request),
    setBranch: (request) => setBranch(context, request),
    pushBranch: (request) => pushBranch(context, request),
    isAncestor: (request) => isAncestor(context, request),
    mergeIntoBranch: (request) => mergeIntoBranch(context, request),
    rebaseBranch: (request) => rebaseBranch(context, request),
    deleteBranch: (request) => deleteBranch(context, request),
    removeWorkingCopy: (request) => removeWorkingCopy(context, request),
    remoteUrl: readRemoteUrl,
  };
}
