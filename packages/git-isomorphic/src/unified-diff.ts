import { type DiffLine, diffLines } from '@goosuke/core/implementing';

/** A file's side of a change: its path, git mode and content (null when the side does not exist). */
export interface DiffSide {
  path: string;
  /** 40-hex blob id. */
  oid: string;
  /** 0o100644, 0o100755 or 0o120000. */
  mode: number;
  content: Uint8Array;
}

const zeroOid = '0000000000000000000000000000000000000000';
const contextLines = 3;
/** Like git: a NUL byte in the first 8000 bytes makes a file binary. */
const binaryProbeLength = 8000;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Whether git-style diffs must treat `content` as binary (a NUL byte early, or not valid UTF-8). */
export function isBinaryContent(content: Uint8Array): boolean {
  const probe = content.subarray(0, binaryProbeLength);
  if (probe.includes(0)) return true;
  try {
    decoder.decode(content);
    return false;
  } catch {
    return true;
  }
}

/** Quotes a path the way git does when it holds a control character, a double quote or a backslash. */
export function quotePath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what needs quoting
  if (!/[\u0000-\u001f"\\\u007f]/.test(path)) return path;
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
  let quoted = '"';
  for (const character of path) {
    const code = character.charCodeAt(0);
    if (escapes[character] !== undefined) quoted += escapes[character];
    else if (code < 0x20 || code === 0x7f) quoted += `\\${code.toString(8).padStart(3, '0')}`;
    else quoted += character;
  }
  return `${quoted}"`;
}

function side(prefix: 'a/' | 'b/', path: string): string {
  return quotePath(`${prefix}${path}`);
}

function modeText(mode: number): string {
  return mode.toString(8).padStart(6, '0');
}

function short(oid: string): string {
  return oid.slice(0, 7);
}

/** Splits text into lines without their `\n`, and tells whether the last line ended with one. */
function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text.length === 0) return { lines: [], finalNewline: true };
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/** A marker that makes "last line without a newline" differ from the same text with one, as in git. */
const noNewlineMarker = '\u0000\\no-newline';

function comparable(split: { lines: string[]; finalNewline: boolean }): string[] {
  if (split.finalNewline || split.lines.length === 0) return split.lines;
  const copy = split.lines.slice();
  copy[copy.length - 1] += noNewlineMarker;
  return copy;
}

/** Hunks of a unified diff (with `\ No newline at end of file` markers) between two texts; '' when equal. */
export function formatHunks(before: string, after: string): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const script = diffLines(comparable(a), comparable(b));
  const changeIndexes: number[] = [];
  for (let index = 0; index < script.length; index++)
    if (script[index]!.kind !== ' ') changeIndexes.push(index);
  if (changeIndexes.length === 0) return '';
  let output = '';
  let groupStart = 0;
  while (groupStart < changeIndexes.length) {
    let groupEnd = groupStart;
    while (
      groupEnd + 1 < changeIndexes.length &&
      changeIndexes[groupEnd + 1]! - changeIndexes[groupEnd]! <= 2 * contextLines + 1
    ) {
      groupEnd++;
    }
    const from = Math.max(0, changeIndexes[groupStart]! - contextLines);
    const to = Math.min(script.length, changeIndexes[groupEnd]! + contextLines + 1);
    output += formatHunk(script.slice(from, to), script, from, a, b);
    groupStart = groupEnd + 1;
  }
  return output;
}

function formatHunk(
  lines: readonly DiffLine[],
  script: readonly DiffLine[],
  from: number,
  a: { lines: string[]; finalNewline: boolean },
  b: { lines: string[]; finalNewline: boolean },
): string {
  let aCount = 0;
  let bCount = 0;
  for (const line of lines) {
    if (line.kind !== '+') aCount++;
    if (line.kind !== '-') bCount++;
  }
  // The line number before the hunk counts the lines of each side that precede it.
  let aBefore = 0;
  let bBefore = 0;
  for (let index = 0; index < from; index++) {
    if (script[index]!.kind !== '+') aBefore++;
    if (script[index]!.kind !== '-') bBefore++;
  }
  const range = (before: number, count: number): string =>
    count === 1 ? `${before + 1}` : `${count === 0 ? before : before + 1},${count}`;
  let output = `@@ -${range(aBefore, aCount)} +${range(bBefore, bCount)} @@\n`;
  const emit = (line: DiffLine): void => {
    const fromA = line.kind !== '+';
    const index = fromA ? line.aIndex : line.bIndex;
    const file = fromA ? a : b;
    output += `${line.kind}${file.lines[index]}\n`;
    if (!file.finalNewline && index === file.lines.length - 1) output += '\\ No newline at end of file\n';
  };
  // Within a run of changes, removals first, then additions, as git prints them.
  let pending: DiffLine[] = [];
  const flush = (): void => {
    for (const line of pending) if (line.kind === '-') emit(line);
    for (const line of pending) if (line.kind === '+') emit(line);
    pending = [];
  };
  for (const line of lines) {
    if (line.kind === ' ') {
      flush();
      emit(line);
    } else {
      pending.push(line);
    }
  }
  flush();
  return output;
}

/** One file's change between the base tree and the working copy. */
export type FileChangeRecord =
  | { kind: 'add'; after: DiffSide }
  | { kind: 'delete'; before: DiffSide }
  | { kind: 'modify'; before: DiffSide; after: DiffSide }
  | { kind: 'rename'; before: DiffSide; after: DiffSide };

/**
 * The git-style diff of one file change. Text is diffed line by line; binary content (see
 * {@link isBinaryContent}) gets `Binary files a/x and b/x differ` with full 40-hex blob ids on
 * the index line, which lets `git apply` take the new content from the object store.
 */
export function formatFileDiff(change: FileChangeRecord): string {
  const before = change.kind === 'add' ? null : change.before;
  const after = change.kind === 'delete' ? null : change.after;
  const oldPath = (before ?? after)!.path;
  const newPath = (after ?? before)!.path;
  let header = `diff --git ${side('a/', oldPath)} ${side('b/', newPath)}\n`;
  if (before === null) header += `new file mode ${modeText(after!.mode)}\n`;
  else if (after === null) header += `deleted file mode ${modeText(before.mode)}\n`;
  else if (before.mode !== after.mode)
    header += `old mode ${modeText(before.mode)}\nnew mode ${modeText(after.mode)}\n`;
  if (change.kind === 'rename') {
    header += `similarity index 100%\nrename from ${quotePath(oldPath)}\nrename to ${quotePath(newPath)}\n`;
  }
  const beforeOid = before?.oid ?? zeroOid;
  const afterOid = after?.oid ?? zeroOid;
  if (beforeOid === afterOid) return header;
  const sameMode = before !== null && after !== null && before.mode === after.mode;
  const binary =
    (before !== null && isBinaryContent(before.content)) ||
    (after !== null && isBinaryContent(after.content));
  const oldName = before === null ? '/dev/null' : side('a/', oldPath);
  const newName = after === null ? '/dev/null' : side('b/', newPath);
  if (binary) {
    header += `index ${beforeOid}..${afterOid}${sameMode ? ` ${modeText(after!.mode)}` : ''}\n`;
    return `${header}Binary files ${oldName} and ${newName} differ\n`;
  }
  header += `index ${short(beforeOid)}..${short(afterOid)}${sameMode ? ` ${modeText(after!.mode)}` : ''}\n`;
  const beforeText = before === null ? '' : Buffer.from(before.content).toString('utf8');
  const afterText = after === null ? '' : Buffer.from(after.content).toString('utf8');
  const hunks = formatHunks(beforeText, afterText);
  if (hunks === '') return header;
  return `${header}--- ${oldName}\n+++ ${newName}\n${hunks}`;
}
