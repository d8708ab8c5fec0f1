import { createGoosuke, createWebCryptoSecretBox } from '@goosuke/core';
import { createFakePasswordHasher } from '@goosuke/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDatabaseDirectory, type TempDatabaseDirectory } from '../test/fixtures.ts';
import { createSqliteStore } from './sqlite-store.ts';

// Authentication checks every access JWT's session; on SQLite the answer is reused while the
// database's change token holds, so a request to an idle store costs no query for it.
let directory: TempDatabaseDirectory;
beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});
afterEach(async () => {
  await directory.remove();
});

describe('the session check of authentication on SQLite', () => {
  it('reads a session once while nothing is written, again after a write, and sees a sign-out at once', async () => {
    const store = directory.track(await createSqliteStore({ database: directory.file() }));
    const reads: string[] = [];
    const isFamilyLive = store.refreshTokens.isFamilyLive;
    store.refreshTokens.isFamilyLive = (familyId) => {
      reads.push(familyId);
      return isFamilyLive(familyId);
    };
    const goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-session-check-0123' }),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret: 'jwt-secret-for-session-check-0123456789-abcdef',
    });
    const password = 'correct horse battery staple';
    await goosuke.users.create({ username: 'ada', password });
    const session = await goosuke.auth.login({ username: 'ada', password });
    for (let request = 0; request < 5; request++) await goosuke.auth.authenticate(session.accessToken);
    expect(reads).toHaveLength(1);
    await goosuke.users.create({ username: 'grace', password });
    await goosuke.auth.authenticate(session.accessToken);
    expect(reads).toHaveLength(2);
    await goosuke.auth.logout(session.refreshToken);
    await expect(goosuke.auth.authenticate(session.accessToken)).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
