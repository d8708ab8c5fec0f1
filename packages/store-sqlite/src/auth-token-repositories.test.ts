import { GoosukeError } from '@goosuke/core';
import { buildAccessToken, buildRefreshToken } from '@goosuke/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aUser, createTempDatabaseDirectory, type TempDatabaseDirectory } from '../test/fixtures.ts';
import { createSqliteStore, type SqliteStore } from './sqlite-store.ts';

// The behaviour both stores share is in the conformance suite; these tests look at the rows.

let directory: TempDatabaseDirectory;

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});

afterEach(async () => {
  await directory.remove();
});

async function openStore(file = directory.file()): Promise<SqliteStore> {
  return directory.track(await createSqliteStore({ database: file }));
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  try {
    await promise;
  } catch (error) {
    expect(GoosukeError.isInstance(error), String(error)).toBe(true);
    return error as GoosukeError;
  }
  throw new Error('expected a rejection');
}

const hash = 'c0ffee'.repeat(10);

describe('auth token tables', () => {
  it('store the hash in token_hash and nowhere in what reads return', async () => {
    const store = await openStore();
    const user = await store.users.insert(aUser());
    const access = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash);
    const refresh = await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), `${hash}ff`);
    expect(
      store.database
        .prepare('select token_hash from goosuke_access_tokens where id = ?')
        .pluck()
        .get(access.id),
    ).toBe(hash);
    expect(
      store.database
        .prepare('select token_hash from goosuke_refresh_tokens where id = ?')
        .pluck()
        .get(refresh.id),
    ).toBe(`${hash}ff`);
    const reads = JSON.stringify([
      await store.accessTokens.get(access.id),
      await store.accessTokens.findByHash(hash),
      await store.accessTokens.list({ userId: user.id }),
      await store.accessTokens.revoke(access.id, '2026-05-01T00:00:00.000Z'),
      await store.refreshTokens.findByHash(`${hash}ff`),
    ]);
    expect(reads).not.toContain('c0ffee');
  });

  it('name the hash, not its column, for a duplicate, and the user for a missing owner', async () => {
    const store = await openStore();
    const user = await store.users.insert(aUser());
    await store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash);
    const duplicate = await rejection(store.accessTokens.insert(buildAccessToken({ userId: user.id }), hash));
    expect(duplicate.code).toBe('conflict');
    expect(duplicate.message).toBe('an access token with this hash already exists');
    const orphan = await rejection(
      store.refreshTokens.insert(buildRefreshToken({ userId: 'user_missing' }), `${hash}01`),
    );
    expect(orphan.code).toBe('invalid_input');
    expect(orphan.message).toBe('invalid refresh token: user "user_missing" does not exist');
    const badTime = await rejection(store.refreshTokens.revokeFamily('family', 'yesterday'));
    expect(badTime.code).toBe('invalid_input');
  });

  it('let exactly one of two connections use a refresh token', async () => {
    const file = directory.file();
    const first = await openStore(file);
    const second = await openStore(file);
    const user = await first.users.insert(aUser());
    const token = await first.refreshTokens.insert(buildRefreshToken({ userId: user.id }), hash);
    const results = await Promise.all([
      first.refreshTokens.markUsed(token.id, '2026-01-02T00:00:00.000Z'),
      second.refreshTokens.markUsed(token.id, '2026-01-02T00:00:00.001Z'),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('find tokens by hash and list them per user through indexes', async () => {
    const store = await openStore();
    const plan = (sql: string, ...parameters: string[]) =>
      (store.database.prepare(`explain query plan ${sql}`).all(...parameters) as Array<{ detail: string }>)
        .map((step) => step.detail)
        .join('\n');
    expect(plan('select id from goosuke_access_tokens where token_hash = ?', 'h')).toMatch(
      /USING INDEX goosuke_access_tokens_hash/,
    );
    expect(plan('select id from goosuke_refresh_tokens where token_hash = ?', 'h')).toMatch(
      /USING INDEX goosuke_refresh_tokens_hash/,
    );
    expect(
      plan(
        'update goosuke_refresh_tokens set revoked_at = ? where family_id = ? and revoked_at is null',
        'a',
        'f',
      ),
    ).toMatch(/USING INDEX goosuke_refresh_tokens_family/);
    const listed = plan(
      'select * from goosuke_access_tokens where user_id = ? and (created_at, id) > (?, ?) order by created_at, id limit 3',
      'u',
      'a',
      'b',
    );
    expect(listed).toMatch(/USING INDEX goosuke_access_tokens_user/);
    expect(listed).not.toMatch(/TEMP B-TREE/);
  });
});
