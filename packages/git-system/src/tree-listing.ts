import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

// Reading `git ls-tree -z` listings (trees and blob sizes of a commit) from their bytes.

/** Largest `git ls-tree` listing read (a tree of millions of entries). */
const maxListingBytes = 512 * 1024 * 1024;

/**
 * Collects a `git ls-tree` listing as bytes (the `consume` of a git invocation), for
 * {@link parseListing}.
 */
export function collectListing(): { consume: (stdout: Readable) => Promise<void>; output: () => Buffer } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return {
    async consume(stdout) {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxListingBytes)
          throw new Error(`git ls-tree printed more than ${maxListingBytes} bytes`);
        chunks.push(chunk);
      }
    },
    output: () => Buffer.concat(chunks),
  };
}

/** One entry of a `git ls-tree -z [-l]` listing. */
export interface ListedEntry {
  mode: number;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  /** With `-l`: a blob's size (null for a tree or submodule, `-`); without, null. */
  size: number | null;
  path: string;
}

/**
 * The entries of every NUL-terminated record (`<mode> SP <type> SP <id>[ SP+ <size>] TAB
 * <path>`) of a `git ls-tree -z` listing, read from its bytes: the fields are parsed in place and
 * only the id and the path are decoded, each on its own. Why not one string of the whole
 * listing: a path cut out of it would be a slice of it, and every tree and size map kept (one
 * per commit read, tens of thousands of paths) would keep its listing's several MB alive with it
 * (a 50k-file tree: 5.6 MB each).
 */
export function parseListing(listing: Buffer): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const space = 32;
  const tab = 9;
  let position = 0;
  while (position < listing.length) {
    let end = listing.indexOf(0, position);
    if (end < 0) end = listing.length;
    let cursor = position;
    let mode = 0;
    for (; cursor < end && listing[cursor] !== space; cursor++) mode = mode * 8 + (listing[cursor]! - 48);
    cursor++;
    const kind = listing[cursor];
    const type = kind === 116 ? 'tree' : kind === 99 ? 'commit' : 'blob';
    while (cursor < end && listing[cursor] !== space) cursor++;
    const idStart = ++cursor;
    while (cursor < end && listing[cursor] !== space && listing[cursor] !== tab) cursor++;
    const oid = listing.toString('latin1', idStart, cursor);
    let size: number | null = null;
    while (cursor < end && listing[cursor] === space) cursor++;
    if (cursor < end && listing[cursor] !== tab) {
      let digits = 0;
      let value = 0;
      for (; cursor < end && listing[cursor]! >= 48 && listing[cursor]! <= 57; cursor++, digits++)
        value = value * 10 + (listing[cursor]! - 48);
      if (digits > 0 && Number.isSafeInteger(value)) size = value;
      while (cursor < end && listing[cursor] !== tab) cursor++;
    }
    if (cursor < end && listing[cursor] === tab) {
      entries.push({ mode, type, oid, size, path: listing.toString('utf8', cursor + 1, end) });
    }
    position = end + 1;
  }
  return entries;
}

/** Listings kept per clone (the most recent; a 50k-file tree's is about 6 MB). */
const keptListings = 4;

/**
 * Where the `git ls-tree -r -t -l -z` listing of `commit` is kept in the clone at `gitdir`, or
 * null when `commit` is not a full object id (only an id names the same tree forever).
 * Why keep it: `-l` reads every blob's object header, 140 ms for a 50k-file tree against 30 ms
 * without, at every warm `goosuke run`; the kept bytes are read back in a few milliseconds.
 */
export function keptListingPath(gitdir: string, commit: string): string | null {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)
    ? path.join(gitdir, 'goosuke', 'listings', commit)
    : null;
}

/** The kept listing at `file` (see {@link keptListingPath}), or null. */
export async function readKeptListing(file: string | null): Promise<Buffer | null> {
  if (file === null) return null;
  return readFile(file).catch(() => null);
}

/**
 * Keeps `listing` at `file` (written aside, then renamed: a reader never sees half of it) and
 * drops all but the {@link keptListings} most recent of the clone. Best effort: a listing not
 * kept is read from git next time.
 */
export async function keepListing(file: string | null, listing: Buffer): Promise<void> {
  if (file === null) return;
  const directory = path.dirname(file);
  try {
    await mkdir(directory, { recursive: true });
    const aside = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(aside, listing);
    await rename(aside, file);
    const names = (await readdir(directory)).filter((name) => !name.endsWith('.tmp'));
    if (names.length <= keptListings) return;
    const aged = await Promise.all(
      names.map(async (name) => ({ name, time: (await stat(path.join(directory, name))).mtimeMs })),
    );
    aged.sort((left, right) => right.time - left.time);
    for (const { name } of aged.slice(keptListings)) await rm(path.join(directory, name), { force: true });
  } catch {
    // Not kept (a read-only clone, a full disk): git lists it again next time.
  }
}
