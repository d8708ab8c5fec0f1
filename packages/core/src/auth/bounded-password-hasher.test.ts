import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors/index.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import { createBoundedPasswordHasher } from './bounded-password-hasher.ts';

/** A hasher whose calls end when the test says, counting how many run at once. */
function gatedHasher() {
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const call = async <T>(value: T): Promise<T> => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running -= 1;
    return value;
  };
  const hasher: PasswordHasher = {
    hash: (password) => call(`hash:${password}`),
    verify: (password, hash) => call(hash === `hash:${password}`),
    needsRehash: (hash) => hash.startsWith('old:'),
  };
  return {
    hasher,
    peak: () => peak,
    running: () => running,
    release: () => gates.shift()?.(),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createBoundedPasswordHasher', () => {
  it('runs at most maxConcurrent calls at once, the rest in order, refusing beyond maxQueued', async () => {
    const gated = gatedHasher();
    const bounded = createBoundedPasswordHasher(gated.hasher, { maxConcurrent: 2, maxQueued: 3 });
    const calls = Array.from({ length: 5 }, (_, index) => bounded.hash(`p${index}`));
    const refused = bounded.verify('p', 'hash:p');
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    await tick();
    expect(gated.running()).toBe(2);
    for (let index = 0; index < 5; index++) {
      gated.release();
      await tick();
      expect(gated.running()).toBeLessThanOrEqual(2);
    }
    expect(await Promise.all(calls)).toEqual(['hash:p0', 'hash:p1', 'hash:p2', 'hash:p3', 'hash:p4']);
    expect(gated.peak()).toBe(2);
    expect(bounded.needsRehash?.('old:x')).toBe(true);
  });

  it('frees the slot of a call that fails', async () => {
    const failing: PasswordHasher = {
      hash: () => Promise.reject(new Error('broken')),
      verify: async () => true,
    };
    const bounded = createBoundedPasswordHasher(failing, { maxConcurrent: 1, maxQueued: 0 });
    await expect(bounded.hash('x')).rejects.toThrow('broken');
    expect(await bounded.verify('x', 'y')).toBe(true);
    expect(bounded.needsRehash).toBeUndefined();
  });

  it('refuses limits that are not whole numbers in range', () => {
    const { hasher } = gatedHasher();
    expect(() => createBoundedPasswordHasher(hasher, { maxConcurrent: 0 })).toThrow(/at least 1/);
    expect(() => createBoundedPasswordHasher(hasher, { maxQueued: -1 })).toThrow(/at least 0/);
  });
});
