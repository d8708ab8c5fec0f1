import { findFences } from '../edits/markdown-fences.ts';
import { isBeginPatch } from '../edits/parse-apply-patch.ts';
import { isReplaceMarker, isSearchMarker } from '../edits/parse-search-replace.ts';
import { isDiffFileStart, isHunkHeader } from '../edits/parse-unified-diff.ts';
import { pathFromLine } from '../edits/path-hints.ts';
import { splitEditText } from '../edits/text-lines.ts';

/** Summaries longer than this are cut at a word boundary. */
export const maxSummaryChars = 2_000;

const diffLinePattern =
  /^(?:[ +\-\\]|@@|diff |index |new file mode|deleted file mode|old mode|new mode|similarity index|rename from|rename to)/;

/**
 * The prose of a model's reply, without its edits: fenced blocks, SEARCH/REPLACE blocks,
 * apply_patch envelopes and unfenced diffs are removed, with the path line written just above
 * a block. Trailing spaces are trimmed, blank-line runs collapsed to one, and the result is cut
 * to {@link maxSummaryChars} at a word boundary (ending with `…`). Empty when the reply is only edits.
 */
export function extractSummary(reply: string): string {
  const fenced = findFences(splitEditText(reply));
  const lines = fenced.lines;
  const keep = lines.map(() => true);
  const dropPathAbove = (index: number): void => {
    for (let line = index - 1; line >= Math.max(0, index - 2); line--) {
      if (!keep[line]) return;
      if (lines[line]!.trim() === '') continue;
      if (pathFromLine(lines[line]!) !== null) keep[line] = false;
      return;
    }
  };
  const drop = (from: number, to: number): void => {
    for (let line = from; line <= to && line < lines.length; line++) keep[line] = false;
  };
  for (const block of fenced.blocks) {
    drop(block.open, block.close);
    dropPathAbove(block.open);
  }
  for (let index = 0; index < lines.length; index++) {
    if (!keep[index]) continue;
    const line = lines[index]!;
    let end = -1;
    if (isSearchMarker(line)) {
      end = findLine(lines, index + 1, isReplaceMarker);
    } else if (isBeginPatch(line)) {
      end = findLine(lines, index + 1, (text) => /^\*\*\* End Patch\s*$/.test(text.trim()));
    } else if (isDiffFileStart(lines, index) || isHunkHeader(line)) {
      end = index;
      while (
        end + 1 < lines.length &&
        (diffLinePattern.test(lines[end + 1]!) || isDiffFileStart(lines, end + 1))
      )
        end++;
    } else continue;
    dropPathAbove(index);
    drop(index, end);
    index = end;
  }
  const text = lines
    .filter((_, index) => keep[index])
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (text.length <= maxSummaryChars) return text;
  const cut = text.slice(0, maxSummaryChars - 1);
  const space = cut.search(/\s\S*$/);
  return `${(space > maxSummaryChars / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The index of the first line from `start` that passes `test`, or the last line when none does. */
function findLine(lines: readonly string[], start: number, test: (line: string) => boolean): number {
  for (let index = start; index < lines.length; index++) if (test(lines[index]!)) return index;
  return lines.length - 1;
}
