import type { Workspace } from './workspace.ts';

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
  fetch(options: { repo: RepoCheckout; auth?: GitAuth; signal?: AbortSignal }): Promise<void>;
  /** The commit id a ref names (`main`, `origin/main`, a tag or a commit id). NotFoundError if none. */
  resolveRef(options: { repo: RepoCheckout; ref: string }): Promise<string>;
  /** Lists local and remote-tracking branch names. */
  listBranches(options: { repo: RepoCheckout }): Promise<string[]>;
  /** Makes an isolated working copy of `baseRef` in `dir`, on a new branch `branch`. */
  createWorkingCopy(options: {
    repo: RepoCheckout;
    baseRef: string;
    branch: string;
    dir: string;
    signal?: AbortSignal;
  }): Promise<Workspace>;
  /** Unified diff of the working copy against `base`, including new, deleted and renamed files. */
  diff(options: { workspace: Workspace; base: string }): Promise<string>;
  /** Commits every change in the working copy; returns the commit id. */
  commit(options: { workspace: Workspace; message: string; author: GitAuthor }): Promise<string>;
  push(options: {
    workspace: Workspace;
    branch: string;
    auth?: GitAuth;
    force?: boolean;
    signal?: AbortSignal;
  }): Promise<void>;
  /**
   * Deletes the local branch `branch` of the clone (refs/heads only; remote-tracking branches and
   * the objects stay). Returns false when there is no such branch. ConflictError while a working
   * copy still has the branch checked out. Used to start a run over after its worker died.
   */
  deleteBranch(options: { repo: RepoCheckout; branch: string }): Promise<boolean>;
  /** Deletes a working copy. Idempotent. */
  removeWorkingCopy(options: { workspace: Workspace }): Promise<void>;
}
