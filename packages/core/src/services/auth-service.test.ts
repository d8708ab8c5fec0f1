import { beforeEach, describe, expect, it } from 'vitest';
import { createHmacJwtCodec } from '../auth/hmac-jwt-codec.ts';
import { hashOpaqueToken } from '../auth/opaque-token.ts';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { JsonValue, Principal, User } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFakePasswordHasher,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
  type FakePasswordHasher,
  type FixedClock,
} from '../testing/index.ts';
import { type AuthSettings, defaultAccessTokenTtlSeconds } from './auth-service.ts';

const jwtSecret = 'jwt-secret-for-auth-tests-0123456789-abcdefgh';
const password = 'correct horse battery staple';
const start = '2026-04-01T08:00:00.000Z';

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

async function expectUnauthorized(
  promise: Promise<unknown>,
  message = 'invalid or expired token',
): Promise<void> {
  const error = await failure(promise);
  expect(error.code).toBe('unauthorized');
  expect(error.message).toBe(message);
}

const wrongCredentials = 'wrong username or password';

describe('auth service', () => {
  let store: Store;
  let clock: FixedClock;
  let hasher: FakePasswordHasher;
  let goosuke: Goosuke;
  let ada: User;

  async function build(options: { hasher?: FakePasswordHasher; auth?: AuthSettings } = {}): Promise<Goosuke> {
    return createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-auth-tests-0123456789' }),
      clock,
      ids: createSequentialIdGenerator(),
      passwordHasher: options.hasher ?? hasher,
      jwtSecret,
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    });
  }

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock(start);
    hasher = createFakePasswordHasher();
    goosuke = await build();
    ada = await goosuke.users.create({ username: 'ada', password, role: 'admin' });
  });

  describe('login', () => {
    it('returns a 24 h access JWT for the user and a stored-hashed 30 day refresh token', async () => {
      const tokens = await goosuke.auth.login({ username: 'ada', password });
      expect(tokens).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: defaultAccessTokenTtlSeconds,
        refreshTokenExpiresAt: '2026-05-01T08:00:00.000Z',
        user: ada,
      });
      const codec = createHmacJwtCodec({ secret: jwtSecret, clock, issuer: 'goosuke' });
      const claims = await codec.verify(tokens.accessToken);
      expect(claims).toMatchObject({ sub: ada.id, exp: Date.parse(start) / 1000 + 86_400, iss: 'goosuke' });
      // The role is not in the token: it is read from the store on every request.
      expect(claims).not.toHaveProperty('role');
      expect(tokens.refreshToken).toMatch(/^gsr_[A-Za-z0-9_-]{43}$/);
      const stored = await store.refreshTokens.findByHash(await hashOpaqueToken(tokens.refreshToken));
      expect(stored).toMatchObject({ userId: ada.id, usedAt: null, revokedAt: null });
      expect(JSON.stringify(stored)).not.toContain(tokens.refreshToken);
    });

    it('takes the username in any case and with spaces around it', async () => {
      expect((await goosuke.auth.login({ username: '  ADA ', password })).user.id).toBe(ada.id);
    });

    it('gives one answer, after verifying a password, for an unknown user, a wrong password, a disabled user and a user without a password', async () => {
      await goosuke.users.create({ username: 'grace', password });
      const grace = (await store.users.getByUsername('grace'))!;
      await store.users.setPasswordHash(grace.id, null);
      await goosuke.users.create({ username: 'linus', password });
      const linus = (await store.users.getByUsername('linus'))!;
      await goosuke.users.setDisabled(linus.id, true);

      for (const attempt of [
        { username: 'nobody', password },
        { username: 'ada', password: `${password}!` },
        { username: 'grace', password },
        { username: 'linus', password },
      ]) {
        const before = hasher.calls.verify;
        const error = await failure(goosuke.auth.login(attempt));
        expect(error.code).toBe('unauthorized');
        expect(error.message).toBe(wrongCredentials);
        expect(JSON.stringify(error)).not.toContain(attempt.username);
        // The same work either way: exactly one password verification.
        expect(hasher.calls.verify - before, attempt.username).toBe(1);
      }
      // No session was stored for the disabled user: there is nothing of theirs left to revoke.
      expect(await store.refreshTokens.revokeAllOfUser(linus.id, start)).toBe(0);
    });

    it('refuses malformed input as invalid_input', async () => {
      expect((await failure(goosuke.auth.login({ username: 'ada' } as never))).code).toBe('invalid_input');
      expect((await failure(goosuke.auth.login({ username: 'ada', password: '' }))).code).toBe(
        'invalid_input',
      );
    });

    it('re-hashes a password made with old parameters on a successful sign-in only', async () => {
      const stronger = createFakePasswordHasher({ version: 'v2' });
      const upgraded = await build({ hasher: stronger });
      await failure(upgraded.auth.login({ username: 'ada', password: 'not the password' }));
      expect(await store.users.getPasswordHash(ada.id)).toMatch(/^fake\$v1\$/);
      await upgraded.auth.login({ username: 'ada', password });
      expect(await store.users.getPasswordHash(ada.id)).toMatch(/^fake\$v2\$/);
      await upgraded.auth.login({ username: 'ada', password });
      // Nothing more to upgrade: one hash for the dummy (made once), one for the re-hash.
      expect(stronger.calls.hash).toBe(2);
    });

    it('uses the configured lifetimes and refuses lifetimes under a minute', async () => {
      const short = await build({ auth: { accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 3600 } });
      const tokens = await short.auth.login({ username: 'ada', password });
      expect(tokens.expiresIn).toBe(900);
      expect(tokens.refreshTokenExpiresAt).toBe('2026-04-01T09:00:00.000Z');
      clock.advance(900_000 + 31_000);
      await expectUnauthorized(short.auth.authenticate(tokens.accessToken));
      await expect(build({ auth: { accessTokenTtlSeconds: 10 } })).rejects.toThrow(/accessTokenTtlSeconds/);
    });
  });

  describe('refresh', () => {
    it('rotates: a new pair in the same family, the old token marked used', async () => {
      const first = await goosuke.auth.login({ username: 'ada', password });
      clock.advance(60_000);
      const second = await goosuke.auth.refresh(first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second.user).toEqual(ada);
      expect(second.refreshTokenExpiresAt).toBe('2026-05-01T08:01:00.000Z');
      const old = await store.refreshTokens.findByHash(await hashOpaqueToken(first.refreshToken));
      const next = await store.refreshTokens.findByHash(await hashOpaqueToken(second.refreshToken));
      expect(old?.usedAt).toBe('2026-04-01T08:01:00.000Z');
      expect(next?.familyId).toBe(old?.familyId);
      expect((await goosuke.auth.authenticate(second.accessToken)).userId).toBe(ada.id);
      const third = await goosuke.auth.refresh(second.refreshToken);
      expect(third.user.id).toBe(ada.id);
    });

    it('revokes the whole family when a used token comes back, and only that family', async () => {
      const stolen = await goosuke.auth.login({ username: 'ada', password });
      const otherDevice = await goosuke.auth.login({ username: 'ada', password });
      const rotated = await goosuke.auth.refresh(stolen.refreshToken);
      await expectUnauthorized(goosuke.auth.refresh(stolen.refreshToken));
      // The legitimate holder of the newest token is signed out too: the family is burnt.
      await expectUnauthorized(goosuke.auth.refresh(rotated.refreshToken));
      const recordOf = async (token: string) =>
        (await store.refreshTokens.findByHash(await hashOpaqueToken(token)))!;
      const burnt = [await recordOf(stolen.refreshToken), await recordOf(rotated.refreshToken)];
      const spared = await recordOf(otherDevice.refreshToken);
      expect(burnt[1]!.familyId).toBe(burnt[0]!.familyId);
      expect(spared.familyId).not.toBe(burnt[0]!.familyId);
      expect(burnt.every((token) => token.revokedAt !== null)).toBe(true);
      expect(spared.revokedAt).toBeNull();
      expect((await goosuke.auth.refresh(otherDevice.refreshToken)).user.id).toBe(ada.id);
    });

    it('lets only one of two concurrent refreshes with one token win', async () => {
      const tokens = await goosuke.auth.login({ username: 'ada', password });
      const results = await Promise.allSettled([
        goosuke.auth.refresh(tokens.refreshToken),
        goosuke.auth.refresh(tokens.refreshToken),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect((rejected.reason as GoosukeError).code).toBe('unauthorized');
    });

    it('refuses expired, revoked, unknown and malformed tokens, and tokens of disabled users', async () => {
      const expiring = await goosuke.auth.login({ username: 'ada', password });
      clock.advance(30 * 86_400_000);
      await expectUnauthorized(goosuke.auth.refresh(expiring.refreshToken));

      const admin2 = await goosuke.users.create({ username: 'root2', password, role: 'admin' });
      const disabled = await goosuke.auth.login({ username: 'root2', password });
      await goosuke.users.setDisabled(admin2.id, true);
      await expectUnauthorized(goosuke.auth.refresh(disabled.refreshToken));
      await goosuke.users.setDisabled(admin2.id, false);
      // Re-enabling does not bring revoked sessions back.
      await expectUnauthorized(goosuke.auth.refresh(disabled.refreshToken));

      const live = await goosuke.auth.login({ username: 'ada', password });
      for (const garbage of [
        'garbage',
        '',
        `gsr_${'A'.repeat(43)}`,
        live.accessToken,
        live.refreshToken.replace('gsr_', 'gsk_'),
        `${live.refreshToken}x`,
      ]) {
        await expectUnauthorized(goosuke.auth.refresh(garbage));
      }
      expect((await goosuke.auth.refresh(live.refreshToken)).user.id).toBe(ada.id);
    });
  });

  describe('logout', () => {
    it('revokes the session: its refresh tokens stop working; other sessions go on', async () => {
      const session = await goosuke.auth.login({ username: 'ada', password });
      const rotated = await goosuke.auth.refresh(session.refreshToken);
      const other = await goosuke.auth.login({ username: 'ada', password });
      await goosuke.auth.logout(session.refreshToken);
      await expectUnauthorized(goosuke.auth.refresh(rotated.refreshToken));
      // Logging out twice is harmless.
      await goosuke.auth.logout(rotated.refreshToken);
      expect((await goosuke.auth.refresh(other.refreshToken)).user.id).toBe(ada.id);
      await expectUnauthorized(goosuke.auth.logout('garbage'));
      await expectUnauthorized(goosuke.auth.logout(`gsr_${'B'.repeat(43)}`));
    });
  });

  describe('authenticate', () => {
    it('accepts an access JWT and reads the role and state from the store', async () => {
      const { accessToken } = await goosuke.auth.login({ username: 'ada', password });
      expect(await goosuke.auth.authenticate(accessToken)).toEqual({
        userId: ada.id,
        username: 'ada',
        role: 'admin',
        via: 'jwt',
        // The session's sign-in time (auth_time), to the second.
        authenticatedAt: new Date(Math.floor(Date.parse(start) / 1000) * 1000).toISOString(),
        sessionId: expect.any(String),
      });
      const other = await goosuke.users.create({ username: 'other-admin', password, role: 'admin' });
      await goosuke.users.setRole(ada.id, 'member');
      expect((await goosuke.auth.authenticate(accessToken)).role).toBe('member');
      await goosuke.users.setDisabled(ada.id, true);
      await expectUnauthorized(goosuke.auth.authenticate(accessToken));
      // Re-enabling revives nothing: disabling ended the session.
      await goosuke.users.setDisabled(ada.id, false);
      await expectUnauthorized(goosuke.auth.authenticate(accessToken));
      const again = await goosuke.auth.login({ username: 'ada', password });
      expect((await goosuke.auth.authenticate(again.accessToken)).userId).toBe(ada.id);
      await store.users.delete(ada.id);
      await expectUnauthorized(goosuke.auth.authenticate(again.accessToken));
      expect(other.role).toBe('admin');
    });

    it('refuses malformed, garbage, expired and foreign tokens with 401s', async () => {
      const { accessToken, refreshToken } = await goosuke.auth.login({ username: 'ada', password });
      const foreign = await createHmacJwtCodec({
        secret: `${jwtSecret}-other`,
        clock,
        issuer: 'goosuke',
      }).sign({ sub: ada.id, token_use: 'access' }, { expiresInSeconds: 3600 });
      // Signed with the right secret but not an access token (e.g. another kind of JWT).
      const notAccess = await createHmacJwtCodec({ secret: jwtSecret, clock, issuer: 'goosuke' }).sign(
        { sub: ada.id },
        { expiresInSeconds: 3600 },
      );
      for (const garbage of [
        'garbage',
        'Bearer garbage',
        `Bearer ${accessToken}`,
        '',
        'gsk_',
        `gsk_${'A'.repeat(43)}`,
        refreshToken,
        foreign,
        notAccess,
        `${accessToken.slice(0, -4)}AAAA`,
      ]) {
        await expectUnauthorized(goosuke.auth.authenticate(garbage));
      }
      clock.advance(86_400_000 + 31_000);
      await expectUnauthorized(goosuke.auth.authenticate(accessToken));
    });

    it('refuses a validly signed access token with a wrong token_use, or whose sub names no user', async () => {
      const { accessToken } = await goosuke.auth.login({ username: 'ada', password });
      const codec = createHmacJwtCodec({ secret: jwtSecret, clock, issuer: 'goosuke' });
      // Everything else as in a real access token (its live session, its auth_time): only the
      // claim under test can be what refuses it.
      const { sid, auth_time } = await codec.verify(accessToken);
      const forge = (claims: { sub: string; token_use: JsonValue }) =>
        codec.sign({ ...claims, sid, auth_time }, { expiresInSeconds: 3600 });
      expect(
        (await goosuke.auth.authenticate(await forge({ sub: ada.id, token_use: 'access' }))).userId,
      ).toBe(ada.id);
      for (const tokenUse of [
        'refresh',
        'stream',
        'ACCESS',
        'access ',
        '',
        1,
        0,
        true,
        null,
        ['access'],
        {},
      ]) {
        const token = await forge({ sub: ada.id, token_use: tokenUse });
        await expectUnauthorized(goosuke.auth.authenticate(token), 'invalid or expired token');
      }
      // Users that never existed: an id of the same shape, users' names (not their ids).
      const user = await goosuke.users.create({ username: 'grace', password });
      for (const sub of [user.id.replace(/\d+$/, '999999'), 'grace', 'ada']) {
        expect([ada.id, user.id]).not.toContain(sub);
        await expectUnauthorized(goosuke.auth.authenticate(await forge({ sub, token_use: 'access' })));
      }
    });

    it('accepts a live personal access token and records its use at most once a minute', async () => {
      const member = await goosuke.users.create({ username: 'ci-bot', password });
      const principal: Principal = {
        userId: member.id,
        username: 'ci-bot',
        role: 'member',
        via: 'jwt',
        authenticatedAt: start,
      };
      const { token, record } = await goosuke.as(principal).tokens.create({ name: 'CI' });
      expect(await goosuke.auth.authenticate(token)).toEqual({
        ...principal,
        via: 'token',
        authenticatedAt: record.createdAt,
      });
      expect((await store.accessTokens.get(record.id))?.lastUsedAt).toBe(start);
      clock.advance(59_000);
      await goosuke.auth.authenticate(token);
      expect((await store.accessTokens.get(record.id))?.lastUsedAt).toBe(start);
      clock.advance(1_000);
      await goosuke.auth.authenticate(token);
      expect((await store.accessTokens.get(record.id))?.lastUsedAt).toBe('2026-04-01T08:01:00.000Z');
    });

    it('refuses revoked and expired personal access tokens, and those of disabled users', async () => {
      const member = await goosuke.users.create({ username: 'ci-bot', password });
      const principal: Principal = {
        userId: member.id,
        username: 'ci-bot',
        role: 'member',
        via: 'jwt',
        authenticatedAt: start,
      };
      const revoked = await goosuke.as(principal).tokens.create({ name: 'revoked' });
      await goosuke.as(principal).tokens.revoke(revoked.record.id);
      await expectUnauthorized(goosuke.auth.authenticate(revoked.token));

      const shortLived = await goosuke.as(principal).tokens.create({ name: 'short', expiresInDays: 1 });
      const kept = await goosuke.as(principal).tokens.create({ name: 'kept' });
      clock.advance(86_400_000);
      await expectUnauthorized(goosuke.auth.authenticate(shortLived.token));
      expect((await goosuke.auth.authenticate(kept.token)).via).toBe('token');

      await goosuke.users.setDisabled(member.id, true);
      await expectUnauthorized(goosuke.auth.authenticate(kept.token));
      await goosuke.users.setDisabled(member.id, false);
      // Disabling revoked it for good.
      await expectUnauthorized(goosuke.auth.authenticate(kept.token));
    });
  });

  describe('stream tickets', () => {
    it('stand for the principal once, for 60 seconds', async () => {
      const principal = await goosuke.auth.authenticate(
        (await goosuke.auth.login({ username: 'ada', password })).accessToken,
      );
      const ticket = await goosuke.auth.createStreamTicket(principal);
      expect(ticket).toEqual({
        ticket: expect.stringMatching(/^gst_[A-Za-z0-9_-]{43}$/),
        expiresAt: '2026-04-01T08:01:00.000Z',
        expiresIn: 60,
      });
      expect(await goosuke.auth.redeemStreamTicket(ticket.ticket)).toEqual(principal);
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(ticket.ticket));

      const late = await goosuke.auth.createStreamTicket(principal);
      clock.advance(60_000);
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(late.ticket));

      const justInTime = await goosuke.auth.createStreamTicket(principal);
      clock.advance(59_999);
      expect((await goosuke.auth.redeemStreamTicket(justInTime.ticket)).userId).toBe(ada.id);
    });

    it('bound to a stream, reopen that stream (an EventSource reconnecting) within 60 seconds, and no other', async () => {
      const principal = await goosuke.auth.authenticate(
        (await goosuke.auth.login({ username: 'ada', password })).accessToken,
      );
      const { ticket } = await goosuke.auth.createStreamTicket(principal);
      expect(await goosuke.auth.redeemStreamTicket(ticket, '/runs/a/events')).toEqual(principal);
      clock.advance(30_000);
      expect(await goosuke.auth.redeemStreamTicket(ticket, '/runs/a/events')).toEqual(principal);
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(ticket, '/runs/b/events'));
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(ticket));
      clock.advance(30_000);
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(ticket, '/runs/a/events'));
    });

    it('read the user again on redemption, and live in the process that made them', async () => {
      const member = await goosuke.users.create({ username: 'viewer', password });
      const principal: Principal = { userId: member.id, username: 'viewer', role: 'member', via: 'token' };
      const promoted = await goosuke.auth.createStreamTicket(principal);
      await goosuke.users.setRole(member.id, 'admin');
      expect(await goosuke.auth.redeemStreamTicket(promoted.ticket)).toEqual({ ...principal, role: 'admin' });

      const disabled = await goosuke.auth.createStreamTicket(principal);
      await goosuke.users.setDisabled(member.id, true);
      await expectUnauthorized(goosuke.auth.redeemStreamTicket(disabled.ticket));
      await goosuke.users.setDisabled(member.id, false);

      const elsewhere = await goosuke.auth.createStreamTicket(principal);
      const otherProcess = await build();
      await expectUnauthorized(otherProcess.auth.redeemStreamTicket(elsewhere.ticket));
      for (const garbage of [
        'garbage',
        '',
        `gst_${'A'.repeat(43)}`,
        elsewhere.ticket.replace('gst_', 'gsk_'),
      ]) {
        await expectUnauthorized(goosuke.auth.redeemStreamTicket(garbage));
      }
      expect((await goosuke.auth.redeemStreamTicket(elsewhere.ticket)).userId).toBe(member.id);
    });
  });
});
