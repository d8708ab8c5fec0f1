import { findIndentShift, type IndentPair, type IndentShift, isIdentityShift } from './indentation.ts';
import { type CompactLines, compactLines, type LineIndex } from './line-index.ts';
import { indentationOf, stringSimilarity } from './similarity.ts';

/** The tiers that place lines in a file, strictest first. */
export type LocateTier = 'exact' | 'trailing-whitespace' | 'whitespace' | 'indentation' | 'fuzzy';

/** Where a run of sought lines was found. */
export interface Placement {
  tier: LocateTier;
  /** The matched region of the file, 0-based, end exclusive. */
  start: number;
  end: number;
  /** For each sought line, the file line it matched, or -1 (a blank line the file does not have). */
  mapping: Int32Array;
  /** How to re-indent added lines; null when they are used as written. */
  shift: IndentShift | null;
  /** 0..1: 1 for every tier but `fuzzy`. */
  similarity: number;
}

/** A matched region, for messages. */
export interface Region {
  start: number;
  end: number;
}

/** The outcome of {@link locateLines}. */
export type LocateResult =
  | { kind: 'found'; placement: Placement }
  | { kind: 'ambiguous'; tier: LocateTier; regions: Region[] }
  | { kind: 'not-found' };

/** What besides content may choose between equal candidates, and how loose the search may get. */
export interface LocateOptions {
  /** 1-based line the writer claimed; chooses only among `exact` candidates, and only if it points at one exactly. */
  hint: number | null;
  /** Text of a line the region belongs to (a diff section heading, an apply_patch `@@ anchor`). */
  anchor: string | null;
  /**
   * How the anchor counts. `heading` (unified diffs): it only chooses among equal candidates, the
   * one inside the anchor line's block. `seek` (apply_patch): when a line of the file contains it,
   * the region must start after such a line, and the first candidate after it wins.
   */
  anchorMode: 'heading' | 'seek';
  /** The writer says the region ends the file. */
  endOfFile: boolean;
  /**
   * Added because hunks without line numbers (bare `@@`, apply_patch) are ordered: the end
   * (0-based, exclusive) of the previous hunk's region, or null. Among equal candidates, those
   * starting at or after it are preferred, as apply_patch searches forward from there; several
   * such candidates stay ambiguous. A single candidate before it still matches (hunks out of order).
   */
  from?: number | null;
}

/** Terms of the `fuzzy` tier. */
export interface FuzzyOptions {
  /** Lowest mean line similarity (0..1) a candidate needs. */
  threshold: number;
  /** Per sought line, true when the edit removes it: such lines must match but for whitespace. */
  removed: readonly boolean[];
}

/** The best fuzzy candidate must beat the second by this much, or the match is ambiguous. */
const fuzzyMargin = 0.05;
/** At most this fraction of the (non-blank) lines may differ in a fuzzy match (at least one)... */
const fuzzyDifferingFraction = 0.25;
/** ...and never more than this many, however long the hunk. */
const fuzzyDifferingLimit = 4;
/** A differing line must still be this similar to the one it stands for. */
const fuzzyLineFloor = 0.5;
/** Fuzzy matching needs this many non-blank lines: fewer carry too little evidence. */
const fuzzyMinimumLines = 3;
/** Bound on the prefilter's work (index lookups) for one fuzzy search. */
const fuzzyWorkLimit = 400_000;
/** Candidates kept per tier; more than one is ambiguous anyway. */
const candidateLimit = 32;

/**
 * Finds where `sought` (a hunk's `before`, or its `after` when checking whether it is already
 * applied) sits in the file, by content only, with the tiers `exact` to `indentation`. Tiers
 * are tried strictest first and the first tier with any candidate decides: one candidate is a
 * match; several are narrowed by the line hint (`exact` only), then the previous hunk's end
 * (`from`), then the anchor, then the end-of-file flag, and stay `ambiguous` otherwise. A looser tier is never consulted once a
 * stricter one found candidates, since it would find them too. `sought` must not be empty.
 */
export function locateLines(
  index: LineIndex,
  sought: readonly string[],
  options: LocateOptions,
): LocateResult {
  const tiers: Array<[LocateTier, () => Placement[]]> = [
    ['exact', () => findExact(index.lines, sought)],
    ['trailing-whitespace', () => findTrimmed(index, sought)],
    ['whitespace', () => findCompact(index, sought, false)],
    ['indentation', () => findCompact(index, sought, true)],
  ];
  for (const [tier, find] of tiers) {
    const candidates = constrain(index, find(), options);
    if (candidates.length > 0) return decide(index, tier, candidates, options);
  }
  return { kind: 'not-found' };
}

/** Lines holding the anchor text; computed per call, which is O(lines) and only for anchored hunks. */
function anchorLines(lines: readonly string[], anchor: string): number[] {
  const text = anchor.trim();
  const found: number[] = [];
  if (text === '') return found;
  for (let line = 0; line < lines.length; line++) if (lines[line]!.includes(text)) found.push(line);
  return found;
}

/** In `seek` mode, drops candidates that start before every line holding the anchor (if the file has one). */
function constrain(index: LineIndex, candidates: Placement[], options: LocateOptions): Placement[] {
  if (options.anchorMode !== 'seek' || options.anchor === null || candidates.length === 0) return candidates;
  const anchors = anchorLines(index.lines, options.anchor);
  if (anchors.length === 0) return candidates;
  // At or after: an anchor naming the very line the hunk changes is read leniently.
  return candidates.filter((candidate) => anchors[0]! <= candidate.start);
}

/**
 * The `fuzzy` tier alone, for after {@link locateLines} found nothing (the caller first checks
 * whether the edit is already applied, so that a fuzzy match never applies an edit twice).
 * The best candidate must reach the threshold and beat every other by a margin, or it is ambiguous.
 */
export function locateFuzzy(
  index: LineIndex,
  sought: readonly string[],
  options: LocateOptions,
  fuzzy: FuzzyOptions,
): LocateResult {
  const candidates = constrain(index, findFuzzy(index, sought, fuzzy), options);
  if (candidates.length === 0) return { kind: 'not-found' };
  return decideFuzzy(index, candidates, options, fuzzy.threshold);
}

function decide(
  index: LineIndex,
  tier: LocateTier,
  candidates: Placement[],
  options: LocateOptions,
): LocateResult {
  const chosen = narrow(index, tier, candidates, options);
  if (!Array.isArray(chosen)) return { kind: 'found', placement: chosen };
  return { kind: 'ambiguous', tier, regions: chosen.map(({ start, end }) => ({ start, end })) };
}

/** The one candidate the options choose, or the candidates still in the running. */
function narrow(
  index: LineIndex,
  tier: LocateTier,
  all: Placement[],
  options: LocateOptions,
): Placement | Placement[] {
  let candidates = all;
  if (candidates.length === 1) return candidates[0]!;
  if (tier === 'exact' && options.hint !== null) {
    const hinted = candidates.filter((candidate) => candidate.start + 1 === options.hint);
    if (hinted.length === 1) return hinted[0]!;
  }
  const from = options.from ?? null;
  if (from !== null) {
    const forward = candidates.filter((candidate) => candidate.start >= from);
    if (forward.length === 1) return forward[0]!;
    // Only the candidates ahead stay in the running (and are the ones named if still ambiguous).
    if (forward.length > 1) candidates = forward;
  }
  if (options.anchor !== null) {
    const anchored =
      options.anchorMode === 'seek'
        ? firstAfterAnchors(index.lines, candidates, options.anchor)
        : candidates.filter((candidate) => insideAnchorBlock(index.lines, candidate.start, options.anchor!));
    if (anchored.length === 1) return anchored[0]!;
  }
  if (options.endOfFile) {
    const atEnd = candidates.filter((candidate) => endsFile(index.lines, candidate.end));
    if (atEnd.length === 1) return atEnd[0]!;
  }
  return candidates;
}

/** The candidates that come first after some anchor line (apply_patch: seek the anchor, then the context). */
function firstAfterAnchors(lines: readonly string[], candidates: Placement[], anchor: string): Placement[] {
  const sorted = [...candidates].sort((left, right) => left.start - right.start);
  const chosen = new Set<Placement>();
  for (const line of anchorLines(lines, anchor)) {
    const first = sorted.find((candidate) => candidate.start >= line);
    if (first !== undefined) chosen.add(first);
  }
  return [...chosen];
}

/** How far above a candidate the anchor line is looked for. */
const anchorSearchLimit = 5000;

/**
 * True when the region starting at `start` lies in the block of a line containing the anchor
 * text: every non-blank line between the two is indented deeper than the anchor line. This is
 * what a diff's section heading (`@@ ... @@ function f()`) or an apply_patch `@@ def f():` says,
 * and it does not tell apart two places inside the same block (a class heading), as it should not.
 */
function insideAnchorBlock(lines: readonly string[], start: number, anchor: string): boolean {
  const text = anchor.trim();
  if (text === '') return false;
  const first = lines.slice(start, start + 50).find((line) => line.trim() !== '');
  let shallowest = first === undefined ? Number.POSITIVE_INFINITY : indentationOf(first).length;
  for (let line = start - 1; line >= 0 && line >= start - anchorSearchLimit; line--) {
    const content = lines[line]!;
    if (content.trim() === '') continue;
    const depth = indentationOf(content).length;
    if (content.includes(text) && depth < shallowest) return true;
    shallowest = Math.min(shallowest, depth);
    if (shallowest === 0) return false;
  }
  return false;
}

function endsFile(lines: readonly string[], end: number): boolean {
  for (let line = end; line < lines.length; line++) if (lines[line]!.trim() !== '') return false;
  return true;
}

function identityPlacement(tier: LocateTier, start: number, length: number): Placement {
  const mapping = new Int32Array(length);
  for (let offset = 0; offset < length; offset++) mapping[offset] = start + offset;
  return { tier, start, end: start + length, mapping, shift: null, similarity: 1 };
}

function findSequence(lines: readonly string[], sought: readonly string[], tier: LocateTier): Placement[] {
  const found: Placement[] = [];
  const first = sought[0]!;
  const last = lines.length - sought.length;
  for (let start = 0; start <= last && found.length < candidateLimit; start++) {
    if (lines[start] !== first) continue;
    let offset = 1;
    while (offset < sought.length && lines[start + offset] === sought[offset]) offset++;
    if (offset === sought.length) found.push(identityPlacement(tier, start, sought.length));
  }
  return found;
}

function findExact(lines: readonly string[], sought: readonly string[]): Placement[] {
  return findSequence(lines, sought, 'exact');
}

function findTrimmed(index: LineIndex, sought: readonly string[]): Placement[] {
  return findSequence(
    index.trimmed(),
    sought.map((line) => line.trimEnd()),
    'trailing-whitespace',
  );
}

/**
 * `whitespace` (indentation equal, other whitespace and blank lines ignored) or, with
 * `shiftIndentation`, `indentation` (the same, but indentation may differ by one consistent shift).
 */
function findCompact(index: LineIndex, sought: readonly string[], shiftIndentation: boolean): Placement[] {
  const wanted = compactLines(sought);
  if (wanted.keys.length === 0) return [];
  const file = index.compact();
  const starts = index.byKey().get(wanted.keys[0]!) ?? [];
  const found: Placement[] = [];
  for (const start of starts) {
    if (found.length >= candidateLimit) break;
    if (start + wanted.keys.length > file.keys.length) break;
    if (!keysMatch(file, wanted, start)) continue;
    const pairs = indentPairs(file, wanted, start, null);
    const shift = shiftIndentation ? findIndentShift(pairs) : null;
    if (shiftIndentation) {
      if (shift === null || isIdentityShift(shift)) continue;
    } else if (!pairs.every((pair) => pair.file === pair.sought)) continue;
    found.push(
      compactPlacement(
        index,
        sought,
        wanted,
        start,
        shiftIndentation ? 'indentation' : 'whitespace',
        shift,
        1,
      ),
    );
  }
  return found;
}

function keysMatch(file: CompactLines, wanted: CompactLines, start: number): boolean {
  for (let offset = 1; offset < wanted.keys.length; offset++) {
    if (file.keys[start + offset] !== wanted.keys[offset]) return false;
  }
  return true;
}

function indentPairs(
  file: CompactLines,
  wanted: CompactLines,
  start: number,
  only: boolean[] | null,
): IndentPair[] {
  const pairs: IndentPair[] = [];
  for (let offset = 0; offset < wanted.keys.length; offset++) {
    if (only !== null && !only[offset]) continue;
    pairs.push({ file: file.indents[start + offset]!, sought: wanted.indents[offset]! });
  }
  return pairs;
}

/**
 * Maps every sought line onto the file for a match of the non-blank lines starting at compact
 * position `start`: non-blank lines map one to one; blank lines map onto the file's blank lines
 * in the same gap while there are some, and to -1 otherwise.
 */
function compactPlacement(
  index: LineIndex,
  sought: readonly string[],
  wanted: CompactLines,
  start: number,
  tier: LocateTier,
  shift: IndentShift | null,
  similarity: number,
): Placement {
  const file = index.compact();
  const mapping = new Int32Array(sought.length).fill(-1);
  const count = wanted.keys.length;
  for (let offset = 0; offset < count; offset++) {
    mapping[wanted.positions[offset]!] = file.positions[start + offset]!;
  }
  for (let offset = 0; offset + 1 < count; offset++) {
    mapGap(
      mapping,
      wanted.positions[offset]! + 1,
      wanted.positions[offset + 1]!,
      file.positions[start + offset]! + 1,
      file.positions[start + offset + 1]!,
    );
  }
  const firstFile = file.positions[start]!;
  const lastFile = file.positions[start + count - 1]!;
  const fileBefore = start > 0 ? file.positions[start - 1]! + 1 : 0;
  const fileAfter =
    start + count < file.positions.length ? file.positions[start + count]! : index.lines.length;
  // Leading blank lines of the hunk sit right above its first line: align them from the bottom.
  const leading = wanted.positions[0]!;
  for (let offset = 1; offset <= leading && firstFile - offset >= fileBefore; offset++) {
    mapping[leading - offset] = firstFile - offset;
  }
  mapGap(mapping, wanted.positions[count - 1]! + 1, sought.length, lastFile + 1, fileAfter);
  let regionStart = firstFile;
  let regionEnd = lastFile + 1;
  for (const target of mapping) {
    if (target < 0) continue;
    if (target < regionStart) regionStart = target;
    if (target + 1 > regionEnd) regionEnd = target + 1;
  }
  return { tier, start: regionStart, end: regionEnd, mapping, shift, similarity };
}

function mapGap(
  mapping: Int32Array,
  soughtFrom: number,
  soughtTo: number,
  fileFrom: number,
  fileTo: number,
): void {
  const shared = Math.min(soughtTo - soughtFrom, fileTo - fileFrom);
  for (let offset = 0; offset < shared; offset++) mapping[soughtFrom + offset] = fileFrom + offset;
}

interface FuzzyCandidate {
  start: number;
  similarity: number;
  shift: IndentShift | null;
}

/**
 * Candidates whose non-blank lines all match but for a bounded number of context lines that
 * are merely similar. Removed lines must match but for whitespace: an edit may not delete text
 * it has not seen. Prefiltered by votes: a start position needs enough exactly matching lines.
 */
function findFuzzy(index: LineIndex, sought: readonly string[], fuzzy: FuzzyOptions): Placement[] {
  const wanted = compactLines(sought);
  const count = wanted.keys.length;
  if (count < fuzzyMinimumLines) return [];
  const maxDiffering = Math.max(1, Math.min(fuzzyDifferingLimit, Math.floor(count * fuzzyDifferingFraction)));
  const votes = voteStarts(index, wanted, count);
  if (votes === null) return [];
  const scored: FuzzyCandidate[] = [];
  for (const [start, voteCount] of votes) {
    if (voteCount < count - maxDiffering) continue;
    const candidate = scoreFuzzy(index.compact(), wanted, start, maxDiffering, fuzzy.removed);
    if (candidate !== null) scored.push(candidate);
  }
  scored.sort((left, right) => right.similarity - left.similarity || left.start - right.start);
  return scored
    .slice(0, candidateLimit)
    .map((candidate) =>
      compactPlacement(
        index,
        sought,
        wanted,
        candidate.start,
        'fuzzy',
        candidate.shift,
        candidate.similarity,
      ),
    );
}

function voteStarts(index: LineIndex, wanted: CompactLines, count: number): Map<number, number> | null {
  const byKey = index.byKey();
  const fileCount = index.compact().keys.length;
  const votes = new Map<number, number>();
  let work = 0;
  for (let offset = 0; offset < count; offset++) {
    const positions = byKey.get(wanted.keys[offset]!);
    if (positions === undefined) continue;
    work += positions.length;
    if (work > fuzzyWorkLimit) return null;
    for (const position of positions) {
      const start = position - offset;
      if (start < 0 || start + count > fileCount) continue;
      votes.set(start, (votes.get(start) ?? 0) + 1);
    }
  }
  return votes;
}

function scoreFuzzy(
  file: CompactLines,
  wanted: CompactLines,
  start: number,
  maxDiffering: number,
  removed: readonly boolean[],
): FuzzyCandidate | null {
  const count = wanted.keys.length;
  const equal: boolean[] = new Array(count).fill(false);
  let differing = 0;
  let total = 0;
  for (let offset = 0; offset < count; offset++) {
    const fileKey = file.keys[start + offset]!;
    const wantedKey = wanted.keys[offset]!;
    if (fileKey === wantedKey) {
      equal[offset] = true;
      total += 1;
      continue;
    }
    if (removed[wanted.positions[offset]!]) return null;
    differing++;
    if (differing > maxDiffering) return null;
    const similarity = stringSimilarity(fileKey, wantedKey);
    if (similarity < fuzzyLineFloor) return null;
    total += similarity;
  }
  let shift = findIndentShift(indentPairs(file, wanted, start, equal));
  if (shift === null && differing < maxDiffering) {
    // One line indented off the block's pattern is a slightly wrong line too.
    const odd = findOddIndentation(file, wanted, start, equal);
    if (odd !== null) {
      shift = odd;
      total -= 1 - indentationOnlySimilarity;
    }
  }
  if (shift === null) return null;
  return { start, similarity: total / count, shift: isIdentityShift(shift) ? null : shift };
}

/** Similarity credited to a line whose only difference is its indentation. */
const indentationOnlySimilarity = 0.9;
/** Blocks longer than this are not searched for a single oddly indented line (quadratic). */
const oddIndentationLimit = 64;

function findOddIndentation(
  file: CompactLines,
  wanted: CompactLines,
  start: number,
  equal: boolean[],
): IndentShift | null {
  if (wanted.keys.length > oddIndentationLimit) return null;
  for (let skipped = 0; skipped < equal.length; skipped++) {
    if (!equal[skipped]) continue;
    const only = equal.map((isEqual, offset) => isEqual && offset !== skipped);
    const shift = findIndentShift(indentPairs(file, wanted, start, only));
    if (shift !== null) return shift;
  }
  return null;
}

function decideFuzzy(
  index: LineIndex,
  candidates: Placement[],
  options: LocateOptions,
  threshold: number,
): LocateResult {
  const best = candidates[0]!;
  if (best.similarity < threshold) return { kind: 'not-found' };
  const rivals = candidates.filter((candidate) => best.similarity - candidate.similarity < fuzzyMargin);
  const chosen = narrow(index, 'fuzzy', rivals, options);
  if (!Array.isArray(chosen)) return { kind: 'found', placement: chosen };
  return { kind: 'ambiguous', tier: 'fuzzy', regions: chosen.map(({ start, end }) => ({ start, end })) };
}
