import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendContext } from './backend-context.ts';
import { type IndexEntry, statFields } from './git-index-file.ts';
import type { FlatTree, TreeFile } from './git-objects.ts';
import { linkOne, linkPlanOf, snapshotIndexOf } from './working-copy-checkout.ts';
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
}

/** What {@link resetToSnapshot} did. */
export interface SnapshotReset {
  /** Index entries of the copy's own files (symbolic links, copied files), as `linkOne` gives. */
  own: IndexEntry[];
  /** Files copied because no hard link could be made. */
  copied: number;
}

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
 */
export async function resetToSnapshot(
  context: BackendContext,
  root: string,
  flat: FlatTree,
  snapshot: string,
  { discard, interruptible = false }: SnapshotResetOptions = {},
): Promise<SnapshotReset> {
  const plan = linkPlanOf(context, flat);
  const image = snapshotIndexOf(context, snapshot, plan.files);
  const directoryMode = freshDirectoryMode();
  const directories = new Set(plan.directories);
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
  const walk = async (directory: string, prefix: string): Promise<void> => {
    fixMode(directory, directoryMode);
    for (const dirent of fs.readdirSync(directory, { withFileTypes: true })) {
      if (++calls % batch === 0) await pause();
      const relative = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
      const absolute = childPath(directory, dirent.name);
      // `withFileTypes` reports what `lstat` would: a link to a directory is not a directory.
      if (dirent.isDirectory()) {
        if (directories.has(relative)) {
          kept.add(relative);
          await walk(absolute, relative);
        } else if (!(await discard?.(absolute))) await removeTree(absolute);
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
  // Parents come before their children: no `recursive` mkdir, which could make `root` itself
  // again after someone moved it away (a pruned snapshot's spares go to the trash whole).
  for (const directory of plan.directories) {
    if (!kept.has(directory)) fs.mkdirSync(childPath(root, directory));
  }
  let copied = 0;
  for (const [file, entry] of plan.files) {
    if (kept.has(file)) continue;
    if (++calls % batch === 0) await pause();
    const made = linkOne(root, snapshot, file, entry);
    if (made === null) continue;
    own.push(made);
    if (entry.mode !== 0o120000) copied++;
  }
  return { own, copied };
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
  if (!readOnlyAsWanted(stats, wanted.mode)) {
    // The snapshot's inode itself was chmod'ed (through this copy): read-only again, as built.
    fs.chmodSync(absolute, wanted.mode === 0o100755 ? 0o555 : 0o444);
  }
  return null;
}

/** Whether a snapshot file's permission bits are as built: no write bit, executable as its git mode. */
function readOnlyAsWanted(stats: BigIntStats | fs.Stats, mode: number): boolean {
  const bits = Number(stats.mode) & 0o7777;
  return (bits & 0o7222) === 0 && ((bits & 0o100) !== 0) === (mode === 0o100755);
}

/** Sets a directory's permission bits to `mode` unless it has them. */
function fixMode(directory: string, mode: number): void {
  if ((fs.lstatSync(directory).mode & 0o7777) !== mode) fs.chmodSync(directory, mode);
}

/** The permission bits of a directory made by this process (see {@link freshDirectoryMode}). */
let directoryModeOfProcess: number | undefined;

/**
 * The permission bits a directory made now gets (0o777 less the umask), as every directory of a
 * freshly linked copy has: learnt once per process from a probe made and removed in the
 * temporary directory (the umask can only be read by changing it, or through a deprecated call;
 * it is the process's, set at its start).
 */
function freshDirectoryMode(): number {
  if (directoryModeOfProcess === undefined) {
    const probe = path.join(os.tmpdir(), `goosuke-mode-probe-${process.pid}-${Date.now()}`);
    fs.mkdirSync(probe);
    try {
      directoryModeOfProcess = fs.lstatSync(probe).mode & 0o7777;
    } finally {
      fs.rmdirSync(probe);
    }
  }
  return directoryModeOfProcess;
}
