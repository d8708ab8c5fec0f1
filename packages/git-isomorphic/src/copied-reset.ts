import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import type { BackendContext, LinkPlan } from './backend-context.ts';
import { copiedFileMode, copyFilesInto } from './copied-checkout.ts';
import {
  type CopiedRecord,
  copyDirectoryRecord,
  directoryUnchanged,
  emptyRecord,
  fileUnchanged,
  recordDirectory,
  recordFile,
} from './copied-records.ts';
import { freshDirectoryMode } from './directory-stamps.ts';
import type { FlatTree } from './git-objects.ts';
import { fixMode, planIndexOf } from './snapshot-reset.ts';
import { linkPlanOf } from './working-copy-checkout.ts';
import { childPath, removeTree } from './working-copy-scan.ts';

// Resetting a directory that once was an in-place-writes ("copied") working copy of a tree (a
// copied spare, see `spare-copies.ts`) to exactly what `copyFromSnapshot` makes of that tree. Its
// previous occupant was an untrusted coding agent that could write anything in it, so nothing is
// kept on a guess: a file is kept only when it is, provably, the very inode made from the
// snapshot and untouched since (its record, `copied-records.ts`, still matches to the
// nanosecond, ctime included), alone (one link: no name elsewhere through which anything could
// write to it later) and with its mode; everything else is deleted and copied again from the
// snapshot. Most files of an agent's copy are untouched, so this costs an `lstat` per file
// instead of a create, a copy and a `chmod` per file and a `mkdir` per directory.

/**
 * Synchronous file-system calls made between two yields to the event loop, and fewer for an
 * interruptible reset (see `snapshot-reset.ts`).
 */
const yieldEvery = 500;
const yieldEveryInterruptible = 100;

/** Options of {@link resetCopiedCopy}. */
export interface CopiedResetOptions {
  /** The record of the directory, as last exact (read by `readCopiedRecord`); null: every file is copied again. */
  record: CopiedRecord | null;
  /** Takes a directory the tree does not have out of the way (see `SnapshotResetOptions.discard`). */
  discard?: (directory: string) => Promise<boolean>;
  /** Whether the reset may be cut short by the process ending (see `SnapshotResetOptions.interruptible`). */
  interruptible?: boolean;
  /** Files copied at once (see `CopyFilesOptions.concurrency`), when not interruptible. */
  concurrency?: number;
}

/** What {@link resetCopiedCopy} did. */
export interface CopiedReset {
  /** The directory's new record: to be written (`writeCopiedRecord`) where its next reset finds it. */
  record: CopiedRecord;
  /** Files and symbolic links kept. */
  kept: number;
  /** Files and symbolic links made again from the snapshot. */
  copied: number;
  /** Directories trusted from their records, not read. */
  trusted: number;
}

const fileIndexes = new WeakMap<LinkPlan, Map<string, number>>();

/** The position of each file of `plan` by path, computed once per plan. */
function fileIndexOf(plan: LinkPlan): Map<string, number> {
  let index = fileIndexes.get(plan);
  if (index === undefined) {
    index = new Map(plan.files.map(([file], position) => [file, position]));
    fileIndexes.set(plan, index);
  }
  return index;
}

/** What the walk found of a planned directory. */
const missing = 0;
const walked = 1;
const trusted = 2;

/**
 * Makes the directory `root` hold exactly the copied copy of `flat` from `snapshot`, as
 * `copyFromSnapshot` would make it in an empty directory, whatever was done in it before, and
 * returns its new record. A regular file is kept only when `lstat` shows a regular file with the
 * copied mode (0644 or 0755 as the tree says), one link, and exactly the device, inode, size,
 * mtime and ctime `record` holds for it (a racy entry never matches); a symbolic link only with
 * the snapshot's target and one link. Everything else (files written in place, `touch`ed back,
 * `chmod`ed, hard-linked, replaced, added, ignored files such as `node_modules`, sockets,
 * symbolic links in place of files or directories) is deleted, and what the tree has
 * but `root` lacks is copied from the snapshot (new inodes). Directories get a fresh
 * directory's mode. Symbolic links are never followed. Throws on any failure (the directory is
 * then half reset: the caller throws it away).
 *
 * A directory whose record still matches (same inode, mtime and ctime, not racy) is not read:
 * its entries are those it had when `root` was last exact; only its files are checked, each
 * by its own record. A directory replaced by anything else is seen by its `lstat`.
 *
 * The root's `.git` is left if it is a regular file (the record a spare's reset reads, or a
 * live copy's gitdir file), deleted otherwise: the caller replaces it (with the new record, or
 * the copy's gitdir file), never writing through it.
 */
export async function resetCopiedCopy(
  context: BackendContext,
  root: string,
  flat: FlatTree,
  snapshot: string,
  {
    record: previous,
    discard,
    interruptible = false,
    concurrency = context.fileConcurrency,
  }: CopiedResetOptions,
): Promise<CopiedReset> {
  const plan = linkPlanOf(context, flat);
  const { directories, files } = plan;
  const { directoryParents, fileDirectories, directoryIndex } = planIndexOf(plan);
  const fileIndex = fileIndexOf(plan);
  const directoryMode = freshDirectoryMode();
  // Directories made under another umask have another mode: those are read (and their mode put right).
  const stamps = previous !== null && previous.directoryMode === directoryMode ? previous : null;
  const next = emptyRecord(flat.trees.get('')!, directoryMode, plan);
  const state = new Uint8Array(directories.length);
  // Planned directories seen by a walk of their parent: present, whatever their records say.
  const seen = new Uint8Array(directories.length);
  // Trusted directories whose entries this reset changed: stamped again.
  const touched = new Uint8Array(directories.length);
  const kept = new Uint8Array(files.length);
  let keptCount = 0;
  let calls = 0;
  const batch = interruptible ? yieldEveryInterruptible : yieldEvery;
  const pause = async (): Promise<void> => {
    await new Promise((resolve) => {
      const immediate = setImmediate(resolve);
      if (interruptible) immediate.unref();
    });
    // Moved or deleted meanwhile (its tree's spares to the trash, the clone deleted): stop
    // before making anything in a directory someone else is deleting.
    if (!fs.existsSync(root)) throw Object.assign(new Error(`${root} is gone`), { code: 'ENOENT' });
  };
  // Whether the entry at `absolute`, whose `lstat` is `stats`, is file `position` as made.
  const intact = (position: number, absolute: string, stats: BigIntStats): boolean => {
    const [file, entry] = files[position]!;
    if (stats.nlink !== 1n) return false;
    if (entry.mode === 0o120000) {
      if (!stats.isSymbolicLink()) return false;
      const target = fs.readlinkSync(absolute, { encoding: 'buffer' });
      return target.equals(fs.readlinkSync(childPath(snapshot, file), { encoding: 'buffer' }));
    }
    return (
      stats.isFile() &&
      (Number(stats.mode) & 0o7777) === copiedFileMode(entry.mode) &&
      previous !== null &&
      fileUnchanged(previous, position, stats)
    );
  };
  const keep = (position: number, stats: BigIntStats): void => {
    kept[position] = 1;
    keptCount++;
    recordFile(next, position, stats);
  };
  // Out of the way, whatever it holds. Made writable first: moving a directory to another
  // parent needs write permission on it (its `..`), and an agent may have taken that away.
  const discardDirectory = async (absolute: string): Promise<void> => {
    const mode = fs.lstatSync(absolute).mode & 0o7777;
    if ((mode & 0o700) !== 0o700) fs.chmodSync(absolute, mode | 0o700);
    if (!(await discard?.(absolute))) await removeTree(absolute);
  };
  // Reads one directory: keeps what the tree has there as made, deletes the rest. Its planned
  // subdirectories are left to the loop below, which comes to them after their parent.
  const walk = async (directory: string, prefix: string): Promise<void> => {
    // First: an agent may have made it unreadable or unwritable.
    fixMode(directory, directoryMode);
    for (const dirent of fs.readdirSync(directory, { withFileTypes: true })) {
      if (++calls % batch === 0) await pause();
      const relative = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
      const absolute = childPath(directory, dirent.name);
      // `withFileTypes` reports what `lstat` would: a link to a directory is not a directory.
      if (dirent.isDirectory()) {
        const position = directoryIndex.get(relative);
        if (position !== undefined) seen[position] = 1;
        else await discardDirectory(absolute);
        continue;
      }
      // The record this reset reads (a spare's `.git` is Goosuke's, put there by the removal):
      // left until the caller replaces it, so that a reset cut short (the process ending) leaves
      // it for the next. It stays sound: whatever the reset changed has a ctime it does not hold.
      if (relative === '.git' && dirent.isFile()) continue;
      const position = fileIndex.get(relative);
      if (position !== undefined) {
        const stats = fs.lstatSync(absolute, { bigint: true });
        if (intact(position, absolute, stats)) {
          keep(position, stats);
          continue;
        }
      }
      fs.unlinkSync(absolute);
    }
  };
  await walk(root, '');
  let trustedCount = 0;
  for (let position = 0; position < directories.length; position++) {
    const parent = directoryParents[position]!;
    // Its parent was read (the root always is): `seen` says whether it is there. Or trusted:
    // then its entry is the one it had, checked here all the same. Or missing: so is
    // everything under it.
    const parentTrusted = parent >= 0 && state[parent] === trusted;
    if (!parentTrusted && seen[position] === 0) continue;
    if (++calls % batch === 0) await pause();
    const directory = directories[position]!;
    const absolute = childPath(root, directory);
    const stats = fs.lstatSync(absolute, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined || !stats.isDirectory()) {
      // Only under a trusted parent, which should not be: gone or replaced, it is made again.
      if (stats !== undefined) await removeTree(absolute);
      if (parent >= 0) touched[parent] = 1;
      continue;
    }
    if (stamps !== null && directoryUnchanged(stamps, position, stats)) {
      state[position] = trusted;
      trustedCount++;
      copyDirectoryRecord(next, stamps, position);
      continue;
    }
    state[position] = walked;
    await walk(absolute, directory);
  }
  // The files of trusted directories, not read: each is checked by its record.
  for (let position = 0; position < files.length; position++) {
    const parent = fileDirectories[position]!;
    if (parent < 0 || state[parent] !== trusted) continue;
    if (++calls % batch === 0) await pause();
    const absolute = childPath(root, files[position]![0]);
    const stats = fs.lstatSync(absolute, { bigint: true, throwIfNoEntry: false });
    if (stats !== undefined && intact(position, absolute, stats)) {
      keep(position, stats);
      continue;
    }
    if (stats !== undefined) {
      if (stats.isDirectory()) await discardDirectory(absolute);
      else fs.unlinkSync(absolute);
    }
    touched[parent] = 1;
  }
  // Parents come before their children: no `recursive` mkdir, which could make `root` itself
  // again after someone moved it away (a pruned snapshot's spares go to the trash whole).
  for (let position = 0; position < directories.length; position++) {
    if (state[position] === missing) fs.mkdirSync(childPath(root, directories[position]!));
  }
  const toCopy: number[] = [];
  for (let position = 0; position < files.length; position++) {
    if (kept[position] === 1) continue;
    toCopy.push(position);
    const parent = fileDirectories[position]!;
    if (parent >= 0) touched[parent] = 1;
  }
  await copyFilesInto(
    root,
    snapshot,
    plan,
    toCopy,
    next,
    interruptible ? { concurrency, pause } : { concurrency },
  );
  // Stamped after every change in them: a trusted directory left as it was keeps its stamp.
  for (let position = 0; position < directories.length; position++) {
    if (state[position] === trusted && touched[position] === 0) continue;
    if (++calls % batch === 0) await pause();
    recordDirectory(next, position, fs.lstatSync(childPath(root, directories[position]!), { bigint: true }));
  }
  return { record: next, kept: keptCount, copied: toCopy.length, trusted: trustedCount };
}
