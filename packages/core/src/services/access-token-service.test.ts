import { beforeEach, describe, expect, it } from 'vitest';
import { hashOpaqueToken } from '../auth/opaque-token.ts';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Principal, User } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFakePasswordHasher,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
  type FixedClock,
} from '../testing/index.ts';

const password = 'correct horse battery staple';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return (error as GoosukeError).code;
}

// Signed in at the fixed clock's start: recent enough to create tokens without the password.
function principalOf(user: User, via: Principal['via'] = 'jwt'): Principal {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    via,
    authenticatedAt: '2026-04-01T08:00:00.000Z',
  };
}

describe('access token service', () => {
  let store: Store;
  let clock: FixedClock;
  let goosuke: Goosuke;
  let admin: Principal;
  let ada: Principal;
  let grace: Principal;

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock('2026-04-01T08:00:00.000Z');
    goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-token-tests-0123456789' }),
      clock,
      ids: createSequentialIdGenerator(),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret: 'jwt-secret-for-token-tests-0123456789-abcdefgh',
    });
    admin = principalOf(await goosuke.users.create({ username: 'root', password, role: 'admin' }));
    ada = principalOf(await goosuke.users.create({ username: 'ada', password }));
    grace = principalOf(await goosuke.users.create({ username: 'grace', password }));
  });

  it('creates a token shown once, stored only as its hash, expiring in 90 days by default', async () => {
    const { token, record } = await goosuke.as(ada).tokens.create({ name: '  CI deploy ' });
    expect(token).toMatch(/^gsk_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({
      id: 'token_000001',
      userId: ada.userId,
      name: 'CI deploy',
      prefix: token.slice(0, 12),
      expiresAt: '2026-06-30T08:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
      createdAt: '2026-04-01T08:00:00.000Z',
    });
    expect(await store.accessTokens.findByHash(await hashOpaqueToken(token))).toEqual(record);
    expect(JSON.stringify(await goosuke.as(ada).tokens.list())).not.toContain(token);
    const yearLong = await goosuke.as(ada).tokens.create({ name: 'yearly', expiresInDays: 365 });
    expect(yearLong.record.expiresAt).toBe('2027-04-01T08:00:00.000Z');
    expect(yearLong.token).not.toBe(token);
  });

  it('refuses tokens without expiry limits or name, and for disabled users', async () => {
    for (const input of [
      { name: 'x', expiresInDays: 366 },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: 1.5 },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: 'x', expiresAt: '2099-01-01T00:00:00.000Z' },
    ]) {
      expect(await codeOf(goosuke.as(ada).tokens.create(input as never)), JSON.stringify(input)).toBe(
        'invalid_input',
      );
    }
    await goosuke.users.setDisabled(grace.userId, true);
    expect(await codeOf(goosuke.as(grace).tokens.create({ name: 'x' }))).toBe('forbidden');
    expect(await codeOf(goosuke.as({ ...ada, userId: 'user_gone' }).tokens.create({ name: 'x' }))).toBe(
      'forbidden',
    );
    // A token cannot mint another token: a leaked one must not outlive its own expiry.
    expect(await codeOf(goosuke.as({ ...ada, via: 'token' }).tokens.create({ name: 'x' }))).toBe('forbidden');
  });

  it("lists one's own tokens; only admins list another user's", async () => {
    const first = await goosuke.as(ada).tokens.create({ name: 'one' });
    clock.advance(1000);
    const second = await goosuke.as(ada).tokens.create({ name: 'two' });
    await goosuke.as(ada).tokens.revoke(second.record.id);
    await goosuke.as(grace).tokens.create({ name: 'grace' });
    const mine = await goosuke.as(ada).tokens.list();
    expect(mine.items.map((token) => token.name)).toEqual(['one', 'two']);
    expect(mine.items[1]?.revokedAt).not.toBeNull();
    expect((await goosuke.as(ada).tokens.list({ limit: 1 })).items).toEqual([first.record]);
    expect(await goosuke.as(admin).tokens.list({ userId: ada.userId })).toEqual(mine);
    expect((await goosuke.as(admin).tokens.list()).items).toEqual([]);
    expect(await codeOf(goosuke.as(grace).tokens.list({ userId: ada.userId }))).toBe('forbidden');
    expect((await goosuke.as(ada).tokens.list({ userId: ada.userId })).items).toHaveLength(2);
  });

  it("revokes one's own tokens; another user's token is not found unless the actor is admin", async () => {
    const { token, record } = await goosuke.as(ada).tokens.create({ name: 'ci' });
    expect(await codeOf(goosuke.as(grace).tokens.revoke(record.id))).toBe('not_found');
    expect((await goosuke.auth.authenticate(token)).userId).toBe(ada.userId);
    clock.advance(1000);
    const revoked = await goosuke.as(ada).tokens.revoke(record.id);
    expect(revoked).toEqual({
      ...record,
      lastUsedAt: expect.any(String),
      revokedAt: '2026-04-01T08:00:01.000Z',
    });
    clock.advance(1000);
    expect((await goosuke.as(ada).tokens.revoke(record.id)).revokedAt).toBe('2026-04-01T08:00:01.000Z');
    expect(await codeOf(goosuke.auth.authenticate(token))).toBe('unauthorized');

    const other = await goosuke.as(grace).tokens.create({ name: 'grace ci' });
    expect((await goosuke.as(admin).tokens.revoke(other.record.id)).revokedAt).not.toBeNull();
    expect(await codeOf(goosuke.as(admin).tokens.revoke('token_missing'))).toBe('not_found');
  });

  it('works without a password hasher or JWT secret: tokens need only the store', async () => {
    const bare = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-token-tests-0123456789' }),
      clock,
    });
    expect(await codeOf(bare.auth.login({ username: 'ada', password }))).toBe('unsupported');
    expect(await codeOf(bare.users.count())).toBe('unsupported');
    expect((await bare.as(ada).tokens.create({ name: 'x' })).token).toMatch(/^gsk_/);
  });
});
