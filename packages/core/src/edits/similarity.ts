/** Longer lines are compared on this many leading characters only, to bound the work per pair. */
const maxComparedLength = 240;

/** Removes every whitespace character: the key under which lines are "the same but for whitespace". */
export function whitespaceKey(line: string): string {
  return line.replace(/\s+/g, '');
}

/** The leading whitespace of a line. */
export function indentationOf(line: string): string {
  const match = /^[ \t]*/.exec(line);
  return match === null ? '' : match[0];
}

/** True when a line holds only whitespace. */
export function isBlank(line: string): boolean {
  return line.trim() === '';
}

let rowA = new Uint16Array(maxComparedLength + 1);
let rowB = new Uint16Array(maxComparedLength + 1);

/**
 * Similarity of two strings in 0..1: one minus the Levenshtein distance over the longer length
 * (compared on at most {@link maxComparedLength} characters). O(|a|·|b|) with two rows.
 */
export function stringSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const left = a.length > maxComparedLength ? a.slice(0, maxComparedLength) : a;
  const right = b.length > maxComparedLength ? b.slice(0, maxComparedLength) : b;
  const longest = Math.max(left.length, right.length);
  if (longest === 0) return 1;
  if (left.length === 0 || right.length === 0) return 0;
  return 1 - levenshtein(left, right) / longest;
}

function levenshtein(a: string, b: string): number {
  let previous = rowA;
  let current = rowB;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (code === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = previous[j]! + 1;
      const insertion = current[j - 1]! + 1;
      current[j] = Math.min(substitution, deletion, insertion);
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  const distance = previous[b.length]!;
  rowA = previous;
  rowB = current;
  return distance;
}

/** Similarity of two lines ignoring whitespace differences, in 0..1. */
export function lineSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  return stringSimilarity(whitespaceKey(a), whitespaceKey(b));
}

/** Mean {@link lineSimilarity} of two equally long runs of lines (1 for two empty runs). */
export function blockSimilarity(a: readonly string[], b: readonly string[]): number {
  const length = Math.max(a.length, b.length);
  if (length === 0) return 1;
  let total = 0;
  for (let index = 0; index < length; index++) {
    const left = a[index];
    const right = b[index];
    if (left !== undefined && right !== undefined) total += lineSimilarity(left, right);
  }
  return total / length;
}
