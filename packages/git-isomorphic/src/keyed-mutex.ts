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

/** Runs at most a fixed number of tasks at once; see {@link createLimiter}. */
export interface Limiter {
  /** Runs `work` once fewer than the limit are running; resolves or rejects like `work`. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Builds a {@link Limiter} for `limit` (a positive integer) tasks at once, started in call order. */
export function createLimiter(limit: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await work();
      } finally {
        // The slot passes straight to the next task, if any: `running` stays the same.
        const next = waiting.shift();
        if (next === undefined) running--;
        else next();
      }
    },
  };
}
