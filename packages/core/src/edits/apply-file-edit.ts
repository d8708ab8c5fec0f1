import { InvalidInputError } from '../errors/index.ts';
import { countChanges } from './line-diff.ts';
import { createLineIndex } from './line-index.ts';
import { checkEditPath } from './paths.ts';
import { type HunkOutcome, type PlaceContext, placeHunk } from './place-hunk.ts';
import { comparePlacements, type PlacedHunk, spliceHunks } from './splice-hunks.ts';
import { sameLines, splitEditText, type TextLines } from './text-lines.ts';
import type {
  AppliedFile,
  AppliedHunk,
  ClosestRegion,
  EditHunk,
  FileEdit,
  HunkFailure,
  HunkFailureReason,
  MatchTier,
} from './types.ts';
import type { VirtualTree } from './virtual-tree.ts';

/** Settings shared by every edit of one {@link applyEdits} call. */
export interface EditSettings {
  forbiddenPaths: readonly string[];
  fuzzyThreshold: number;
}

/** What one file edit did: its record (null when refused before reading) and its failures. */
export interface FileEditOutcome {
  file: AppliedFile | null;
  failures: HunkFailure[];
}

/**
 * Applies one edit to the virtual tree. On a failed hunk the hunks that did place are still
 * applied, so that later edits of the same file are checked against the most likely content;
 * the caller discards everything when any failure was reported.
 */
export async function applyFileEdit(
  tree: VirtualTree,
  edit: FileEdit,
  editIndex: number,
  settings: EditSettings,
): Promise<FileEditOutcome> {
  const report = createReport(editIndex);
  switch (edit.kind) {
    case 'delete':
      return applyDelete(tree, edit.path, report, settings);
    case 'whole-file':
      return applyWholeFile(tree, edit.path, edit.content, report, settings);
    case 'search-replace':
      return applySearchReplace(tree, edit.path, edit.blocks, report, settings);
    case 'patch':
      return applyPatch(tree, edit, report, settings);
    default:
      throw new InvalidInputError(`unknown edit kind ${JSON.stringify((edit as { kind?: unknown }).kind)}`);
  }
}

/** Collects one edit's failures and builds its outcome. */
interface Report {
  fail(
    path: string,
    hunkIndex: number | null,
    reason: HunkFailureReason,
    message: string,
    expected?: readonly string[],
    closest?: ClosestRegion | null,
  ): void;
  record(file: Omit<AppliedFile, 'editIndex'>): FileEditOutcome;
  refused(): FileEditOutcome;
}

function createReport(editIndex: number): Report {
  const failures: HunkFailure[] = [];
  return {
    fail(path, hunkIndex, reason, message, expected = [], closest = null) {
      failures.push({ path, editIndex, hunkIndex, reason, message, expected: [...expected], closest });
    },
    record(file) {
      return { file: { editIndex, ...file }, failures };
    },
    refused() {
      return { file: null, failures };
    },
  };
}

function checkPath(path: string, report: Report, settings: EditSettings): string | null {
  const checked = checkEditPath(path, settings.forbiddenPaths);
  if (checked.ok) return checked.path;
  report.fail(path, null, checked.reason, checked.message);
  return null;
}

function single(tier: MatchTier, startLine = 0): AppliedHunk[] {
  return [{ index: 0, tier, startLine }];
}

function newText(lines: readonly string[], finalNewline = true): TextLines {
  return { lines: [...lines], lineEnding: '\n', crlf: null, finalNewline };
}

async function applyDelete(
  tree: VirtualTree,
  rawPath: string,
  report: Report,
  settings: EditSettings,
): Promise<FileEditOutcome> {
  const path = checkPath(rawPath, report, settings);
  if (path === null) return report.refused();
  const existing = await tree.read(path);
  const base = { path, oldPath: null, operation: 'delete' as const, added: 0 };
  if (existing === null) return report.record({ ...base, hunks: single('already-applied'), removed: 0 });
  tree.write(path, null);
  return report.record({ ...base, hunks: single('delete'), removed: existing.lines.length });
}

async function applyWholeFile(
  tree: VirtualTree,
  rawPath: string,
  content: string,
  report: Report,
  settings: EditSettings,
): Promise<FileEditOutcome> {
  const path = checkPath(rawPath, report, settings);
  if (path === null) return report.refused();
  const lines = splitEditText(content);
  const existing = await tree.read(path);
  if (existing === null) {
    tree.write(path, newText(lines));
    return report.record({
      path,
      oldPath: null,
      operation: 'create',
      hunks: single('new-file'),
      added: lines.length,
      removed: 0,
    });
  }
  const base = { path, oldPath: null, operation: 'modify' as const };
  if (
    existing.lines.length === lines.length &&
    existing.lines.every((line, index) => line === lines[index])
  ) {
    return report.record({ ...base, hunks: single('already-applied', 1), added: 0, removed: 0 });
  }
  // The file keeps its line endings and its final newline: a fenced block cannot express either.
  tree.write(path, {
    lines,
    lineEnding: existing.lineEnding,
    crlf: null,
    finalNewline: existing.lines.length === 0 || existing.finalNewline,
  });
  return report.record({ ...base, hunks: single('whole-file', 1), ...countChanges(existing.lines, lines) });
}

async function applySearchReplace(
  tree: VirtualTree,
  rawPath: string,
  blocks: ReadonlyArray<{ search: string; replace: string }>,
  report: Report,
  settings: EditSettings,
): Promise<FileEditOutcome> {
  const path = checkPath(rawPath, report, settings);
  if (path === null) return report.refused();
  const original = await tree.read(path);
  let current = original;
  const hunks: AppliedHunk[] = [];
  let added = 0;
  let removed = 0;
  const context: PlaceContext = { format: 'search-replace', fuzzyThreshold: settings.fuzzyThreshold };
  blocks.forEach((block, index) => {
    const hunk: EditHunk = {
      oldStartHint: null,
      anchor: null,
      before: splitEditText(block.search),
      after: splitEditText(block.replace),
    };
    if (current === null) {
      if (hunk.before.length > 0) {
        report.fail(
          path,
          index,
          'file-missing',
          `${path} does not exist; to create it, leave SEARCH empty`,
          hunk.before,
        );
        return;
      }
      current = newText(hunk.after);
      hunks.push({ index, tier: 'new-file', startLine: 0 });
      added += hunk.after.length;
      return;
    }
    const outcome = placeHunk(createLineIndex(current.lines), hunk, context);
    const step = takeOutcome(outcome, index, path, hunk, report);
    if (step === null) return;
    hunks.push(step.applied);
    if (step.placed !== null) {
      const spliced = spliceHunks(current, [step.placed]);
      current = spliced.text;
      added += spliced.added;
      removed += spliced.removed;
    }
  });
  if (current !== original && current !== null) tree.write(path, current);
  return report.record({
    path,
    oldPath: null,
    operation: original === null ? 'create' : 'modify',
    hunks,
    added,
    removed,
  });
}

function takeOutcome(
  outcome: HunkOutcome,
  index: number,
  path: string,
  hunk: EditHunk,
  report: Report,
): { applied: AppliedHunk; placed: PlacedHunk | null } | null {
  switch (outcome.kind) {
    case 'placed':
      return {
        applied: { index, tier: outcome.hunk.placement.tier, startLine: outcome.hunk.placement.start + 1 },
        placed: outcome.hunk,
      };
    case 'already-applied':
      return { applied: { index, tier: 'already-applied', startLine: outcome.start + 1 }, placed: null };
    case 'failed':
      report.fail(path, index, outcome.reason, outcome.message, hunk.before, outcome.closest);
      return null;
  }
}

type PatchEdit = Extract<FileEdit, { kind: 'patch' }>;

async function applyPatch(
  tree: VirtualTree,
  edit: PatchEdit,
  report: Report,
  settings: EditSettings,
): Promise<FileEditOutcome> {
  const path = checkPath(edit.path, report, settings);
  const checkedOld = edit.oldPath === null ? null : checkPath(edit.oldPath, report, settings);
  if (path === null || (edit.oldPath !== null && checkedOld === null)) return report.refused();
  const oldPath = checkedOld === path ? null : checkedOld;
  if (edit.operation === 'create') return createFromHunks(tree, path, edit.hunks, report);
  const source = await patchSource(tree, path, oldPath, report);
  if (source === 'refused') return report.refused();
  if (source === null) {
    if (edit.hunks.length > 0 && edit.hunks.every((hunk) => hunk.before.length === 0)) {
      // `--- a/x` / `+++ b/x` / `@@ -0,0 +1,3 @@` for a file that does not exist: a creation.
      return createFromHunks(tree, path, edit.hunks, report);
    }
    report.fail(path, null, 'file-missing', `${path} does not exist; to create it, send it as a new file`);
    return report.refused();
  }
  const { text, renaming } = source;
  const context: PlaceContext = { format: edit.format, fuzzyThreshold: settings.fuzzyThreshold };
  const placed = placeAll(text, edit.hunks, path, context, report);
  const spliced = spliceHunks(text, placed.hunks);
  if (renaming && oldPath !== null) tree.write(oldPath, null);
  if (renaming || placed.hunks.length > 0) tree.write(path, spliced.text);
  return report.record({
    path,
    oldPath,
    operation: oldPath === null ? 'modify' : 'rename',
    hunks: placed.applied,
    added: spliced.added,
    removed: spliced.removed,
  });
}

/** The text a patch applies to; for a rename, the old file (or the new one if already moved). */
async function patchSource(
  tree: VirtualTree,
  path: string,
  oldPath: string | null,
  report: Report,
): Promise<{ text: TextLines; renaming: boolean } | null | 'refused'> {
  if (oldPath === null) {
    const text = await tree.read(path);
    return text === null ? null : { text, renaming: false };
  }
  const old = await tree.read(oldPath);
  const current = await tree.read(path);
  if (old !== null && current === null) return { text: old, renaming: true };
  if (old === null && current !== null) return { text: current, renaming: false };
  if (old !== null && current !== null) {
    report.fail(path, null, 'file-exists', `cannot move ${oldPath} to ${path}: ${path} already exists`);
  } else
    report.fail(
      oldPath,
      null,
      'file-missing',
      `cannot move ${oldPath} to ${path}: ${oldPath} does not exist`,
    );
  return 'refused';
}

/**
 * Places every hunk on the same text, then refuses hunks whose regions overlap a hunk placed
 * before them in the file. A hunk with a line number goes where its content and number say,
 * whatever its order; a hunk without one (bare `@@`, apply_patch) whose lines occur several
 * times takes the one place after the previous hunk's region, as apply_patch searches forward.
 */
function placeAll(
  text: TextLines,
  hunks: readonly EditHunk[],
  path: string,
  context: PlaceContext,
  report: Report,
): { hunks: PlacedHunk[]; applied: AppliedHunk[] } {
  const index = createLineIndex(text.lines);
  const placed: Array<{ index: number; hunk: PlacedHunk }> = [];
  const applied: AppliedHunk[] = [];
  let previousEnd: number | null = null;
  hunks.forEach((hunk, hunkIndex) => {
    const outcome = placeHunk(index, hunk, context, previousEnd);
    if (outcome.kind === 'placed') previousEnd = outcome.hunk.placement.end;
    else if (outcome.kind === 'already-applied') previousEnd = outcome.end;
    const step = takeOutcome(outcome, hunkIndex, path, hunk, report);
    if (step === null) return;
    if (step.placed !== null) placed.push({ index: hunkIndex, hunk: step.placed });
    applied.push(step.applied);
  });
  placed.sort((left, right) => comparePlacements(left.hunk, right.hunk) || left.index - right.index);
  const kept: Array<{ index: number; hunk: PlacedHunk }> = [];
  for (const entry of placed) {
    const previous = kept[kept.length - 1];
    if (previous !== undefined && overlaps(previous.hunk, entry.hunk)) {
      const { start, end } = previous.hunk.placement;
      report.fail(
        path,
        entry.index,
        'overlap',
        `this hunk overlaps hunk ${previous.index + 1} (lines ${start + 1}-${end}); merge the two into one hunk`,
        entry.hunk.before,
      );
      const position = applied.findIndex((item) => item.index === entry.index);
      if (position >= 0) applied.splice(position, 1);
      continue;
    }
    kept.push(entry);
  }
  applied.sort((left, right) => left.index - right.index);
  return { hunks: kept.map((entry) => entry.hunk), applied };
}

/** `b` starts at or after `a`. An insertion exactly at the start of another region does not overlap it. */
function overlaps(a: PlacedHunk, b: PlacedHunk): boolean {
  const first = a.placement;
  const second = b.placement;
  if (second.start >= first.end) return false;
  return !(second.start === second.end && second.start === first.start);
}

async function createFromHunks(
  tree: VirtualTree,
  path: string,
  hunks: readonly EditHunk[],
  report: Report,
): Promise<FileEditOutcome> {
  const lines = hunks.flatMap((hunk) => hunk.after);
  const last = hunks[hunks.length - 1];
  const finalNewline = last?.finalNewline?.after ?? true;
  const existing = await tree.read(path);
  const base = { path, oldPath: null, removed: 0 };
  if (existing === null || existing.lines.length === 0) {
    tree.write(
      path,
      existing === null ? newText(lines, finalNewline) : { ...existing, lines, crlf: null, finalNewline },
    );
    return report.record({
      ...base,
      operation: existing === null ? 'create' : 'modify',
      hunks: single('new-file'),
      added: lines.length,
    });
  }
  if (sameLines(existing.lines, lines)) {
    return report.record({ ...base, operation: 'create', hunks: single('already-applied', 1), added: 0 });
  }
  report.fail(
    path,
    null,
    'file-exists',
    `${path} already exists with other content; send a diff against its current content instead of a new file`,
    lines,
  );
  return report.refused();
}
