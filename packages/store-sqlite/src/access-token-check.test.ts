import { createGoosuke, createWebCryptoSecretBox, type Goosuke } from '@goosuke/core';
import { createFakePasswordHasher } from '@goosuke/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDatabaseDirectory, type TempDatabaseDirectory } from '../test/fixtures.ts';
import { createSqliteStore, type SqliteStore } from './sqlite-store.ts';

// Authentication keeps a personal access token it verified while the database's change token
// holds: no hashing and no read of the token's record per request. A revocation must still end
// the token at once, on the instance that made it and on any other process on the same file.
let directory: TempDatabaseDirectory;
beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});
afterEach(async () => {
  await directory.remove();
});

const password = 'correct horse battery staple';

/** A Goosuke on its own connection to `database`, as a server process would open it. */
async function instance(
  database: string,
): Promise<{ goosuke: Goosuke; store: SqliteStore; reads(): number }> {
  const store = directory.track(await createSqliteStore({ database }));
  let reads = 0;
  const findByHash = store.accessTokens.findByHash;
  store.accessTokens.findByHash = (hash) => {
    reads++;
    return findByHash(hash);
  };
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-token-check-0123' }),
    passwordHasher: createFakePasswordHasher(),
    jwtSecret: 'jwt-secret-for-token-check-0123456789-abcdef',
  });
  return { goosuke, store, reads: () => reads };
}

const refusal = { code: 'unauthorized' };

describe('personal access tokens on SQLite', () => {
  it('are read once while nothing is written; a revocation or a disabling ends them at once on the same instance', async () => {
    const server = await instance(directory.file());
    const ada = await server.goosuke.users.create({ username: 'ada', password });
    const { token, record } = await server.goosuke.tokens.create(ada.id, { name: 'ci' });
    // The first use writes lastUsedAt, which moves the change token; the second reads again.
    await server.goosuke.auth.authenticate(token);
    await server.goosuke.auth.authenticate(token);
    const reads = server.reads();
    for (let request = 0; request < 5; request++) {
      expect((await server.goosuke.auth.authenticate(token)).userId).toBe(ada.id);
    }
    expect(server.reads()).toBe(reads);

    await server.goosuke.tokens.revoke(record.id);
    await expect(server.goosuke.auth.authenticate(token)).rejects.toMatchObject(refusal);

    const other = await server.goosuke.tokens.create(ada.id, { name: 'other' });
    await server.goosuke.auth.authenticate(other.token);
    await server.goosuke.auth.authenticate(other.token);
    await server.goosuke.users.setDisabled(ada.id, true);
    await expect(server.goosuke.auth.authenticate(other.token)).rejects.toMatchObject(refusal);
  });

  it('a revocation by another process on the same file ends a token at the next request', async () => {
    const database = directory.file();
    const first = await instance(database);
    const second = await instance(database);
    const ada = await first.goosuke.users.create({ username: 'ada', password });
    const { token, record } = await first.goosuke.tokens.create(ada.id, { name: 'ci' });
    for (let request = 0; request < 3; request++) await second.goosuke.auth.authenticate(token);
    const reads = second.reads();
    await second.goosuke.auth.authenticate(token);
    expect(second.reads()).toBe(reads);

    await first.goosuke.tokens.revoke(record.id);
    await expect(second.goosuke.auth.authenticate(token)).rejects.toMatchObject(refusal);

    // And a sign-out everywhere by the other process, for a token the second one had cached.
    const another = await first.goosuke.tokens.create(ada.id, { name: 'another' });
    for (let request = 0; request < 3; request++) await second.goosuke.auth.authenticate(another.token);
    await first.goosuke.users.signOutEverywhere(ada.id);
    await expect(second.goosuke.auth.authenticate(another.token)).rejects.toMatchObject(refusal);
  });
});
