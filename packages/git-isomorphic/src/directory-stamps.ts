import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childPath } from './working-copy-scan.ts';

// What a hard-linked copy's directories looked like when the copy was last exact (linked anew or
// reset), so that the next reset of it (as a spare) can skip the directories nobody touched: a
// directory's entries cannot change (a file added, removed, renamed or replaced, a directory
// made or removed) without its mtime and ctime moving, and a `chmod` of it moves its ctime.
// Git's untracked cache trusts directories the same way. Skipping one skips reading it and an
// `lstat` of each of its files: on a 51k-file repository, 4,875 `lstat`s of directories instead
// of 56k calls per copy. What a directory's stamp cannot see, its files' own inodes (a `chmod` or
// a write in place), is the snapshot's inode in a hard-linked copy: see `resetToSnapshot`.
//
// Stamps are kept in a small binary file: in a live copy's git directory
// (`<clone>/.git/worktrees/<name>/goosuke-directories`), and in a spare as its root's `.git` (a
// name no tree holds, so the reset deletes it as it deletes any leftover, after reading it).
//
// Racy stamps, as in git's index: a directory changed within the same file-system clock tick as
// its stamp was taken, but after, would keep the same times. So the file records the file
// system's time when it was written (its own mtime, after every stamp was taken); a stamp whose
// ctime is not older than that is never trusted.

/** Stamps of a plan's directories, in the plan's order: `[ino, mtimeMs, ctimeMs]` each. */
export type DirectoryStamps = Float64Array;

/** File name of a live copy's stamps, in its git directory. */
export const directoryStampsFile = 'goosuke-directories';

const magic = 0x444b5347; // "GSKD", little-endian
const version = 1;
/**
 * magic, version, count, the directory mode (u32 each), the tree id (40 bytes), the write time
 * and the snapshot directory's inode (f64 each), then the stamps.
 */
const headerBytes = 72;
const writtenAtOffset = 56;
const snapshotOffset = 64;

/**
 * What stamps hold only for: copies of one tree, hard-linked from one snapshot (a snapshot
 * deleted and built again has new inodes), whose directories get one mode (the umask of the
 * process that made them).
 */
export interface StampedCopyOf {
  tree: string;
  /** The inode of the snapshot's directory. */
  snapshotInode: number;
  /** The permission bits of the copy's directories. */
  directoryMode: number;
}

/** A directory's stamp that never matches (missing, racy, or not known). */
const unknown = Number.NaN;

/** Stamps every directory of `directories` under `root` (one `lstat` each); missing ones as unknown. */
export function stampDirectories(root: string, directories: readonly string[]): DirectoryStamps {
  const stamps = new Float64Array(directories.length * 3);
  for (let index = 0; index < directories.length; index++) stampOne(root, directories[index]!, stamps, index);
  return stamps;
}

/** Stamps directory `index` of `stamps` (at `relative` under `root`). */
export function stampOne(root: string, relative: string, stamps: DirectoryStamps, index: number): void {
  const stats = fs.lstatSync(childPath(root, relative), { throwIfNoEntry: false });
  const known = stats?.isDirectory() === true;
  stamps[index * 3] = known ? stats.ino : unknown;
  stamps[index * 3 + 1] = known ? stats.mtimeMs : unknown;
  stamps[index * 3 + 2] = known ? stats.ctimeMs : unknown;
}

/**
 * Whether the directory at `absolute` is as stamp `index` of `stamps` describes it: the same
 * inode, mtime and ctime (an unknown or racy stamp never matches). Undefined when it is not a
 * directory (missing, or something else in its place).
 */
export function directoryUnchanged(
  absolute: string,
  stamps: DirectoryStamps,
  index: number,
): boolean | undefined {
  const stats = fs.lstatSync(absolute, { throwIfNoEntry: false });
  if (stats === undefined || !stats.isDirectory()) return undefined;
  return (
    stats.ino === stamps[index * 3] &&
    stats.mtimeMs === stamps[index * 3 + 1] &&
    stats.ctimeMs === stamps[index * 3 + 2]
  );
}

/**
 * Writes `stamps` of a copy (see {@link StampedCopyOf}) to `file` (replacing it), then records the file's own mtime
 * in it: the file system's time after every stamp was taken (see the racy stamps above).
 */
export function writeDirectoryStamps(file: string, of: StampedCopyOf, stamps: DirectoryStamps): void {
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(version, 4);
  header.writeUInt32LE(stamps.length / 3, 8);
  header.writeUInt32LE(of.directoryMode, 12);
  header.write(of.tree, 16, 40, 'latin1');
  header.writeDoubleLE(of.snapshotInode, snapshotOffset);
  const descriptor = fs.openSync(file, 'w');
  try {
    fs.writeSync(descriptor, header);
    fs.writeSync(descriptor, new Uint8Array(stamps.buffer, stamps.byteOffset, stamps.byteLength));
    const written = Buffer.alloc(8);
    written.writeDoubleLE(fs.fstatSync(descriptor).mtimeMs, 0);
    fs.writeSync(descriptor, written, 0, 8, writtenAtOffset);
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * The stamps in `file` when it holds stamps of a copy as `of` describes, with `count`
 * directories, its racy ones made unknown; null otherwise (no such file, another tree or
 * snapshot or mode, not a stamps file: the reset then looks at everything).
 */
export function readDirectoryStamps(file: string, of: StampedCopyOf, count: number): DirectoryStamps | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (
    bytes.length !== headerBytes + count * 24 ||
    bytes.readUInt32LE(0) !== magic ||
    bytes.readUInt32LE(4) !== version ||
    bytes.readUInt32LE(8) !== count ||
    bytes.readUInt32LE(12) !== of.directoryMode ||
    bytes.toString('latin1', 16, 56) !== of.tree ||
    bytes.readDoubleLE(snapshotOffset) !== of.snapshotInode
  ) {
    return null;
  }
  const writtenAt = bytes.readDoubleLE(writtenAtOffset);
  // A copy into a fresh buffer: the file's bytes need not be 8-aligned for a Float64Array view.
  const stamps = new Float64Array(count * 3);
  new Uint8Array(stamps.buffer).set(bytes.subarray(headerBytes));
  for (let index = 0; index < count; index++) {
    if (!(stamps[index * 3 + 2]! < writtenAt)) stamps[index * 3 + 2] = unknown;
  }
  return stamps;
}

/**
 * Keeps `stamps` of a live hard-linked copy (git directory `gitdir`, a copy of `tree` linked from
 * `snapshot`) in its git directory, where its removal takes them into its spare.
 */
export function keepCopyStamps(
  gitdir: string,
  tree: string,
  snapshot: string,
  stamps: DirectoryStamps,
): void {
  writeDirectoryStamps(path.join(gitdir, directoryStampsFile), stampedCopyOf(tree, snapshot), stamps);
}

/** What a copy of `tree` hard-linked from `snapshot` by this process is (see {@link StampedCopyOf}). */
export function stampedCopyOf(tree: string, snapshot: string): StampedCopyOf {
  return { tree, snapshotInode: fs.statSync(snapshot).ino, directoryMode: freshDirectoryMode() };
}

/** The permission bits of a directory made by this process (see {@link freshDirectoryMode}). */
let directoryModeOfProcess: number | undefined;

/**
 * The permission bits a directory made now gets (0o777 less the umask), as every directory of a
 * freshly linked copy has: learnt once per process from a probe made and removed in the
 * temporary directory (the umask can only be read by changing it, or through a deprecated call;
 * it is the process's, set at its start).
 */
export function freshDirectoryMode(): number {
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
