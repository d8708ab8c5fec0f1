import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import type { LinkPlan } from './backend-context.ts';
import type { IndexEntry, StatFields } from './git-index-file.ts';

// What an in-place-writes ("copied") working copy was right after its files were made: for every
// file, its `lstat` then; for every directory, a stamp. A copied copy's files are its own inodes,
// written in place by an untrusted agent, so the reset that makes it a spare again (see
// `copied-reset.ts`) cannot ask "is it still the snapshot's inode?" as a linked copy's does. It
// asks "is it still the inode this record describes, untouched?": same device, inode, size,
// mtime AND ctime. A write in place moves mtime and ctime; `utimes` can put the mtime back but
// sets the ctime to now, and nothing an unprivileged process can do sets a ctime back.
//
// Not the copy's index: Goosuke's own commit refreshes the index from the files as they are
// (stat data of a file the agent changed, and an entry trusted by size, mtime and inode without
// its ctime, as git does), so an index entry does not say "this file is as it was made".
//
// Kept in the copy's git directory (`<clone>/.git/worktrees/<name>/goosuke-copied`, which the
// agent's sandbox shows read-only at most), then, in a spare, as its root's `.git` (a name no
// tree holds; the removal puts it there in place of whatever the agent left, see
// `keepAsSpare`), then in the git directory of the copy that claims it.
//
// Racy entries, as in git's index and the directory stamps: a file changed in the clock tick its
// stat was taken in, after it was taken, may keep the same times. So the file records the file
// system's time when it was written (its own mtime, after every stat was taken, in nanoseconds),
// and an entry whose ctime is not older than that is never trusted: that file is copied again.
// Unlike git's index, a record is written before anyone else may touch what it describes (the
// copy is handed out, or the spare claimed, after): so when its entries are as recent as its
// write time (a copy of a small tree is made within one tick of the coarse file-system clock),
// the write time is taken again once the clock has moved past them, instead of leaving them
// racy. Any file-system time taken after the stats and before the hand-over is as sound.

/** File name of a copied copy's record, in its git directory. */
export const copiedRecordFile = 'goosuke-copied';

/** `u64` values recorded per directory: inode, mtime and ctime in nanoseconds. */
const directoryValues = 3;
/** `u64` values recorded per file: device, inode, size, mtime and ctime (ns), uid and gid (one u64). */
const fileValues = 6;

const magic = 0x434b5347; // "GSKC", little-endian
const version = 1;
/** magic, version, file count, directory count, directory mode (u32 each), the tree id (40 bytes), the write time (u64 ns), padding. */
const headerBytes = 72;
const writtenAtOffset = 60;

/**
 * The record of a copied copy of one tree (see above). `values` holds, in its plan's order
 * (`linkPlanOf`), every directory's stamp then every file's stat data; as unsigned 64-bit
 * integers, compared exactly (no rounding of nanosecond times).
 */
export interface CopiedRecord {
  tree: string;
  /** The permission bits of the copy's directories (the umask of the process that made them). */
  directoryMode: number;
  /** The file system's time when the record was written, in nanoseconds (see the racy entries above). */
  writtenAtNs: bigint;
  directoryCount: number;
  fileCount: number;
  values: BigUint64Array;
}

/** A fresh record of `plan` (every value 0: matches nothing) to fill with {@link recordFile} and {@link recordDirectory}. */
export function emptyRecord(tree: string, directoryMode: number, plan: LinkPlan): CopiedRecord {
  const directoryCount = plan.directories.length;
  const fileCount = plan.files.length;
  return {
    tree,
    directoryMode,
    writtenAtNs: 0n,
    directoryCount,
    fileCount,
    values: new BigUint64Array(directoryCount * directoryValues + fileCount * fileValues),
  };
}

const u64 = (value: bigint): bigint => BigInt.asUintN(64, value);

/** Records `stats` (a bigint `lstat`) as file `position` of the plan. */
export function recordFile(record: CopiedRecord, position: number, stats: BigIntStats): void {
  const at = record.directoryCount * directoryValues + position * fileValues;
  const { values } = record;
  values[at] = u64(stats.dev);
  values[at + 1] = u64(stats.ino);
  values[at + 2] = u64(stats.size);
  values[at + 3] = u64(stats.mtimeNs);
  values[at + 4] = u64(stats.ctimeNs);
  values[at + 5] = (u64(stats.uid) << 32n) | BigInt.asUintN(32, stats.gid);
}

/** Copies file `position`'s stat data from `from` (a record of the same plan) into `record`. */
export function copyFileRecord(record: CopiedRecord, from: CopiedRecord, position: number): void {
  const at = record.directoryCount * directoryValues + position * fileValues;
  record.values.set(from.values.subarray(at, at + fileValues), at);
}

/**
 * Whether `stats` (a bigint `lstat`) are exactly file `position`'s recorded stat data, and that
 * entry is not racy: the file is the inode the record describes, neither written, truncated,
 * `chmod`ed, linked nor touched since (any of which moves its ctime).
 */
export function fileUnchanged(record: CopiedRecord, position: number, stats: BigIntStats): boolean {
  const at = record.directoryCount * directoryValues + position * fileValues;
  const { values } = record;
  return (
    values[at + 4]! < record.writtenAtNs &&
    values[at + 4] === u64(stats.ctimeNs) &&
    values[at + 3] === u64(stats.mtimeNs) &&
    values[at + 1] === u64(stats.ino) &&
    values[at] === u64(stats.dev) &&
    values[at + 2] === u64(stats.size)
  );
}

/** Records the directory `position` of the plan as `stats` (a bigint `lstat`) show it. */
export function recordDirectory(record: CopiedRecord, position: number, stats: BigIntStats): void {
  const at = position * directoryValues;
  record.values[at] = u64(stats.ino);
  record.values[at + 1] = u64(stats.mtimeNs);
  record.values[at + 2] = u64(stats.ctimeNs);
}

/** Copies directory `position`'s stamp from `from` (a record of the same plan) into `record`. */
export function copyDirectoryRecord(record: CopiedRecord, from: CopiedRecord, position: number): void {
  const at = position * directoryValues;
  record.values.set(from.values.subarray(at, at + directoryValues), at);
}

/**
 * Whether the directory `position` is as recorded (same inode, mtime and ctime; a racy stamp
 * never matches): then its entries are those it had, since an entry cannot be added, removed,
 * renamed or replaced, nor the directory `chmod`ed, without moving its ctime.
 */
export function directoryUnchanged(record: CopiedRecord, position: number, stats: BigIntStats): boolean {
  const at = position * directoryValues;
  const { values } = record;
  return (
    values[at + 2]! < record.writtenAtNs &&
    values[at + 2] === u64(stats.ctimeNs) &&
    values[at + 1] === u64(stats.mtimeNs) &&
    values[at] === u64(stats.ino)
  );
}

/** The index entry stat data of file `position` as recorded (what a claimed spare's index holds). */
export function recordedStatFields(record: CopiedRecord, position: number): StatFields {
  const at = record.directoryCount * directoryValues + position * fileValues;
  const { values } = record;
  const u32 = (value: bigint): number => Number(BigInt.asUintN(32, value));
  const ctime = values[at + 4]!;
  const mtime = values[at + 3]!;
  return {
    ctimeSeconds: u32(ctime / 1_000_000_000n),
    ctimeNanoseconds: u32(ctime % 1_000_000_000n),
    mtimeSeconds: u32(mtime / 1_000_000_000n),
    mtimeNanoseconds: u32(mtime % 1_000_000_000n),
    dev: u32(values[at]!),
    ino: u32(values[at + 1]!),
    uid: u32(values[at + 5]! >> 32n),
    gid: u32(values[at + 5]!),
    size: u32(values[at + 2]!),
  };
}

/** The index entries of every file of `plan` as `record` has them. */
export function recordedEntries(record: CopiedRecord, plan: LinkPlan): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  plan.files.forEach(([file, entry], position) => {
    entries.set(file, {
      path: file,
      oid: entry.oid,
      mode: entry.mode,
      ...recordedStatFields(record, position),
    });
  });
  return entries;
}

/** The latest ctime `record` holds (of its files and directories). */
function latestChange(record: CopiedRecord): bigint {
  const { values, directoryCount } = record;
  let latest = 0n;
  for (let position = 0; position < directoryCount; position++) {
    const ctime = values[position * directoryValues + 2]!;
    if (ctime > latest) latest = ctime;
  }
  const files = directoryCount * directoryValues;
  for (let at = files + 4; at < values.length; at += fileValues) {
    if (values[at]! > latest) latest = values[at]!;
  }
  return latest;
}

/** Times the file-system clock is read again, a millisecond apart, for a record's write time past its entries. */
const settleAttempts = 40;

/**
 * Writes `record` to `file` (replacing it, never through a symbolic link), then records the
 * file's own mtime in it as the record's write time: the file system's time after every stat it
 * holds was taken (see the racy entries above), taken again until it is later than every ctime
 * the record holds (a tick at most; left racy after 40 ms). Sets `record.writtenAtNs` to that
 * time. To be called before anyone else may change what the record describes.
 * `interruptible`: its waits do not keep the process alive (see `SnapshotResetOptions`).
 */
export async function writeCopiedRecord(
  file: string,
  record: CopiedRecord,
  { interruptible = false }: { interruptible?: boolean } = {},
): Promise<void> {
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(version, 4);
  header.writeUInt32LE(record.fileCount, 8);
  header.writeUInt32LE(record.directoryCount, 12);
  header.writeUInt32LE(record.directoryMode, 16);
  header.write(record.tree, 20, 40, 'latin1');
  fs.rmSync(file, { force: true });
  const descriptor = fs.openSync(
    file,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
    0o600,
  );
  try {
    fs.writeSync(descriptor, header);
    const { values } = record;
    fs.writeSync(descriptor, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    const stamp = Buffer.alloc(8);
    const latest = latestChange(record);
    for (let attempt = 0; ; attempt++) {
      const writtenAt = fs.fstatSync(descriptor, { bigint: true }).mtimeNs;
      stamp.writeBigUInt64LE(u64(writtenAt), 0);
      // Also what moves the file's mtime for the next attempt.
      fs.writeSync(descriptor, stamp, 0, 8, writtenAtOffset);
      record.writtenAtNs = writtenAt;
      if (writtenAt > latest || attempt === settleAttempts) break;
      // Tried again at once first: where the kernel gives a file changed after a `stat` a
      // fine-grained time (Linux 6.13 and later), the next write is past them already.
      if (attempt === 0) continue;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 1);
        if (interruptible) timer.unref();
      });
    }
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * The record in `file` when it is one of a copy of `tree` with `plan`'s directories and files;
 * null otherwise (none, another tree, not a record: the reset then copies every file again).
 * A regular file is read only, never through a symbolic link.
 */
export function readCopiedRecord(file: string, tree: string, plan: LinkPlan): CopiedRecord | null {
  const directoryCount = plan.directories.length;
  const fileCount = plan.files.length;
  const length = headerBytes + (directoryCount * directoryValues + fileCount * fileValues) * 8;
  let bytes: Buffer;
  try {
    const stats = fs.lstatSync(file);
    if (!stats.isFile() || stats.size !== length) return null;
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (
    bytes.length !== length ||
    bytes.readUInt32LE(0) !== magic ||
    bytes.readUInt32LE(4) !== version ||
    bytes.readUInt32LE(8) !== fileCount ||
    bytes.readUInt32LE(12) !== directoryCount ||
    bytes.toString('latin1', 20, 60) !== tree
  ) {
    return null;
  }
  // A copy into a fresh buffer: the file's bytes need not be 8-aligned for a BigUint64Array view.
  const values = new BigUint64Array(directoryCount * directoryValues + fileCount * fileValues);
  new Uint8Array(values.buffer).set(bytes.subarray(headerBytes));
  return {
    tree,
    directoryMode: bytes.readUInt32LE(16),
    writtenAtNs: bytes.readBigUInt64LE(writtenAtOffset),
    directoryCount,
    fileCount,
    values,
  };
}
