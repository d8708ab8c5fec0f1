import { lineSimilarity, stringSimilarity, whitespaceKey } from './similarity.ts';
import type { ClosestRegion } from './types.ts';

/** Windows scored precisely after the cheap ranking. */
const refinedWindows = 12;
/** Line comparisons allowed when no line of the hunk occurs in the file and every window must be scanned. */
const scanBudget = 20_000;
/** Characters compared per line while scanning. */
const scanLength = 48;

/**
 * The window of the file, as long as `expected`, that is most similar to it (line similarity
 * weighted by line length, whitespace ignored). Windows are ranked by how many of their lines
 * equal an expected line at the same offset; when no line matches at all, a bounded scan with a
 * cheap similarity ranks them instead. Never quadratic in the file size. Null for an empty file,
 * an empty hunk, or when even the best window has nothing in common with the hunk.
 */
export function findClosestRegion(
  lines: readonly string[],
  expected: readonly string[],
): ClosestRegion | null {
  if (lines.length === 0 || expected.length === 0) return null;
  const length = Math.min(lines.length, expected.length);
  const lastStart = lines.length - length;
  const ranked = rankByVotes(lines, expected, lastStart);
  const starts = ranked.length > 0 ? ranked : rankByScan(lines, expected, length, lastStart);
  let best: ClosestRegion | null = null;
  for (const start of starts.slice(0, refinedWindows)) {
    const window = lines.slice(start, start + length);
    const similarity = weightedSimilarity(window, expected.slice(0, length)) * (length / expected.length);
    if (best === null || similarity > best.similarity) {
      best = { startLine: start + 1, endLine: start + length, lines: window, similarity: round(similarity) };
    }
  }
  // Nothing alike at all: a region would only be noise in the failure.
  return best === null || best.similarity === 0 ? null : best;
}

function rankByVotes(lines: readonly string[], expected: readonly string[], lastStart: number): number[] {
  const wanted = new Map<string, number[]>();
  expected.forEach((line, offset) => {
    const key = whitespaceKey(line);
    if (key === '') return;
    const offsets = wanted.get(key);
    if (offsets === undefined) wanted.set(key, [offset]);
    else offsets.push(offset);
  });
  const votes = new Map<number, number>();
  for (let line = 0; line < lines.length; line++) {
    const offsets = wanted.get(whitespaceKey(lines[line]!));
    if (offsets === undefined) continue;
    for (const offset of offsets) {
      const start = Math.min(Math.max(line - offset, 0), lastStart);
      votes.set(start, (votes.get(start) ?? 0) + 1);
    }
  }
  return [...votes.entries()]
    .sort((left, right) => right[1] - left[1] || left[0] - right[0])
    .map(([start]) => start);
}

function rankByScan(
  lines: readonly string[],
  expected: readonly string[],
  length: number,
  lastStart: number,
): number[] {
  const stride = Math.max(1, Math.ceil(((lastStart + 1) * length) / scanBudget));
  const scored: Array<[number, number]> = [];
  for (let start = 0; start <= lastStart; start += stride) {
    let total = 0;
    for (let offset = 0; offset < length; offset++) {
      total += stringSimilarity(
        whitespaceKey(lines[start + offset]!).slice(0, scanLength),
        whitespaceKey(expected[offset]!).slice(0, scanLength),
      );
    }
    scored.push([start, total]);
  }
  return scored.sort((left, right) => right[1] - left[1] || left[0] - right[0]).map(([start]) => start);
}

/**
 * Line similarity weighted by line length (whitespace aside), so that a matching function
 * signature counts for more than a matching `}` or blank line.
 */
function weightedSimilarity(window: readonly string[], expected: readonly string[]): number {
  let total = 0;
  let weights = 0;
  for (let offset = 0; offset < expected.length; offset++) {
    const left = window[offset] ?? '';
    const right = expected[offset]!;
    const weight = Math.max(whitespaceKey(left).length, whitespaceKey(right).length, 1);
    total += lineSimilarity(left, right) * weight;
    weights += weight;
  }
  return weights === 0 ? 1 : total / weights;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
