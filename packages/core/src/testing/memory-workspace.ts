import type { FileChange } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import type { Workspace } from '../ports/index.ts';

/** Options of {@link createMemoryWorkspace}. */
export interface MemoryWorkspaceOptions {
  /** What `root` reports; default `/memory-workspace`. Nothing is read from or written there. */
  root?: string;
}

/** A {@link Workspace} held in memory, with a way to look at every file at once. */
export interface MemoryWorkspace extends Workspace {
  /** A copy of every file, path to content, with paths in sorted order. */
  snapshot(): Record<string, string>;
}

/**
 * A Workspace in memory, for tests of agents and services that read and change a working copy.
 *
 * Contract (the same as the directory workspace, minus the file system):
 * - Paths are relative, with forward slashes; `.` segments and repeated slashes collapse
 *   (`./a//b` is `a/b`). A path that is empty, absolute (`/x`, `C:x`), contains a backslash, a NUL
 *   byte or a `..` segment, or names the root itself, is refused with InvalidInputError, by
 *   `readFile` and `writeFiles` alike. The initial `files` are checked the same way.
 * - `listFiles` returns every path sorted by code unit; `readFile` returns null for a missing file.
 * - `writeFiles` is all or nothing: every path is checked (and no path may appear twice) before
 *   anything changes; `content: null` deletes, and deleting a missing file is a no-op.
 */
export function createMemoryWorkspace(
  files: Record<string, string>,
  options: MemoryWorkspaceOptions = {},
): MemoryWorkspace {
  const contents = new Map<string, string>();
  for (const [path, content] of Object.entries(files)) {
    if (typeof content !== 'string') {
      throw new InvalidInputError(`the initial content of ${JSON.stringify(path)} must be a string`);
    }
    contents.set(normalizeWorkspacePath(path), content);
  }
  const sortedPaths = (): string[] => [...contents.keys()].sort(compareCodeUnits);

  return {
    root: options.root ?? '/memory-workspace',

    async listFiles(listOptions) {
      listOptions?.signal?.throwIfAborted();
      return sortedPaths();
    },

    async readFile(path) {
      return contents.get(normalizeWorkspacePath(path)) ?? null;
    },

    async writeFiles(changes: readonly FileChange[]) {
      if (!Array.isArray(changes)) throw new InvalidInputError('writeFiles needs an array of file changes');
      const planned = new Map<string, string | null>();
      for (const change of changes) {
        const path = normalizeWorkspacePath(change?.path);
        if (change.content !== null && typeof change.content !== 'string') {
          throw new InvalidInputError(`the content of ${JSON.stringify(path)} must be a string or null`);
        }
        if (planned.has(path)) throw new InvalidInputError(`path ${path} is changed twice in one write`);
        planned.set(path, change.content);
      }
      for (const [path, content] of planned) {
        if (content === null) contents.delete(path);
        else contents.set(path, content);
      }
    },

    snapshot() {
      return Object.fromEntries(sortedPaths().map((path) => [path, contents.get(path)!]));
    },
  };
}

function normalizeWorkspacePath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidInputError('a workspace path must be a non-empty string');
  }
  const shown = JSON.stringify(path);
  if (path.includes('\0')) throw new InvalidInputError(`path ${shown} contains a NUL byte`);
  if (path.includes('\\'))
    throw new InvalidInputError(`path ${shown} contains a backslash; use forward slashes`);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new InvalidInputError(`path ${shown} is absolute; use a path relative to the workspace root`);
  }
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new InvalidInputError(`path ${shown} contains "..", which could leave the workspace root`);
  }
  if (segments.length === 0)
    throw new InvalidInputError(`path ${shown} names the workspace root, not a file`);
  return segments.join('/');
}

function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
