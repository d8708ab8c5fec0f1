import { beforeEach, describe, expect, it } from 'vitest';
import { hashOpaqueToken } from '../auth/opaque-token.ts';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Principal, User } from '../domain/index.ts';
import { GoosukeError, type InvalidInputError } from '../errors/index.ts';
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
const newPassword = 'a whole new passphrase 2026';

async function failure(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return error as GoosukeError;
}

describe('user service', () => {
  let store: Store;
  let clock: FixedClock;
  let goosuke: Goosuke;

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock('2026-04-01T08:00:00.000Z');
    goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-user-tests-0123456789' }),
      clock,
      ids: createSequentialIdGenerator(),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret: 'jwt-secret-for-user-tests-0123456789-abcdefgh',
    });
  });

  function principalOf(user: User): Principal {
    // Signed in just now: recent enough to create access tokens.
    return {
      userId: user.id,
      username: user.username,
      role: user.role,
      via: 'jwt',
      authenticatedAt: '2026-04-01T08:00:00.000Z',
    };
  }

  describe('create', () => {
    it('stores a member by default, with the display name defaulting to the username and only a hash of the password', async () => {
      const user = await goosuke.users.create({ username: '  Ada.Lovelace ', password });
      expect(user).toEqual({
        id: 'user_000001',
        username: 'ada.lovelace',
        displayName: 'ada.lovelace',
        role: 'member',
        disabled: false,
        createdAt: '2026-04-01T08:00:00.000Z',
        updatedAt: '2026-04-01T08:00:00.000Z',
      });
      const hash = await store.users.getPasswordHash(user.id);
      expect(hash).toMatch(/^fake\$v1\$/);
      expect(hash).not.toContain(password);
      expect(JSON.stringify(user)).not.toContain(password);
      const admin = await goosuke.users.create({
        username: 'grace',
        displayName: 'Grace Hopper',
        password,
        role: 'admin',
      });
      expect(admin).toMatchObject({ displayName: 'Grace Hopper', role: 'admin' });
    });

    it('refuses a taken username, whatever its case, with a ConflictError', async () => {
      await goosuke.users.create({ username: 'ada', password });
      const error = await failure(goosuke.users.create({ username: 'ADA', password }));
      expect(error.code).toBe('conflict');
      expect((await goosuke.users.list()).items).toHaveLength(1);
    });

    it('refuses weak passwords and bad usernames, never echoing the password', async () => {
      for (const weak of ['short-pw', 'aaaaaaaaaaaaaaaa', 'x'.repeat(1025)]) {
        const error = (await failure(
          goosuke.users.create({ username: 'ada', password: weak }),
        )) as InvalidInputError;
        expect(error.code).toBe('invalid_input');
        expect(error.issues[0]?.path).toEqual(['password']);
        expect(JSON.stringify(error)).not.toContain(weak);
        expect(error.message).not.toContain(weak);
      }
      for (const username of ['a', 'has space', 'ümlaut', '-leading']) {
        expect((await failure(goosuke.users.create({ username, password }))).code).toBe('invalid_input');
      }
      expect(
        (await failure(goosuke.users.create({ username: 'ada', password, admin: true } as never))).code,
      ).toBe('invalid_input');
      expect(await goosuke.users.count()).toBe(0);
    });
  });

  describe('reads', () => {
    it('gets, lists page by page and counts by role and state', async () => {
      const made: User[] = [];
      for (const [username, role] of [
        ['root', 'admin'],
        ['ada', 'member'],
        ['grace', 'admin'],
        ['linus', 'member'],
      ] as const) {
        made.push(await goosuke.users.create({ username, password, role }));
        clock.advance(1000);
      }
      await goosuke.users.setDisabled(made[3]!.id, true);
      expect(await goosuke.users.get(made[1]!.id)).toEqual(made[1]);
      expect((await failure(goosuke.users.get('user_missing'))).code).toBe('not_found');
      const first = await goosuke.users.list({ limit: 3 });
      expect(first.items.map((user) => user.username)).toEqual(['root', 'ada', 'grace']);
      const second = await goosuke.users.list({ limit: 3, cursor: first.nextCursor });
      expect(second).toEqual({ items: [expect.objectContaining({ username: 'linus' })], nextCursor: null });
      expect(await goosuke.users.count()).toBe(4);
      expect(await goosuke.users.count({ role: 'admin' })).toBe(2);
      expect(await goosuke.users.count({ role: 'member', disabled: false })).toBe(1);
      expect(await goosuke.users.count({ disabled: true })).toBe(1);
    });
  });

  describe('roles and disabling', () => {
    it('changes roles, but never demotes the last enabled admin', async () => {
      const root = await goosuke.users.create({ username: 'root', password, role: 'admin' });
      const ada = await goosuke.users.create({ username: 'ada', password });
      const refused = await failure(goosuke.users.setRole(root.id, 'member'));
      expect(refused.code).toBe('conflict');
      expect(refused.message).toContain('last enabled admin');
      clock.advance(5000);
      expect(await goosuke.users.setRole(ada.id, 'admin')).toEqual({
        ...ada,
        role: 'admin',
        updatedAt: '2026-04-01T08:00:05.000Z',
      });
      expect((await goosuke.users.setRole(root.id, 'member')).role).toBe('member');
      expect((await failure(goosuke.users.setRole(ada.id, 'member'))).code).toBe('conflict');
      expect((await failure(goosuke.users.setRole(ada.id, 'owner' as never))).code).toBe('invalid_input');
      expect((await failure(goosuke.users.setRole('user_missing', 'admin'))).code).toBe('not_found');
    });

    it('updates role and disabled flag together, or neither', async () => {
      const root = await goosuke.users.create({ username: 'root', password, role: 'admin' });
      const ada = await goosuke.users.create({ username: 'ada', password });
      // Promoting ada and disabling root at once leaves an enabled admin: both apply.
      expect((await goosuke.users.update(ada.id, { role: 'admin', disabled: false })).role).toBe('admin');
      expect((await goosuke.users.update(root.id, { role: 'member', disabled: true })).disabled).toBe(true);
      // Ada is now the last enabled admin: the request is refused as a whole and nothing changes.
      const refused = await failure(goosuke.users.update(ada.id, { role: 'member', disabled: true }));
      expect(refused.code).toBe('conflict');
      expect(await goosuke.users.get(ada.id)).toMatchObject({ role: 'admin', disabled: false });
      expect((await failure(goosuke.users.update('user_missing', { disabled: true }))).code).toBe(
        'not_found',
      );
      expect((await failure(goosuke.users.update(ada.id, { role: 'owner' as never }))).code).toBe(
        'invalid_input',
      );
    });

    it('disables a user, revoking their refresh and access tokens; a disabled admin is no admin', async () => {
      const root = await goosuke.users.create({ username: 'root', password, role: 'admin' });
      const ada = await goosuke.users.create({ username: 'ada', password, role: 'admin' });
      const session = await goosuke.auth.login({ username: 'ada', password });
      const { record } = await goosuke.as(principalOf(ada)).tokens.create({ name: 'ci' });
      const disabled = await goosuke.users.setDisabled(ada.id, true);
      expect(disabled.disabled).toBe(true);
      expect((await store.accessTokens.get(record.id))?.revokedAt).toBe('2026-04-01T08:00:00.000Z');
      const refresh = await store.refreshTokens.findByHash(await hashOpaqueToken(session.refreshToken));
      expect(refresh?.revokedAt).toBe('2026-04-01T08:00:00.000Z');
      await failure(goosuke.auth.refresh(session.refreshToken));
      // Root is now the only enabled admin.
      expect((await failure(goosuke.users.setDisabled(root.id, true))).code).toBe('conflict');
      expect((await failure(goosuke.users.setRole(root.id, 'member'))).code).toBe('conflict');
      expect((await goosuke.users.setDisabled(ada.id, false)).disabled).toBe(false);
      expect((await goosuke.users.setDisabled(root.id, true)).disabled).toBe(true);
      expect((await failure(goosuke.users.setDisabled(ada.id, 'yes' as never))).code).toBe('invalid_input');
    });
  });

  describe('passwords', () => {
    it('changes one’s own password after checking the current one, and signs every session out', async () => {
      const ada = await goosuke.users.create({ username: 'ada', password });
      const session = await goosuke.auth.login({ username: 'ada', password });
      const wrong = (await failure(
        goosuke.users.changePassword(ada.id, { currentPassword: 'not my password', newPassword }),
      )) as InvalidInputError;
      expect(wrong.code).toBe('invalid_input');
      expect(wrong.issues[0]?.path).toEqual(['currentPassword']);
      expect((await goosuke.auth.login({ username: 'ada', password })).user.id).toBe(ada.id);

      await goosuke.users.changePassword(ada.id, { currentPassword: password, newPassword });
      expect((await failure(goosuke.auth.login({ username: 'ada', password }))).code).toBe('unauthorized');
      expect((await goosuke.auth.login({ username: 'ada', password: newPassword })).user.id).toBe(ada.id);
      expect((await failure(goosuke.auth.refresh(session.refreshToken))).code).toBe('unauthorized');
      const weak = await failure(
        goosuke.users.changePassword(ada.id, { currentPassword: newPassword, newPassword: 'short' }),
      );
      expect(weak.code).toBe('invalid_input');
      expect(
        (
          await failure(
            goosuke.users.changePassword('user_missing', { currentPassword: password, newPassword }),
          )
        ).code,
      ).toBe('not_found');
    });

    it('resets a password without the current one', async () => {
      const ada = await goosuke.users.create({ username: 'ada', password });
      const session = await goosuke.auth.login({ username: 'ada', password });
      await goosuke.users.resetPassword(ada.id, { newPassword });
      expect((await goosuke.auth.login({ username: 'ada', password: newPassword })).user.id).toBe(ada.id);
      expect((await failure(goosuke.auth.refresh(session.refreshToken))).code).toBe('unauthorized');
      expect(
        (await failure(goosuke.users.resetPassword(ada.id, { newPassword: 'zzzzzzzzzzzzzz' }))).code,
      ).toBe('invalid_input');
      expect((await failure(goosuke.users.resetPassword('user_missing', { newPassword }))).code).toBe(
        'not_found',
      );
    });
  });
});
