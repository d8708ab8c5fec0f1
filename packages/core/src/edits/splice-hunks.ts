import { shiftIndentation } from './indentation.ts';
import type { LineAlignment } from './line-diff.ts';
import type { Placement } from './locate-hunk.ts';
import type { TextLines } from './text-lines.ts';

/** A hunk placed in the file, ready to splice. */
export interface PlacedHunk {
  placement: Placement;
  /** The hunk's `before` lines (what `placement.mapping` indexes). */
  before: readonly string[];
  after: readonly string[];
  /** `before` aligned with `after` (see {@link alignLines}). */
  alignment: LineAlignment;
  /** The file's final newline after this hunk, when the hunk changes it at the end of the file. */
  finalNewline: boolean | null;
}

/** The spliced file and how many lines changed. */
export interface SpliceResult {
  text: TextLines;
  added: number;
  removed: number;
}

/**
 * Splices non-overlapping placed hunks into the file in one forward pass (O(file + hunks)).
 * Lines the hunk keeps are taken from the file, so the file's own spelling of context lines
 * (whitespace, a slightly different context line) survives; only added lines come from the hunk,
 * re-indented by the placement's shift. File lines inside a region that no hunk line matched
 * (blank lines the hunk omitted) are kept, unless they sit between two removed lines.
 */
export function spliceHunks(file: TextLines, hunks: readonly PlacedHunk[]): SpliceResult {
  const sorted = [...hunks].sort(comparePlacements);
  const output = createOutput(file);
  let cursor = 0;
  let finalNewline = file.finalNewline;
  for (const hunk of sorted) {
    output.copy(cursor, hunk.placement.start);
    emitHunk(output, hunk);
    cursor = Math.max(cursor, hunk.placement.end);
    if (hunk.finalNewline !== null && hunk.placement.end >= file.lines.length)
      finalNewline = hunk.finalNewline;
  }
  output.copy(cursor, file.lines.length);
  return {
    text: { lines: output.lines, lineEnding: file.lineEnding, crlf: output.crlf, finalNewline },
    added: output.added,
    removed: output.removed,
  };
}

/** File order: by start line, an insertion before a region that starts at the same line. */
export function comparePlacements(left: PlacedHunk, right: PlacedHunk): number {
  const byStart = left.placement.start - right.placement.start;
  if (byStart !== 0) return byStart;
  const leftEmpty = left.placement.start === left.placement.end ? 0 : 1;
  const rightEmpty = right.placement.start === right.placement.end ? 0 : 1;
  return leftEmpty - rightEmpty;
}

interface Output {
  lines: string[];
  crlf: boolean[] | null;
  added: number;
  removed: number;
  copy(from: number, to: number): void;
  keep(line: number): void;
  add(text: string): void;
}

function createOutput(file: TextLines): Output {
  const source = file.crlf;
  const newLineIsCrlf = file.lineEnding === '\r\n';
  const output: Output = {
    lines: [],
    crlf: source === null ? null : [],
    added: 0,
    removed: 0,
    copy(from, to) {
      for (let line = from; line < to; line++) output.keep(line);
    },
    keep(line) {
      output.lines.push(file.lines[line]!);
      if (output.crlf !== null && source !== null) output.crlf.push(source[line]!);
    },
    add(text) {
      output.lines.push(text);
      if (output.crlf !== null) output.crlf.push(newLineIsCrlf);
      output.added++;
    },
  };
  return output;
}

function emitHunk(output: Output, hunk: PlacedHunk): void {
  const { placement, before, after, alignment } = hunk;
  const { mapping, shift } = placement;
  const addLine = (index: number): void => {
    const text = after[index]!;
    output.add(shift === null ? text : shiftIndentation(text, shift));
  };
  let fileCursor = placement.start;
  let next = 0;
  let previousRemoved = false;
  for (let index = 0; index < before.length; index++) {
    const target = alignment[index]!;
    const line = mapping[index]!;
    if (target >= 0) while (next < target) addLine(next++);
    if (line >= 0) {
      const removing = target < 0;
      for (let extra = fileCursor; extra < line; extra++) {
        if (previousRemoved && removing) output.removed++;
        else output.keep(extra);
      }
      if (removing) output.removed++;
      else output.keep(line);
      fileCursor = line + 1;
      previousRemoved = removing;
    }
    if (target >= 0) next = target + 1;
  }
  while (next < after.length) addLine(next++);
  output.copy(fileCursor, placement.end);
}
