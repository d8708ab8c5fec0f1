import type { CommitFiles, Workspace } from './workspace.ts';

/** A local clone that working copies are made from. */
export interface RepoCheckout {
  /** Absolute path of the local clone. */
  readonly dir: string;
  readonly url: string;
}

/** Credentials for a remote: never logged, never written into a working copy's config. */
export interface GitAuth {
  username?: string;
  token: string;
}

/** Identity for commits. */
export interface GitAuthor {
  name: string;
  email: string;
}

/**
 * Local git work. Implementations: `@goosuke/git-isomorphic` (default, pure JS).
 */
export interface GitBackend {
  /** Clones `url` into `dir` (or reuses a clone already there, fetching it). */
  clone(options: { url: string; dir: string; auth?: GitAuth; signal?: AbortSignal }): Promise<RepoCheckout>;
  /** The commit id a ref names (`main`, `origin/main`, a tag or a commit id). NotFoundError if none. */
  resolveRef(options: { repo: RepoCheckout; ref: string }): Promise<string>;
  /**
   * The URL of the remote `remote` (default `origin`) of the repository at `dir`: a working tree
   * whose `.git` is a directory, or a file naming the git directory (a linked worktree, a
   * submodule), or a bare repository. Credentials in the URL are removed (the password, and for
   * http(s) the user name, which may hold a token); null when there is no such remote.
   * NotFoundError when `dir` holds no git repository.
   */
  remoteUrl(options: { dir: string; remote?: string }): Promise<string | null>;
  /** Lists local and remote-tracking branch names. */
  listBranches(options: { repo: RepoCheckout }): Promise<string[]>;
  /**
   * The names of the clone's tags (without `refs/tags/`), sorted: the remote's tags as the last
   * clone or fetch saw them, lightweight and annotated alike (`resolveRef` of `refs/tags/<name>`
   * gives the commit, annotated tags peeled). Every clone and fetch brings all of the remote's
   * tags, also those on no branch, and mirrors them: a tag deleted on the remote is gone after
   * the next fetch, a moved one follows. Goosuke never makes tags itself, so every tag listed is
   * the repository's own.
   */
  listTags(options: { repo: RepoCheckout }): Promise<string[]>;
  /** Makes an isolated working copy of `baseRef` in `dir`, on a new branch `branch`. */
  createWorkingCopy(options: {
    repo: RepoCheckout;
    baseRef: string;
    branch: string;
    dir: string;
    /**
     * True when something besides `Workspace.writeFiles` writes the copy's files in place (a
     * coding agent, an editor): the copy then shares no file (inode) with the clone, a snapshot
     * or any other copy, whatever the backend's checkout mode. Default false.
     */
    inPlaceWrites?: boolean;
    signal?: AbortSignal;
  }): Promise<Workspace>;
  /**
   * The files of `commit` in the clone, read-only, without a working copy: a run can read its
   * base (to choose its context and start its model call) while its copy is being made.
   */
  openCommit(options: { repo: RepoCheckout; commit: string }): Promise<CommitFiles>;
  /** Unified diff of the working copy against `base`, including new, deleted and renamed files. */
  diff(options: {
    workspace: Workspace;
    base: string;
    /**
     * When given, the caller vouches that no file outside these paths differs from `base` (its
     * agent changed the copy only through `Workspace.writeFiles`, at these paths): the backend may
     * look at these alone instead of scanning the whole copy. The result must be the same.
     */
    paths?: readonly string[];
  }): Promise<string>;
  /** Commits every change in the working copy; returns the commit id. */
  commit(options: {
    workspace: Workspace;
    message: string;
    author: GitAuthor;
    /**
     * When given, the caller vouches that no file outside these paths changed since the copy's
     * last commit (or creation), as for `diff`: the backend may look at these alone.
     */
    paths?: readonly string[];
  }): Promise<string>;
  /**
   * Points the clone's local branch `branch` at `commit`, creating the branch when missing.
   * Moving an existing branch must be a fast-forward (its commit is an ancestor of `commit`)
   * unless `force`: otherwise ConflictError, and the branch is unchanged. ConflictError also
   * while a working copy has the branch checked out; NotFoundError for an unknown commit;
   * InvalidInputError for a name git refuses.
   */
  setBranch(options: { repo: RepoCheckout; branch: string; commit: string; force?: boolean }): Promise<void>;
  /**
   * Pushes the clone's local branch `branch` to `origin` under the same name, with `auth` for
   * this push only (never written to disk or to the clone's config). A push the remote refuses
   * as a non-fast-forward is a ConflictError unless `force`. On success the remote-tracking
   * branch (`origin/<branch>`) points at what was pushed. NotFoundError for a missing branch.
   */
  pushBranch(options: {
    repo: RepoCheckout;
    branch: string;
    auth?: GitAuth;
    force?: boolean;
    signal?: AbortSignal;
  }): Promise<void>;
  /** Whether `ancestor` is `commit` or one of its ancestors. NotFoundError for an unknown commit. */
  isAncestor(options: { repo: RepoCheckout; ancestor: string; commit: string }): Promise<boolean>;
  /**
   * Merges commit `theirs` into the clone's local branch `branch`: a fast-forward when the
   * branch is an ancestor of `theirs`, nothing when `theirs` is already in it, else a merge
   * commit with `message` by `author` (parents: the branch's commit, then `theirs`). Returns the
   * branch's commit afterwards. When the merge conflicts, ConflictError whose message lists the
   * conflicting paths, and the branch is unchanged: conflicts are reported, never resolved by
   * dropping either side.
   */
  mergeIntoBranch(options: {
    repo: RepoCheckout;
    branch: string;
    theirs: string;
    message: string;
    author: GitAuthor;
  }): Promise<string>;
  /**
   * Replays the commits of the clone's local branch `branch` that `onto` does not have (oldest
   * first, each keeping its message and author, committed by `committer`) on top of commit
   * `onto`, and points the branch at the result; returns it. Nothing to replay (the branch is
   * already on `onto`, or contained in it) leaves the branch where it is, or moves it to `onto`
   * when it had no commits of its own. When a commit does not apply, ConflictError naming the
   * commit and the conflicting paths, and the branch is unchanged. ConflictError also for a merge
   * commit among those to replay, and while a working copy has the branch checked out.
   */
  rebaseBranch(options: {
    repo: RepoCheckout;
    branch: string;
    onto: string;
    committer: GitAuthor;
  }): Promise<string>;
  /**
   * Deletes the local branch `branch` of the clone (refs/heads only; remote-tracking branches and
   * the objects stay). Returns false when there is no such branch. ConflictError while a working
   * copy still has the branch checked out. Used to start a run over after its worker died.
   */
  deleteBranch(options: { repo: RepoCheckout; branch: string }): Promise<boolean>;
  /** Deletes a working copy. Idempotent. */
  removeWorkingCopy(options: { workspace: Workspace }): Promise<void>;
}
