import { spawn } from 'node:child_process';
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { entryMatchesFields, type IndexSnapshot, type StatFields, statFields } from './git-index-file.ts';
import { hashObject } from './git-objects.ts';

/** A file found in a working copy, with its blob id (from the index when its stat data still match). */
export interface ScannedFile {
  oid: string;
  mode: number;
  /** Its stat data, as an index entry holds them (numbers: far lighter than a BigIntStats). */
  stats: StatFields;
  /** The content, when it had to be read to hash it. */
  content: Buffer | null;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Adds every directory above `file` (`a/b/c.txt`: `a/b`, `a`) to `directories`, stopping at the
 * first already there (its own ancestors were added with it).
 */
export function addAncestorDirectories(file: string, directories: Set<string>): void {
  let slash = file.lastIndexOf('/');
  while (slash > 0) {
    const directory = file.slice(0, slash);
    if (directories.has(directory)) return;
    directories.add(directory);
    slash = directory.lastIndexOf('/');
  }
}

/**
 * Lists the working copy's files: every regular file and symbolic link under `root`, except
 * `.git` entries and, for paths not in `tracked`, those `.gitignore` / `info/exclude` ignore
 * (an ignored untracked directory is not entered at all). Tracked files are listed even when
 * a pattern matches them, as in git. Sorted by code unit.
 */
export async function listWorkingCopyFiles(
  root: string,
  gitdir: string,
  tracked: ReadonlySet<string>,
): Promise<string[]> {
  const trackedDirectories = new Set<string>();
  for (const file of tracked) addAncestorDirectories(file, trackedDirectories);
  const ignored = (filepath: string): Promise<boolean> => git.isIgnored({ fs, dir: root, gitdir, filepath });
  const files: string[] = [];
  // Synchronous readdir, yielding now and then: a thread-pool hop per directory costs more than
  // the call itself.
  let sinceYield = 0;
  const walk = async (directory: string, prefix: string): Promise<void> => {
    if (++sinceYield >= yieldEvery) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
    const entries = fs.readdirSync(directory, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!trackedDirectories.has(relative) && (await ignored(relative))) continue;
        await walk(childPath(directory, entry.name), relative);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (!tracked.has(relative) && (await ignored(relative))) continue;
        files.push(relative);
      }
    }
  };
  await walk(root, '');
  return files.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

/** Synchronous file-system calls made between two yields to the event loop. */
const yieldEvery = 500;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** git's mode for a file from its lstat result. */
export function modeOf(stats: BigIntStats): number {
  if (stats.isSymbolicLink()) return 0o120000;
  return (Number(stats.mode) & 0o100) !== 0 ? 0o100755 : 0o100644;
}

/** A file's blob content: its bytes, or a symbolic link's target. */
export async function readBlobContent(file: string, symbolicLink: boolean): Promise<Buffer> {
  if (symbolicLink) return Buffer.from(await readlink(file), 'utf8');
  return readFile(file);
}

/**
 * Hashes every listed file of the working copy, trusting the index's blob id when the file's
 * stat data still match its entry (the racy-git rule applies), reading and hashing the rest.
 */
export async function scanWorkingCopy(
  root: string,
  files: readonly string[],
  index: IndexSnapshot,
): Promise<Map<string, ScannedFile>> {
  const found: Array<ScannedFile | null> = new Array(files.length).fill(null);
  const changed: number[] = [];
  // Synchronous lstat in batches: the thread pool would cost several times the calls themselves.
  for (let position = 0; position < files.length; position++) {
    if (position > 0 && position % yieldEvery === 0) await yieldToEventLoop();
    const relative = files[position]!;
    let stats: BigIntStats;
    try {
      stats = fs.lstatSync(childPath(root, relative), { bigint: true });
    } catch {
      continue;
    }
    const mode = modeOf(stats);
    const fields = statFields(stats);
    const entry = index.entries.get(relative);
    if (
      entry !== undefined &&
      entry.mode === mode &&
      entryMatchesFields(entry, fields, stats.mtimeNs, index.writtenAtNanoseconds)
    ) {
      found[position] = { oid: entry.oid, mode, stats: fields, content: null };
    } else {
      found[position] = { oid: '', mode, stats: fields, content: null };
      changed.push(position);
    }
  }
  await forEachLimited(changed, 32, async (position) => {
    const scan = found[position]!;
    const content = await readBlobContent(childPath(root, files[position]!), scan.mode === 0o120000);
    found[position] = { ...scan, oid: hashObject('blob', content), content };
  });
  const result = new Map<string, ScannedFile>();
  found.forEach((scan, position) => {
    if (scan !== null) result.set(files[position]!, scan);
  });
  return result;
}

/**
 * `path.join(root, relative)` for a relative path already normalized (from a directory
 * listing, an index or a tree): a concatenation, without `join`'s normalizing pass, on the
 * platforms whose separator is `/`.
 */
export function childPath(root: string, relative: string): string {
  return path.sep === '/'
    ? `${root.endsWith('/') ? root.slice(0, -1) : root}/${relative}`
    : path.join(root, relative);
}

/**
 * Deletes `directory` and everything in it, like `rm -rf` (a missing directory is fine), with
 * synchronous calls in batches, yielding to the event loop between batches: `fs.promises.rm`
 * goes through the thread pool several times per entry, which costs more CPU and memory than
 * the deletions themselves. Symbolic links are removed, never followed. A directory of its own
 * that it may not read or write (an agent's `chmod 0500`, where `rm -rf` gives up) is made
 * readable and writable by its owner first.
 */
export async function removeTree(directory: string): Promise<void> {
  let calls = 0;
  const remove = async (current: string, madeReadable = false): Promise<void> => {
    let names: string[];
    try {
      names = fs.readdirSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'EACCES' && !madeReadable) {
        // A directory (`readdir` of anything else fails otherwise): `current` is no symbolic link.
        fs.chmodSync(current, 0o700);
        await remove(current, true);
        return;
      }
      if (code !== 'ENOTDIR') throw error;
      fs.unlinkSync(current);
      return;
    }
    let writable = false;
    for (const name of names) {
      if (++calls % yieldEvery === 0) await yieldToEventLoop();
      const child = childPath(current, name);
      try {
        fs.unlinkSync(child);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        if (code === 'EACCES' && !writable) {
          // `current` may not be written: made writable once, the entry is tried again.
          writable = true;
          fs.chmodSync(current, 0o700);
          try {
            fs.unlinkSync(child);
            continue;
          } catch (again) {
            const code = (again as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') continue;
            if (code !== 'EISDIR' && code !== 'EPERM') throw again;
          }
        } else if (code !== 'EISDIR' && code !== 'EPERM') throw error;
        // A directory: Linux says EISDIR, macOS EPERM (a real EPERM is raised again below).
        await remove(child);
      }
    }
    try {
      fs.rmdirSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // A link (even to a directory) or a file is removed itself, as `rm -rf` does.
  if (stats.isDirectory()) await remove(directory);
  else fs.unlinkSync(directory);
}

/**
 * {@link removeTree}, done by an `rm -rf` process where there is one: thousands of unlinks and
 * rmdirs then take another core instead of this process's only JavaScript thread, which the
 * runs still going need. The process gets no environment but `PATH` (nothing secret reaches it),
 * and does not keep this one alive: Node may exit while it deletes.
 * Falls back to {@link removeTree} on Windows, when `rm` cannot be started or fails.
 */
export async function removeTreeElsewhere(directory: string): Promise<void> {
  if (process.platform === 'win32') return removeTree(directory);
  const removed = await new Promise<boolean>((resolve) => {
    const child = spawn('rm', ['-rf', '--', directory], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
    // A `goosuke run` that is done does not wait for its copies' deletion to exit: `rm` goes on
    // alone (a deletion cut short, by a crash say, is swept from the trash by the next backend).
    child.unref();
  });
  if (!removed) await removeTree(directory);
}
