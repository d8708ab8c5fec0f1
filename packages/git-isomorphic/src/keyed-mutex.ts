/**
 * Serializes async work per key: work for one key runs one at a time in call order, work for
 * different keys runs in parallel. isomorphic-git does no locking of its own, so every
 * operation on one clone (its refs, object store and working-copy metadata) goes through here.
 */
export interface KeyedMutex {
  /** Runs `work` once every earlier work of `key` has settled; resolves or rejects like `work`. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** Builds a {@link KeyedMutex}; keys with nothing queued take no memory. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(work, work);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
