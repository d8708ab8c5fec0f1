import type { EditHunk, FileEdit, ParseProblem } from './types.ts';

/** What a parser read from a run of lines, and where it stopped. */
export interface ParseStep {
  edits: FileEdit[];
  problems: ParseProblem[];
  /** Index of the first line not consumed. */
  next: number;
}

/** Numbers of a hunk header: `-3,7 +3,8` or `-3 +3`. */
const hunkRangePattern = /^\s*-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*(?:@@+(.*))?$/;

interface HunkHeader {
  oldStart: number | null;
  oldCount: number | null;
  newStart: number | null;
  anchor: string | null;
}

/**
 * Reads a hunk header leniently: `@@ -3,7 +3,8 @@ heading`, `@@ -3 +3 @@`, bare `@@`,
 * `@@ ... @@ heading`, `@@ heading` (apply_patch style). Null for a combined diff (`@@@`).
 */
function readHunkHeader(line: string): HunkHeader | null {
  if (line.startsWith('@@@')) return null;
  const rest = line.slice(2);
  const range = hunkRangePattern.exec(rest);
  if (range !== null) {
    const oldStart = Number(range[1]);
    return {
      oldStart,
      oldCount: range[2] === undefined ? 1 : Number(range[2]),
      newStart: Number(range[3]),
      anchor: (range[5] ?? '').trim() || null,
    };
  }
  const closing = rest.indexOf('@@');
  const anchor = (closing >= 0 ? rest.slice(closing + 2) : rest).trim();
  return { oldStart: null, oldCount: null, newStart: null, anchor: anchor === '' ? null : anchor };
}

/** True when the line starts a hunk. */
export function isHunkHeader(line: string): boolean {
  return line.startsWith('@@');
}

/** True when line `index` starts a file section: `diff --git`, or `--- x` followed by `+++ y`. */
export function isDiffFileStart(lines: readonly string[], index: number): boolean {
  const line = lines[index]!;
  if (line.startsWith('diff --git ')) return true;
  return line.startsWith('--- ') && (lines[index + 1]?.startsWith('+++ ') ?? false);
}

interface SectionHeader {
  gitOld: string | null;
  gitNew: string | null;
  gitPrefixed: boolean | null;
  oldPath: string | null;
  newPath: string | null;
  created: boolean;
  deleted: boolean;
  renameFrom: string | null;
  renameTo: string | null;
  copy: boolean;
  binary: boolean;
}

/**
 * Reads one file section of a unified diff starting at `start` (a `diff --git` line or a
 * `---` line): extended git headers, `---`/`+++`, then hunks. Hunk counts are not trusted:
 * a hunk ends at the next `@@`, the next file header, or a line that cannot belong to a hunk.
 */
export function parseDiffFile(lines: readonly string[], start: number): ParseStep {
  const problems: ParseProblem[] = [];
  const header: SectionHeader = {
    gitOld: null,
    gitNew: null,
    gitPrefixed: null,
    oldPath: null,
    newPath: null,
    created: false,
    deleted: false,
    renameFrom: null,
    renameTo: null,
    copy: false,
    binary: false,
  };
  let index = start;
  if (lines[index]!.startsWith('diff --git ')) {
    readGitLine(lines[index]!.slice('diff --git '.length), header);
    index = readExtendedHeaders(lines, index + 1, header);
  }
  if (index + 1 < lines.length && lines[index]!.startsWith('--- ') && lines[index + 1]!.startsWith('+++ ')) {
    header.oldPath = headerPath(lines[index]!.slice(4));
    header.newPath = headerPath(lines[index + 1]!.slice(4));
    index += 2;
  }
  if (header.binary) {
    problems.push({
      line: start + 1,
      message: 'binary diff: binary files cannot be applied as text',
      ...pathOf(header),
    });
    return { edits: [], problems, next: skipBinary(lines, index) };
  }
  let hunks: EditHunk[] = [];
  if (index < lines.length && isHunkHeader(lines[index]!)) {
    const step = parseHunks(lines, index);
    problems.push(...step.problems.map((problem) => ({ ...problem, ...pathOf(header) })));
    hunks = step.hunks;
    index = step.next;
  }
  const edit = buildEdit(header, hunks, start, problems);
  return { edits: edit === null ? [] : [edit], problems, next: Math.max(index, start + 1) };
}

/** Reads consecutive hunks starting at `start` (for a hunk list whose file is named elsewhere). */
export function parseHunks(
  lines: readonly string[],
  start: number,
): { hunks: EditHunk[]; problems: ParseProblem[]; next: number } {
  const hunks: EditHunk[] = [];
  const problems: ParseProblem[] = [];
  let index = start;
  while (index < lines.length && isHunkHeader(lines[index]!)) {
    const step = parseHunk(lines, index);
    problems.push(...step.problems);
    if (step.hunk !== null) hunks.push(step.hunk);
    index = step.next;
  }
  return { hunks, problems, next: Math.max(index, start + 1) };
}

function pathOf(header: SectionHeader): { path?: string } {
  const path = stripPrefix(header, 'new') ?? stripPrefix(header, 'old');
  return path === null ? {} : { path };
}

function readGitLine(rest: string, header: SectionHeader): void {
  const parts = splitGitPaths(rest);
  if (parts === null) return;
  header.gitPrefixed = parts[0].startsWith('a/') && parts[1].startsWith('b/');
  header.gitOld = header.gitPrefixed ? parts[0].slice(2) : parts[0];
  header.gitNew = header.gitPrefixed ? parts[1].slice(2) : parts[1];
}

/** Splits `a/x b/y` (possibly quoted, possibly with spaces when both names are equal). */
function splitGitPaths(rest: string): [string, string] | null {
  const quoted = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest);
  if (quoted !== null && (quoted[1]!.startsWith('"') || quoted[2]!.startsWith('"'))) {
    return [unquoteC(quoted[1]!), unquoteC(quoted[2]!)];
  }
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (rest[half] === ' ' && (left === right || (left.startsWith('a/') && right === `b/${left.slice(2)}`))) {
      return [left, right];
    }
  }
  const split = rest.lastIndexOf(' b/');
  if (split > 0) return [rest.slice(0, split), rest.slice(split + 1)];
  return quoted === null ? null : [quoted[1]!, quoted[2]!];
}

const extendedHeaderPattern =
  /^(?:old mode |new mode |deleted file mode|new file mode|similarity index |dissimilarity index |rename from |rename to |rename old |rename new |copy from |copy to |index |Binary files |GIT binary patch)/;

function readExtendedHeaders(lines: readonly string[], start: number, header: SectionHeader): number {
  let index = start;
  while (index < lines.length && extendedHeaderPattern.test(lines[index]!)) {
    const line = lines[index]!;
    index++;
    const renameFrom = /^rename (?:from|old) (.*)$/.exec(line);
    const renameTo = /^rename (?:to|new) (.*)$/.exec(line);
    if (line.startsWith('new file mode')) header.created = true;
    else if (line.startsWith('deleted file mode')) header.deleted = true;
    else if (renameFrom !== null) header.renameFrom = headerPath(renameFrom[1]!);
    else if (renameTo !== null) header.renameTo = headerPath(renameTo[1]!);
    else if (line.startsWith('copy from ') || line.startsWith('copy to ')) header.copy = true;
    else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) {
      header.binary = true;
      return index;
    }
  }
  return index;
}

function skipBinary(lines: readonly string[], start: number): number {
  let index = start;
  while (index < lines.length && !isDiffFileStart(lines, index) && !/^\s*(?:```|~~~)/.test(lines[index]!)) {
    if (lines[index] === '' && !/^(?:literal|delta) \d+/.test(lines[index + 1] ?? '')) return index + 1;
    index++;
  }
  return index;
}

/** A `---`/`+++` path: unquoted, without a trailing timestamp or tab. `/dev/null` is kept. */
function headerPath(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('"')) {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(text);
    if (match !== null) return unquoteC(match[0]);
  }
  const tab = raw.indexOf('\t');
  return (tab >= 0 ? raw.slice(0, tab) : raw).trimEnd();
}

function unquoteC(quoted: string): string {
  if (!quoted.startsWith('"') || !quoted.endsWith('"') || quoted.length < 2) return quoted;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let index = 0; index < body.length; index++) {
    const character = body[index]!;
    if (character !== '\\') {
      bytes.push(...encoder.encode(character));
      continue;
    }
    const next = body[index + 1];
    if (next === undefined) break;
    const octal = /^[0-7]{3}/.exec(body.slice(index + 1, index + 4));
    if (octal !== null) {
      bytes.push(Number.parseInt(octal[0], 8));
      index += 3;
      continue;
    }
    const escapes: Record<string, number> = {
      n: 10,
      t: 9,
      r: 13,
      '"': 34,
      '\\': 92,
      a: 7,
      b: 8,
      f: 12,
      v: 11,
    };
    const escaped = escapes[next];
    if (escaped === undefined) bytes.push(...encoder.encode(next));
    else bytes.push(escaped);
    index += 1;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const devNull = '/dev/null';

/**
 * The section's old or new path without its `a/`/`b/` prefix. Prefixes are stripped when the
 * `diff --git` line used them, or, without that line, when the old path starts with `a/` and the
 * new one with `b/` (either may be `/dev/null`), so a real directory named `a/` survives.
 */
function stripPrefix(header: SectionHeader, side: 'old' | 'new'): string | null {
  const raw = side === 'old' ? header.oldPath : header.newPath;
  const gitPath = side === 'old' ? header.gitOld : header.gitNew;
  if (raw === null) return gitPath;
  if (raw === devNull) return null;
  const prefix = side === 'old' ? 'a/' : 'b/';
  const prefixed =
    header.gitPrefixed ??
    ((header.oldPath === devNull || (header.oldPath?.startsWith('a/') ?? false)) &&
      (header.newPath === devNull || (header.newPath?.startsWith('b/') ?? false)));
  return prefixed && raw.startsWith(prefix) ? raw.slice(2) : raw;
}

function buildEdit(
  header: SectionHeader,
  hunks: EditHunk[],
  start: number,
  problems: ParseProblem[],
): FileEdit | null {
  const oldPath = header.renameFrom ?? stripPrefix(header, 'old');
  const newPath = header.renameTo ?? stripPrefix(header, 'new');
  const created = header.created || header.oldPath === devNull;
  const deleted = header.deleted || header.newPath === devNull;
  if (header.copy) {
    problems.push({
      line: start + 1,
      message: 'copy diffs are not supported; send the new file as an added file',
    });
    return null;
  }
  if (deleted) {
    if (oldPath === null) return missingPath(start, problems);
    return { kind: 'delete', format: 'unified-diff', path: oldPath };
  }
  if (newPath === null) return missingPath(start, problems);
  if (created) {
    const last = hunks[hunks.length - 1];
    const hunk: EditHunk = {
      oldStartHint: null,
      anchor: null,
      before: [],
      after: hunks.flatMap((each) => each.after),
    };
    if (last?.finalNewline !== undefined)
      hunk.finalNewline = { before: true, after: last.finalNewline.after };
    return {
      kind: 'patch',
      format: 'unified-diff',
      operation: 'create',
      path: newPath,
      oldPath: null,
      hunks: [hunk],
    };
  }
  const renamed = oldPath !== null && oldPath !== newPath;
  if (hunks.length === 0 && !renamed) {
    // A git section without ---/+++ is a mode change or an empty file: nothing to apply.
    if (header.oldPath !== null) {
      problems.push({ line: start + 1, message: 'file header without any readable hunk', path: newPath });
    }
    return null;
  }
  return {
    kind: 'patch',
    format: 'unified-diff',
    operation: 'modify',
    path: newPath,
    oldPath: renamed ? oldPath : null,
    hunks,
  };
}

function missingPath(start: number, problems: ParseProblem[]): null {
  problems.push({ line: start + 1, message: 'diff file header without a usable path' });
  return null;
}

interface HunkStep {
  hunk: EditHunk | null;
  problems: ParseProblem[];
  next: number;
}

/**
 * Reads one hunk. Blank lines (no leading space) are context when more hunk lines follow; at
 * the end of a hunk they are context only as far as the header's old count still expects lines.
 */
function parseHunk(lines: readonly string[], start: number): HunkStep {
  const header = readHunkHeader(lines[start]!);
  if (header === null) {
    return {
      hunk: null,
      problems: [{ line: start + 1, message: 'combined diff (@@@) hunks are not supported' }],
      next: start + 1,
    };
  }
  const { oldStart, oldCount, newStart, anchor } = header;
  const before: string[] = [];
  const after: string[] = [];
  let oldSeen = 0;
  let pendingBlanks = 0;
  let lastKind: string | null = null;
  let oldNoNewline = false;
  let newNoNewline = false;
  let index = start + 1;
  const flushBlanks = (count: number): void => {
    for (let blank = 0; blank < count; blank++) {
      before.push('');
      after.push('');
      oldSeen++;
    }
    pendingBlanks = 0;
  };
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '' && !line.startsWith(' ')) {
      pendingBlanks++;
      continue;
    }
    const kind = line[0];
    if (kind === '-' && line.startsWith('--- ') && (lines[index + 1]?.startsWith('+++ ') ?? false)) break;
    if (kind === ' ' || kind === '-' || kind === '+') {
      flushBlanks(pendingBlanks);
      const content = line.slice(1);
      if (kind !== '+') {
        before.push(content);
        oldSeen++;
      }
      if (kind !== '-') after.push(content);
      lastKind = kind;
    } else if (kind === '\\') {
      flushBlanks(pendingBlanks);
      if (lastKind === '-' || lastKind === ' ') oldNoNewline = true;
      if (lastKind === '+' || lastKind === ' ') newNoNewline = true;
    } else break;
  }
  const trailing = oldCount === null ? 0 : Math.min(pendingBlanks, Math.max(0, oldCount - oldSeen));
  const unused = pendingBlanks - trailing;
  flushBlanks(trailing);
  const next = index - unused;
  if (before.length === 0 && after.length === 0) {
    return {
      hunk: null,
      problems: [
        {
          line: start + 1,
          message: "empty hunk: the lines after the @@ header need a ' ', '-' or '+' prefix",
        },
      ],
      next,
    };
  }
  const hunk: EditHunk = { oldStartHint: oldStart, anchor, before, after };
  if (newStart !== null) hunk.newStartHint = newStart;
  if (oldNoNewline || newNoNewline) hunk.finalNewline = { before: !oldNoNewline, after: !newNoNewline };
  return { hunk, problems: [], next };
}
