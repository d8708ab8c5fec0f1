import { compare } from './code-unit-order.ts';
import { buildFileTree, defaultTreeTokens } from './file-tree.ts';
import { extractQueryTerms, type QueryTerms, type WeightedText } from './query-terms.ts';
import {
  type ContextCandidate,
  type FileFeatures,
  featuresOf,
  type RankedFile,
  rankFeatures,
} from './rank-files.ts';

/** Files of the workspace that were never candidates, by why. */
export interface SkippedFiles {
  binary: string[];
  tooLarge: string[];
  /** Forbidden paths (such as `.env`): their content never goes to a model. */
  forbidden: string[];
}

/** Options of {@link selectContext}. */
export interface SelectContextOptions {
  candidates: readonly ContextCandidate[];
  skipped: SkippedFiles;
  /** The instruction and earlier messages, weighted. */
  texts: readonly WeightedText[];
  /** Tokens the included file contents may take in total. */
  contextTokens: number;
  /** Size limit of the tree of other files; default {@link defaultTreeTokens}. */
  treeTokens?: number;
}

/** A file shown to the model in full. */
export interface IncludedFile {
  path: string;
  content: string;
  reason: string;
}

/** The run-log record of a context selection. A type alias, so that it is a JsonObject. */
export type ContextReport = {
  included: Array<{ path: string; reason: string }>;
  /** Readable files left out (they appear in the tree). */
  omitted: number;
  skipped: { binary: number; tooLarge: number; forbidden: number };
};

/** What goes into the prompt, and the run-log record of it. */
export interface GatheredContext {
  /** Files shown in full, most relevant first. */
  files: IncludedFile[];
  /** Every other file of the workspace (see {@link buildFileTree}); empty when there is none. */
  tree: string;
  /** For a run-log event. */
  report: ContextReport;
}

/**
 * Chooses the files to show in full. When every candidate (low-priority files aside) fits in
 * `contextTokens`, all of them are shown (a small project is best seen whole); otherwise the
 * relevant files (score above zero) are taken in rank order while they fit, a file too large
 * for what is left being passed over for smaller ones below it. Every other file, including
 * skipped ones, goes into the tree. Pure and deterministic.
 */
export function selectContext(options: SelectContextOptions): GatheredContext {
  const terms = extractQueryTerms(options.texts);
  const byPath = new Map(options.candidates.map((file) => [file.path, file.content]));
  const chosen = chooseFiles(
    options.candidates.map((file) => featuresOf(file, terms)),
    terms,
    options.contextTokens,
  );
  return assembleContext(
    chosen.map((file) => ({ ...file, content: byPath.get(file.path)! })),
    options.candidates.map((file) => file.path),
    options.skipped,
    options.treeTokens,
  );
}

/** The files {@link selectContext} shows, in order, with why. */
function chooseFiles(
  features: readonly FileFeatures[],
  terms: QueryTerms,
  contextTokens: number,
): Array<{ path: string; reason: string }> {
  return chooseRanked(rankFeatures(features, terms), contextTokens);
}

/** {@link chooseFiles} on files already ranked. */
export function chooseRanked(
  ranked: readonly RankedFile[],
  contextTokens: number,
): Array<{ path: string; reason: string }> {
  const regular = ranked.filter((file) => !file.lowPriority);
  const everything = regular.reduce((sum, file) => sum + file.tokens, 0);
  const smallProject = everything <= contextTokens;
  let left = Math.max(0, contextTokens);
  const chosen: Array<{ path: string; reason: string }> = [];
  for (const file of ranked) {
    const wanted = file.score > 0 && !file.lowPriority;
    const filler = smallProject && !file.lowPriority;
    if (!(wanted || filler) || file.tokens > left) continue;
    left -= file.tokens;
    chosen.push({ path: file.path, reason: file.score > 0 ? file.reason : 'small project: every file fits' });
  }
  return chosen;
}

/** The context from the files shown; every other candidate and skipped file goes into the tree. */
export function assembleContext(
  files: IncludedFile[],
  candidatePaths: readonly string[],
  skipped: SkippedFiles,
  treeTokens: number | undefined,
): GatheredContext {
  const shown = new Set(files.map((file) => file.path));
  const rest = [
    ...candidatePaths.filter((path) => !shown.has(path)),
    ...skipped.binary,
    ...skipped.tooLarge,
    ...skipped.forbidden,
  ].sort(compare);
  return {
    files,
    tree: buildFileTree(rest, treeTokens ?? defaultTreeTokens),
    report: {
      included: files.map((file) => ({ path: file.path, reason: file.reason })),
      omitted: candidatePaths.length - files.length,
      skipped: {
        binary: skipped.binary.length,
        tooLarge: skipped.tooLarge.length,
        forbidden: skipped.forbidden.length,
      },
    },
  };
}
