import { randomBytes } from 'node:crypto';
import { readlinkSync, realpathSync, type Stats } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { type FileChange, GoosukeError, InvalidInputError, type Workspace } from '@goosuke/core';
import { normalizeWorkspacePath } from '@goosuke/core/implementing';
import { readRegularFileSync } from './read-file-sync.ts';

/** Options of {@link createDirectoryWorkspace}. */
export interface DirectoryWorkspaceOptions {
  /** The directory the workspace reads and writes; relative paths resolve against the process cwd. */
  root: string;
}

/** Directory names {@link Workspace.listFiles} never descends into, at any depth. */
const skippedDirectoryNames: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** Where a workspace path lands on disk, found without following anything outside the root. */
interface ResolvedPath {
  /** The path as given, normalized: forward slashes, no `.` segments. */
  relative: string;
  /** Real location of the target: the real path of its deepest existing ancestor plus the missing segments. */
  target: string;
  /** Missing ancestors of the target, outermost first, as real absolute paths. */
  missingDirectories: string[];
  /** `lstat` of the target, or null when it does not exist. */
  stats: Stats | null;
}

/** One planned change after validation. */
interface PlannedChange {
  resolved: ResolvedPath;
  /** New content, or null to delete. */
  content: string | null;
}

/** An undoable step already taken by writeFiles, in the order taken. */
type JournalEntry =
  | { kind: 'created-directory'; directory: string }
  | { kind: 'temporary-file'; file: string }
  | { kind: 'moved-aside'; target: string; backup: string }
  | { kind: 'installed'; target: string };

/**
 * A {@link Workspace} on a real directory, through `node:fs/promises`.
 *
 * Contract:
 * - Paths are relative to `root`, with forward slashes, and go through `normalizeWorkspacePath`
 *   from `@goosuke/core` (the rule every workspace shares): a path that is empty, absolute, contains
 *   a backslash, a NUL byte or a `..` segment, names the root itself, or has a `.git` segment at any
 *   depth (any letter case: the git metadata, or a working copy's `.git` file, is the last thing an
 *   edit may touch) is refused with InvalidInputError, for reads and writes alike; so is a path whose
 *   deepest existing ancestor resolves (through symbolic links) to a place outside `realpath(root)`.
 * - `readFile` returns the file's UTF-8 text, or null when nothing is there; a directory is refused.
 * - `writeFiles` is all or nothing. It validates every path first (the checks above, plus: the target
 *   must not be a symbolic link or a directory, no path may appear twice, and nothing is created through
 *   a broken symbolic link), then writes each new content to a temporary file next to its target,
 *   moves the existing targets aside and renames the temporary files into place. If any step fails,
 *   every original file is put back (content and mode, since the original inode is restored), created
 *   files and directories are removed, no temporary file is left, and the error is rethrown as a
 *   GoosukeError with code `storage` (its `cause` is the file-system error).
 *   Modified files keep their mode; new files get the default mode (umask). Deleting a missing file is
 *   a no-op. Deleting a file also removes the parent directories it leaves empty, as git does.
 * - `listFiles` returns every regular file under the root (symbolic links are not followed or listed),
 *   relative with forward slashes, skipping `.git` and `node_modules` at any depth, sorted by code unit.
 */
export function createDirectoryWorkspace(options: DirectoryWorkspaceOptions): Workspace {
  const root = path.resolve(options.root);
  let realRootPromise: Promise<string> | undefined;
  // Resolved lazily and once: the root may be created after the workspace object.
  const realRoot = (): Promise<string> => {
    realRootPromise ??= realpath(root).catch((error: unknown) => {
      realRootPromise = undefined;
      throw new GoosukeError('storage', `the workspace root ${root} cannot be opened (${errorCode(error)})`, {
        cause: error,
      });
    });
    return realRootPromise;
  };

  return {
    root,

    async listFiles() {
      const files: string[] = [];
      const base = await realRoot();
      await collectFiles(base, '', files);
      return files.sort(compareCodeUnits);
    },

    async readFile(relativePath) {
      const base = await realRoot();
      const plain = readPlainFile(base, relativePath);
      if (plain !== undefined) return plain;
      const resolved = await resolvePath(base, relativePath);
      if (resolved.stats === null) return null;
      try {
        // Follows a final symbolic link on purpose: resolvePath already proved it stays inside.
        return await readFile(resolved.target, 'utf8');
      } catch (error) {
        if (isMissing(error)) return null;
        if (errorCode(error) === 'EISDIR') {
          throw new InvalidInputError(`path ${resolved.relative} is a directory, not a file`, [], {
            cause: error,
          });
        }
        throw new GoosukeError('storage', `could not read ${resolved.relative} (${errorCode(error)})`, {
          cause: error,
        });
      }
    },

    async writeFiles(changes) {
      const plan = await planChanges(await realRoot(), changes);
      await applyPlan(await realRoot(), plan);
    },
  };
}

/** Files up to this size may be read synchronously by {@link readPlainFile}. */
const plainReadLimit = 1024 * 1024;

/** Where Linux shows the path an open file descriptor refers to; null elsewhere. */
const descriptorPaths = process.platform === 'linux' ? '/proc/self/fd/' : null;

/**
 * The fast path of `readFile`, for the common case of a small regular file reached without any
 * symbolic link: a synchronous read (see {@link readRegularFileSync}) plus one check that the
 * file opened is the file named: its real path (from `/proc/self/fd` on Linux, else `realpath`)
 * equals the path as written, so no segment is a link and the careful walk of
 * {@link resolvePath} would have found exactly this file. Anything else (a link, a missing
 * path, a large or special file, any error) returns undefined and takes the careful path,
 * which decides and reports as before.
 */
function readPlainFile(realRootPath: string, relativePath: string): string | undefined {
  const target = path.join(realRootPath, ...parseRelativePath(relativePath));
  const bytes = readRegularFileSync(
    target,
    plainReadLimit,
    (descriptor) =>
      (descriptorPaths === null
        ? realpathSync.native(target)
        : readlinkSync(`${descriptorPaths}${descriptor}`, 'utf8')) === target,
  );
  return bytes?.toString('utf8');
}

/** Checks a path's spelling (the rule every workspace shares) and returns its normalized segments. */
function parseRelativePath(relativePath: string): string[] {
  return normalizeWorkspacePath(relativePath).split('/');
}

/**
 * Walks the path one segment at a time from the real root, following symbolic links only when
 * their real target stays under the root, and stops at the first missing segment.
 */
async function resolvePath(realRootPath: string, relativePath: string): Promise<ResolvedPath> {
  const segments = parseRelativePath(relativePath);
  const relative = segments.join('/');
  let current = realRootPath;
  for (let index = 0; index < segments.length; index++) {
    const next = path.join(current, segments[index]!);
    let stats: Stats;
    try {
      stats = await lstat(next);
    } catch (error) {
      if (!isMissing(error)) {
        throw new GoosukeError('storage', `could not inspect ${relative} (${errorCode(error)})`, {
          cause: error,
        });
      }
      const missing = segments.slice(index);
      const missingDirectories: string[] = [];
      let directory = current;
      for (const segment of missing.slice(0, -1)) {
        directory = path.join(directory, segment);
        missingDirectories.push(directory);
      }
      return { relative, target: path.join(current, ...missing), missingDirectories, stats: null };
    }
    const isLast = index === segments.length - 1;
    if (stats.isSymbolicLink()) {
      let real: string;
      try {
        real = await realpath(next);
      } catch (error) {
        if (!isMissing(error)) {
          throw new GoosukeError('storage', `could not resolve ${relative} (${errorCode(error)})`, {
            cause: error,
          });
        }
        if (isLast) {
          // A broken final link: nothing to read; writeFiles refuses links as targets anyway.
          return { relative, target: next, missingDirectories: [], stats };
        }
        throw new InvalidInputError(`path ${relative} goes through a broken symbolic link`);
      }
      if (!isInside(realRootPath, real)) {
        throw new InvalidInputError(
          `path ${relative} resolves through a symbolic link to outside the workspace`,
        );
      }
      if (isLast) return { relative, target: real, missingDirectories: [], stats };
      current = real;
      continue;
    }
    if (isLast) return { relative, target: next, missingDirectories: [], stats };
    current = next;
  }
  throw new Error('unreachable: a parsed path has at least one segment');
}

/** Validates every change before anything is written. */
async function planChanges(realRootPath: string, changes: readonly FileChange[]): Promise<PlannedChange[]> {
  const plan: PlannedChange[] = [];
  const seen = new Set<string>();
  for (const change of changes) {
    const resolved = await resolvePath(realRootPath, change.path);
    // Compares real targets so that two spellings of one file (through an inner link) count once.
    if (seen.has(resolved.target)) {
      throw new InvalidInputError(`path ${resolved.relative} is changed twice in one write`);
    }
    seen.add(resolved.target);
    const stats = resolved.stats;
    if (stats?.isSymbolicLink()) {
      throw new InvalidInputError(`path ${resolved.relative} is a symbolic link; refusing to replace it`);
    }
    if (stats?.isDirectory()) {
      throw new InvalidInputError(`path ${resolved.relative} is a directory, not a file`);
    }
    if (stats !== null && !stats.isFile()) {
      throw new InvalidInputError(`path ${resolved.relative} is not a regular file`);
    }
    if (change.content === null && stats === null) continue;
    plan.push({ resolved, content: change.content });
  }
  return plan;
}

/** Stages, commits and cleans up a validated plan; undoes everything on failure. */
async function applyPlan(realRootPath: string, plan: readonly PlannedChange[]): Promise<void> {
  const journal: JournalEntry[] = [];
  const temporaryFiles = new Map<PlannedChange, string>();
  let current = '';
  try {
    // Stage: nothing a reader of the targets can see changes yet.
    for (const change of plan) {
      if (change.content === null) continue;
      current = change.resolved.relative;
      for (const directory of change.resolved.missingDirectories) {
        if (await isDirectory(directory)) continue;
        await mkdir(directory);
        journal.push({ kind: 'created-directory', directory });
      }
      const temporary = siblingName(change.resolved.target, 'tmp');
      // Journaled before writing: a write that fails halfway may still have created the file.
      journal.push({ kind: 'temporary-file', file: temporary });
      await writeFile(temporary, change.content, { encoding: 'utf8', flag: 'wx' });
      if (change.resolved.stats !== null) {
        await chmod(temporary, change.resolved.stats.mode & 0o7777);
      }
      temporaryFiles.set(change, temporary);
    }
    // Commit: move each original aside (keeping its inode, so content and mode), then install.
    for (const change of plan) {
      current = change.resolved.relative;
      const target = change.resolved.target;
      if (change.resolved.stats !== null) {
        const backup = siblingName(target, 'bak');
        await rename(target, backup);
        journal.push({ kind: 'moved-aside', target, backup });
      }
      const temporary = temporaryFiles.get(change);
      if (temporary !== undefined) {
        await rename(temporary, target);
        journal.push({ kind: 'installed', target });
      }
    }
  } catch (error) {
    const unrestored = await rollBack(journal);
    const restored =
      unrestored.length === 0
        ? 'no file was changed'
        : `and restoring failed for ${unrestored.join(', ')}; check them by hand`;
    throw new GoosukeError('storage', `could not write ${current} (${errorCode(error)}); ${restored}`, {
      cause: error,
    });
  }
  // Cleanup after success: the change is done, so failures here only leave debris, not a half-write.
  for (const entry of journal) {
    if (entry.kind === 'moved-aside') await unlink(entry.backup).catch(() => undefined);
  }
  for (const change of plan) {
    if (change.content === null) await removeEmptyParents(realRootPath, change.resolved.target);
  }
}

/** Undoes journal entries newest first; returns the paths it could not restore. */
async function rollBack(journal: readonly JournalEntry[]): Promise<string[]> {
  const unrestored: string[] = [];
  for (const entry of [...journal].reverse()) {
    try {
      switch (entry.kind) {
        case 'installed':
          await unlink(entry.target);
          break;
        case 'moved-aside':
          await rename(entry.backup, entry.target);
          break;
        case 'temporary-file':
          await unlink(entry.file).catch((error: unknown) => {
            // An installed temporary file was renamed away: nothing left to remove.
            if (!isMissing(error)) throw error;
          });
          break;
        case 'created-directory':
          await rmdir(entry.directory);
          break;
      }
    } catch {
      unrestored.push(entry.kind === 'created-directory' ? entry.directory : describeEntry(entry));
    }
  }
  return unrestored;
}

function describeEntry(entry: JournalEntry): string {
  switch (entry.kind) {
    case 'installed':
    case 'moved-aside':
      return entry.target;
    case 'temporary-file':
      return entry.file;
    case 'created-directory':
      return entry.directory;
  }
}

/** Removes the target's parent directories while they are empty, never the root itself. */
async function removeEmptyParents(realRootPath: string, target: string): Promise<void> {
  let directory = path.dirname(target);
  while (directory !== realRootPath && isInside(realRootPath, directory)) {
    try {
      await rmdir(directory);
    } catch {
      return;
    }
    directory = path.dirname(directory);
  }
}

async function collectFiles(directory: string, prefix: string, files: string[]): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  for (const entry of entries) {
    if (skippedDirectoryNames.has(entry.name)) continue;
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      await collectFiles(path.join(directory, entry.name), relative, files);
    } else if (entry.isFile()) {
      files.push(relative);
    }
  }
}

/** A hidden, unique name in the target's directory, so a rename onto the target stays on one file system. */
function siblingName(target: string, suffix: 'tmp' | 'bak'): string {
  const name = `.${path.basename(target)}.goosuke-${randomBytes(6).toString('hex')}.${suffix}`;
  return path.join(path.dirname(target), name);
}

function isInside(parent: string, candidate: string): boolean {
  const relative = path.relative(parent, candidate);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

async function isDirectory(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isDirectory();
  } catch {
    return false;
  }
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
