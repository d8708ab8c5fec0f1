import * as fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '@goosuke/core';
import git from 'isomorphic-git';
import type { BackendContext, WorkingCopy } from './backend-context.ts';
import type { IndexEntry, IndexSnapshot } from './git-index-file.ts';
import type { FlatTree } from './git-objects.ts';
import { childPath, listWorkingCopyFiles, type ScannedFile, scanWorkingCopy } from './working-copy-scan.ts';
import { indexOf } from './working-copy-state.ts';

/** A file as a comparison found it: its index entry when unchanged, else as scanned. */
export type FileState = IndexEntry | ScannedFile;

/**
 * A working copy compared with its index: a file not in `changes` is as its index entry in
 * `index` says; a file in `changes` is as scanned there, or absent when null.
 */
export interface Comparison {
  index: ReadonlyMap<string, IndexEntry>;
  changes: Map<string, ScannedFile | null>;
}

/** The state of `file` in a comparison; undefined when the working copy does not have it. */
export function stateOf(comparison: Comparison, file: string): FileState | undefined {
  if (comparison.changes.has(file)) return comparison.changes.get(file) ?? undefined;
  return comparison.index.get(file);
}

/** Visits every file the working copy has, by a comparison. */
export function forEachFile(comparison: Comparison, visit: (file: string, state: FileState) => void): void {
  comparison.index.forEach((entry, file) => {
    if (!comparison.changes.has(file)) visit(file, entry);
  });
  comparison.changes.forEach((scan, file) => {
    if (scan !== null) visit(file, scan);
  });
}

/** The content read while scanning, if it was. */
export function contentOf(state: FileState): Buffer | null {
  return 'content' in state ? state.content : null;
}

/**
 * Compares the working copy with its index: a full scan of every file (`tree` adds what the
 * index may lack), or with `paths` (the caller vouches nothing else changed since the index
 * was written) only those, every other file being its index entry. The result costs memory
 * for what was looked at, not for the whole repository.
 */
export async function compare(
  context: BackendContext,
  copy: WorkingCopy,
  tree: FlatTree,
  paths?: readonly string[],
): Promise<Comparison> {
  const index = await indexOf(context, copy);
  if (paths !== undefined) return compareSome(copy, index, paths);
  const tracked = new Set<string>(index.entries.keys());
  tree.files.forEach((entry, file) => {
    if (entry.mode !== 0o160000) tracked.add(file);
  });
  const files = await listWorkingCopyFiles(copy.root, copy.gitdir, tracked);
  return { index: new Map(), changes: await scanWorkingCopy(copy.root, files, index) };
}

/** {@link compare} for the given paths only. */
async function compareSome(
  copy: WorkingCopy,
  index: IndexSnapshot,
  paths: readonly string[],
): Promise<Comparison> {
  const changes = new Map<string, ScannedFile | null>();
  for (const file of paths) {
    const normal = path.posix.normalize(file);
    if (
      normal !== file ||
      file.startsWith('../') ||
      path.posix.isAbsolute(file) ||
      file.split('/').includes('.git')
    ) {
      throw new InvalidInputError(
        `paths must be normalized paths inside the working copy, not ${JSON.stringify(file)}`,
      );
    }
    // Absent unless found below.
    changes.set(file, null);
  }
  // Untracked listed files count unless ignored, as in a full scan (directories are not files).
  const present: string[] = [];
  for (const file of changes.keys()) {
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(childPath(copy.root, file));
    } catch {
      continue;
    }
    if (!stats.isFile() && !stats.isSymbolicLink()) continue;
    if (
      !index.entries.has(file) &&
      (await git.isIgnored({ fs, dir: copy.root, gitdir: copy.gitdir, filepath: file }))
    )
      continue;
    present.push(file);
  }
  const scanned = await scanWorkingCopy(copy.root, present.sort(), index);
  scanned.forEach((scan, file) => {
    changes.set(file, scan);
  });
  return { index: index.entries, changes };
}

// By index entries, then by tree: the copies of one snapshot share both (each starts from the
// snapshot's entries and the base commit's tree), so their first commits compare them once.
const differencesByIndex = new WeakMap<
  ReadonlyMap<string, IndexEntry>,
  WeakMap<FlatTree, readonly string[]>
>();

/**
 * The paths of a comparison that may differ from `tree`: those it scanned (its `changes`) and
 * those where the index it compared against already disagreed with `tree`. Every other file is
 * its index entry, as `tree` has it.
 */
export function pathsThatMayDiffer(comparison: Comparison, tree: FlatTree): Set<string> {
  const paths = new Set(comparison.changes.keys());
  for (const file of indexTreeDifferences(comparison.index, tree)) paths.add(file);
  return paths;
}

/**
 * The paths where `index` and the files of `tree` disagree: in one and not the other, or with
 * another blob id or mode (submodules, which an index of this backend does not hold, left out).
 * Usually none: an index is written as the tree of the commit it follows. Remembered for the
 * pair (both are never changed once made).
 */
export function indexTreeDifferences(
  index: ReadonlyMap<string, IndexEntry>,
  tree: FlatTree,
): readonly string[] {
  let byTree = differencesByIndex.get(index);
  if (byTree === undefined) {
    byTree = new WeakMap();
    differencesByIndex.set(index, byTree);
  }
  let differences = byTree.get(tree);
  if (differences === undefined) {
    const found: string[] = [];
    index.forEach((entry, file) => {
      const inTree = tree.files.get(file);
      if (inTree === undefined || inTree.oid !== entry.oid || inTree.mode !== entry.mode) found.push(file);
    });
    tree.files.forEach((entry, file) => {
      if (entry.mode !== 0o160000 && !index.has(file)) found.push(file);
    });
    differences = found;
    byTree.set(tree, differences);
  }
  return differences;
}
