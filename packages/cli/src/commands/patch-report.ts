import {
  type AppliedFile,
  type AppliedHunk,
  type ApplyEditsResult,
  type EditFormat,
  type FileChange,
  formatApplyFailure,
  type HunkFailure,
  type MatchTier,
  type ParsedEdits,
  type ParseProblem,
} from '@goosuke/core';
import { plural } from '../plural.ts';

/**
 * One file in a patch report, merging every edit of that file in the input.
 * `unchanged`: every hunk was already applied, so nothing is written.
 */
export interface PatchReportFile {
  path: string;
  oldPath: string | null;
  operation: 'create' | 'modify' | 'delete' | 'rename' | 'unchanged';
  added: number;
  removed: number;
  /** The match tiers used by the file's hunks, in order of first use. */
  tiers: MatchTier[];
  /** Every hunk placed in this file, with the index of the edit (in the input) it belongs to. */
  hunks: Array<AppliedHunk & { editIndex: number }>;
}

/** A failed hunk, with the engine's human text (closest region, line numbers) alongside its fields. */
export interface PatchReportFailure extends HunkFailure {
  text: string;
}

/**
 * The outcome of `goosuke patch apply`, printed as text or, with `--json`, as this exact document.
 * `ok` is false when no edit was found or an edit did not apply; then nothing was written.
 */
export interface PatchReport {
  ok: boolean;
  /** `--check` was given: nothing is written even when `ok`. */
  check: boolean;
  /** Whether files were written. */
  written: boolean;
  /** FILE as given, or `-` for stdin. */
  source: string;
  /** One line a person reads: what happened. */
  summary: string;
  formats: EditFormat[];
  files: PatchReportFile[];
  failures: PatchReportFailure[];
  problems: ParseProblem[];
}

const operationLetters: Record<PatchReportFile['operation'], string> = {
  create: 'A',
  modify: 'M',
  delete: 'D',
  rename: 'R',
  unchanged: '=',
};

/** Builds the report of a parse that found no edit. */
export function noEditReport(source: string, parsed: ParsedEdits, check: boolean): PatchReport {
  const where = source === '-' ? 'stdin' : source;
  const problems = parsed.problems;
  const summary =
    problems.length === 0
      ? `no edit found in ${where}: it has no unified diff, SEARCH/REPLACE block, apply_patch envelope or whole-file block`
      : `no edit found in ${where}: ${describeProblem(problems[0]!)}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`;
  return {
    ok: false,
    check,
    written: false,
    source,
    summary,
    formats: parsed.formats,
    files: [],
    failures: [],
    problems,
  };
}

/** Builds the report of an apply (or of a check, when `written` is false and `check` true). */
export function applyReport(options: {
  source: string;
  parsed: ParsedEdits;
  result: ApplyEditsResult;
  check: boolean;
  written: boolean;
}): PatchReport {
  const { source, parsed, result, check, written } = options;
  const files = mergeFiles(result.files, result.ok ? changedPaths(result.changes) : null);
  const base = { check, written, source, formats: parsed.formats, files, problems: parsed.problems };
  if (!result.ok) {
    const failures = result.failures.map((failure) => ({ ...failure, text: formatApplyFailure(failure) }));
    const paths = [...new Set(result.failures.map((failure) => failure.path).filter((path) => path !== ''))];
    const where = paths.length === 0 ? '' : ` (in ${paths.join(', ')})`;
    const summary = `${plural(failures.length, 'edit')} did not apply${where}; nothing was changed`;
    return { ...base, ok: false, summary, failures };
  }
  return { ...base, ok: true, summary: successSummary(files, check), failures: [] };
}

/** The text report for stdout: one line per file and the summary, or the failures, or the parse problems. */
export function renderPatchReport(report: PatchReport): string {
  if (!report.ok) {
    if (report.failures.length > 0)
      return `${report.failures.map((failure) => failure.text.trimEnd()).join('\n\n')}\n`;
    return report.problems.map((problem) => `${describeProblem(problem)}\n`).join('');
  }
  const labels = report.files.map((file) =>
    file.operation === 'rename' && file.oldPath !== null ? `${file.oldPath} -> ${file.path}` : file.path,
  );
  const labelWidth = Math.max(0, ...labels.map((label) => label.length));
  const counts = report.files.map((file) => `+${file.added} -${file.removed}`);
  const countWidth = Math.max(0, ...counts.map((count) => count.length));
  const lines = report.files.map((file, index) => {
    const tiers = file.tiers.length === 0 ? '' : `  (${file.tiers.join(', ')})`;
    const letter = operationLetters[file.operation];
    return `${letter} ${labels[index]!.padEnd(labelWidth)}  ${counts[index]!.padEnd(countWidth)}${tiers}`.trimEnd();
  });
  return `${[...lines, report.summary].join('\n')}\n`;
}

/** `line N: message`, the way problems and warnings are shown. */
export function describeProblem(problem: ParseProblem): string {
  return `line ${problem.line}: ${problem.message}`;
}

function successSummary(files: readonly PatchReportFile[], check: boolean): string {
  const changing = files.filter((file) => file.operation !== 'unchanged');
  const unchanged = files.length - changing.length;
  const added = changing.reduce((sum, file) => sum + file.added, 0);
  const removed = changing.reduce((sum, file) => sum + file.removed, 0);
  const upToDate = unchanged === 0 ? '' : `; ${plural(unchanged, 'file')} already up to date`;
  if (changing.length === 0) {
    return `nothing to change: every edit is already applied${check ? ' (--check)' : ''}`;
  }
  const count = plural(changing.length, 'file');
  return check
    ? `${count} would change, +${added} -${removed}${upToDate}; nothing was written (--check)`
    : `${count} changed, +${added} -${removed}${upToDate}`;
}

/** One entry per file: several edits of one file (two diffs of it in one reply) add up. */
function mergeFiles(files: readonly AppliedFile[], changed: ReadonlySet<string> | null): PatchReportFile[] {
  const merged = new Map<string, PatchReportFile>();
  for (const file of files) {
    const hunks = file.hunks.map((hunk) => ({ ...hunk, editIndex: file.editIndex }));
    const existing = merged.get(file.path) ?? (file.oldPath === null ? undefined : merged.get(file.oldPath));
    if (existing === undefined) {
      merged.set(file.path, {
        path: file.path,
        oldPath: file.oldPath,
        operation: file.operation,
        added: file.added,
        removed: file.removed,
        tiers: [],
        hunks,
      });
      continue;
    }
    merged.delete(existing.path);
    existing.path = file.path;
    existing.oldPath ??= file.oldPath;
    existing.added += file.added;
    existing.removed += file.removed;
    existing.hunks.push(...hunks);
    if (file.operation === 'delete' || existing.operation === 'modify') existing.operation = file.operation;
    merged.set(existing.path, existing);
  }
  return [...merged.values()].map((file) => {
    const untouched =
      changed !== null && !changed.has(file.path) && (file.oldPath === null || !changed.has(file.oldPath));
    return {
      ...file,
      operation: untouched ? 'unchanged' : file.operation,
      tiers: [...new Set(file.hunks.map((hunk) => hunk.tier))],
    };
  });
}

function changedPaths(changes: readonly FileChange[]): Set<string> {
  return new Set(changes.map((change) => change.path));
}
