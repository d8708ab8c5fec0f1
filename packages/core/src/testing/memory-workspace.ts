import type { FileChange } from '../domain/index.ts';
import { normalizeWorkspacePath } from '../edits/workspace-path.ts';
import { InvalidInputError } from '../errors/index.ts';
import type { Workspace } from '../ports/index.ts';

const utf8 = new TextEncoder();

/** Options of {@link createMemoryWorkspace}. */
export interface MemoryWorkspaceOptions {
  /** What `root` reports; default `/memory-workspace`. Nothing is read from or written there. */
  root?: string;
  /**
   * What `revision` reports until the first call of `writeFiles` (then undefined): for tests of
   * code that shares work between workspaces of one revision. Default undefined.
   */
  revision?: string;
  /**
   * Offer `listSizes` (each file's UTF-8 length), as a git commit does: for tests of code that
   * chooses files by path and size before reading them. Default false (no `listSizes`).
   */
  sizes?: boolean;
}

/** A {@link Workspace} held in memory, with a way to look at every file at once. */
export interface MemoryWorkspace extends Workspace {
  /** A copy of every file, path to content, with paths in sorted order. */
  snapshot(): Record<string, string>;
  /** The paths `readFile` was asked for so far, in order (repeats included). */
  reads(): string[];
}

/**
 * A Workspace in memory, for tests of agents and services that read and change a working copy.
 * It holds the Workspace contract as `describeWorkspaceConformance` states it, minus the file
 * system (no symbolic links):
 * - Paths go through `normalizeWorkspacePath` (the rule of every workspace): `./a//b` is `a/b`;
 *   empty, absolute, backslashed, NUL, `..` and `.git` paths are refused with InvalidInputError,
 *   by `readFile` and `writeFiles` alike. The initial `files` are checked the same way.
 * - Files and directories are kept apart as on a disk: reading or writing a path that is a
 *   directory (a prefix of other files) is refused; reading under a file is null; a change set that
 *   would leave a file where a directory must be (or the reverse) is refused as a whole.
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
  const clash = findFileDirectoryClash(contents.keys());
  if (clash !== null) throw new InvalidInputError(`the initial files put ${clash}`);
  const sortedPaths = (): string[] => [...contents.keys()].sort(compareCodeUnits);
  const isDirectory = (path: string): boolean => {
    const prefix = `${path}/`;
    for (const file of contents.keys()) if (file.startsWith(prefix)) return true;
    return false;
  };
  let revision = options.revision;
  const reads: string[] = [];
  const listSizes: Pick<Workspace, 'listSizes'> =
    options.sizes === true
      ? {
          async listSizes(listOptions) {
            listOptions?.signal?.throwIfAborted();
            return sortedPaths().map((path) => ({ path, bytes: utf8.encode(contents.get(path)!).length }));
          },
        }
      : {};

  return {
    ...listSizes,
    root: options.root ?? '/memory-workspace',

    get revision() {
      return revision;
    },

    async listFiles(listOptions) {
      listOptions?.signal?.throwIfAborted();
      return sortedPaths();
    },

    async readFile(path) {
      reads.push(path);
      const normal = normalizeWorkspacePath(path);
      const content = contents.get(normal);
      if (content !== undefined) return content;
      if (isDirectory(normal)) throw new InvalidInputError(`path ${normal} is a directory, not a file`);
      return null;
    },

    async writeFiles(changes: readonly FileChange[]) {
      // Cleared before checking: the contract only promises a revision while nothing was written.
      revision = undefined;
      if (!Array.isArray(changes)) throw new InvalidInputError('writeFiles needs an array of file changes');
      const planned = new Map<string, string | null>();
      for (const change of changes) {
        const path = normalizeWorkspacePath(change?.path);
        if (change.content !== null && typeof change.content !== 'string') {
          throw new InvalidInputError(`the content of ${JSON.stringify(path)} must be a string or null`);
        }
        if (planned.has(path)) throw new InvalidInputError(`path ${path} is changed twice in one write`);
        if (isDirectory(path)) throw new InvalidInputError(`path ${path} is a directory, not a file`);
        planned.set(path, change.content);
      }
      const after = new Set(contents.keys());
      for (const [path, content] of planned) {
        if (content === null) after.delete(path);
        else after.add(path);
      }
      const clash = findFileDirectoryClash(after);
      if (clash !== null) throw new InvalidInputError(`the change set would put ${clash}`);
      for (const [path, content] of planned) {
        if (content === null) contents.delete(path);
        else contents.set(path, content);
      }
    },

    snapshot() {
      return Object.fromEntries(sortedPaths().map((path) => [path, contents.get(path)!]));
    },

    reads: () => [...reads],
  };
}

/** The first file of `paths` that another path needs as a directory, described; null when none. */
function findFileDirectoryClash(paths: Iterable<string>): string | null {
  const files = new Set(paths);
  for (const path of files) {
    let slash = path.indexOf('/');
    while (slash !== -1) {
      const parent = path.slice(0, slash);
      if (files.has(parent)) return `${path} under ${parent}, which is a file`;
      slash = path.indexOf('/', slash + 1);
    }
  }
  return null;
}

function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
