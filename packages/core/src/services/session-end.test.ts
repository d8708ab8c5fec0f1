import { beforeEach, describe, expect, it } from 'vitest';
import { createHmacJwtCodec } from '../auth/hmac-jwt-codec.ts';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { User } from '../domain/index.ts';
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

const jwtSecret = 'jwt-secret-for-session-tests-0123456789-abcdef';
const password = 'correct horse battery staple';
const newPassword = 'a brand new passphrase 42';
const start = '2026-04-01T08:00:00.000Z';
const minutes = (count: number) => count * 60_000;

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

describe('sessions end', () => {
  let store: Store;
  let clock: FixedClock;
  let goosuke: Goosuke;
  let ada: User;
  let root: User;

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock(start);
    goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-session-tests-0123' }),
      clock,
      ids: createSequentialIdGenerator(),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret,
    });
    root = await goosuke.users.create({ username: 'root', password, role: 'admin' });
    ada = await goosuke.users.create({ username: 'ada', password });
  });

  const signIn = () => goosuke.auth.login({ username: 'ada', password });
  const accepted = async (token: string) => (await goosuke.auth.authenticate(token)).userId === ada.id;
  const refused = async (token: string) =>
    (await codeOf(goosuke.auth.authenticate(token))) === 'unauthorized';

  it("logout ends that session's access tokens, not the user's other sessions", async () => {
    const laptop = await signIn();
    const phone = await signIn();
    const rotated = await goosuke.auth.refresh(laptop.refreshToken);
    await goosuke
      .as(await goosuke.auth.authenticate(laptop.accessToken))
      .account.signOut(laptop.refreshToken);
    expect(await refused(laptop.accessToken)).toBe(true);
    expect(await refused(rotated.accessToken)).toBe(true);
    expect(await accepted(phone.accessToken)).toBe(true);
  });

  it('revoking a refresh family (a used token came back) ends its access tokens', async () => {
    const session = await signIn();
    const rotated = await goosuke.auth.refresh(session.refreshToken);
    expect(await accepted(rotated.accessToken)).toBe(true);
    // The thief replays the first refresh token: the family is revoked.
    expect(await codeOf(goosuke.auth.refresh(session.refreshToken))).toBe('unauthorized');
    expect(await refused(session.accessToken)).toBe(true);
    expect(await refused(rotated.accessToken)).toBe(true);
  });

  it('a password change ends every session and personal access token of the user', async () => {
    const session = await signIn();
    const other = await signIn();
    const actor = await goosuke.auth.authenticate(session.accessToken);
    const { token } = await goosuke.as(actor).tokens.create({ name: 'ci' });
    await goosuke.as(actor).account.changePassword({ currentPassword: password, newPassword });
    expect(await refused(session.accessToken)).toBe(true);
    expect(await refused(other.accessToken)).toBe(true);
    expect(await refused(token)).toBe(true);
    expect(await codeOf(goosuke.auth.refresh(other.refreshToken))).toBe('unauthorized');
    const fresh = await goosuke.auth.login({ username: 'ada', password: newPassword });
    expect(await accepted(fresh.accessToken)).toBe(true);
  });

  it("an admin's reset of the password does too", async () => {
    const session = await signIn();
    const { token } = await goosuke
      .as(await goosuke.auth.authenticate(session.accessToken))
      .tokens.create({ name: 'ci' });
    await goosuke.as(root).users.resetPassword(ada.id, { newPassword });
    expect(await refused(session.accessToken)).toBe(true);
    expect(await refused(token)).toBe(true);
  });

  it("an admin's sign-out-everywhere ends every session and token; members may not", async () => {
    const session = await signIn();
    const actor = await goosuke.auth.authenticate(session.accessToken);
    const { token } = await goosuke.as(actor).tokens.create({ name: 'ci' });
    const rootSession = await goosuke.auth.login({ username: 'root', password });
    expect(await codeOf(goosuke.as(actor).users.signOut(root.id))).toBe('forbidden');
    expect(await codeOf(goosuke.as(root).users.signOut('user-missing'))).toBe('not_found');
    await goosuke.as(await goosuke.auth.authenticate(rootSession.accessToken)).users.signOut(ada.id);
    expect(await refused(session.accessToken)).toBe(true);
    expect(await refused(token)).toBe(true);
    expect(await codeOf(goosuke.auth.refresh(session.refreshToken))).toBe('unauthorized');
    expect((await goosuke.auth.authenticate(rootSession.accessToken)).userId).toBe(root.id);
  });

  it("a user's own sign-out-everywhere ends every session of theirs, not their tokens or others' sessions", async () => {
    const laptop = await signIn();
    const phone = await signIn();
    const rotated = await goosuke.auth.refresh(phone.refreshToken);
    const rootSession = await goosuke.auth.login({ username: 'root', password });
    const actor = await goosuke.auth.authenticate(laptop.accessToken);
    const { token } = await goosuke.as(actor).tokens.create({ name: 'ci' });
    await goosuke.as(actor).account.signOutEverywhere();
    expect(await refused(laptop.accessToken)).toBe(true);
    expect(await refused(rotated.accessToken)).toBe(true);
    expect(await codeOf(goosuke.auth.refresh(laptop.refreshToken))).toBe('unauthorized');
    expect(await codeOf(goosuke.auth.refresh(rotated.refreshToken))).toBe('unauthorized');
    // Personal access tokens are not sessions: they stay until revoked.
    expect(await accepted(token)).toBe(true);
    expect((await goosuke.auth.authenticate(rootSession.accessToken)).userId).toBe(root.id);
    expect(await accepted((await signIn()).accessToken)).toBe(true);
  });

  it('re-enabling a disabled user revives none of their access tokens', async () => {
    const session = await signIn();
    await goosuke.users.setDisabled(ada.id, true);
    await goosuke.users.setDisabled(ada.id, false);
    expect(await refused(session.accessToken)).toBe(true);
    expect(await accepted((await signIn()).accessToken)).toBe(true);
  });

  it('a stream ticket of a session that was signed out is refused', async () => {
    const session = await signIn();
    const actor = goosuke.as(await goosuke.auth.authenticate(session.accessToken));
    const { ticket } = await actor.account.createStreamTicket();
    await actor.account.signOut(session.refreshToken);
    expect(await codeOf(goosuke.auth.redeemStreamTicket(ticket))).toBe('unauthorized');
  });

  it('refuses access tokens that name no session (made before sessions were named)', async () => {
    const legacy = await createHmacJwtCodec({ secret: jwtSecret, clock, issuer: 'goosuke' }).sign(
      { sub: ada.id, token_use: 'access' },
      { expiresInSeconds: 3600 },
    );
    expect(await refused(legacy)).toBe(true);
  });

  describe('creating a personal access token needs a recent sign-in', () => {
    it('a session signed in within 10 minutes may; later, only with the password again', async () => {
      const session = await signIn();
      clock.advance(minutes(10));
      const recent = await goosuke.auth.authenticate(session.accessToken);
      expect(recent.authenticatedAt).toBe(start);
      expect((await goosuke.as(recent).tokens.create({ name: 'in time' })).record.name).toBe('in time');
      clock.advance(1_000);
      const stale = await goosuke.auth.authenticate(session.accessToken);
      const error = await goosuke
        .as(stale)
        .tokens.create({ name: 'late' })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('re-enter your password'),
      });
      expect(
        await codeOf(goosuke.as(stale).tokens.create({ name: 'guess', currentPassword: 'wrong one' })),
      ).toBe('invalid_input');
      const created = await goosuke.as(stale).tokens.create({ name: 'confirmed', currentPassword: password });
      expect(created.record.name).toBe('confirmed');
      expect(created.record).not.toHaveProperty('currentPassword');
    });

    it('a refreshed access token keeps the sign-in time: a stolen refresh token is not a recent sign-in', async () => {
      const session = await signIn();
      clock.advance(minutes(60));
      // The thief holds only the refresh token, and refreshes now.
      const stolen = await goosuke.auth.refresh(session.refreshToken);
      const thief = await goosuke.auth.authenticate(stolen.accessToken);
      expect(thief.authenticatedAt).toBe(start);
      expect(await codeOf(goosuke.as(thief).tokens.create({ name: 'persist', expiresInDays: 365 }))).toBe(
        'forbidden',
      );
    });

    it('a personal access token never may, even with the password', async () => {
      const session = await signIn();
      const { token } = await goosuke
        .as(await goosuke.auth.authenticate(session.accessToken))
        .tokens.create({ name: 'ci' });
      const viaToken = await goosuke.auth.authenticate(token);
      expect(
        await codeOf(goosuke.as(viaToken).tokens.create({ name: 'more', currentPassword: password })),
      ).toBe('forbidden');
    });
  });
});

describe('failed password checks are limited per account', () => {
  it('sign-ins and password re-checks share the limit; a known client still signs in', async () => {
    const store = createMemoryStore();
    const clock = createFixedClock(start);
    const goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-session-tests-0123' }),
      clock,
      passwordHasher: createFakePasswordHasher(),
      jwtSecret,
      auth: { accountLoginLimit: { limit: 3, windowMs: minutes(15) } },
    });
    await goosuke.users.create({ username: 'ada', password });
    const home = { client: '198.51.100.7' };
    const session = await goosuke.auth.login({ username: 'ada', password }, home);
    clock.advance(minutes(11));
    const actor = goosuke.as(await goosuke.auth.authenticate(session.accessToken));
    // A thief with the session guesses the password through the re-checks, then from elsewhere.
    expect(await codeOf(actor.tokens.create({ name: 'x', currentPassword: 'guess one!' }))).toBe(
      'invalid_input',
    );
    expect(
      await codeOf(
        actor.account.changePassword({ currentPassword: 'guess two!', newPassword: 'whatever it is 123' }),
      ),
    ).toBe('invalid_input');
    expect(
      await codeOf(
        goosuke.auth.login({ username: 'ADA', password: 'guess three' }, { client: '203.0.113.9' }),
      ),
    ).toBe('unauthorized');
    // Locked: even the right password is refused, before it is checked.
    expect(await codeOf(goosuke.auth.login({ username: 'ada', password }, { client: '203.0.113.9' }))).toBe(
      'rate_limited',
    );
    expect(await codeOf(actor.tokens.create({ name: 'x', currentPassword: password }))).toBe('rate_limited');
    // The user, from where they signed in before, is not locked out.
    expect((await goosuke.auth.login({ username: 'ada', password }, home)).user.username).toBe('ada');
    clock.advance(minutes(15));
    expect(
      (await goosuke.auth.login({ username: 'ada', password }, { client: '203.0.113.9' })).user.username,
    ).toBe('ada');
  });
});

describe('a sign-in racing a password change', () => {
  it('starts no session when the password changed between its check and its start', async () => {
    const store = createMemoryStore();
    const hasher = createFakePasswordHasher();
    let changeMidway: (() => Promise<void>) | null = null;
    const goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-session-tests-0123' }),
      clock: createFixedClock(start),
      passwordHasher: {
        hash: (value) => hasher.hash(value),
        async verify(value, hash) {
          const matches = await hasher.verify(value, hash);
          // The password changes right after the sign-in checked the old one.
          const change = changeMidway;
          changeMidway = null;
          await change?.();
          return matches;
        },
      },
      jwtSecret,
    });
    const ada = await goosuke.users.create({ username: 'ada', password });
    changeMidway = () => goosuke.users.resetPassword(ada.id, { newPassword });
    expect(await codeOf(goosuke.auth.login({ username: 'ada', password }))).toBe('unauthorized');
    expect((await goosuke.auth.login({ username: 'ada', password: newPassword })).user.id).toBe(ada.id);
  });
});
