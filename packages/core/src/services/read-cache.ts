/**
 * Values read from the store, each kept under the store's change token (`Store.changeToken`)
 * taken before it was read, and reused only while the store gives that same token again: any
 * write through the store, and any commit by another process sharing its database, moves the
 * token, so a reused value is exactly what reading again would return. A null token (the store
 * cannot tell, or a transaction is open) neither finds nor keeps anything.
 */
export interface ReadCache<V> {
  /** The value kept for `key` under `token`, else undefined. */
  get(key: string, token: string | null): V | undefined;
  /** Keeps `value` for `key` under `token` (nothing when the token is null). */
  set(key: string, token: string | null, value: V): void;
}

/**
 * A {@link ReadCache} of at most `maxEntries` values, the least recently kept going first.
 * Values are frozen when kept (deeply): they are shared by every caller that gets them.
 */
export function createReadCache<V>(maxEntries: number): ReadCache<V> {
  const entries = new Map<string, { token: string; value: V }>();
  return {
    get(key, token) {
      if (token === null) return undefined;
      const held = entries.get(key);
      return held !== undefined && held.token === token ? held.value : undefined;
    },
    set(key, token, value) {
      if (token === null) return;
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { token, value: deepFreeze(value) });
    },
  };
}

/** Freezes `value` and every object and array reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
