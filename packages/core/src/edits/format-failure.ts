import type { HunkFailure } from './types.ts';

/** Listings longer than this are cut, saying how many lines were left out. */
const maxListedLines = 40;

/**
 * Renders a failure as plain multi-line text for people (the CLI) and for a model asked to
 * retry: the file and hunk (1-based), the reason and what to do, the lines the hunk expected,
 * and the closest region of the file with its line numbers and similarity. No trailing newline.
 */
export function formatApplyFailure(failure: HunkFailure): string {
  const where = failure.path === '' ? 'edit' : failure.path;
  const hunk = failure.hunkIndex === null ? '' : `, hunk ${failure.hunkIndex + 1}`;
  const out = [`${where}${hunk}: ${failure.reason}`, `  ${failure.message}`];
  if (failure.expected.length > 0) {
    out.push('Expected lines:');
    out.push(...listed(failure.expected.map((line) => `  | ${line}`)));
  }
  const closest = failure.closest;
  if (closest !== null) {
    const percent = Math.round(closest.similarity * 100);
    out.push(
      `Closest region in the file (lines ${closest.startLine}-${closest.endLine}, ${percent}% similar):`,
    );
    const width = String(closest.endLine).length;
    out.push(
      ...listed(
        closest.lines.map(
          (line, offset) => `  ${String(closest.startLine + offset).padStart(width)} | ${line}`,
        ),
      ),
    );
  }
  return out.join('\n');
}

function listed(lines: readonly string[]): string[] {
  if (lines.length <= maxListedLines) return [...lines];
  return [...lines.slice(0, maxListedLines), `  ... (${lines.length - maxListedLines} more lines)`];
}
