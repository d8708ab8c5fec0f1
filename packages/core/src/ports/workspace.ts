import type { FileChange } from '../domain/index.ts';

/**
 * A directory of files an agent may read and change, such as a run's working copy.
 * Paths are relative to `root`, with forward slashes.
 */
export interface Workspace {
  /** Absolute location, for logs and child processes. */
  readonly root: string;
  /**
   * When defined, names the content exactly: two workspaces (or {@link CommitFiles}) with the
   * same revision list the same files with the same texts, so what was computed from one's
   * reads holds for the other. A working copy not yet written to reports its base commit id;
   * undefined once anything may have changed, and for directories of unknown content.
   */
  readonly revision?: string | undefined;
  /** Every file path under the root (for a git working copy: tracked and untracked, minus ignored). */
  listFiles(options?: { signal?: AbortSignal }): Promise<string[]>;
  /** A file's text, or null when it does not exist. Refuses paths outside the root. */
  readFile(path: string): Promise<string | null>;
  /** Optional, as {@link CommitFiles.listSizes}: offered by a workspace that can list sizes without reading files. */
  listSizes?(options?: { signal?: AbortSignal }): Promise<FileSize[]>;
  /**
   * Writes every change or none: if any write fails, files already written are restored
   * and the error is rethrown. Refuses (InvalidInputError) any path that escapes the root,
   * including through a symbolic link, before writing anything.
   */
  writeFiles(changes: readonly FileChange[]): Promise<void>;
}

/**
 * The files of one commit, read-only: what a fresh working copy of it would list and read,
 * without the copy (served from the object store and caches). Symbolic links and submodules
 * are not listed, and read as absent.
 */
export interface CommitFiles {
  /** The commit id. */
  readonly revision: string;
  /** Every tracked file of the commit (regular files only), sorted by code unit. */
  listFiles(options?: { signal?: AbortSignal }): Promise<string[]>;
  /** A file's text as committed, or null when the commit has no such regular file. */
  readFile(path: string): Promise<string | null>;
  /**
   * Optional: every file `listFiles` lists, in the same order, with its size in bytes, taken from
   * the tree listing without reading any file (git keeps sizes in object headers). Offered only
   * where that is cheap: a context can then be chosen from paths and sizes, reading only the
   * files it shows, so the first run on a fresh clone does not read the whole repository before
   * its model call.
   */
  listSizes?(options?: { signal?: AbortSignal }): Promise<FileSize[]>;
}

/** A file and its size in bytes; see {@link CommitFiles.listSizes}. */
export interface FileSize {
  path: string;
  bytes: number;
}
