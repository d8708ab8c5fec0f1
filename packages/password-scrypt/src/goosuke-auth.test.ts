import { createGoosuke, createWebCryptoSecretBox, type GoosukeError, type Store } from '@goosuke/core';
import { createMemoryStore } from '@goosuke/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createScryptPasswordHasher, type ScryptCost } from './index.ts';

// The core auth services on the real hasher (cheap parameters), as a composition root wires them.
const password = 'correct horse battery staple';
const jwtSecret = 'jwt-secret-for-scrypt-tests-0123456789-abcdef';

async function goosukeOn(store: Store, cost: ScryptCost) {
  return createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-scrypt-tests-0123456789' }),
    passwordHasher: createScryptPasswordHasher({ cost }),
    jwtSecret,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: GoosukeError) => error.code,
  );
}

describe('Goosuke auth on scrypt', () => {
  let store: Store;

  beforeEach(() => {
    store = createMemoryStore();
  });

  it('creates a user, signs them in, refuses wrong passwords and unknown users alike', async () => {
    const goosuke = await goosukeOn(store, { N: 2 ** 10, r: 8, p: 1 });
    const user = await goosuke.users.create({ username: 'ada', password, role: 'admin' });
    expect(await store.users.getPasswordHash(user.id)).toMatch(/^scrypt\$N=1024,r=8,p=1\$/);
    const { accessToken } = await goosuke.auth.login({ username: 'ada', password });
    expect((await goosuke.auth.authenticate(accessToken)).userId).toBe(user.id);
    const wrong = await goosuke.auth.login({ username: 'ada', password: 'wrong password!' }).catch((e) => e);
    const unknown = await goosuke.auth.login({ username: 'bob', password }).catch((e) => e);
    expect([wrong.code, wrong.message]).toEqual(['unauthorized', 'wrong username or password']);
    expect([unknown.code, unknown.message]).toEqual(['unauthorized', 'wrong username or password']);
  });

  it('upgrades a hash to a raised cost at the next sign-in', async () => {
    const before = await goosukeOn(store, { N: 2 ** 10, r: 8, p: 1 });
    const user = await before.users.create({ username: 'ada', password });
    const after = await goosukeOn(store, { N: 2 ** 11, r: 8, p: 1 });
    expect(await codeOf(after.auth.login({ username: 'ada', password: 'wrong password!' }))).toBe(
      'unauthorized',
    );
    expect(await store.users.getPasswordHash(user.id)).toMatch(/^scrypt\$N=1024,/);
    await after.auth.login({ username: 'ada', password });
    expect(await store.users.getPasswordHash(user.id)).toMatch(/^scrypt\$N=2048,/);
    // The old instance still verifies the upgraded hash.
    expect((await before.auth.login({ username: 'ada', password })).user.id).toBe(user.id);
  });

  it('changes a password: the old one stops working', async () => {
    const goosuke = await goosukeOn(store, { N: 2 ** 10, r: 8, p: 1 });
    const user = await goosuke.users.create({ username: 'ada', password });
    const newPassword = 'an entirely new passphrase';
    expect(
      await codeOf(goosuke.users.changePassword(user.id, { currentPassword: 'nope', newPassword })),
    ).toBe('invalid_input');
    await goosuke.users.changePassword(user.id, { currentPassword: password, newPassword });
    expect(await codeOf(goosuke.auth.login({ username: 'ada', password }))).toBe('unauthorized');
    expect((await goosuke.auth.login({ username: 'ada', password: newPassword })).user.id).toBe(user.id);
  });
});
