/**
 * The edit engine: reads the edits language models write (unified diffs, SEARCH/REPLACE blocks,
 * apply_patch envelopes, fenced whole files, inside prose) and applies them in memory, all or
 * nothing, or refuses with a precise reason per hunk.
 */
export { applyEdits } from './apply-edits.ts';
export { formatApplyFailure } from './format-failure.ts';
export { type DiffLine, diffLines } from './line-diff.ts';
export { parseEdits } from './parse-edits.ts';
export { type CheckEditPathResult, checkEditPath, defaultForbiddenPaths } from './paths.ts';
export type {
  AppliedFile,
  AppliedHunk,
  ApplyEditsOptions,
  ApplyEditsResult,
  ClosestRegion,
  EditFormat,
  EditHunk,
  FileEdit,
  HunkFailure,
  HunkFailureReason,
  MatchTier,
  ParsedEdits,
  ParseProblem,
} from './types.ts';
export { normalizeWorkspacePath } from './workspace-path.ts';
