import type { FileChange } from '../domain/index.ts';

/** The edit formats the engine reads. */
export type EditFormat = 'unified-diff' | 'search-replace' | 'apply-patch' | 'whole-file';

/** One hunk of a diff-like edit: lines to find (context + removed) and what replaces them. */
export interface EditHunk {
  /** The old-file start line the writer claimed (1-based), if any. Only a hint: hunks are located by content. */
  oldStartHint: number | null;
  /**
   * Added so that "already applied" can be told apart like a first application: the new-file
   * start line the writer claimed (`+c` of `@@ -a,b +c,d @@`). Only a hint, used like `oldStartHint` for `after`.
   */
  newStartHint?: number;
  /** Text of an `@@ ... @@ anchor` (diff section heading or apply_patch `@@ def f():`), if any. */
  anchor: string | null;
  /** The lines the hunk expects, in order (context and removed lines), without line endings. */
  before: string[];
  /** The lines the hunk leaves, in order (context and added lines), without line endings. */
  after: string[];
  /**
   * Added because `\ No newline at end of file` must survive parsing: set only when the hunk
   * carried that marker, and says whether the old (`before`) and new (`after`) text ended with a
   * newline. When the two differ the hunk changes the file's final newline; otherwise the file keeps its own.
   */
  finalNewline?: { before: boolean; after: boolean };
  /**
   * Added for apply_patch's `*** End of File`: the hunk is meant to end at the end of the file.
   * Used only to choose between otherwise equal candidates.
   */
  endOfFile?: boolean;
}

/**
 * The edit of one file, whatever format it came in.
 * - `patch`: hunks to place in an existing file (or, with `operation: 'create'`, the new content as one hunk with empty `before`).
 * - `search-replace`: text blocks to replace (SEARCH/REPLACE), applied one after another; an empty
 *   search creates the file (missing or empty), and is refused on a non-empty file unless that file
 *   already holds exactly the replace text.
 *   `search` and `replace` are lines joined with `\n`, ending with `\n` unless empty.
 * - `whole-file`: the complete new content.
 * - `delete`: remove the file.
 */
export type FileEdit =
  | {
      kind: 'patch';
      format: 'unified-diff' | 'apply-patch';
      operation: 'create' | 'modify';
      path: string;
      /** For a rename/move: the old path; the file's content moves and then the hunks apply. */
      oldPath: string | null;
      hunks: EditHunk[];
    }
  | { kind: 'search-replace'; path: string; blocks: Array<{ search: string; replace: string }> }
  | { kind: 'whole-file'; path: string; content: string }
  | { kind: 'delete'; format: EditFormat; path: string };

/** Something in the text that looked like an edit but could not be read. */
export interface ParseProblem {
  /** 1-based line in the parsed text. */
  line: number;
  message: string;
  /** Added so a failure can name the file: the path the problem concerns, when one was read. */
  path?: string;
}

/** What {@link parseEdits} found in a patch or a whole model reply. */
export interface ParsedEdits {
  edits: FileEdit[];
  /** The formats seen, in order of first appearance. */
  formats: EditFormat[];
  problems: ParseProblem[];
}

/**
 * How a hunk was located, from strictest to loosest. `already-applied` means the hunk's
 * result was already there. `new-file` is a file creation.
 */
export type MatchTier =
  | 'exact'
  | 'trailing-whitespace'
  | 'whitespace'
  | 'indentation'
  | 'fuzzy'
  | 'already-applied'
  | 'new-file'
  | 'whole-file'
  | 'delete';

/** Where and how one hunk (or block) landed. */
export interface AppliedHunk {
  index: number;
  tier: MatchTier;
  /**
   * 1-based first line of the matched region in the file as it was when this edit applied
   * (0 for new/whole/delete). For `already-applied`, where the hunk's result was found.
   */
  startLine: number;
}

/** The result for one file edit: one entry per edit that passed its path checks, in edit order. */
export interface AppliedFile {
  /**
   * Added because several edits may touch the same file: the index of the edit in the applied list.
   * Hunk indexes in `hunks` are relative to that edit.
   */
  editIndex: number;
  path: string;
  oldPath: string | null;
  operation: 'create' | 'modify' | 'delete' | 'rename';
  hunks: AppliedHunk[];
  /** Lines added and removed relative to the original file. */
  added: number;
  removed: number;
}

/** Why a hunk (or a whole file edit) could not be applied. */
export type HunkFailureReason =
  | 'not-found'
  | 'ambiguous'
  | 'file-missing'
  | 'file-exists'
  | 'forbidden-path'
  | 'path-escape'
  | 'overlap'
  | 'parse';

/** The region of the file closest to what a failed hunk expected, for the agent to retry with. */
export interface ClosestRegion {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The region's lines as they are in the file. */
  lines: string[];
  /** 0..1, how similar the region is to the hunk's expected lines. */
  similarity: number;
}

/**
 * One failed hunk (`hunkIndex` null when the failure concerns the whole file). `hunkIndex` is
 * 0-based (SEARCH/REPLACE: the block's index); {@link formatApplyFailure} prints it 1-based.
 */
export interface HunkFailure {
  /** The edit's path as written (or normalized, once checked); empty for a parse problem without one. */
  path: string;
  /**
   * Added because several edits may touch the same file: the index of the failed edit in the
   * applied list, or null for a parse problem that belongs to no edit.
   */
  editIndex: number | null;
  hunkIndex: number | null;
  reason: HunkFailureReason;
  /** One sentence: what is wrong and what to do. */
  message: string;
  /** The lines the hunk expected to find. */
  expected: string[];
  closest: ClosestRegion | null;
}

/** The outcome of {@link applyEdits}. On failure, `changes` is absent: nothing may be written. */
export type ApplyEditsResult =
  | { ok: true; changes: FileChange[]; files: AppliedFile[] }
  | { ok: false; failures: HunkFailure[]; files: AppliedFile[] };

/** Options of {@link applyEdits}. */
export interface ApplyEditsOptions {
  /** Edits from {@link parseEdits}, or text to parse. */
  edits: readonly FileEdit[] | string;
  /** Reads a file of the target tree; null when it does not exist. Paths are already checked. */
  readFile(path: string): Promise<string | null>;
  /** Glob patterns of paths that must not be touched; defaults to {@link defaultForbiddenPaths}. */
  forbiddenPaths?: readonly string[];
  /** Lowest similarity (0..1) a fuzzy match needs; default 0.85. Set to 1 to disable fuzzy matching. */
  fuzzyThreshold?: number;
}
