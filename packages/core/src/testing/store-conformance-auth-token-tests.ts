import { describe, expect, it } from 'vitest';
import {
  type AccessToken,
  accessTokenSchema,
  type RefreshToken,
  refreshTokenSchema,
  type User,
} from '../domain/index.ts';
import type { Store } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import { buildAccessToken, buildRefreshToken, buildUser } from './entity-builders.ts';
import {
  byCreatedAtThenId,
  listEverything,
  type StoreTestContext,
} from './store-conformance-entity-tests.ts';
import { longText, unicodeSample } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

let hashCount = 0;

/** A fresh token hash, shaped like the hex SHA-256 the services store. */
function freshHash(): string {
  hashCount += 1;
  return `${hashCount.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
}

const revokedAt = '2026-06-01T00:00:00.000Z';
const laterRevokedAt = '2026-07-01T00:00:00.000Z';

async function storedUser(store: Store): Promise<User> {
  return store.users.insert(buildUser());
}

function sortedKeys(value: object | null): string[] {
  return Object.keys(value ?? {}).sort();
}

/** Registers the tests of the access and refresh token repositories. */
export function describeAuthTokens(context: StoreTestContext): void {
  describeAccessTokens(context);
  describeRefreshTokens(context);
}

function describeAccessTokens(context: StoreTestContext): void {
  describe('accessTokens', () => {
    it('round-trips every field through insert, get and findByHash, never returning the hash', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const variants: Array<{ label: string; token: AccessToken }> = [
        { label: 'live, never used', token: buildAccessToken({ userId: user.id }) },
        {
          label: 'used and revoked',
          token: buildAccessToken({
            userId: user.id,
            lastUsedAt: '2026-02-03T04:05:06.789Z',
            revokedAt,
          }),
        },
        {
          label: 'unicode name',
          token: buildAccessToken({ userId: user.id, name: unicodeSample, prefix: 'gsk_Ab-_' }),
        },
        {
          label: 'name of maximum length',
          token: buildAccessToken({ userId: user.id, name: longText(100) }),
        },
      ];
      for (const { label, token } of variants) {
        const hash = freshHash();
        expect(await store.accessTokens.insert(token, hash), label).toEqual(token);
        expect(await store.accessTokens.get(token.id), label).toEqual(token);
        const found = await store.accessTokens.findByHash(hash);
        expect(found, label).toEqual(token);
        expect(sortedKeys(found), label).toEqual(Object.keys(accessTokenSchema.shape).sort());
        expect(JSON.stringify(found), label).not.toContain(hash);
      }
      const listed = await store.accessTokens.list({ userId: user.id });
      expect(JSON.stringify(listed)).not.toContain('abababab');
    });

    it('finds by exact hash only, and gives null for unknown ids and hashes', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const token = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash);
      for (const near of [hash.slice(0, -1), `${hash}0`, hash.toUpperCase(), `${hash.slice(0, -1)}%`, '']) {
        expect(await store.accessTokens.findByHash(near), near).toBeNull();
      }
      expect(await store.accessTokens.findByHash(hash)).toEqual(token);
      expect(await store.accessTokens.get('missing-token')).toBeNull();
    });

    it('refuses a taken id or hash (ConflictError), an invalid record or a missing user (InvalidInputError)', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const token = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash);
      await expectRejectsWith(() => store.accessTokens.insert({ ...token }, freshHash()), 'conflict');
      await expectRejectsWith(
        () => store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash),
        'conflict',
      );
      await expectRejectsWith(
        () => store.accessTokens.insert(buildAccessToken({ userId: user.id, name: '' }), freshHash()),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.accessTokens.insert(buildAccessToken({ userId: 'missing-user' }), freshHash()),
        'invalid_input',
      );
      expect((await store.accessTokens.list({ userId: user.id })).items).toEqual([token]);
    });

    it("lists one user's tokens, revoked ones included, by createdAt then id, page by page", async () => {
      const store = context.store();
      const user = await storedUser(store);
      const other = await storedUser(store);
      const mine: AccessToken[] = [];
      for (let index = 0; index < 5; index++) {
        mine.push(
          await store.accessTokens.insert(
            buildAccessToken({ userId: user.id, ...(index === 1 ? { revokedAt } : {}) }),
            freshHash(),
          ),
        );
        await store.accessTokens.insert(buildAccessToken({ userId: other.id }), freshHash());
      }
      // Same creation instant as the first: the id breaks the tie.
      mine.push(
        await store.accessTokens.insert(
          buildAccessToken({ userId: user.id, id: `${mine[0]!.id}-b`, createdAt: mine[0]!.createdAt }),
          freshHash(),
        ),
      );
      const listed = await listEverything((options) =>
        store.accessTokens.list({ ...options, userId: user.id, limit: 2 }),
      );
      expect(listed).toEqual([...mine].sort(byCreatedAtThenId));
      expect((await store.accessTokens.list({ userId: 'nobody' })).items).toEqual([]);
      await expectRejectsWith(() => store.accessTokens.list({ userId: user.id, limit: 0 }), 'invalid_input');
    });

    it('setLastUsedAt changes only lastUsedAt; NotFoundError for a missing token', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const token = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), freshHash());
      const other = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), freshHash());
      await store.accessTokens.setLastUsedAt(token.id, '2026-03-04T05:06:07.890Z');
      expect(await store.accessTokens.get(token.id)).toEqual({
        ...token,
        lastUsedAt: '2026-03-04T05:06:07.890Z',
      });
      expect(await store.accessTokens.get(other.id)).toEqual(other);
      await expectRejectsWith(
        () => store.accessTokens.setLastUsedAt('missing-token', '2026-03-04T05:06:07.890Z'),
        'not_found',
      );
    });

    it('revoke sets revokedAt once and returns the record; NotFoundError for a missing token', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const token = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash);
      const other = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), freshHash());
      expect(await store.accessTokens.revoke(token.id, revokedAt)).toEqual({ ...token, revokedAt });
      // The first revocation time is kept.
      expect(await store.accessTokens.revoke(token.id, laterRevokedAt)).toEqual({ ...token, revokedAt });
      expect(await store.accessTokens.findByHash(hash)).toEqual({ ...token, revokedAt });
      expect(await store.accessTokens.get(other.id)).toEqual(other);
      await expectRejectsWith(() => store.accessTokens.revoke('missing-token', revokedAt), 'not_found');
    });

    it("revokeAllOfUser revokes the user's live tokens only and counts them", async () => {
      const store = context.store();
      const user = await storedUser(store);
      const other = await storedUser(store);
      const live = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), freshHash());
      const alreadyRevoked = await store.accessTokens.insert(
        buildAccessToken({ userId: user.id, revokedAt }),
        freshHash(),
      );
      const foreign = await store.accessTokens.insert(buildAccessToken({ userId: other.id }), freshHash());
      expect(await store.accessTokens.revokeAllOfUser(user.id, laterRevokedAt)).toBe(1);
      expect(await store.accessTokens.get(live.id)).toEqual({ ...live, revokedAt: laterRevokedAt });
      expect(await store.accessTokens.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
      expect(await store.accessTokens.get(foreign.id)).toEqual(foreign);
      expect(await store.accessTokens.revokeAllOfUser(user.id, laterRevokedAt)).toBe(0);
      expect(await store.accessTokens.revokeAllOfUser('nobody', laterRevokedAt)).toBe(0);
    });
  });
}

function describeRefreshTokens(context: StoreTestContext): void {
  describe('refreshTokens', () => {
    it('round-trips every field through insert and findByHash, never returning the hash', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const variants: Array<{ label: string; token: RefreshToken }> = [
        { label: 'live', token: buildRefreshToken({ userId: user.id }) },
        {
          label: 'used and revoked',
          token: buildRefreshToken({ userId: user.id, usedAt: '2026-02-03T04:05:06.789Z', revokedAt }),
        },
      ];
      for (const { label, token } of variants) {
        const hash = freshHash();
        expect(await store.refreshTokens.insert(token, hash), label).toEqual(token);
        const found = await store.refreshTokens.findByHash(hash);
        expect(found, label).toEqual(token);
        expect(sortedKeys(found), label).toEqual(Object.keys(refreshTokenSchema.shape).sort());
        expect(JSON.stringify(found), label).not.toContain(hash);
      }
      expect(await store.refreshTokens.findByHash(freshHash())).toBeNull();
    });

    it('refuses a taken id or hash (ConflictError), an invalid record or a missing user (InvalidInputError)', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const token = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), hash);
      await expectRejectsWith(() => store.refreshTokens.insert({ ...token }, freshHash()), 'conflict');
      await expectRejectsWith(
        () => store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), hash),
        'conflict',
      );
      await expectRejectsWith(
        () =>
          store.refreshTokens.insert(buildRefreshToken({ userId: user.id, expiresAt: 'soon' }), freshHash()),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.refreshTokens.insert(buildRefreshToken({ userId: 'missing-user' }), freshHash()),
        'invalid_input',
      );
    });

    it('markUsed succeeds once, and never for a revoked token; NotFoundError for a missing token', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const token = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), hash);
      const usedAt = '2026-01-05T00:00:00.000Z';
      expect(await store.refreshTokens.markUsed(token.id, usedAt)).toBe(true);
      expect(await store.refreshTokens.findByHash(hash)).toEqual({ ...token, usedAt });
      expect(await store.refreshTokens.markUsed(token.id, '2026-01-06T00:00:00.000Z')).toBe(false);
      expect(await store.refreshTokens.findByHash(hash)).toEqual({ ...token, usedAt });

      const revokedHash = freshHash();
      const revoked = await store.refreshTokens.insert(
        buildRefreshToken({ userId: user.id, revokedAt }),
        revokedHash,
      );
      expect(await store.refreshTokens.markUsed(revoked.id, usedAt)).toBe(false);
      expect(await store.refreshTokens.findByHash(revokedHash)).toEqual(revoked);
      await expectRejectsWith(() => store.refreshTokens.markUsed('missing-token', usedAt), 'not_found');
    });

    it('markUsed called twice at once succeeds for exactly one caller', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const token = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), freshHash());
      const results = await Promise.all([
        store.refreshTokens.markUsed(token.id, '2026-01-05T00:00:00.000Z'),
        store.refreshTokens.markUsed(token.id, '2026-01-05T00:00:00.001Z'),
        store.refreshTokens.markUsed(token.id, '2026-01-05T00:00:00.002Z'),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('revokeFamily revokes the live tokens of that family only and counts them', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const familyId = 'family-under-test';
      const hashes = { first: freshHash(), second: freshHash(), earlier: freshHash(), other: freshHash() };
      const first = await store.refreshTokens.insert(
        buildRefreshToken({ userId: user.id, familyId, usedAt: '2026-01-02T00:00:00.000Z' }),
        hashes.first,
      );
      const second = await store.refreshTokens.insert(
        buildRefreshToken({ userId: user.id, familyId }),
        hashes.second,
      );
      const earlier = await store.refreshTokens.insert(
        buildRefreshToken({ userId: user.id, familyId, revokedAt }),
        hashes.earlier,
      );
      const otherFamily = await store.refreshTokens.insert(
        buildRefreshToken({ userId: user.id }),
        hashes.other,
      );
      expect(await store.refreshTokens.revokeFamily(familyId, laterRevokedAt)).toBe(2);
      expect(await store.refreshTokens.findByHash(hashes.first)).toEqual({
        ...first,
        revokedAt: laterRevokedAt,
      });
      expect(await store.refreshTokens.findByHash(hashes.second)).toEqual({
        ...second,
        revokedAt: laterRevokedAt,
      });
      expect(await store.refreshTokens.findByHash(hashes.earlier)).toEqual(earlier);
      expect(await store.refreshTokens.findByHash(hashes.other)).toEqual(otherFamily);
      expect(await store.refreshTokens.markUsed(second.id, laterRevokedAt)).toBe(false);
      expect(await store.refreshTokens.revokeFamily(familyId, laterRevokedAt)).toBe(0);
    });

    it('isFamilyLive: true while the family has tokens and none is revoked', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const familyId = 'family-live-test';
      expect(await store.refreshTokens.isFamilyLive(familyId)).toBe(false);
      const first = buildRefreshToken({ userId: user.id, familyId, usedAt: '2026-01-02T00:00:00.000Z' });
      await store.refreshTokens.insert(first, freshHash());
      await store.refreshTokens.insert(buildRefreshToken({ userId: user.id, familyId }), freshHash());
      const other = buildRefreshToken({ userId: user.id });
      await store.refreshTokens.insert(other, freshHash());
      expect(await store.refreshTokens.isFamilyLive(familyId)).toBe(true);
      await store.refreshTokens.revokeFamily(familyId, laterRevokedAt);
      expect(await store.refreshTokens.isFamilyLive(familyId)).toBe(false);
      expect(await store.refreshTokens.isFamilyLive(other.familyId)).toBe(true);
      await store.refreshTokens.revokeAllOfUser(user.id, laterRevokedAt);
      expect(await store.refreshTokens.isFamilyLive(other.familyId)).toBe(false);
    });

    it('offers no list: sessions are found by their token, as the port says', () => {
      expect((context.store().refreshTokens as unknown as Record<string, unknown>).list).toBeUndefined();
    });

    it("revokeAllOfUser revokes the user's live refresh tokens only and counts them", async () => {
      const store = context.store();
      const user = await storedUser(store);
      const other = await storedUser(store);
      const mineHash = freshHash();
      const mine = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), mineHash);
      const foreignHash = freshHash();
      const foreign = await store.refreshTokens.insert(buildRefreshToken({ userId: other.id }), foreignHash);
      expect(await store.refreshTokens.revokeAllOfUser(user.id, revokedAt)).toBe(1);
      expect(await store.refreshTokens.findByHash(mineHash)).toEqual({ ...mine, revokedAt });
      expect(await store.refreshTokens.findByHash(foreignHash)).toEqual(foreign);
    });
  });

  describe('tokens and their user', () => {
    it("deleting a user deletes their access and refresh tokens, and no one else's", async () => {
      const store = context.store();
      const user = await storedUser(store);
      const other = await storedUser(store);
      const accessHash = freshHash();
      const refreshHash = freshHash();
      const access = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), accessHash);
      await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), refreshHash);
      const keptHash = freshHash();
      const kept = await store.accessTokens.insert(buildAccessToken({ userId: other.id }), keptHash);
      const keptRefreshHash = freshHash();
      const keptRefresh = await store.refreshTokens.insert(
        buildRefreshToken({ userId: other.id }),
        keptRefreshHash,
      );
      expect(await store.users.delete(user.id)).toBe(true);
      expect(await store.accessTokens.get(access.id)).toBeNull();
      expect(await store.accessTokens.findByHash(accessHash)).toBeNull();
      expect(await store.refreshTokens.findByHash(refreshHash)).toBeNull();
      expect((await store.accessTokens.list({ userId: user.id })).items).toEqual([]);
      expect(await store.accessTokens.findByHash(keptHash)).toEqual(kept);
      expect(await store.refreshTokens.findByHash(keptRefreshHash)).toEqual(keptRefresh);
      // The hash is free again once its token is gone.
      await store.users.insert(user);
      await store.accessTokens.insert(access, accessHash);
      expect(await store.accessTokens.findByHash(accessHash)).toEqual(access);
    });

    it('token writes inside a transaction commit together and roll back together', async () => {
      const store = context.store();
      const user = await storedUser(store);
      const hash = freshHash();
      const refresh = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), hash);
      const access = buildAccessToken({ userId: user.id });
      const failure = new Error('roll back');
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.refreshTokens.markUsed(refresh.id, revokedAt)).toBe(true);
          await tx.accessTokens.insert(access, freshHash());
          await tx.accessTokens.revokeAllOfUser(user.id, revokedAt);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.refreshTokens.findByHash(hash)).toEqual(refresh);
      expect(await store.accessTokens.get(access.id)).toBeNull();

      const rotated = buildRefreshToken({ userId: user.id, familyId: refresh.familyId });
      const rotatedHash = freshHash();
      await store.transaction(async (tx) => {
        expect(await tx.refreshTokens.markUsed(refresh.id, revokedAt)).toBe(true);
        await tx.refreshTokens.insert(rotated, rotatedHash);
      });
      expect(await store.refreshTokens.findByHash(hash)).toEqual({ ...refresh, usedAt: revokedAt });
      expect(await store.refreshTokens.findByHash(rotatedHash)).toEqual(rotated);
    });
  });
}
