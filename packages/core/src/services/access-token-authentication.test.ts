import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

// Authentication keeps personal access tokens it verified under the store's change token. The
// memory store gives no change token (nothing would be reused), so these tests give it one the
// way a real store does: it moves with every write. Every method not known to only read counts
// as a write, so a method added later can make the cache miss, never return stale data.
const readMethods = new Set([
  'get',
  'getByUsername',
  'getPasswordHash',
  'findByHash',
  'isFamilyLive',
  'list',
  'count',
]);

interface TrackedStore {
  store: Store;
  /** Calls of `accessTokens.findByHash`, the token's record read. */
  recordReads(): number;
}

function withChangeToken(inner: Store): TrackedStore {
  let version = 0;
  let recordReads = 0;
  const bump = () => {
    version++;
  };
  const wrapRepository = (name: string, repository: object) =>
    new Proxy(repository, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        if (readMethods.has(key)) {
          return (...args: unknown[]) => {
            if (name === 'accessTokens' && key === 'findByHash') recordReads++;
            return value.apply(target, args);
          };
        }
        // Moved before the write and after it: a token taken while it runs is not reused.
        return async (...args: unknown[]) => {
          bump();
          try {
            return await value.apply(target, args);
          } finally {
            bump();
          }
        };
      },
    });
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'changeToken') return async () => String(version);
      if (key === 'transaction') {
        return async (work: (tx: Store) => Promise<unknown>) => {
          bump();
          try {
            return await target.transaction(work);
          } finally {
            bump();
          }
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'object' && value !== null && typeof key === 'string'
        ? wrapRepository(key, value)
        : value;
    },
  });
  return { store, recordReads: () => recordReads };
}

const password = 'correct horse battery staple';
const start = '2026-04-01T08:00:00.000Z';

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

describe('personal access tokens verified once, while the store is unchanged', () => {
  let tracked: TrackedStore;
  let clock: FixedClock;
  let goosuke: Goosuke;
  let root: User;
  let ada: User;
  let adaActor: Principal;

  beforeEach(async () => {
    tracked = withChangeToken(createMemoryStore());
    clock = createFixedClock(start);
    goosuke = createGoosuke({
      store: tracked.store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-pat-cache-tests-01' }),
      clock,
      ids: createSequentialIdGenerator(),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret: 'jwt-secret-for-pat-cache-tests-0123456789-abcdef',
    });
    root = await goosuke.users.create({ username: 'root', password, role: 'admin' });
    ada = await goosuke.users.create({ username: 'ada', password });
    adaActor = { userId: ada.id, username: 'ada', role: 'member', via: 'jwt', authenticatedAt: start };
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const accepted = async (token: string) => (await goosuke.auth.authenticate(token)).userId === ada.id;
  const refused = async (token: string) =>
    (await codeOf(goosuke.auth.authenticate(token))) === 'unauthorized';
  /** A token of ada's, used once (its `lastUsedAt` written), then once more (now cached). */
  async function warmToken(): Promise<{ token: string; id: string }> {
    const { token, record } = await goosuke.tokens.create(ada.id, { name: 'ci' });
    expect(await accepted(token)).toBe(true);
    expect(await accepted(token)).toBe(true);
    return { token, id: record.id };
  }

  it('hashes a token once and reads its record again only when the store changed', async () => {
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    const { token, record } = await goosuke.tokens.create(ada.id, { name: 'ci' });
    digest.mockClear();
    const reads = tracked.recordReads();
    // The first use hashes and reads, and writes lastUsedAt (a write): the second reads again.
    expect(await accepted(token)).toBe(true);
    expect(await accepted(token)).toBe(true);
    expect(tracked.recordReads() - reads).toBe(2);
    // Then no hashing (the Web Crypto thread-pool round trip) and no record read per request.
    for (let request = 0; request < 5; request++) {
      clock.advance(1_000);
      expect(await accepted(token)).toBe(true);
    }
    expect(tracked.recordReads() - reads).toBe(2);
    expect(digest).toHaveBeenCalledTimes(1);
    // Any write moves the change token: the record is read again, the hash kept.
    await goosuke.users.create({ username: 'grace', password });
    digest.mockClear();
    expect(await accepted(token)).toBe(true);
    expect(tracked.recordReads() - reads).toBe(3);
    expect(digest).not.toHaveBeenCalled();
    // lastUsedAt is still written once a minute from the cached record.
    clock.set('2026-04-01T08:01:00.000Z');
    expect(await accepted(token)).toBe(true);
    expect((await goosuke.tokens.get(record.id)).lastUsedAt).toBe('2026-04-01T08:01:00.000Z');
    clock.advance(30_000);
    expect(await accepted(token)).toBe(true);
    expect((await goosuke.tokens.get(record.id)).lastUsedAt).toBe('2026-04-01T08:01:00.000Z');
  });

  it('refuses a cached token right after it is revoked', async () => {
    const { token, id } = await warmToken();
    await goosuke.as(adaActor).tokens.revoke(id);
    expect(await refused(token)).toBe(true);
    // Refused again (a revoked token is not kept as verified), while other tokens still work.
    expect(await refused(token)).toBe(true);
    expect(await accepted((await warmToken()).token)).toBe(true);
  });

  it("refuses a cached token right after its user is disabled, and re-enabling doesn't revive it", async () => {
    const { token } = await warmToken();
    await goosuke.as(root).users.update(ada.id, { disabled: true });
    expect(await refused(token)).toBe(true);
    await goosuke.as(root).users.update(ada.id, { disabled: false });
    expect(await refused(token)).toBe(true);
  });

  it('refuses a cached token right after a password change, a reset and a sign-out everywhere', async () => {
    const first = await warmToken();
    await goosuke
      .as(adaActor)
      .account.changePassword({ currentPassword: password, newPassword: 'a brand new passphrase 42' });
    expect(await refused(first.token)).toBe(true);
    const second = await warmToken();
    await goosuke.as(root).users.resetPassword(ada.id, { newPassword: 'yet another passphrase 43' });
    expect(await refused(second.token)).toBe(true);
    const third = await warmToken();
    await goosuke.as(root).users.signOut(ada.id);
    expect(await refused(third.token)).toBe(true);
  });

  it('refuses a cached token once it expires, though nothing was written', async () => {
    const { token, record } = await goosuke.tokens.create(ada.id, { name: 'ci', expiresInDays: 1 });
    expect(await accepted(token)).toBe(true);
    clock.set(Date.parse(record.expiresAt) - 30_000);
    // This use writes lastUsedAt (moving the change token); the next reads the record again.
    expect(await accepted(token)).toBe(true);
    expect(await accepted(token)).toBe(true);
    const reads = tracked.recordReads();
    clock.advance(29_999);
    expect(await accepted(token)).toBe(true);
    expect(tracked.recordReads()).toBe(reads);
    clock.advance(1);
    expect(await refused(token)).toBe(true);
  });

  it('refuses unknown tokens every time, and keeps none of them', async () => {
    const unknown = `gsk_${'A'.repeat(43)}`;
    const reads = tracked.recordReads();
    expect(await refused(unknown)).toBe(true);
    expect(await refused(unknown)).toBe(true);
    expect(tracked.recordReads() - reads).toBe(2);
  });
});
