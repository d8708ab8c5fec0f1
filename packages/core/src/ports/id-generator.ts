/** Makes entity ids. Injected so that tests get predictable ids. */
export interface IdGenerator {
  /** A new unique id; `prefix` (e.g. `run`) may be used to make ids readable. */
  next(prefix?: string): string;
}

/**
 * Ids that sort by creation time: `prefix_` + 12 hex digits of milliseconds + 20 random
 * hex digits (80 bits), from Web Crypto.
 */
export const randomIdGenerator: IdGenerator = {
  next(prefix?: string): string {
    const time = Date.now().toString(16).padStart(12, '0');
    const random = new Uint8Array(10);
    crypto.getRandomValues(random);
    const hex = Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('');
    return prefix ? `${prefix}_${time}${hex}` : `${time}${hex}`;
  },
};
