/**
 * Line alignment between two sequences: for each line of `a`, the index of the equal line of
 * `b` it is kept as, or -1 when it is removed. Lines of `b` that no line of `a` maps to are added.
 */
export type LineAlignment = Int32Array;

/** Past this many edits the middle part is treated as replaced wholesale (still a correct alignment). */
const maxEditDistance = 1500;

/**
 * Aligns `a` with `b` by a shortest edit script (Myers), after trimming the common prefix and
 * suffix. Work is O((N+M)·D) with D capped, memory O(D²); past the cap the unmatched middle is
 * aligned as "all removed, all added", which is correct but less minimal.
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
  const limit = Math.min(n + m, maxEditDistance);
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

/** Lines added and removed between `a` and `b` according to {@link alignLines}. */
export function countChanges(a: readonly string[], b: readonly string[]): { added: number; removed: number } {
  const alignment = alignLines(a, b);
  let kept = 0;
  for (const target of alignment) if (target >= 0) kept++;
  return { added: b.length - kept, removed: a.length - kept };
}
