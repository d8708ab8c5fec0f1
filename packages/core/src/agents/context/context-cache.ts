import type { RankedWorkspace } from './read-workspace.ts';

/**
 * Rankings of workspaces by revision, for `gatherContext`: the runs of one message read
 * the same commit with the same conversation, so one reading and ranking serves them all.
 * Holds the last few rankings only (a ranking is a few hundred bytes per file).
 */
export interface ContextCache {
  /** Rankings held (including ones being computed). */
  readonly size: number;
  clear(): void;
}

/** What a cache holds: its rankings by key, oldest first, and how many it keeps. */
export interface HeldRankings {
  max: number;
  entries: Map<string, Promise<RankedWorkspace>>;
}

// Kept off the public object, so that callers see only `size` and `clear`.
const cacheEntries = new WeakMap<ContextCache, HeldRankings>();

/** The rankings `cache` holds; undefined for an object `createContextCache` did not make. */
export function rankingsHeldBy(cache: ContextCache): HeldRankings | undefined {
  return cacheEntries.get(cache);
}

/** A {@link ContextCache} holding at most `maxEntries` rankings (default 4), oldest dropped first. */
export function createContextCache(options: { maxEntries?: number } = {}): ContextCache {
  const entries = new Map<string, Promise<RankedWorkspace>>();
  const cache: ContextCache = {
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
  cacheEntries.set(cache, { max: Math.max(1, options.maxEntries ?? 4), entries });
  return cache;
}
