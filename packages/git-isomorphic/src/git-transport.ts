import type { GitAuth } from '@goosuke/core';

/**
 * What moves objects and refs between a clone and its remote `origin`, when the backend should
 * not do it with isomorphic-git: `@goosuke/git-system` implements it with the system `git`. The
 * backend calls it under its per-clone lock, with the URL already validated and stripped of
 * credentials (they come as `auth`), and handles everything else (working copies, diffs,
 * commits, branches) itself. Every method rejects with GoosukeErrors, credentials redacted.
 */
export interface GitTransport {
  /**
   * Makes `<dir>/.git` a clone of `url` with no checked-out files (`dir` is absent or empty):
   * remote-tracking branches `origin/*`, all the remote's tags (also those on no branch), a local branch for the remote's HEAD branch
   * checked out in HEAD, and `remote.origin.url` set to `url` exactly as given.
   */
  clone(options: { dir: string; url: string; auth?: GitAuth; signal?: AbortSignal }): Promise<void>;
  /**
   * Brings the clone whose git directory is `gitdir` level with `url`: `origin/*` mirror the
   * remote's branches (deleted ones pruned), `refs/tags/*` mirror the remote's tags (all of
   * them, deleted ones pruned, moved ones moved), and a local branch that was
   * level with its remote-tracking branch before is fast-forwarded with it.
   */
  fetch(options: { gitdir: string; url: string; auth?: GitAuth; signal?: AbortSignal }): Promise<void>;
  /**
   * Pushes the existing local branch `branch` to the same name on `url` and sets
   * `origin/<branch>` to it; ConflictError when the remote refuses it (not a fast-forward
   * unless `force`, a hook, a protected branch), `origin/<branch>` then unchanged.
   */
  push(options: {
    gitdir: string;
    url: string;
    branch: string;
    force: boolean;
    auth?: GitAuth;
    signal?: AbortSignal;
  }): Promise<void>;
  /**
   * Optional: writes `files` (`[path, blob id, git mode]`: regular files and symbolic links)
   * under the existing empty directory `root`, byte for byte from the blobs of the clone at
   * `gitdir` (no attribute, filter or end-of-line conversion), each regular file with mode
   * `permissions(gitMode)`. Not atomic: the caller removes `root` on failure. When present, the
   * backend checks working copies out through it instead of inflating blobs in JavaScript.
   */
  writeFiles?(options: {
    gitdir: string;
    root: string;
    files: ReadonlyArray<readonly [path: string, oid: string, mode: number]>;
    permissions: (mode: number) => number;
    signal?: AbortSignal;
  }): Promise<void>;
  /**
   * Optional: the tree of `commit` in the clone at `gitdir`, flattened: its id, every blob and
   * submodule entry (`[path, id, git mode]`, or a map of path to `{ oid, mode }`, which the
   * backend then keeps as it is and never changes) and every directory's tree id (`[path, id]`
   * or a map of path to id, the root as `''`). The backend then reads no tree object itself.
   * Rejects with NotFoundError when `commit` is not a commit of the clone.
   */
  readTree?(options: { gitdir: string; commit: string; signal?: AbortSignal }): Promise<{
    tree: string;
    files:
      | Array<[path: string, oid: string, mode: number]>
      | ReadonlyMap<string, { oid: string; mode: number }>;
    trees: Array<[path: string, oid: string]> | ReadonlyMap<string, string>;
  }>;
  /**
   * Optional: what the object `id` (a full id, or a hex prefix of 4+ digits) of the clone at
   * `gitdir` is, peeled to a commit or a tree when `peel` is given (an annotated tag is
   * followed; a commit peels to its tree): `'missing'` when there is no such object (or it
   * does not peel to that type), `'ambiguous'` when a prefix names several objects. When
   * present, the backend resolves and peels commit ids through it instead of reading the
   * object store (and its packs) itself.
   */
  describeObject?(options: {
    gitdir: string;
    id: string;
    peel?: 'commit' | 'tree';
  }): Promise<
    { oid: string; type: 'blob' | 'tree' | 'commit' | 'tag'; size: number } | 'missing' | 'ambiguous'
  >;
  /**
   * Optional: the content of the object `oid` (a full id) of the clone at `gitdir`, or null
   * when the clone lacks it. When present, the backend reads blobs (diffs, `openCommit`)
   * through it instead of loading packs into memory.
   */
  readObject?(options: {
    gitdir: string;
    oid: string;
  }): Promise<{ type: 'blob' | 'tree' | 'commit' | 'tag'; body: Uint8Array } | null>;
  /**
   * Optional: whether the commit `ancestor` is a proper ancestor of the commit `oid` (false
   * when they are equal) in the clone at `gitdir`. When present, the backend walks no history
   * itself.
   */
  isAncestor?(options: { gitdir: string; ancestor: string; oid: string }): Promise<boolean>;
  /**
   * Optional: merges the commits `ours` and `theirs` of the clone at `gitdir` in the object
   * store alone (no working copy, index or ref changes): the merged tree, written to the object
   * store, and the paths that conflict (none for a clean merge); `'unrelated'` when the two
   * have no common history; null when this git cannot (the backend then merges itself).
   */
  mergeTrees?(options: {
    gitdir: string;
    ours: string;
    theirs: string;
  }): Promise<{ tree: string; conflicts: string[] } | 'unrelated' | null>;
  /**
   * Optional: the size in bytes of every blob entry of `commit`'s tree (regular files and
   * symbolic links), by path, read from the object headers without inflating any blob. When
   * present, `openCommit` offers `listSizes`, so that a run's context can be chosen before any
   * file is read. Rejects with NotFoundError when `commit` is not a commit of the clone.
   */
  readSizes?(options: { gitdir: string; commit: string; signal?: AbortSignal }): Promise<Map<string, number>>;
}
