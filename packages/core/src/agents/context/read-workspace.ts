import { checkEditPath } from '../../edits/index.ts';
import { isBinaryPath, looksBinary } from './file-kinds.ts';
import type { GatherContextOptions } from './gather-context.ts';
import type { QueryTerms } from './query-terms.ts';
import { type FileFeatures, featuresOf, type RankedFile, rankFeatures } from './rank-files.ts';
import type { GatheredContext, SkippedFiles } from './select-context.ts';

/** A workspace read and ranked, before any token budget applies. */
export interface RankedWorkspace {
  ranked: RankedFile[];
  /** Every readable text file, in listing order. */
  candidatePaths: string[];
  skipped: SkippedFiles;
  /** Contexts assembled from this ranking by token budget, when the ranking is shared. */
  assembled?: Map<number, Promise<GatheredContext>>;
}

/** Reads and ranks the workspace: the budget-independent part of `gatherContext`. */
export async function rankWorkspace(
  options: Omit<GatherContextOptions, 'contextTokens' | 'cache'>,
  terms: QueryTerms,
): Promise<RankedWorkspace> {
  const paths = await options.workspace.listFiles(options.signal ? { signal: options.signal } : undefined);
  // Each file is ranked from its features, taken as it is read; its text is let go at once and
  // the few files shown are read again at the end. Holding every text until the selection is
  // made would cost a run the size of the whole repository in memory (and in GC time).
  const features: FileFeatures[] = [];
  const skipped: SkippedFiles = { binary: [], tooLarge: [], forbidden: [] };
  const isAllowed = allowedPathsOf(options.forbiddenPaths);
  for (const path of paths) {
    options.signal?.throwIfAborted();
    if (!isAllowed(path)) {
      skipped.forbidden.push(path);
      continue;
    }
    if (isBinaryPath(path)) {
      skipped.binary.push(path);
      continue;
    }
    const content = await options.workspace.readFile(path);
    if (content === null) continue;
    if (looksBinary(content)) skipped.binary.push(path);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most files are known to fit without counting.
    else if (
      content.length * 3 > options.maxFileBytes &&
      utf8Length(content, options.maxFileBytes) > options.maxFileBytes
    )
      skipped.tooLarge.push(path);
    else features.push(featuresOf({ path, content }, terms));
  }
  return {
    ranked: rankFeatures(features, terms),
    candidatePaths: features.map((file) => file.path),
    skipped,
  };
}

/** Verdicts of `checkEditPath` by forbidden-path list, then by path; see {@link allowedPathsOf}. */
const allowedPaths = new Map<string, Map<string, boolean>>();

/**
 * `checkEditPath(path, forbiddenPaths).ok`, remembered: every run of a repository asks it of
 * the same thousands of paths, and glob matching is a good part of reading a workspace.
 * Bounded: a list's verdicts are dropped past 100,000 paths, and lists past 8.
 */
function allowedPathsOf(forbiddenPaths: readonly string[]): (path: string) => boolean {
  const key = forbiddenPaths.join('\0');
  let verdicts = allowedPaths.get(key);
  if (verdicts === undefined) {
    if (allowedPaths.size >= 8) allowedPaths.clear();
    verdicts = new Map();
    allowedPaths.set(key, verdicts);
  }
  const known = verdicts;
  return (path) => {
    let allowed = known.get(path);
    if (allowed === undefined) {
      allowed = checkEditPath(path, forbiddenPaths).ok;
      if (known.size >= 100_000) known.clear();
      known.set(path, allowed);
    }
    return allowed;
  };
}

/** UTF-8 length of `text`, counting no further than just past `limit`. */
function utf8Length(text: string, limit: number): number {
  if (text.length > limit) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length && bytes <= limit; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}
