/** Makes entity ids. Injected so that tests get predictable ids. */
export interface IdGenerator {
  /** A new unique id; `prefix` (e.g. `run`) may be used to make ids readable. */
  next(prefix?: string): string;
}

const randomDigits = 20;
const randomLimit = 1n << 80n;

let lastTime = 0;
let lastRandom = 0n;

/**
 * Ids that sort by creation time: `prefix_` + 12 hex digits of milliseconds + 20 random hex
 * digits (80 bits, from Web Crypto). Within one process they are strictly increasing, as ULIDs
 * are: an id made in the same millisecond as the previous one (or after the clock stepped back)
 * reuses that time and increments the random part, so rows created together (the runs of one
 * message, say) list in the order they were made.
 */
export const randomIdGenerator: IdGenerator = {
  next(prefix?: string): string {
    const now = Date.now();
    if (now > lastTime) {
      lastTime = now;
      const random = new Uint8Array(randomDigits / 2);
      crypto.getRandomValues(random);
      // Clear the top bit so that a run of increments within one millisecond cannot overflow.
      random[0] = random[0]! & 0x7f;
      lastRandom = BigInt(`0x${Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('')}`);
    } else {
      lastRandom += 1n;
      if (lastRandom >= randomLimit) {
        lastTime += 1;
        lastRandom = 0n;
      }
    }
    const id = `${lastTime.toString(16).padStart(12, '0')}${lastRandom.toString(16).padStart(randomDigits, '0')}`;
    return prefix ? `${prefix}_${id}` : id;
  },
};
