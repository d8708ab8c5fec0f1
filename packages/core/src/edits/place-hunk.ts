import { findClosestRegion } from './closest-region.ts';
import { alignLines } from './line-diff.ts';
import type { LineIndex } from './line-index.ts';
import {
  type LocateOptions,
  type LocateResult,
  locateFuzzy,
  locateLines,
  type Placement,
  type Region,
} from './locate-hunk.ts';
import { blockSimilarity } from './similarity.ts';
import type { PlacedHunk } from './splice-hunks.ts';
import { sameLines } from './text-lines.ts';
import type { ClosestRegion, EditHunk, HunkFailureReason } from './types.ts';

/** How a hunk's format shapes its placement. */
export interface PlaceContext {
  /** apply_patch appends a hunk without old lines at the end of the file; the others cannot place it. */
  format: 'unified-diff' | 'apply-patch' | 'search-replace';
  /** 0..1; 1 disables the fuzzy tier. */
  fuzzyThreshold: number;
}

/** What became of one hunk. */
export type HunkOutcome =
  | { kind: 'placed'; hunk: PlacedHunk }
  /** `start`/`end`: where the hunk's result was found (0-based, end exclusive). */
  | { kind: 'already-applied'; start: number; end: number }
  | { kind: 'failed'; reason: HunkFailureReason; message: string; closest: ClosestRegion | null };

/**
 * Places one hunk by content: the `before` lines through the strict tiers (exact to
 * indentation); if they are not there, the `after` lines through the same tiers (then the hunk
 * is already applied); then `before` through the fuzzy tier. Checking "already applied" before
 * fuzzy keeps a fuzzy match from applying an edit a second time.
 */
export function placeHunk(
  index: LineIndex,
  hunk: EditHunk,
  context: PlaceContext,
  from: number | null = null,
): HunkOutcome {
  if (hunk.before.length === 0) return placeWithoutOldLines(index, hunk, context);
  const options: LocateOptions = {
    hint: hunk.oldStartHint,
    anchor: hunk.anchor,
    anchorMode: context.format === 'apply-patch' ? 'seek' : 'heading',
    endOfFile: hunk.endOfFile === true,
    // Only hunks without line numbers are read as ordered; a line number says where a hunk goes.
    from: hunk.oldStartHint === null ? from : null,
  };
  const strict = locateLines(index, hunk.before, options);
  if (strict.kind === 'found') {
    const applied = insertionAlreadyApplied(index, hunk, options, strict.placement);
    if (applied !== null) return { kind: 'already-applied', start: applied.start, end: applied.end };
    const conflict = appliedAhead(index, hunk, options, strict.placement);
    if (conflict !== null) return conflict;
  }
  if (strict.kind !== 'not-found') return outcomeOf(index, hunk, strict);
  if (hunk.after.length > 0) {
    const applied = locateLines(index, hunk.after, { ...options, hint: hunk.newStartHint ?? null });
    if (applied.kind === 'found' && postImagePresent(hunk, applied.placement)) {
      return { kind: 'already-applied', start: applied.placement.start, end: applied.placement.end };
    }
  }
  if (context.fuzzyThreshold < 1) {
    const alignment = alignLines(hunk.before, hunk.after);
    const removed = Array.from(alignment, (target) => target < 0);
    const fuzzy = locateFuzzy(index, hunk.before, options, { threshold: context.fuzzyThreshold, removed });
    if (fuzzy.kind !== 'not-found') return outcomeOf(index, hunk, fuzzy);
  }
  const closest = findClosestRegion(index.lines, hunk.before);
  const near =
    closest === null
      ? ''
      : ` (closest: lines ${closest.startLine}-${closest.endLine}, ${Math.round(closest.similarity * 100)}% similar)`;
  return {
    kind: 'failed',
    reason: 'not-found',
    message: `the ${plural(hunk.before.length, 'expected line')} ${hunk.before.length === 1 ? 'is' : 'are'} not in the file${near}; re-read the file and resend this change with its current lines`,
    closest,
  };
}

/**
 * A hunk that adds lines keeps its old lines as context, so they are still in the file after it
 * was applied: without this check a repeated reply would insert its lines a second time. The
 * hunk counts as applied when its `after` lines are found (strict tiers, uniquely) around the
 * very place its `before` lines matched.
 */
function insertionAlreadyApplied(
  index: LineIndex,
  hunk: EditHunk,
  options: LocateOptions,
  before: { start: number; end: number },
): Placement | null {
  if (hunk.after.length <= hunk.before.length) return null;
  const applied = locateLines(index, hunk.after, { ...options, hint: hunk.newStartHint ?? null });
  if (applied.kind !== 'found') return null;
  const { placement } = applied;
  if (placement.start > before.start || placement.end < before.end) return null;
  return postImagePresent(hunk, placement) ? placement : null;
}

/**
 * An ordered hunk (see {@link LocateOptions.from}) whose old lines are found only before the
 * previous hunk, out of order, while its new lines are after it, where it belongs: either the
 * reply was applied already (and a second application would change another place) or the hunk
 * is out of order (and calling it applied would hide the change). Neither guess is safe: refused.
 */
function appliedAhead(
  index: LineIndex,
  hunk: EditHunk,
  options: LocateOptions,
  before: { start: number; end: number },
): HunkOutcome | null {
  const from = options.from ?? null;
  if (from === null || before.start >= from || hunk.after.length === 0) return null;
  const applied = locateLines(index, hunk.after, { ...options, hint: hunk.newStartHint ?? null });
  const ahead =
    applied.kind === 'found'
      ? applied.placement.start >= from && postImagePresent(hunk, applied.placement)
        ? [applied.placement]
        : []
      : applied.kind === 'ambiguous'
        ? applied.regions.filter((region) => region.start >= from)
        : [];
  if (ahead.length === 0) return null;
  return {
    kind: 'failed',
    reason: 'ambiguous',
    message: `the expected lines are only at lines ${before.start + 1}-${before.end}, before the previous hunk, while the changed lines are already at ${describeRegions(ahead)}, after it: the change may be applied already; resend the hunk with its line numbers or more unchanged lines`,
    closest: null,
  };
}

/**
 * Whether a match of the hunk's `after` lines really holds the change. The whitespace and
 * indentation tiers let blank lines of the sought text go unmatched (mapped to -1), which is
 * right for a blank context line the writer got wrong, but would read a file that lacks an
 * added blank line as already holding it: a hunk whose only addition is a blank line would
 * then be dropped. So every run of blank `after` lines that holds an added line must be
 * matched in full; which blank of a run is "the added one" is arbitrary, hence the whole run.
 */
function postImagePresent(hunk: EditHunk, placement: Placement): boolean {
  const { mapping } = placement;
  if (!mapping.some((target) => target < 0)) return true;
  const kept = new Set(alignLines(hunk.before, hunk.after));
  const after = hunk.after;
  let line = 0;
  while (line < after.length) {
    if (after[line]!.trim() !== '') {
      if (mapping[line]! < 0 && !kept.has(line)) return false;
      line++;
      continue;
    }
    let end = line;
    while (end < after.length && after[end]!.trim() === '') end++;
    let added = false;
    let missing = false;
    for (let blank = line; blank < end; blank++) {
      if (!kept.has(blank)) added = true;
      if (mapping[blank]! < 0) missing = true;
    }
    if (added && missing) return false;
    line = end;
  }
  return true;
}

function outcomeOf(
  index: LineIndex,
  hunk: EditHunk,
  result: Exclude<LocateResult, { kind: 'not-found' }>,
): HunkOutcome {
  if (result.kind === 'found') {
    return {
      kind: 'placed',
      hunk: {
        placement: result.placement,
        before: hunk.before,
        after: hunk.after,
        alignment: alignLines(hunk.before, hunk.after),
        finalNewline: finalNewlineOf(hunk),
      },
    };
  }
  const first = result.regions[0]!;
  const window = index.lines.slice(first.start, first.end);
  const closest: ClosestRegion = {
    startLine: first.start + 1,
    endLine: first.end,
    lines: window,
    similarity: Math.round(blockSimilarity(window, hunk.before) * 1000) / 1000,
  };
  return {
    kind: 'failed',
    reason: 'ambiguous',
    message: `the expected lines match ${result.regions.length} places (${describeRegions(result.regions)}, ${result.tier} match); include more unchanged lines around the change so that only one place matches`,
    closest,
  };
}

/** A hunk with no old lines: it can only go into an empty file, or (apply_patch) at the end. */
function placeWithoutOldLines(index: LineIndex, hunk: EditHunk, context: PlaceContext): HunkOutcome {
  const lines = index.lines;
  const content = lines.length;
  if (content === 0) return insertAt(hunk, 0);
  if (context.format === 'apply-patch') {
    // Blank lines alone are no evidence: the file may end with blank lines of its own.
    if (hunk.after.some((line) => line.trim() !== '') && endsWith(index, hunk.after)) {
      return { kind: 'already-applied', start: content - hunk.after.length, end: content };
    }
    return insertAt(hunk, content);
  }
  if (sameLines(lines, hunk.after)) return { kind: 'already-applied', start: 0, end: content };
  if (context.format === 'search-replace') {
    return {
      kind: 'failed',
      reason: 'file-exists',
      message:
        'an empty SEARCH creates a file, but this file exists with other content; put the lines to replace in SEARCH',
      closest: null,
    };
  }
  return {
    kind: 'failed',
    reason: hunk.oldStartHint === 0 ? 'file-exists' : 'not-found',
    message:
      hunk.oldStartHint === 0
        ? 'the hunk creates the file from nothing, but the file exists with other content; send a diff against its current content'
        : 'the hunk has no context or removed lines to locate it by; include a few unchanged lines around the addition',
    closest: null,
  };
}

function insertAt(hunk: EditHunk, line: number): HunkOutcome {
  return {
    kind: 'placed',
    hunk: {
      placement: {
        tier: 'exact',
        start: line,
        end: line,
        mapping: new Int32Array(0),
        shift: null,
        similarity: 1,
      },
      before: [],
      after: hunk.after,
      alignment: new Int32Array(0),
      finalNewline: finalNewlineOf(hunk),
    },
  };
}

function endsWith(index: LineIndex, tail: readonly string[]): boolean {
  const lines = index.trimmed();
  const offset = lines.length - tail.length;
  if (offset < 0) return false;
  return tail.every((line, position) => lines[offset + position] === line.trimEnd());
}

function finalNewlineOf(hunk: EditHunk): boolean | null {
  const marker = hunk.finalNewline;
  return marker === undefined || marker.before === marker.after ? null : marker.after;
}

function describeRegions(regions: readonly Region[]): string {
  const shown = regions.slice(0, 4).map((region) => `lines ${region.start + 1}-${region.end}`);
  const more = regions.length > 4 ? ` and ${regions.length - 4} more` : '';
  return shown.join(' and ') + more;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
