import { checkEditPath } from '../../edits/index.ts';
import { isBinaryPath, looksBinary } from './file-kinds.ts';
import type { GatherContextOptions } from './gather-context.ts';
import type { QueryTerms } from './query-terms.ts';
import { type FileFeatures, featuresOf, type RankedFile, rankFeatures } from './rank-files.ts';
import type { GatheredContext, SkippedFiles } from './select-context.ts';
import { estimateTokens } from './token-estimate.ts';

/** A workspace read and ranked, before any token budget applies. */
export interface RankedWorkspace {
  ranked: RankedFile[];
  /** Every readable text file, in listing order. */
  candidatePaths: string[];
  skipped: SkippedFiles;
  /** Contexts assembled from this ranking by token budget, when the ranking is shared. */
  assembled?: Map<number, Promise<GatheredContext>>;
}

/**
 * Candidate text (bytes) a workspace that lists sizes may hold and still be read whole to rank
 * by content; see {@link rankWorkspace}.
 */
export const defaultContentReadBytes = 2 * 1024 * 1024;

/**
 * Reads and ranks the workspace: the budget-independent part of `gatherContext`. A workspace
 * that lists sizes (`listSizes`: a commit, a run's copy before it is written) is read whole only
 * when its candidate files hold at most `contentReadBytes` (a small project, cheap to read);
 * a larger one is ranked from its paths and sizes alone (names, path words, mentions), so that
 * only the files shown are read: the first run on a fresh clone does not inflate the whole
 * repository before its model call. Either way the result depends on the content alone.
 */
export async function rankWorkspace(
  options: Omit<GatherContextOptions, 'contextTokens' | 'cache'>,
  terms: QueryTerms,
): Promise<RankedWorkspace> {
  const sized = await rankBySizes(options, terms);
  if (sized !== null) return sized;
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

/** Features of a file never read: its path only, its tokens from its size. */
const noCounts: ReadonlyMap<string, number> = new Map();

/**
 * The ranking of a workspace that lists sizes and holds more candidate text than
 * `contentReadBytes`, from paths and sizes; null when the workspace lists no sizes or is small
 * enough to be read whole. A file with a binary extension, a forbidden path or more than
 * `maxFileBytes` bytes is skipped as when reading; a file that turns out to hold a NUL is
 * dropped when it is read to be shown.
 */
async function rankBySizes(
  options: Omit<GatherContextOptions, 'contextTokens' | 'cache'>,
  terms: QueryTerms,
): Promise<RankedWorkspace | null> {
  const { workspace } = options;
  if (workspace.listSizes === undefined) return null;
  const sizes = await workspace.listSizes(options.signal ? { signal: options.signal } : undefined);
  const skipped: SkippedFiles = { binary: [], tooLarge: [], forbidden: [] };
  const isAllowed = allowedPathsOf(options.forbiddenPaths);
  const features: FileFeatures[] = [];
  let candidateBytes = 0;
  for (const { path, bytes } of sizes) {
    if (!isAllowed(path)) skipped.forbidden.push(path);
    else if (isBinaryPath(path)) skipped.binary.push(path);
    else if (bytes > options.maxFileBytes) skipped.tooLarge.push(path);
    else {
      candidateBytes += bytes;
      // Bytes for characters: the same for ASCII, a little more otherwise (budgets stay safe).
      features.push({
        path,
        identifierCounts: noCounts,
        quotedCounts: noCounts,
        tokens: Math.ceil(bytes / 4) + estimateTokens(path) + 6,
      });
    }
  }
  if (candidateBytes <= (options.contentReadBytes ?? defaultContentReadBytes)) return null;
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
