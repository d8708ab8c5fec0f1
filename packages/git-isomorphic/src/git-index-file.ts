import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { compareCodePoints } from './git-objects.ts';

/** One entry of a git index (stage 0 only): the stat data git uses to skip re-hashing a file. */
export interface IndexEntry {
  path: string;
  /** 40-hex blob id. */
  oid: string;
  /** 0o100644, 0o100755 or 0o120000. */
  mode: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
}

/** A read index: entries by path, and the index file's own mtime (for the racy-git check). */
export interface IndexSnapshot {
  entries: Map<string, IndexEntry>;
  /** mtime of the index file in nanoseconds, or 0n when there was none. */
  writtenAtNanoseconds: bigint;
}

const u32 = (value: number | bigint): number => Number(BigInt.asUintN(32, BigInt(value)));

/** The stat data of an index entry. */
export type StatFields = Omit<IndexEntry, 'path' | 'oid' | 'mode'>;

/** Stat fields of an index entry from a bigint `lstat` result. */
export function statFields(stats: BigIntStats): StatFields {
  return {
    ctimeSeconds: u32(stats.ctimeNs / 1_000_000_000n),
    ctimeNanoseconds: u32(stats.ctimeNs % 1_000_000_000n),
    mtimeSeconds: u32(stats.mtimeNs / 1_000_000_000n),
    mtimeNanoseconds: u32(stats.mtimeNs % 1_000_000_000n),
    dev: u32(stats.dev),
    ino: u32(stats.ino),
    uid: u32(stats.uid),
    gid: u32(stats.gid),
    size: u32(stats.size),
  };
}

/**
 * Whether `stats` still describe the file the entry was hashed from, so its `oid` can be
 * trusted without reading the file: size, mtime and inode must match (ctime is not compared,
 * like git's `core.trustctime = false`, because hard-linked checkouts change a shared inode's
 * ctime whenever another link is made). Like git, an entry whose mtime is not older than the
 * index file itself is "racy" (the file may have changed within the same timestamp) and is
 * never trusted.
 */
export function entryMatchesStats(
  entry: IndexEntry,
  stats: BigIntStats,
  writtenAtNanoseconds: bigint,
): boolean {
  return entryMatchesFields(entry, statFields(stats), stats.mtimeNs, writtenAtNanoseconds);
}

/** {@link entryMatchesStats} on stat fields already taken, with the full-precision mtime. */
export function entryMatchesFields(
  entry: IndexEntry,
  fields: StatFields,
  mtimeNanoseconds: bigint,
  writtenAtNanoseconds: bigint,
): boolean {
  if (
    fields.size !== entry.size ||
    fields.mtimeSeconds !== entry.mtimeSeconds ||
    fields.mtimeNanoseconds !== entry.mtimeNanoseconds ||
    fields.ino !== entry.ino
  ) {
    return false;
  }
  return mtimeNanoseconds < writtenAtNanoseconds;
}

/** Reads a version 2 or 3 index; an unreadable or missing index yields no entries (everything is re-hashed). */
export async function readIndexFile(file: string): Promise<IndexSnapshot> {
  let buffer: Buffer;
  let writtenAtNanoseconds = 0n;
  try {
    buffer = await readFile(file);
    writtenAtNanoseconds = (await stat(file, { bigint: true })).mtimeNs;
  } catch {
    return { entries: new Map(), writtenAtNanoseconds: 0n };
  }
  const entries = new Map<string, IndexEntry>();
  if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'DIRC') {
    return { entries, writtenAtNanoseconds: 0n };
  }
  const version = buffer.readUInt32BE(4);
  if (version !== 2 && version !== 3) return { entries, writtenAtNanoseconds: 0n };
  const count = buffer.readUInt32BE(8);
  let offset = 12;
  for (let index = 0; index < count; index++) {
    if (offset + 62 > buffer.length) return { entries: new Map(), writtenAtNanoseconds: 0n };
    const flags = buffer.readUInt16BE(offset + 60);
    const extended = (flags & 0x4000) !== 0;
    const stage = (flags >> 12) & 0x3;
    const nameStart = offset + 62 + (extended ? 2 : 0);
    const nameEnd = buffer.indexOf(0, nameStart);
    if (nameEnd < 0) return { entries: new Map(), writtenAtNanoseconds: 0n };
    const path = buffer.toString('utf8', nameStart, nameEnd);
    if (stage === 0) {
      entries.set(path, {
        path,
        ctimeSeconds: buffer.readUInt32BE(offset),
        ctimeNanoseconds: buffer.readUInt32BE(offset + 4),
        mtimeSeconds: buffer.readUInt32BE(offset + 8),
        mtimeNanoseconds: buffer.readUInt32BE(offset + 12),
        dev: buffer.readUInt32BE(offset + 16),
        ino: buffer.readUInt32BE(offset + 20),
        mode: buffer.readUInt32BE(offset + 24),
        uid: buffer.readUInt32BE(offset + 28),
        gid: buffer.readUInt32BE(offset + 32),
        size: buffer.readUInt32BE(offset + 36),
        oid: buffer.toString('hex', offset + 40, offset + 60),
      });
    }
    const entryLength = nameEnd - offset;
    offset += (entryLength + 8) & ~7;
  }
  return { entries, writtenAtNanoseconds };
}

/**
 * Encodes a version 2 index holding `entries` (stage 0), sorted by path bytes as git requires.
 * The result can be written to any number of index files (see {@link writeIndexBytes}).
 */
export function encodeIndex(entries: Iterable<IndexEntry>): Buffer {
  const sorted = sortByPathBytes([...entries]);
  const lengths = sorted.map((entry) => Buffer.byteLength(entry.path, 'utf8'));
  let size = 12;
  for (const length of lengths) size += indexEntryLength(length);
  const buffer = Buffer.alloc(size + 20);
  buffer.write('DIRC', 0, 'latin1');
  buffer.writeUInt32BE(2, 4);
  buffer.writeUInt32BE(sorted.length, 8);
  let offset = 12;
  sorted.forEach((entry, index) => {
    offset = writeIndexEntry(buffer, offset, entry, lengths[index]!);
  });
  createHash('sha1').update(buffer.subarray(0, size)).digest().copy(buffer, size);
  return buffer;
}

/**
 * Writes one entry at `offset` of a zero-filled `buffer` (`length`: its path's UTF-8 length), as
 * a version 2 index holds it; returns the offset after it (its NUL padding included).
 */
export function writeIndexEntry(buffer: Buffer, offset: number, entry: IndexEntry, length: number): number {
  buffer.writeUInt32BE(entry.ctimeSeconds, offset);
  buffer.writeUInt32BE(entry.ctimeNanoseconds, offset + 4);
  buffer.writeUInt32BE(entry.mtimeSeconds, offset + 8);
  buffer.writeUInt32BE(entry.mtimeNanoseconds, offset + 12);
  buffer.writeUInt32BE(entry.dev, offset + 16);
  buffer.writeUInt32BE(entry.ino, offset + 20);
  buffer.writeUInt32BE(entry.mode, offset + 24);
  buffer.writeUInt32BE(entry.uid, offset + 28);
  buffer.writeUInt32BE(entry.gid, offset + 32);
  buffer.writeUInt32BE(entry.size, offset + 36);
  buffer.write(entry.oid, offset + 40, 'hex');
  buffer.writeUInt16BE(Math.min(length, 0xfff), offset + 60);
  buffer.write(entry.path, offset + 62, 'utf8');
  return offset + indexEntryLength(length);
}

/** Bytes of a version 2 entry whose path is `length` bytes: 62 of fields, the path, 1-8 NULs. */
export function indexEntryLength(length: number): number {
  return (62 + length + 8) & ~7;
}

/**
 * Sorts entries by the UTF-8 bytes of their paths (git's order), in place. Code point order is
 * UTF-8 byte order, so no Buffer per path is needed; and where no path holds a character from
 * U+D800 up, UTF-16 code unit order (the engine's own string comparison, several times faster
 * than comparing code points in JavaScript) is the same order. An index of 50k files is sorted
 * on every commit, already in order or nearly.
 */
function sortByPathBytes(entries: IndexEntry[]): IndexEntry[] {
  return sortByBytes(entries, (entry) => entry.path);
}

/** Sorts `paths` by their UTF-8 bytes (git's order), in place; see {@link sortByPathBytes}. */
export function sortPathsByBytes(paths: string[]): string[] {
  return sortByBytes(paths, (file) => file);
}

function sortByBytes<T>(items: T[], pathOf: (item: T) => string): T[] {
  if (items.some((item) => beyondCodeUnitOrder.test(pathOf(item)))) {
    return items.sort((left, right) => compareCodePoints(pathOf(left), pathOf(right)));
  }
  return items.sort((left, right) => {
    const one = pathOf(left);
    const other = pathOf(right);
    return one < other ? -1 : one > other ? 1 : 0;
  });
}

// Surrogates sort before U+E000-FFFF in UTF-16 but after them in UTF-8.
const beyondCodeUnitOrder = /[\uD800-\uFFFF]/;

/**
 * Writes an encoded index through a temporary file and a rename, so readers never see half an
 * index; resolves with the identity of the file written (inode, size, mtime: what a cache of
 * read indexes compares) and its mtime in nanoseconds (the racy-git reference).
 */
export async function writeIndexBytes(
  file: string,
  bytes: Uint8Array,
): Promise<{ identity: string; writtenAtNanoseconds: bigint }> {
  const temporary = `${file}.goosuke-${process.pid}-${Date.now()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, file);
  const stats = await stat(file, { bigint: true });
  return { identity: indexIdentity(stats), writtenAtNanoseconds: stats.mtimeNs };
}

/** What tells one written index file from another: inode, size and mtime. */
export function indexIdentity(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

/** Writes a version 2 index holding `entries` (see {@link encodeIndex}, {@link writeIndexBytes}). */
export async function writeIndexFile(
  file: string,
  entries: Iterable<IndexEntry>,
): Promise<{ identity: string; writtenAtNanoseconds: bigint }> {
  return writeIndexBytes(file, encodeIndex(entries));
}
