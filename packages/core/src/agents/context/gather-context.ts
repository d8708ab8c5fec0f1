import type { Workspace } from '../../ports/index.ts';
import { unlessAborted } from '../../runs/unless-aborted.ts';
import { type ContextCache, rankingsHeldBy } from './context-cache.ts';
import { looksBinary } from './file-kinds.ts';
import { extractQueryTerms, type QueryTerms, type WeightedText } from './query-terms.ts';
import { type RankedWorkspace, rankWorkspace } from './read-workspace.ts';
import { assembleContext, chooseRanked, type GatheredContext, type IncludedFile } from './select-context.ts';

/** Options of {@link gatherContext}. */
export interface GatherContextOptions {
  workspace: Workspace;
  texts: readonly WeightedText[];
  contextTokens: number;
  maxFileBytes: number;
  forbiddenPaths: readonly string[];
  /**
   * For a workspace that lists sizes (`Workspace.listSizes`): the candidate text (bytes) up to
   * which it is still read whole and ranked by content; above it, the ranking uses paths and
   * sizes and only the files shown are read. Default `defaultContentReadBytes` (2 MiB).
   */
  contentReadBytes?: number;
  signal?: AbortSignal;
  /**
   * Where rankings are shared: for a workspace with a `revision`, reading and ranking happen
   * once per revision, texts, size limit and forbidden paths, and callers with other token
   * budgets (the runs of one message on several models) choose from the same ranking.
   */
  cache?: ContextCache;
}

/** The ranking of the workspace, from `cache` when its revision was ranked the same way before. */
function rankingOf(options: GatherContextOptions, terms: QueryTerms): Promise<RankedWorkspace> {
  const revision = options.workspace.revision;
  const held = options.cache === undefined ? undefined : rankingsHeldBy(options.cache);
  if (revision === undefined || held === undefined) return rankWorkspace(options, terms);
  const key = JSON.stringify([
    revision,
    options.texts.map((text) => [text.weight, text.text]),
    options.maxFileBytes,
    options.forbiddenPaths,
    options.contentReadBytes ?? null,
  ]);
  let ranking = held.entries.get(key);
  if (ranking === undefined) {
    // Shared, so computed without this caller's signal: another caller may still want it.
    const { signal: _, ...shared } = options;
    ranking = rankWorkspace(shared, terms).then((ranked) => ({ ...ranked, assembled: new Map() }));
    held.entries.set(key, ranking);
    ranking.catch(() => {
      if (held.entries.get(key) === ranking) held.entries.delete(key);
    });
    while (held.entries.size > held.max) held.entries.delete(held.entries.keys().next().value!);
  }
  return unlessAborted(ranking, options.signal);
}

/**
 * Reads the workspace and selects the context as `selectContext` does (a large workspace that
 * lists sizes by paths and sizes alone: see `rankWorkspace`). Files with a binary
 * extension are not read; files whose text holds a NUL or is larger than `maxFileBytes`
 * (UTF-8) are skipped; forbidden paths (`.env`, keys) are never read, so their content never
 * reaches a model. Only these reads touch the workspace; the files shown are read twice (once
 * to rank, once to show), so that no more than their text is held at once. With a `cache` and a
 * workspace that has a `revision`, the reading and ranking are shared (see {@link ContextCache}),
 * and so is the result among callers with the same `contextTokens`: treat it as read-only.
 */
export async function gatherContext(options: GatherContextOptions): Promise<GatheredContext> {
  const terms = extractQueryTerms(options.texts);
  const ranking = await rankingOf(options, terms);
  const { assembled } = ranking;
  if (assembled === undefined) return assembleFrom(ranking, options);
  // Shared ranking: callers with the same budget share the very context (and its strings).
  let context = assembled.get(options.contextTokens);
  if (context === undefined) {
    const { signal: _, ...shared } = options;
    context = assembleFrom(ranking, shared);
    assembled.set(options.contextTokens, context);
    context.catch(() => {
      if (assembled.get(options.contextTokens) === context) assembled.delete(options.contextTokens);
    });
  }
  return unlessAborted(context, options.signal);
}

/** Reads the files a budget shows and assembles the context. */
async function assembleFrom(
  ranking: RankedWorkspace,
  options: Pick<GatherContextOptions, 'workspace' | 'contextTokens' | 'signal'>,
): Promise<GatheredContext> {
  const files: IncludedFile[] = [];
  for (const file of chooseRanked(ranking.ranked, options.contextTokens)) {
    options.signal?.throwIfAborted();
    const content = await options.workspace.readFile(file.path);
    // Changed under the run since the first read (it is the run's own copy: it should not be).
    if (content === null || looksBinary(content)) continue;
    files.push({ ...file, content });
  }
  return assembleContext(files, ranking.candidatePaths, ranking.skipped, undefined);
}
