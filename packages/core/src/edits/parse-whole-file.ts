import { joinEditLines } from './text-lines.ts';
import type { FileEdit, ParseProblem } from './types.ts';

/**
 * Lines models write instead of code they left out ("// ... existing code ...",
 * "# rest of the file unchanged"). A whole file holding one would delete that code.
 */
const elisionPatterns = [
  /^\s*(?:\/\/|#|--|;|%|\/\*+|<!--|\{\/\*)\s*(?:\.\.\.|…)\s*(?:(?:the\s+)?(?:rest|remainder|existing|unchanged|same|other|remaining|previous|omitted|more|original)\b.*)?(?:\*\/|-->|\*\/\})?\s*$/i,
  /^\s*(?:\/\/|#|--|;|%|\/\*+|<!--|\{\/\*)\s*(?:\.\.\.|…)?\s*(?:(?:the\s+)?rest of (?:the\s+)?(?:file|code|class|function|module|component)|(?:existing|unchanged|previous|original|other) (?:code|content|methods|functions|imports|lines)\b|(?:code|content) (?:unchanged|omitted|remains the same)).*$/i,
];

/** True when the line stands for code the writer left out. */
function isElisionLine(line: string): boolean {
  return elisionPatterns.some((pattern) => pattern.test(line));
}

/**
 * A whole-file edit from a fenced block's body, or a problem when the body elides code
 * (it would silently delete what it stands for). `line` is the 1-based line of the fence.
 */
export function parseWholeFile(
  path: string,
  body: readonly string[],
  line: number,
): { edit: FileEdit | null; problem: ParseProblem | null } {
  const elided = body.findIndex(isElisionLine);
  if (elided >= 0) {
    return {
      edit: null,
      problem: {
        line: line + 1 + elided,
        path,
        message: `the whole-file block for ${path} leaves code out (${JSON.stringify(body[elided]!.trim())}); send the complete file or a diff`,
      },
    };
  }
  return { edit: { kind: 'whole-file', path, content: joinEditLines(body) }, problem: null };
}
