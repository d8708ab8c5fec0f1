import type { ParseStep } from './parse-unified-diff.ts';
import type { EditHunk, FileEdit, ParseProblem } from './types.ts';

/** True for the line that opens an apply_patch envelope. */
export function isBeginPatch(line: string): boolean {
  return /^\*\*\* Begin Patch\s*$/.test(line.trim());
}

const endPatchPattern = /^\*\*\* End Patch\s*$/;
const addPattern = /^\*\*\* Add File:\s*(.+?)\s*$/;
const deletePattern = /^\*\*\* Delete File:\s*(.+?)\s*$/;
const updatePattern = /^\*\*\* Update File:\s*(.+?)\s*$/;
const movePattern = /^\*\*\* Move to:\s*(.+?)\s*$/;
const endOfFilePattern = /^\*\*\* End of File\s*$/;

/**
 * Reads an OpenAI apply_patch envelope starting at its `*** Begin Patch` line: `*** Add File`
 * (lines prefixed `+`), `*** Delete File`, `*** Update File` with an optional `*** Move to`
 * and hunks introduced by `@@` or `@@ anchor` (the first may omit it), `*** End of File`, and
 * `*** End Patch`. An envelope that stops without `*** End Patch` is reported: it may have been cut short.
 */
export function parseApplyPatch(lines: readonly string[], start: number): ParseStep {
  const edits: FileEdit[] = [];
  const problems: ParseProblem[] = [];
  let index = start + 1;
  while (index < lines.length) {
    const line = lines[index]!.trimEnd();
    if (endPatchPattern.test(line)) return { edits, problems, next: index + 1 };
    const add = addPattern.exec(line);
    const remove = deletePattern.exec(line);
    const update = updatePattern.exec(line);
    if (add !== null) index = readAdd(lines, index + 1, add[1]!, edits);
    else if (remove !== null) {
      edits.push({ kind: 'delete', format: 'apply-patch', path: remove[1]! });
      index++;
    } else if (update !== null) index = readUpdate(lines, index + 1, update[1]!, edits, problems);
    else if (line.trim() === '') index++;
    else if (line.startsWith('*** ')) {
      problems.push({ line: index + 1, message: `unknown apply_patch directive: ${line}` });
      index++;
    } else break;
  }
  problems.push({
    line: start + 1,
    message: 'apply_patch envelope without *** End Patch (reply cut short?)',
  });
  return { edits, problems, next: Math.max(index, start + 1) };
}

function readAdd(lines: readonly string[], start: number, path: string, edits: FileEdit[]): number {
  const content: string[] = [];
  let index = start;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.startsWith('+')) content.push(line.slice(1));
    else if (line.trim() === '' && lines[index + 1]?.startsWith('+')) content.push('');
    else break;
    index++;
  }
  const hunk: EditHunk = { oldStartHint: null, anchor: null, before: [], after: content };
  edits.push({
    kind: 'patch',
    format: 'apply-patch',
    operation: 'create',
    path,
    oldPath: null,
    hunks: [hunk],
  });
  return index;
}

function readUpdate(
  lines: readonly string[],
  start: number,
  path: string,
  edits: FileEdit[],
  problems: ParseProblem[],
): number {
  let index = start;
  let target = path;
  const move = movePattern.exec(lines[index]?.trimEnd() ?? '');
  if (move !== null) {
    target = move[1]!;
    index++;
  }
  const hunks: EditHunk[] = [];
  let current: EditHunk | null = null;
  let pendingBlanks = 0;
  const open = (anchor: string | null): EditHunk => {
    const hunk: EditHunk = { oldStartHint: null, anchor, before: [], after: [] };
    hunks.push(hunk);
    return hunk;
  };
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.startsWith('@@')) {
      const anchor = line.slice(2).trim() || null;
      // Stacked `@@ class A` / `@@ def f` lines narrow the place: keep the innermost.
      if (current !== null && current.before.length === 0 && current.after.length === 0)
        current.anchor = anchor ?? current.anchor;
      else current = open(anchor);
      pendingBlanks = 0;
      continue;
    }
    if (endOfFilePattern.test(line.trimEnd())) {
      if (current !== null) current.endOfFile = true;
      pendingBlanks = 0;
      continue;
    }
    if (line.startsWith('*** ')) break;
    if (line.trim() === '' && !line.startsWith(' ')) {
      pendingBlanks++;
      continue;
    }
    const kind = line[0];
    if (kind !== ' ' && kind !== '-' && kind !== '+') break;
    current ??= open(null);
    for (; pendingBlanks > 0; pendingBlanks--) {
      current.before.push('');
      current.after.push('');
    }
    if (kind !== '+') current.before.push(line.slice(1));
    if (kind !== '-') current.after.push(line.slice(1));
  }
  const kept = hunks.filter((hunk) => hunk.before.length > 0 || hunk.after.length > 0);
  if (kept.length === 0 && target === path) {
    problems.push({ line: start, message: `*** Update File: ${path} has no hunk`, path });
  } else {
    edits.push({
      kind: 'patch',
      format: 'apply-patch',
      operation: 'modify',
      path: target,
      oldPath: target === path ? null : path,
      hunks: kept,
    });
  }
  return index - pendingBlanks;
}
