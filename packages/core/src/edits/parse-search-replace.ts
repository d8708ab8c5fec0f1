import { joinEditLines } from './text-lines.ts';
import type { ParseProblem } from './types.ts';

const searchPattern = /^ {0,3}<{5,9} ?SEARCH\s*$/i;
const dividerPattern = /^ {0,3}={5,9}\s*$/;
const replacePattern = /^ {0,3}>{5,9} ?REPLACE\s*$/i;

/** True for a `<<<<<<< SEARCH` line (5 to 9 marker characters, trailing spaces allowed). */
export function isSearchMarker(line: string): boolean {
  return searchPattern.test(line);
}

/** True for a `>>>>>>> REPLACE` line. */
export function isReplaceMarker(line: string): boolean {
  return replacePattern.test(line);
}

/** One SEARCH/REPLACE block, or why it could not be read. */
export type SearchReplaceStep =
  | { ok: true; search: string; replace: string; next: number }
  | { ok: false; problem: ParseProblem; next: number };

/**
 * Reads the block whose `<<<<<<< SEARCH` marker is at `start`: search lines up to `=======`,
 * replace lines up to `>>>>>>> REPLACE`. A new SEARCH marker before the block ends means the
 * block is broken (a lost marker, or a reply cut short); reading resumes there.
 */
export function parseSearchReplaceBlock(lines: readonly string[], start: number): SearchReplaceStep {
  let index = start + 1;
  const search: string[] = [];
  while (index < lines.length && !dividerPattern.test(lines[index]!)) {
    if (isSearchMarker(lines[index]!) || isReplaceMarker(lines[index]!)) {
      return broken(start, index, 'SEARCH block without its ======= divider');
    }
    search.push(lines[index]!);
    index++;
  }
  if (index >= lines.length) return broken(start, index, 'SEARCH block without its ======= divider');
  index++;
  const replace: string[] = [];
  while (index < lines.length && !isReplaceMarker(lines[index]!)) {
    if (isSearchMarker(lines[index]!))
      return broken(start, index, 'SEARCH/REPLACE block without its >>>>>>> REPLACE marker');
    replace.push(lines[index]!);
    index++;
  }
  if (index >= lines.length) {
    return broken(start, index, 'SEARCH/REPLACE block without its >>>>>>> REPLACE marker (reply cut short?)');
  }
  return { ok: true, search: joinEditLines(search), replace: joinEditLines(replace), next: index + 1 };
}

function broken(start: number, next: number, message: string): SearchReplaceStep {
  return { ok: false, problem: { line: start + 1, message }, next };
}
