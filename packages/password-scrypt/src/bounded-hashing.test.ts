import { createGoosuke, createWebCryptoSecretBox, type PasswordHasher } from '@goosuke/core';
import { createMemoryStore } from '@goosuke/core/testing';
import { describe, expect, it } from 'vitest';
import { createScryptPasswordHasher } from './index.ts';

// Parallel sign-ins on the real scrypt hasher: core bounds how many hashes run at once (each
// holds scrypt's memory while it runs), whatever the number of requests.
const password = 'correct horse battery staple';

/** The real hasher, observed: how many of its calls run at once. */
function observed(hasher: PasswordHasher) {
  let running = 0;
  let peak = 0;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    running += 1;
    peak = Math.max(peak, running);
    try {
      return await work();
    } finally {
      running -= 1;
    }
  };
  return {
    hasher: {
      hash: (value: string) => track(() => hasher.hash(value)),
      verify: (value: string, hash: string) => track(() => hasher.verify(value, hash)),
    } satisfies PasswordHasher,
    peak: () => peak,
  };
}

async function goosukeWith(
  hasher: PasswordHasher,
  passwordHashing: { maxConcurrent: number; maxQueued?: number },
) {
  const goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-bounded-tests-0123456' }),
    passwordHasher: hasher,
    jwtSecret: 'jwt-secret-for-bounded-tests-0123456789-abcdef',
    auth: { passwordHashing, accountLoginLimit: { limit: 1000 } },
  });
  for (let index = 0; index < 12; index++) {
    await goosuke.users.create({ username: `user-${index}`, password });
  }
  // One sign-in first: it makes the hash unknown users are checked against (once per process).
  await goosuke.auth.login({ username: 'user-0', password });
  return goosuke;
}

describe('bounded password hashing on scrypt', () => {
  it('never runs more scrypt calls at once than the bound, however many sign in together', async () => {
    const real = observed(createScryptPasswordHasher({ cost: { N: 2 ** 12, r: 8, p: 1 } }));
    const goosuke = await goosukeWith(real.hasher, { maxConcurrent: 2 });
    const signIns = await Promise.all(
      Array.from({ length: 12 }, (_, index) => goosuke.auth.login({ username: `user-${index}`, password })),
    );
    expect(signIns.every((tokens) => typeof tokens.accessToken === 'string')).toBe(true);
    expect(real.peak()).toBe(2);
  });

  it('refuses sign-ins beyond the queue with a retryable rate_limited error', async () => {
    const real = observed(createScryptPasswordHasher({ cost: { N: 2 ** 12, r: 8, p: 1 } }));
    const goosuke = await goosukeWith(real.hasher, { maxConcurrent: 1, maxQueued: 3 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) => goosuke.auth.login({ username: `user-${index}`, password })),
    );
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
    expect(refused).toHaveLength(4);
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'rate_limited',
        retryable: true,
      });
    }
    expect(real.peak()).toBe(1);
  });
});
