// A commit changes a few entries of an index that holds every file of the repository: encoding
// all 50k entries again cost 40 ms a commit, most of a warm run's commit time. The index is
// rebuilt instead from the bytes of the one it replaces, copying the runs of entries that stay.
import { createHash } from 'node:crypto';
import { type IndexEntry, indexEntryLength, writeIndexEntry } from './git-index-file.ts';

/** Where each entry of a plain version 2 index starts, and where the entries end. */
interface EntryOffsets {
  starts: Uint32Array;
  end: number;
}

/**
 * The offsets of the entries of `bytes` when it is a version 2 index of stage 0 entries without
 * extended flags or extensions (what encodeIndex writes; git writes such indexes too), else null.
 */
function entryOffsets(bytes: Buffer): EntryOffsets | null {
  if (bytes.length < 32 || bytes.toString('latin1', 0, 4) !== 'DIRC' || bytes.readUInt32BE(4) !== 2)
    return null;
  const count = bytes.readUInt32BE(8);
  const starts = new Uint32Array(count);
  let offset = 12;
  for (let index = 0; index < count; index++) {
    if (offset + 62 > bytes.length - 20) return null;
    const flags = bytes.readUInt16BE(offset + 60);
    // Extended flags (intent-to-add, skip-worktree) and conflict stages are not copied blindly.
    if ((flags & 0x4000) !== 0 || (flags & 0x3000) !== 0) return null;
    let length = flags & 0xfff;
    if (length === 0xfff) {
      const nul = bytes.indexOf(0, offset + 62);
      if (nul < 0) return null;
      length = nul - offset - 62;
    }
    starts[index] = offset;
    offset += indexEntryLength(length);
  }
  // Extensions (a cache tree, say) would describe the old entries: leave such an index to encodeIndex.
  if (offset !== bytes.length - 20) return null;
  return { starts, end: offset };
}

/** The path bytes of entry `index`. */
function nameOf(bytes: Buffer, offsets: EntryOffsets, index: number): [start: number, end: number] {
  const start = offsets.starts[index]! + 62;
  const length = bytes.readUInt16BE(start - 2) & 0xfff;
  return [start, length === 0xfff ? bytes.indexOf(0, start) : start + length];
}

/** The first entry at or after `from` whose path is not below `path` in byte order. */
function lowerBound(bytes: Buffer, offsets: EntryOffsets, path: Buffer, from: number): number {
  let low = from;
  let high = offsets.starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const [start, end] = nameOf(bytes, offsets, middle);
    if (path.compare(bytes, start, end) > 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The index `bytes` with `changes` applied (a path to its new entry, whose `path` it is, or to
 * null to remove it):
 * byte for byte what encodeIndex gives for the resulting entries when `bytes` came from
 * encodeIndex, built by copying the unchanged runs of `bytes`. Entries it keeps are kept exactly
 * as they are there (flags git set included). Null when `bytes` is not a plain version 2 index
 * (see entryOffsets): then encode the entries.
 */
export function patchIndex(bytes: Buffer, changes: ReadonlyMap<string, IndexEntry | null>): Buffer | null {
  const offsets = entryOffsets(bytes);
  if (offsets === null) return null;
  const count = offsets.starts.length;
  const changed = [...changes].map(([path, entry]) => ({ name: Buffer.from(path, 'utf8'), entry }));
  changed.sort((left, right) => Buffer.compare(left.name, right.name));
  // Pieces in order: a run of old entries [from, to), or a new entry.
  const pieces: Array<{ from: number; to: number } | { entry: IndexEntry; length: number }> = [];
  const startOf = (index: number): number => (index < count ? offsets.starts[index]! : offsets.end);
  let size = 12 + 20;
  let entries = 0;
  let cursor = 0;
  const keep = (to: number): void => {
    if (to <= cursor) return;
    pieces.push({ from: startOf(cursor), to: startOf(to) });
    size += startOf(to) - startOf(cursor);
    entries += to - cursor;
  };
  for (let position = 0; position < changed.length; position++) {
    const { name, entry } = changed[position]!;
    // Two paths with the same bytes (lone surrogates both become U+FFFD): leave it to encodeIndex.
    if (position > 0 && name.equals(changed[position - 1]!.name)) return null;
    const at = lowerBound(bytes, offsets, name, cursor);
    keep(at);
    cursor = at;
    if (at < count) {
      const [start, end] = nameOf(bytes, offsets, at);
      // The old entry of a changed path goes: replaced, or removed.
      if (name.compare(bytes, start, end) === 0) cursor = at + 1;
    }
    if (entry !== null) {
      pieces.push({ entry, length: name.length });
      size += indexEntryLength(name.length);
      entries++;
    }
  }
  keep(count);
  const buffer = Buffer.alloc(size);
  bytes.copy(buffer, 0, 0, 8);
  buffer.writeUInt32BE(entries, 8);
  let offset = 12;
  for (const piece of pieces) {
    if ('entry' in piece) offset = writeIndexEntry(buffer, offset, piece.entry, piece.length);
    else offset += bytes.copy(buffer, offset, piece.from, piece.to);
  }
  createHash('sha1')
    .update(buffer.subarray(0, size - 20))
    .digest()
    .copy(buffer, size - 20);
  return buffer;
}
