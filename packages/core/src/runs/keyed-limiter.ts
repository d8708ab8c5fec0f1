/**
 * Bounds how many tasks run at once per key (e.g. per model provider), queueing the rest in
 * arrival order. A key without a limit runs unbounded.
 */
export interface KeyedLimiter {
  /** Runs `work` once fewer than the key's limit are running; rejects with the signal's reason if it aborts while waiting. */
  run<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** How many tasks of `key` are running now. */
  active(key: string): number;
}

/** Builds a limiter; `limitOf(key)` gives each key's limit (a positive integer, or undefined for none). */
export function createKeyedLimiter(limitOf: (key: string) => number | undefined): KeyedLimiter {
  const running = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();

  const release = (key: string): void => {
    const next = waiting.get(key)?.shift();
    if (next !== undefined) {
      next();
      return;
    }
    running.set(key, (running.get(key) ?? 1) - 1);
  };

  const acquire = (key: string, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    const limit = limitOf(key);
    const count = running.get(key) ?? 0;
    if (limit === undefined || count < limit) {
      running.set(key, count + 1);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = waiting.get(key) ?? [];
      waiting.set(key, queue);
      // The slot passes straight from the releasing task to this one: `running` stays the same.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = queue.indexOf(grant);
        if (index !== -1) queue.splice(index, 1);
        reject(signal!.reason);
      };
      queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  return {
    async run(key, work, signal) {
      await acquire(key, signal);
      try {
        return await work();
      } finally {
        release(key);
      }
    },
    active: (key) => running.get(key) ?? 0,
  };
}
