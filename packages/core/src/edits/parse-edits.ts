import { blockBody, type FenceBlock, type FencedText, findFences } from './markdown-fences.ts';
import { isBeginPatch, parseApplyPatch } from './parse-apply-patch.ts';
import { isReplaceMarker, isSearchMarker, parseSearchReplaceBlock } from './parse-search-replace.ts';
import {
  isDiffFileStart,
  isHunkHeader,
  type ParseStep,
  parseDiffFile,
  parseHunks,
} from './parse-unified-diff.ts';
import { parseWholeFile } from './parse-whole-file.ts';
import { pathFromInfoString, pathFromLine, pathFromProse } from './path-hints.ts';
import { splitEditText } from './text-lines.ts';
import type { EditFormat, FileEdit, ParsedEdits, ParseProblem } from './types.ts';

/**
 * Reads every edit in a patch or in a whole model reply, in order: unified diffs (git style or
 * bare `---`/`+++`, several files, lenient hunk headers), SEARCH/REPLACE blocks, apply_patch
 * envelopes, and fenced whole files that name their path (in the info string, or alone on the
 * line before the fence). Prose and fences around and between edits are ignored; a fenced diff
 * and the same diff unfenced read the same. CRLF is accepted.
 *
 * Never throws: what looks like an edit but cannot be read becomes a {@link ParseProblem} with
 * its 1-based line. Paths are returned as written (minus diff `a/`/`b/` prefixes): they are
 * checked when applied.
 */
export function parseEdits(text: string): ParsedEdits {
  const scanner = createScanner(typeof text === 'string' ? text : '');
  scanner.run();
  return scanner.result();
}

interface Scanner {
  run(): void;
  result(): ParsedEdits;
}

function createScanner(text: string): Scanner {
  const fenced = findFences(splitEditText(text));
  const lines = fenced.lines;
  const edits: FileEdit[] = [];
  const sources: number[] = [];
  const problems: ParseProblem[] = [];
  const formats: EditFormat[] = [];
  let searchPath: string | null = null;
  let lastSearchEdit: FileEdit | null = null;

  const noteFormat = (format: EditFormat): void => {
    if (!formats.includes(format)) formats.push(format);
  };
  const addEdit = (edit: FileEdit, line: number): void => {
    edits.push(edit);
    sources.push(line);
    noteFormat(
      edit.kind === 'search-replace'
        ? 'search-replace'
        : edit.kind === 'whole-file'
          ? 'whole-file'
          : edit.format,
    );
    lastSearchEdit = null;
  };
  const take = (step: ParseStep, line: number, format: EditFormat): number => {
    noteFormat(format);
    for (const edit of step.edits) addEdit(edit, line);
    problems.push(...step.problems);
    return step.next;
  };

  const readSearchReplace = (index: number): number => {
    noteFormat('search-replace');
    const path = searchReplacePath(fenced, index) ?? searchPath;
    const step = parseSearchReplaceBlock(lines, index);
    if (!step.ok) {
      problems.push(path === null ? step.problem : { ...step.problem, path });
      return step.next;
    }
    if (path === null) {
      problems.push({
        line: index + 1,
        message: 'SEARCH/REPLACE block without a file path on the line before it',
      });
      return step.next;
    }
    searchPath = path;
    const block = { search: step.search, replace: step.replace };
    const previous = lastSearchEdit as FileEdit | null;
    if (previous?.kind === 'search-replace' && previous.path === path) previous.blocks.push(block);
    else {
      const edit: FileEdit = { kind: 'search-replace', path, blocks: [block] };
      addEdit(edit, index);
      lastSearchEdit = edit;
    }
    return step.next;
  };

  const readLooseHunks = (index: number): number => {
    noteFormat('unified-diff');
    const step = parseHunks(lines, index);
    problems.push(...step.problems);
    const block = fenced.enclosing[index] ?? null;
    const path =
      block === null ? pathAbove(fenced, index) : (pathAbove(fenced, index) ?? fencePath(fenced, block));
    if (path === null) {
      problems.push({
        line: index + 1,
        message: 'diff hunk without a file header (--- a/path / +++ b/path)',
      });
    } else if (step.hunks.length > 0) {
      addEdit(
        {
          kind: 'patch',
          format: 'unified-diff',
          operation: 'modify',
          path,
          oldPath: null,
          hunks: step.hunks,
        },
        index,
      );
    }
    return step.next;
  };

  const readFence = (index: number, block: FenceBlock): number => {
    const path = fencePath(fenced, block);
    const body = blockBody(fenced, block);
    if (path === null || isDiffInfo(block.info) || holdsEdits(body)) return index + 1;
    const whole = parseWholeFile(path, body, block.open + 1);
    if (whole.problem !== null) problems.push(whole.problem);
    if (whole.edit !== null) addEdit(whole.edit, index);
    else noteFormat('whole-file');
    return block.close + 1;
  };

  const step = (index: number): number => {
    const line = lines[index]!;
    if (isBeginPatch(line)) return take(parseApplyPatch(lines, index), index, 'apply-patch');
    if (isSearchMarker(line)) return readSearchReplace(index);
    if (isDiffFileStart(lines, index)) return take(parseDiffFile(lines, index), index, 'unified-diff');
    if (isHunkHeader(line) && startsHunkBody(lines, index + 1)) return readLooseHunks(index);
    const block = fenced.byOpenLine.get(index);
    if (block !== undefined) return readFence(index, block);
    return index + 1;
  };

  return {
    run() {
      let index = 0;
      while (index < lines.length) index = Math.max(index + 1, step(index));
    },
    result() {
      reportUnreadDiffFences(fenced, sources, problems);
      problems.sort((left, right) => left.line - right.line);
      return { edits, formats, problems };
    },
  };
}

function startsHunkBody(lines: readonly string[], index: number): boolean {
  const isHunkLine = (line: string | undefined): boolean => line !== undefined && /^[ +\-\\]/.test(line);
  return isHunkLine(lines[index]) || (lines[index] === '' && isHunkLine(lines[index + 1]));
}

/** A path alone on the line right above `index` (inside the same fence, if any). */
function pathAbove(fenced: FencedText, index: number): string | null {
  const line = index - 1;
  if (line < 0 || fenced.enclosing[line] !== fenced.enclosing[index]) return null;
  return pathFromLine(fenced.lines[line]!);
}

function isDiffInfo(info: string): boolean {
  return /^(?:diff|patch|udiff)\b/i.test(info);
}

/** True when a fenced body holds an edit in another format (so it is no whole file). */
function holdsEdits(body: readonly string[]): boolean {
  const firstText = body.find((line) => line.trim() !== '');
  if (firstText !== undefined && isHunkHeader(firstText)) return true;
  return body.some(
    (line, index) =>
      isSearchMarker(line) || isReplaceMarker(line) || isBeginPatch(line) || isDiffFileStart(body, index),
  );
}

/** The path a fence names: in its info string, or alone on the line before it (a blank line may separate them). */
function fencePath(fenced: FencedText, block: FenceBlock): string | null {
  const fromInfo = pathFromInfoString(block.info);
  if (fromInfo !== null) return fromInfo;
  for (let line = block.open - 1; line >= Math.max(0, block.open - 2); line--) {
    const text = fenced.lines[line]!;
    if (text.trim() === '') continue;
    if (fenced.enclosing[line] !== null) return null;
    return pathFromLine(text);
  }
  return null;
}

/**
 * The path of the SEARCH/REPLACE block at `index`: a path line right above it, or above its
 * fence, or in its fence's info string. Null when the block follows another block directly
 * (it then belongs to the same file).
 */
function searchReplacePath(fenced: FencedText, index: number): string | null {
  let checked = 0;
  for (let line = index - 1; line >= 0 && checked < 3; line--) {
    const text = fenced.lines[line]!;
    if (text.trim() === '') continue;
    checked++;
    const block = fenced.byOpenLine.get(line);
    if (block !== undefined) {
      const fromInfo = pathFromInfoString(block.info);
      if (fromInfo !== null) return fromInfo;
      continue;
    }
    if (isReplaceMarker(text)) return null;
    return pathFromLine(text) ?? pathFromProse(text);
  }
  return null;
}

/** A ```diff fence from which nothing at all was read is reported, not silently skipped. */
function reportUnreadDiffFences(
  fenced: FencedText,
  sources: readonly number[],
  problems: ParseProblem[],
): void {
  for (const block of fenced.blocks) {
    if (!isDiffInfo(block.info)) continue;
    const inside = (line: number): boolean => line >= block.open && line <= block.close;
    if (sources.some(inside) || problems.some((problem) => inside(problem.line - 1))) continue;
    const body = blockBody(fenced, block);
    if (body.every((line) => line.trim() === '')) continue;
    problems.push({
      line: block.open + 1,
      message: 'a diff block without any readable file section (--- / +++ headers and @@ hunks)',
    });
  }
}
