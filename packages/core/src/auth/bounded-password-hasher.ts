import { InvalidInputError, RateLimitedError } from '../errors/index.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';

/** How many password hashes may be computed at once, and how many may wait. */
export interface PasswordHashingLimits {
  /**
   * Hashes and verifications computed at once; default 2. Each costs what the hasher's
   * parameters say (scrypt at OWASP's N=2^17, r=8: 128 MiB and some 100 ms of a core).
   */
  maxConcurrent?: number;
  /** Calls that may wait for a turn beyond those; default 64. Beyond, calls are refused. */
  maxQueued?: number;
}

/** Default {@link PasswordHashingLimits.maxConcurrent}. */
export const defaultMaxConcurrentPasswordHashes = 2;
/** Default {@link PasswordHashingLimits.maxQueued}. */
export const defaultMaxQueuedPasswordHashes = 64;

function readCount(value: number | undefined, fallback: number, name: string, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidInputError(`${name} must be a whole number of at least ${minimum}`, [
      { path: [name], message: `an integer of at least ${minimum}` },
    ]);
  }
  return value;
}

/**
 * `hasher` with at most `maxConcurrent` of its `hash` and `verify` calls running at once; later
 * calls wait their turn in order. Password hashing is deliberately costly in memory and CPU, so
 * that a burst of sign-ins would otherwise take the server's memory with it (twelve parallel
 * scrypt sign-ins took one from 334 to 859 MB). When `maxQueued` calls already wait, a call is
 * refused at once with RateLimitedError (retry after 1 second): the server is busy, not broken.
 * `needsRehash` (no hashing) is passed through.
 */
export function createBoundedPasswordHasher(
  hasher: PasswordHasher,
  limits: PasswordHashingLimits = {},
): PasswordHasher {
  const maxConcurrent = readCount(
    limits.maxConcurrent,
    defaultMaxConcurrentPasswordHashes,
    'maxConcurrent',
    1,
  );
  const maxQueued = readCount(limits.maxQueued, defaultMaxQueuedPasswordHashes, 'maxQueued', 0);
  let running = 0;
  const waiting: Array<() => void> = [];

  async function bounded<T>(work: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) {
      if (waiting.length >= maxQueued) {
        throw new RateLimitedError(
          'the server is busy checking passwords; retry after the time in Retry-After',
          1,
        );
      }
      // The slot is handed over by the call that ends, so `running` never goes above the bound.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running -= 1;
      else next();
    }
  }

  return {
    hash: (password) => bounded(() => hasher.hash(password)),
    verify: (password, hash) => bounded(() => hasher.verify(password, hash)),
    ...(hasher.needsRehash === undefined ? {} : { needsRehash: (hash: string) => hasher.needsRehash!(hash) }),
  };
}
