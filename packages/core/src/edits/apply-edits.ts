import { InvalidInputError } from '../errors/index.ts';
import { applyFileEdit, type EditSettings } from './apply-file-edit.ts';
import { parseEdits } from './parse-edits.ts';
import { defaultForbiddenPaths } from './paths.ts';
import type { AppliedFile, ApplyEditsOptions, ApplyEditsResult, FileEdit, HunkFailure } from './types.ts';
import { createVirtualTree } from './virtual-tree.ts';

const defaultFuzzyThreshold = 0.85;

/**
 * Applies edits in memory, all or nothing, and returns the full new content of every changed
 * file for the caller to write atomically (a rename is a delete of the old path and a write of
 * the new one; `content: null` deletes).
 *
 * - Every path (and a rename's old path) goes through {@link checkEditPath} before any read;
 *   refusals are `path-escape` / `forbidden-path` failures. Symbolic links are invisible here:
 *   the Workspace implementation must refuse paths that resolve outside its root.
 * - Hunks are located by content, never by line number, through the tiers `exact`,
 *   `trailing-whitespace`, `whitespace`, `indentation` and `fuzzy` (see locate-hunk.ts);
 *   every match must be unique. A line hint only chooses among several exact matches, and only
 *   when it points exactly at one of them; otherwise the hunk is `ambiguous`.
 * - The hunks of one patch are placed independently on the same content (their order does not
 *   matter), must not overlap, and are spliced in one pass. Several edits of one file (several
 *   SEARCH/REPLACE blocks, two diffs of the same file) apply in sequence on the evolving content.
 * - A hunk whose `before` is not there but whose `after` is (strict tiers only) counts as
 *   `already-applied`, as does a hunk that adds lines when its `after` lines already surround
 *   the place its `before` lines match; so do a new file that exists with the same content and
 *   a delete of a missing file. Applying the same patch twice thus succeeds with no change the
 *   second time.
 * - Given text, parse problems are failures (a reply with one unreadable block is refused as a
 *   whole). Given edits from {@link parseEdits}, only those edits are applied: check
 *   `ParsedEdits.problems` first if a partly unreadable reply must be refused.
 * - Line endings: the file keeps its own (CRLF stays CRLF), and keeps whether it ends with a
 *   newline unless a hunk's `\ No newline at end of file` says otherwise. New files get `\n`.
 * - On any failure the result is `{ ok: false, failures }` listing every failed hunk of every
 *   edit (with the closest region of the file) and parse problems, and no changes at all.
 *
 * Never throws for bad edits; throws InvalidInputError for programmer errors (bad options, a
 * `readFile` that returns something else than a string or null), and rethrows `readFile` errors.
 */
export async function applyEdits(options: ApplyEditsOptions): Promise<ApplyEditsResult> {
  const settings = readSettings(options);
  const { edits, failures } = resolveEdits(options.edits);
  const tree = createVirtualTree(options.readFile);
  const files: AppliedFile[] = [];
  for (let editIndex = 0; editIndex < edits.length; editIndex++) {
    const outcome = await applyFileEdit(tree, edits[editIndex]!, editIndex, settings);
    if (outcome.file !== null) files.push(outcome.file);
    failures.push(...outcome.failures);
  }
  if (failures.length > 0) return { ok: false, failures, files };
  return { ok: true, changes: tree.changes(), files };
}

function readSettings(options: ApplyEditsOptions): EditSettings {
  if (typeof options !== 'object' || options === null)
    throw new InvalidInputError('applyEdits needs an options object');
  if (typeof options.readFile !== 'function')
    throw new InvalidInputError('applyEdits needs a readFile function');
  if (typeof options.edits !== 'string' && !Array.isArray(options.edits)) {
    throw new InvalidInputError('applyEdits needs edits: an array of FileEdit or a text to parse');
  }
  const forbiddenPaths = options.forbiddenPaths ?? defaultForbiddenPaths;
  if (!Array.isArray(forbiddenPaths) || forbiddenPaths.some((pattern) => typeof pattern !== 'string')) {
    throw new InvalidInputError('forbiddenPaths must be an array of glob strings');
  }
  const fuzzyThreshold = options.fuzzyThreshold ?? defaultFuzzyThreshold;
  if (typeof fuzzyThreshold !== 'number' || !(fuzzyThreshold >= 0 && fuzzyThreshold <= 1)) {
    throw new InvalidInputError('fuzzyThreshold must be a number from 0 to 1');
  }
  return { forbiddenPaths, fuzzyThreshold };
}

function resolveEdits(input: readonly FileEdit[] | string): {
  edits: readonly FileEdit[];
  failures: HunkFailure[];
} {
  if (typeof input !== 'string') return { edits: input, failures: [] };
  const parsed = parseEdits(input);
  const failures: HunkFailure[] = parsed.problems.map((problem) => ({
    path: problem.path ?? '',
    editIndex: null,
    hunkIndex: null,
    reason: 'parse',
    message: `line ${problem.line}: ${problem.message}`,
    expected: [],
    closest: null,
  }));
  if (parsed.edits.length === 0 && failures.length === 0) {
    failures.push({
      path: '',
      editIndex: null,
      hunkIndex: null,
      reason: 'parse',
      message:
        'no edit found: send a unified diff, SEARCH/REPLACE blocks, an apply_patch envelope, or a whole file in a fence that names its path',
      expected: [],
      closest: null,
    });
  }
  return { edits: parsed.edits, failures };
}
