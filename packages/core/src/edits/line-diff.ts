/**
 * Line alignment between two sequences: for each line of `a`, the index of the equal line of
 * `b` it is kept as, or -1 when it is removed. Lines of `b` that no line of `a` maps to are added.
 */
export type LineAlignment = Int32Array;

/** One line of an edit script: kept (`' '`), removed from `a` (`'-'`) or added from `b` (`'+'`). */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  /** Index into `a` (kept and removed lines) or -1. */
  aIndex: number;
  /** Index into `b` (kept and added lines) or -1. */
  bIndex: number;
}

/**
 * Past this many added plus removed lines (after the common prefix and suffix), the middle is
 * aligned as "all removed, all added": still correct, only less minimal. The one bound of every
 * line diff in Goosuke (the edit engine and the git backend's diffs): work O((N+M)·D) and memory
 * O(D²) with D at most this, so two very different texts cannot take minutes.
 */
export const maxLineEdits = 2000;

// Hand-written rather than jsdiff (`diff`): measured in one process on the same inputs, jsdiff
// was 2-3x slower on hunk-sized alignments (the edit engine aligns every hunk it places) and
// 2-7x slower on large rewrites (the git backend's diffs of run results); see docs/performance.md.

/**
 * Aligns `a` with `b` by a shortest edit script (Myers), after trimming the common prefix and
 * suffix: equal lines kept in order, as many as a longest common subsequence while the script
 * stays within {@link maxLineEdits}; past it the unmatched middle is aligned as "all removed, all
 * added", which is correct but less minimal.
 */
export function alignLines(a: readonly string[], b: readonly string[]): LineAlignment {
  const alignment = new Int32Array(a.length).fill(-1);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) {
    alignment[prefix] = prefix;
    prefix++;
  }
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    alignment[a.length - 1 - suffix] = b.length - 1 - suffix;
    suffix++;
  }
  const aEnd = a.length - suffix;
  const bEnd = b.length - suffix;
  if (prefix < aEnd && prefix < bEnd) alignMiddle(a, b, prefix, aEnd, prefix, bEnd, alignment);
  return alignment;
}

function alignMiddle(
  a: readonly string[],
  b: readonly string[],
  aStart: number,
  aEnd: number,
  bStart: number,
  bEnd: number,
  alignment: LineAlignment,
): void {
  const n = aEnd - aStart;
  const m = bEnd - bStart;
  const limit = Math.min(n + m, maxLineEdits);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aStart + x] === b[bStart + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        backtrack(trace, d, n, m, (ax, by) => {
          alignment[aStart + ax] = bStart + by;
        });
        return;
      }
    }
  }
  // Too different to align within the budget: every middle line of `a` stays removed.
}

function backtrack(
  trace: readonly Int32Array[],
  distance: number,
  n: number,
  m: number,
  match: (ax: number, by: number) => void,
): void {
  let x = n;
  let y = m;
  for (let d = distance; d > 0; d--) {
    const previous = trace[d]!;
    const at = (k: number): number => previous[k + d + 1]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      match(x, y);
    }
    x = previousX;
    y = previousY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    match(x, y);
  }
}

/**
 * The edit script of {@link alignLines}: every line of both sides in order, each kept, removed or
 * added; within a change, removals come before additions (as git prints them).
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const alignment = alignLines(a, b);
  const script: DiffLine[] = [];
  let nextB = 0;
  for (let aIndex = 0; aIndex < a.length; aIndex++) {
    const target = alignment[aIndex]!;
    if (target < 0) {
      script.push({ kind: '-', aIndex, bIndex: -1 });
      continue;
    }
    while (nextB < target) script.push({ kind: '+', aIndex: -1, bIndex: nextB++ });
    script.push({ kind: ' ', aIndex, bIndex: nextB++ });
  }
  while (nextB < b.length) script.push({ kind: '+', aIndex: -1, bIndex: nextB++ });
  return script;
}

/** Lines added and removed between `a` and `b` according to {@link alignLines}. */
export function countChanges(a: readonly string[], b: readonly string[]): { added: number; removed: number } {
  const alignment = alignLines(a, b);
  let kept = 0;
  for (const target of alignment) if (target >= 0) kept++;
  return { added: b.length - kept, removed: a.length - kept };
}
