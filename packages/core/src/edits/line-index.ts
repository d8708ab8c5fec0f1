import { indentationOf, isBlank, whitespaceKey } from './similarity.ts';

/**
 * The non-blank lines of a run of lines, for the tiers that ignore blank lines and whitespace:
 * where each one is, its whitespace-free content and its indentation.
 */
export interface CompactLines {
  /** Index, in the full run, of each non-blank line. */
  positions: Int32Array;
  /** {@link whitespaceKey} of each non-blank line. */
  keys: string[];
  /** Leading whitespace of each non-blank line. */
  indents: string[];
}

/** A file's lines with derived views computed on first use (each is O(lines)). */
export interface LineIndex {
  readonly lines: readonly string[];
  /** Each line without trailing whitespace. */
  trimmed(): readonly string[];
  /** The non-blank lines. */
  compact(): CompactLines;
  /** Compact positions of the non-blank lines, by key. */
  byKey(): ReadonlyMap<string, readonly number[]>;
}

/** Builds a {@link LineIndex} over `lines` (which must not change while the index is used). */
export function createLineIndex(lines: readonly string[]): LineIndex {
  let trimmed: string[] | null = null;
  let compact: CompactLines | null = null;
  let byKey: Map<string, number[]> | null = null;
  const index: LineIndex = {
    lines,
    trimmed() {
      trimmed ??= lines.map((line) => line.trimEnd());
      return trimmed;
    },
    compact() {
      compact ??= compactLines(lines);
      return compact;
    },
    byKey() {
      if (byKey === null) {
        byKey = new Map();
        const { keys } = index.compact();
        for (let position = 0; position < keys.length; position++) {
          const key = keys[position]!;
          const list = byKey.get(key);
          if (list === undefined) byKey.set(key, [position]);
          else list.push(position);
        }
      }
      return byKey;
    },
  };
  return index;
}

/** The non-blank lines of `lines`. */
export function compactLines(lines: readonly string[]): CompactLines {
  const positions: number[] = [];
  const keys: string[] = [];
  const indents: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (isBlank(line)) continue;
    positions.push(index);
    keys.push(whitespaceKey(line));
    indents.push(indentationOf(line));
  }
  return { positions: Int32Array.from(positions), keys, indents };
}
