/** One line of an edit script: kept (`' '`), removed from `a` (`'-'`) or added from `b` (`'+'`). */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  /** Index into `a` (kept and removed lines) or -1. */
  aIndex: number;
  /** Index into `b` (kept and added lines) or -1. */
  bIndex: number;
}

/** Past this many edits the unmatched middle is emitted as "all removed, then all added" (still correct). */
const maxEditDistance = 2000;

/**
 * A shortest edit script from `a` to `b` (Myers' O((N+M)·D) algorithm), after trimming the
 * common prefix and suffix and interning lines as integers. Returns every line of both sides in
 * order; removals come before additions within a change.
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const ids = new Map<string, number>();
  const intern = (line: string): number => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  const left = Int32Array.from(a, intern);
  const right = Int32Array.from(b, intern);
  let prefix = 0;
  while (prefix < left.length && prefix < right.length && left[prefix] === right[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < left.length - prefix &&
    suffix < right.length - prefix &&
    left[left.length - 1 - suffix] === right[right.length - 1 - suffix]
  ) {
    suffix++;
  }
  const script: DiffLine[] = [];
  for (let index = 0; index < prefix; index++) script.push({ kind: ' ', aIndex: index, bIndex: index });
  middle(left, right, prefix, left.length - suffix, prefix, right.length - suffix, script);
  for (let index = suffix; index > 0; index--) {
    script.push({ kind: ' ', aIndex: left.length - index, bIndex: right.length - index });
  }
  return script;
}

function middle(
  a: Int32Array,
  b: Int32Array,
  aStart: number,
  aEnd: number,
  bStart: number,
  bEnd: number,
  script: DiffLine[],
): void {
  const n = aEnd - aStart;
  const m = bEnd - bStart;
  if (n === 0 || m === 0) {
    for (let x = 0; x < n; x++) script.push({ kind: '-', aIndex: aStart + x, bIndex: -1 });
    for (let y = 0; y < m; y++) script.push({ kind: '+', aIndex: -1, bIndex: bStart + y });
    return;
  }
  const limit = Math.min(n + m, maxEditDistance);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
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
        script.push(...backtrack(trace, d, n, m, offset, aStart, bStart));
        return;
      }
    }
  }
  for (let x = 0; x < n; x++) script.push({ kind: '-', aIndex: aStart + x, bIndex: -1 });
  for (let y = 0; y < m; y++) script.push({ kind: '+', aIndex: -1, bIndex: bStart + y });
}

function backtrack(
  trace: readonly Int32Array[],
  distance: number,
  n: number,
  m: number,
  offset: number,
  aStart: number,
  bStart: number,
): DiffLine[] {
  const reversed: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = distance; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const previousX = v[offset + previousK]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      reversed.push({ kind: ' ', aIndex: aStart + x, bIndex: bStart + y });
    }
    if (x === previousX) {
      y--;
      reversed.push({ kind: '+', aIndex: -1, bIndex: bStart + y });
    } else {
      x--;
      reversed.push({ kind: '-', aIndex: aStart + x, bIndex: -1 });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    reversed.push({ kind: ' ', aIndex: aStart + x, bIndex: bStart + y });
  }
  return reversed.reverse();
}
