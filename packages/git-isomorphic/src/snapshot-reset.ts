import * as fs from 'node:fs';
import type { BackendContext, LinkPlan, SnapshotImage } from './backend-context.ts';
import {
  type DirectoryStamps,
  directoryUnchanged,
  freshDirectoryMode,
  stampOne,
} from './directory-stamps.ts';
import { type IndexEntry, statFields } from './git-index-file.ts';
import type { FlatTree, TreeFile } from './git-objects.ts';
import { linkOne, linkPlanOf, restoreReadOnly, snapshotIndexOf } from './working-copy-checkout.ts';
import { childPath, removeTree } from './working-copy-scan.ts';

// Resetting a directory that once was a hard-linked working copy of a tree (a spare, see
// `spare-copies.ts`) to exactly what `linkFromSnapshot` makes of that tree: most of its files
// are still links to the snapshot's and its directories are all there, so a walk that keeps
// them and fixes the rest costs a fraction of making the copy again (a `mkdir` costs 25 to 90
// times a `link` on ext4).

/**
 * Synchronous file-system calls made between two yields to the event loop (a few milliseconds
 * of work), and fewer for an interruptible reset, which nobody waits for (about a millisecond:
 * whatever else the process does waits for one batch at most).
 */
const yieldEvery = 500;
const yieldEveryInterruptible = 100;

/** Options of {@link resetToSnapshot}. */
export interface SnapshotResetOptions {
  /**
   * Takes a directory the tree does not have (a `node_modules` of thousands of files) out of
   * the way, e.g. into the clone's trash (one rename, deleted in the background); resolves
   * false when it could not, and the directory is then deleted here.
   */
  discard?: (directory: string) => Promise<boolean>;
  /**
   * Whether the reset may be cut short by the process ending: its pauses (to let other work
   * run) then do not keep the process alive, and come more often. For a reset nobody waits
   * for: a process whose work is done (a `goosuke run`) exits at once instead of after seconds
   * of resets, and leaves the spare dirty for the next process to reset.
   */
  interruptible?: boolean;
  /**
   * Stamps of the directories of `root` taken when it was last exact (see directory-stamps.ts):
   * a directory still as stamped is not read, its files known to be the snapshot's links.
   */
  stamps?: DirectoryStamps | null;
  /**
   * When the reset was asked for (`performance.now()`; default: when it starts): the permission
   * bits of the snapshot's files are repaired as they were then (see {@link resetToSnapshot}).
   */
  requestedAt?: number;
}

/** What {@link resetToSnapshot} did. */
export interface SnapshotReset {
  /** Index entries of the copy's own files (symbolic links, copied files), as `linkOne` gives. */
  own: IndexEntry[];
  /** Files copied because no hard link could be made. */
  copied: number;
  /** Stamps of the directories as the reset left them; null when files were copied (their inodes are the copy's own). */
  stamps: DirectoryStamps | null;
  /** Directories trusted from their stamps, not read. */
  trusted: number;
}

/** Where each directory's parent and each file's directory is in a plan (-1: the root). */
export interface PlanIndex {
  directoryParents: Int32Array;
  fileDirectories: Int32Array;
  directoryIndex: Map<string, number>;
}

const planIndexes = new WeakMap<LinkPlan, PlanIndex>();

/** The {@link PlanIndex} of `plan`, computed once per plan. */
export function planIndexOf(plan: LinkPlan): PlanIndex {
  let index = planIndexes.get(plan);
  if (index === undefined) {
    const directoryIndex = new Map(plan.directories.map((directory, position) => [directory, position]));
    const parentOf = (file: string): number => {
      const slash = file.lastIndexOf('/');
      return slash < 0 ? -1 : directoryIndex.get(file.slice(0, slash))!;
    };
    index = {
      directoryParents: Int32Array.from(plan.directories, parentOf),
      fileDirectories: Int32Array.from(plan.files, ([file]) => parentOf(file)),
      directoryIndex,
    };
    planIndexes.set(plan, index);
  }
  return index;
}

/** What the walk found of a planned directory. */
const missing = 0;
const walked = 1;
const trusted = 2;

/**
 * Makes the directory `root` hold exactly the hard-linked copy of `flat` from `snapshot`, as
 * `linkFromSnapshot` would make it in an empty directory, whatever was done in it before: a
 * regular file is kept only when it is the snapshot's own file at that path (same inode, device,
 * size and mtime as the snapshot's index image), a symbolic link only when its target is the
 * snapshot's; everything else (files written, added, renamed or copied, ignored files such as
 * `node_modules` or build output, `.git`, sockets) is deleted, and what the tree has but `root`
 * lacks is linked or made again. Permission bits come back too: a directory gets a fresh
 * directory's mode, a kept file the snapshot's read-only mode (its inode is the snapshot's, so
 * a `chmod` in a copy had changed the snapshot's file as well: putting it back repairs both).
 * Symbolic links are never followed. Throws on any failure (the directory is then half reset:
 * the caller throws it away). See {@link SnapshotResetOptions}.
 *
 * With `stamps`, a directory whose stamp still matches is not read: its entries are those it had
 * when `root` was last exact, hard links to the snapshot's files (stamps are only kept of copies
 * with no copied file). Its files' inodes are the snapshot's, so what a stamp cannot show (a
 * `chmod` of one of them) is repaired on the snapshot's files instead, once for every reset of
 * this backend asked for before that check began (see `repairSnapshotModes`).
 */
export async function resetToSnapshot(
  context: BackendContext,
  root: string,
  flat: FlatTree,
  snapshot: string,
  {
    discard,
    interruptible = false,
    stamps = null,
    requestedAt = performance.now(),
  }: SnapshotResetOptions = {},
): Promise<SnapshotReset> {
  const plan = linkPlanOf(context, flat);
  const { directories, files } = plan;
  const { directoryParents, fileDirectories, directoryIndex } = planIndexOf(plan);
  const image = snapshotIndexOf(context, snapshot, files);
  const directoryMode = freshDirectoryMode();
  const state = new Uint8Array(directories.length);
  // Planned directories seen by a walk of their parent: present, whatever their stamps say.
  const seen = new Uint8Array(directories.length);
  const kept = new Set<string>();
  const own: IndexEntry[] = [];
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
  // Reads one directory: keeps what the tree has there, deletes the rest. Its planned
  // subdirectories are left to the loop below, which comes to them after their parent.
  const walk = async (directory: string, prefix: string): Promise<void> => {
    fixMode(directory, directoryMode);
    for (const dirent of fs.readdirSync(directory, { withFileTypes: true })) {
      if (++calls % batch === 0) await pause();
      const relative = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
      const absolute = childPath(directory, dirent.name);
      // `withFileTypes` reports what `lstat` would: a link to a directory is not a directory.
      if (dirent.isDirectory()) {
        const position = directoryIndex.get(relative);
        if (position !== undefined) seen[position] = 1;
        else if (!(await discard?.(absolute))) await removeTree(absolute);
        continue;
      }
      const wanted = flat.files.get(relative);
      if (wanted !== undefined && wanted.mode !== 0o160000) {
        const keep = keptEntry(dirent, absolute, relative, wanted, snapshot, image.entries.get(relative));
        if (keep !== false) {
          kept.add(relative);
          if (keep !== null) own.push(keep);
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
    // then it is there, as stamped. Or missing: so is everything under it.
    const parentTrusted = parent >= 0 && state[parent] === trusted;
    if (!parentTrusted && seen[position] === 0) continue;
    if (++calls % batch === 0) await pause();
    const directory = directories[position]!;
    const absolute = childPath(root, directory);
    if (stamps !== null) {
      const unchanged = directoryUnchanged(absolute, stamps, position);
      if (unchanged === undefined) continue;
      if (unchanged) {
        state[position] = trusted;
        trustedCount++;
        continue;
      }
    }
    state[position] = walked;
    await walk(absolute, directory);
  }
  if (trustedCount > 0) await repairSnapshotModes(image, snapshot, files, requestedAt);
  // Parents come before their children: no `recursive` mkdir, which could make `root` itself
  // again after someone moved it away (a pruned snapshot's spares go to the trash whole).
  for (let position = 0; position < directories.length; position++) {
    if (state[position] === missing) fs.mkdirSync(childPath(root, directories[position]!));
  }
  let copied = 0;
  for (let position = 0; position < files.length; position++) {
    const [file, entry] = files[position]!;
    const parent = fileDirectories[position]!;
    if (parent >= 0 && state[parent] === trusted) {
      // As stamped: the snapshot's link, or a symbolic link whose target cannot have changed
      // (a link is replaced, never rewritten), whose stat data the index needs.
      if (entry.mode === 0o120000) {
        const stats = fs.lstatSync(childPath(root, file), { bigint: true });
        own.push({ path: file, oid: entry.oid, mode: entry.mode, ...statFields(stats) });
      }
      continue;
    }
    if (kept.has(file)) continue;
    if (++calls % batch === 0) await pause();
    const made = linkOne(root, snapshot, file, entry);
    if (made === null) continue;
    own.push(made);
    if (entry.mode !== 0o120000) copied++;
  }
  let after: DirectoryStamps | null = null;
  if (copied === 0) {
    after = new Float64Array(directories.length * 3);
    for (let position = 0; position < directories.length; position++) {
      if (state[position] === trusted)
        after.set(stamps!.subarray(position * 3, position * 3 + 3), position * 3);
      else stampOne(root, directories[position]!, after, position);
    }
  }
  return { own, copied, stamps: after, trusted: trustedCount };
}

/**
 * Gives the snapshot's files their read-only modes back where someone `chmod`ed them (through a
 * hard-linked copy: the inode is shared), unless a check that began at or after `requestedAt`
 * did it already or is doing it (building the image checks them too, see `snapshotIndexOf`).
 * One `lstat` per file: for every reset of a batch (the three copies of a `goosuke run`) at once.
 */
async function repairSnapshotModes(
  image: SnapshotImage,
  snapshot: string,
  files: ReadonlyArray<[string, TreeFile]>,
  requestedAt: number,
): Promise<void> {
  if (image.modesCheckedAt >= requestedAt) return;
  if (image.modeCheck !== undefined && image.modeCheck.startedAt >= requestedAt) {
    await image.modeCheck.done;
    return;
  }
  const startedAt = performance.now();
  const check = async (): Promise<void> => {
    for (let position = 0; position < files.length; position++) {
      // Plain turns of the event loop, kept alive: other resets may wait for this check (one
      // whose own root goes away must not fail theirs, and an awaited one must not let the
      // process end under it).
      if (position % yieldEvery === yieldEvery - 1) await new Promise((resolve) => setImmediate(resolve));
      const [file, entry] = files[position]!;
      if (entry.mode === 0o120000) continue;
      const absolute = childPath(snapshot, file);
      const stats = fs.lstatSync(absolute, { throwIfNoEntry: false });
      if (stats?.isFile()) restoreReadOnly(absolute, stats, entry.mode);
    }
    image.modesCheckedAt = Math.max(image.modesCheckedAt, startedAt);
  };
  const done = check();
  image.modeCheck = { startedAt, done };
  try {
    await done;
  } finally {
    if (image.modeCheck?.done === done) image.modeCheck = undefined;
  }
}

/**
 * Whether the non-directory `dirent` at `relative` is the tree's `wanted` entry as a fresh
 * copy has it: false when not (it is to be replaced), else its own index entry (a symbolic
 * link) or null (a hard link to the snapshot's file, whose entry is the image's).
 */
function keptEntry(
  dirent: fs.Dirent,
  absolute: string,
  relative: string,
  wanted: TreeFile,
  snapshot: string,
  imaged: IndexEntry | undefined,
): IndexEntry | null | false {
  if (wanted.mode === 0o120000) {
    if (!dirent.isSymbolicLink()) return false;
    const target = fs.readlinkSync(absolute, { encoding: 'buffer' });
    if (!target.equals(fs.readlinkSync(childPath(snapshot, relative), { encoding: 'buffer' }))) return false;
    const stats = fs.lstatSync(absolute, { bigint: true });
    return { path: relative, oid: wanted.oid, mode: wanted.mode, ...statFields(stats) };
  }
  if (!dirent.isFile() || imaged === undefined) return false;
  // Plain numbers, not BigInts: this runs for every file of every spare (51k per copy of a large
  // repository) and BigInt stat fields converted to the index's 32-bit ones cost a fifth of it.
  // The numbers are exact to 2^53 (inode, device, size) and the mtime to well under 1 µs.
  const stats = fs.lstatSync(absolute);
  // The inode decides; size and mtime guard against two inodes equal in their low 32 bits.
  if (
    stats.ino % 2 ** 32 !== imaged.ino ||
    stats.dev % 2 ** 32 !== imaged.dev ||
    stats.size % 2 ** 32 !== imaged.size ||
    Math.abs(stats.mtimeMs - (imaged.mtimeSeconds * 1000 + imaged.mtimeNanoseconds / 1e6)) >= 0.001
  ) {
    return false;
  }
  // The snapshot's inode itself may have been chmod'ed (through this copy): read-only again, as built.
  restoreReadOnly(absolute, stats, wanted.mode);
  return null;
}

/** Sets a directory's permission bits to `mode` unless it has them (`directory` must not be a symbolic link). */
export function fixMode(directory: string, mode: number): void {
  if ((fs.lstatSync(directory).mode & 0o7777) !== mode) fs.chmodSync(directory, mode);
}
