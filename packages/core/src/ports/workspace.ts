import type { FileChange } from '../domain/index.ts';

/**
 * A directory of files an agent may read and change, such as a run's working copy.
 * Paths are relative to `root`, with forward slashes.
 */
export interface Workspace {
  /** Absolute location, for logs and child processes. */
  readonly root: string;
  /** Every file path under the root (for a git working copy: tracked and untracked, minus ignored). */
  listFiles(options?: { signal?: AbortSignal }): Promise<string[]>;
  /** A file's text, or null when it does not exist. Refuses paths outside the root. */
  readFile(path: string): Promise<string | null>;
  /**
   * Writes every change or none: if any write fails, files already written are restored
   * and the error is rethrown. Refuses (InvalidInputError) any path that escapes the root,
   * including through a symbolic link, before writing anything.
   */
  writeFiles(changes: readonly FileChange[]): Promise<void>;
}
