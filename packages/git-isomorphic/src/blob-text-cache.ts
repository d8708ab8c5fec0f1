/**
 * Texts of blobs by blob id, bounded by their total length, oldest evicted first. A blob id
 * names its content, so an entry never goes stale; working copies of one commit (the runs of
 * one message) read their unchanged files from here instead of from disk.
 */
export interface BlobTextCache {
  /** The text of blob `oid`, or undefined when it is not held. */
  get(oid: string): string | undefined;
  /** Holds `text` as blob `oid`'s text (the caller has checked that it is), unless it is too long. */
  set(oid: string, text: string): void;
  /** Total length of the texts held, in UTF-16 code units. */
  readonly size: number;
}

/** Options of {@link createBlobTextCache}. */
export interface BlobTextCacheOptions {
  /** Most total length held, in UTF-16 code units. */
  maxTotal: number;
  /** Longer texts are never held. */
  maxText: number;
}

/** Builds a {@link BlobTextCache}; with `maxTotal` 0 it holds nothing. */
export function createBlobTextCache(options: BlobTextCacheOptions): BlobTextCache {
  const texts = new Map<string, string>();
  let size = 0;
  return {
    get: (oid) => texts.get(oid),
    set(oid, text) {
      if (text.length > options.maxText || text.length > options.maxTotal || texts.has(oid)) return;
      texts.set(oid, text);
      size += text.length;
      for (const [oldest, held] of texts) {
        if (size <= options.maxTotal) break;
        texts.delete(oldest);
        size -= held.length;
      }
    },
    get size() {
      return size;
    },
  };
}
