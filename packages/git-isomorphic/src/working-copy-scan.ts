import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { entryMatchesStats, type IndexSnapshot } from './git-index-file.ts';
import { hashObject } from './git-objects.ts';

/** A file found in a working copy, with its blob id (from the index when its stat data still match). */
export interface ScannedFile {
  oid: string;
  mode: number;
  stats: BigIntStats;
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
  for (const file of tracked) {
    let slash = file.lastIndexOf('/');
    while (slash > 0) {
      const directory = file.slice(0, slash);
      if (trackedDirectories.has(directory)) break;
      trackedDirectories.add(directory);
      slash = directory.lastIndexOf('/');
    }
  }
  const ignored = (filepath: string): Promise<boolean> => git.isIgnored({ fs, dir: root, gitdir, filepath });
  const files: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.name === '.git') return;
        const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!trackedDirectories.has(relative) && (await ignored(relative))) return;
          await walk(path.join(directory, entry.name), relative);
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          if (!tracked.has(relative) && (await ignored(relative))) return;
          files.push(relative);
        }
      }),
    );
  };
  await walk(root, '');
  return files.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

/** git's mode for a file from its lstat result. */
export function modeOf(stats: BigIntStats): number {
  if (stats.isSymbolicLink()) return 0o120000;
  return (Number(stats.mode) & 0o100) !== 0 ? 0o100755 : 0o100644;
}

/** A file's blob content: its bytes, or a symbolic link's target. */
export async function readBlobContent(file: string, stats: BigIntStats): Promise<Buffer> {
  if (stats.isSymbolicLink()) return Buffer.from(await readlink(file), 'utf8');
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
  const result = new Map<string, ScannedFile>();
  await forEachLimited(files, 32, async (relative) => {
    const absolute = path.join(root, relative);
    let stats: BigIntStats;
    try {
      stats = await lstat(absolute, { bigint: true });
    } catch {
      return;
    }
    const mode = modeOf(stats);
    const entry = index.entries.get(relative);
    if (
      entry !== undefined &&
      entry.mode === mode &&
      entryMatchesStats(entry, stats, index.writtenAtNanoseconds)
    ) {
      result.set(relative, { oid: entry.oid, mode, stats, content: null });
      return;
    }
    const content = await readBlobContent(absolute, stats);
    result.set(relative, { oid: hashObject('blob', content), mode, stats, content });
  });
  return result;
}
