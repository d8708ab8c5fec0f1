import path from 'node:path';
import { createSqliteStore } from '@goosuke/store-sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, password, startHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const extra: Harness[] = [];
afterEach(async () => {
  for (const started of extra.splice(0)) await started.close();
});

const api = (path: string) => `${apiPrefix}${path}`;

async function login(username: string, secret: string) {
  return call(harness.url, 'post', api('/auth/login'), { body: { username, password: secret } });
}

describe('users', () => {
  it('lists users to admins, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = await call(harness.url, 'get', api(`/users${query}`), { token: harness.admin.token });
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((user: { username: string }) => user.username));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expect.arrayContaining(['admin', 'alice', 'bob']));
    expect(new Set(seen).size).toBe(seen.length);
    const denied = await call(harness.url, 'get', api('/users'), { token: harness.alice.token });
    expect(isProblem(denied, 403)).toBe(true);
  });

  it('lets an admin create a user who can then sign in', async () => {
    const secret = 'carol has a long password';
    const created = await call(harness.url, 'post', api('/users'), {
      token: harness.admin.token,
      body: { username: 'Carol', displayName: 'Carol C.', password: secret, role: 'member' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ username: 'carol', displayName: 'Carol C.', role: 'member' });
    expect(created.text).not.toContain(secret);
    expect(created.text).not.toMatch(/hash/i);
    expect((await login('carol', secret)).status).toBe(200);
    const again = await call(harness.url, 'post', api('/users'), {
      token: harness.admin.token,
      body: { username: 'carol', password: secret, role: 'member' },
    });
    expect(isProblem(again, 409)).toBe(true);
    const weak = await call(harness.url, 'post', api('/users'), {
      token: harness.admin.token,
      body: { username: 'dave', password: 'short', role: 'member' },
    });
    expect(isProblem(weak, 400)).toBe(true);
    expect(weak.text).not.toContain('"short"');
    const noRole = await call(harness.url, 'post', api('/users'), {
      token: harness.admin.token,
      body: { username: 'dave', password: secret },
    });
    expect(isProblem(noRole, 400)).toBe(true);
    const byMember = await call(harness.url, 'post', api('/users'), {
      token: harness.alice.token,
      body: { username: 'eve', password: secret, role: 'admin' },
    });
    expect(isProblem(byMember, 403)).toBe(true);
  });

  it("answers /users/me with the caller's own user", async () => {
    for (const user of [harness.alice, harness.admin]) {
      const result = await call(harness.url, 'get', api('/users/me'), { token: user.token });
      expect(result.status).toBe(200);
      expect(result.json.id).toBe(user.id);
      expect(result.json.username).toBe(user.username);
    }
  });

  it('changes roles, refuses to demote the last admin and needs a field', async () => {
    const created = await harness.goosuke.users.create({ username: 'frank', password, role: 'member' });
    const promoted = await call(harness.url, 'patch', api(`/users/${created.id}`), {
      token: harness.admin.token,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.json.role).toBe('admin');
    const demoted = await call(harness.url, 'patch', api(`/users/${created.id}`), {
      token: harness.admin.token,
      body: { role: 'member' },
    });
    expect(demoted.json.role).toBe('member');
    const last = await call(harness.url, 'patch', api(`/users/${harness.admin.id}`), {
      token: harness.admin.token,
      body: { role: 'member' },
    });
    expect(isProblem(last, 409)).toBe(true);
    const empty = await call(harness.url, 'patch', api(`/users/${created.id}`), {
      token: harness.admin.token,
      body: {},
    });
    expect(isProblem(empty, 400)).toBe(true);
    const missing = await call(harness.url, 'patch', api('/users/user_missing'), {
      token: harness.admin.token,
      body: { disabled: true },
    });
    expect(isProblem(missing, 404)).toBe(true);
  });

  it('changes the own password: the old one stops working, the new one signs in', async () => {
    const wrong = await call(harness.url, 'post', api('/users/me/password'), {
      token: harness.alice.token,
      body: { currentPassword: 'not my password', newPassword: 'a brand new password' },
    });
    expect(isProblem(wrong, 400)).toBe(true);
    const changed = await call(harness.url, 'post', api('/users/me/password'), {
      token: harness.alice.token,
      body: { currentPassword: password, newPassword: 'a brand new password' },
    });
    expect(changed.status).toBe(204);
    expect(changed.text).toBe('');
    expect(isProblem(await login('alice', password), 401)).toBe(true);
    const signedIn = await login('alice', 'a brand new password');
    expect(signedIn.status).toBe(200);
    harness.alice.token = signedIn.json.accessToken;
  });
});

describe('personal access tokens', () => {
  it('shows a token once, and it then works as a bearer token until revoked', async () => {
    const created = await call(harness.url, 'post', api('/tokens'), {
      token: harness.bob.token,
      body: { name: 'ci', expiresInDays: 7 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token, record } = created.json;
    expect(token).toMatch(/^gsk_/);
    expect(record).toMatchObject({ name: 'ci', userId: harness.bob.id, revokedAt: null });
    const days = (Date.parse(record.expiresAt) - Date.parse(record.createdAt)) / 86_400_000;
    expect(days).toBe(7);

    const listed = await call(harness.url, 'get', api('/tokens'), { token: harness.bob.token });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((item: { id: string }) => item.id)).toContain(record.id);
    expect(listed.text).not.toContain(token);

    const meByToken = await call(harness.url, 'get', api('/users/me'), { token });
    expect(meByToken.status).toBe(200);
    expect(meByToken.json.id).toBe(harness.bob.id);
    // A leaked token cannot mint its own replacement.
    const minted = await call(harness.url, 'post', api('/tokens'), { token, body: { name: 'copy' } });
    expect(isProblem(minted, 403)).toBe(true);

    const byAlice = await call(harness.url, 'delete', api(`/tokens/${record.id}`), {
      token: harness.alice.token,
    });
    expect(isProblem(byAlice, 404)).toBe(true);
    expect((await call(harness.url, 'get', api('/users/me'), { token })).status).toBe(200);

    const revoked = await call(harness.url, 'delete', api(`/tokens/${record.id}`), {
      token: harness.bob.token,
    });
    expect(revoked.status).toBe(204);
    const after = await call(harness.url, 'get', api('/users/me'), { token });
    expect(isProblem(after, 401)).toBe(true);
    const again = await call(harness.url, 'get', api('/tokens'), { token: harness.bob.token });
    const stored = again.json.items.find((item: { id: string }) => item.id === record.id);
    expect(stored.revokedAt).not.toBeNull();
  });

  it("lets only admins list another user's tokens", async () => {
    const created = await call(harness.url, 'post', api('/tokens'), {
      token: harness.bob.token,
      body: { name: 'scripts' },
    });
    expect(created.status).toBe(201);
    const byAlice = await call(harness.url, 'get', api(`/tokens?userId=${harness.bob.id}`), {
      token: harness.alice.token,
    });
    expect(isProblem(byAlice, 403)).toBe(true);
    const aliceOwn = await call(harness.url, 'get', api('/tokens'), { token: harness.alice.token });
    expect(aliceOwn.json.items.map((item: { id: string }) => item.id)).not.toContain(created.json.record.id);
    const byAdmin = await call(harness.url, 'get', api(`/tokens?userId=${harness.bob.id}`), {
      token: harness.admin.token,
    });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json.items.map((item: { id: string }) => item.id)).toContain(created.json.record.id);
  });

  it("makes a disabled user's tokens 401, and re-enabling lets them sign in again", async () => {
    const user = await harness.goosuke.users.create({ username: 'grace', password, role: 'member' });
    const signedIn = await login('grace', password);
    const created = await call(harness.url, 'post', api('/tokens'), {
      token: signedIn.json.accessToken,
      body: { name: 'ci' },
    });
    const token: string = created.json.token;
    expect((await call(harness.url, 'get', api('/users/me'), { token })).status).toBe(200);
    const disabled = await call(harness.url, 'patch', api(`/users/${user.id}`), {
      token: harness.admin.token,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.json.disabled).toBe(true);
    expect(isProblem(await call(harness.url, 'get', api('/users/me'), { token }), 401)).toBe(true);
    const jwt = await call(harness.url, 'get', api('/users/me'), { token: signedIn.json.accessToken });
    expect(isProblem(jwt, 401)).toBe(true);
    expect(isProblem(await login('grace', password), 401)).toBe(true);
    const enabled = await call(harness.url, 'patch', api(`/users/${user.id}`), {
      token: harness.admin.token,
      body: { disabled: false },
    });
    expect(enabled.json.disabled).toBe(false);
    expect((await login('grace', password)).status).toBe(200);
  });
});

describe('reads reused while nothing changed', () => {
  it('see at once what another process wrote to the same database: a disabled user, a renamed task', async () => {
    const user = await harness.goosuke.users.create({ username: 'heidi', password, role: 'member' });
    const token: string = (await login('heidi', password)).json.accessToken;
    const created = await call(harness.url, 'post', api('/tasks'), { token, body: { title: 'before' } });
    const taskUrl = api(`/tasks/${created.json.task.id}`);
    for (let read = 0; read < 3; read++) {
      const detail = await call(harness.url, 'get', taskUrl, { token });
      expect(detail.status).toBe(200);
      expect(detail.json.task.title).toBe('before');
    }
    // Another process (here another connection, as `goosuke` on the same data directory would
    // open) writes behind the server's back.
    const other = await createSqliteStore({ database: path.join(harness.root, 'data', 'goosuke.db') });
    try {
      await other.tasks.update(created.json.task.id, { title: 'after' });
      const renamed = await call(harness.url, 'get', taskUrl, { token });
      expect(renamed.json.task.title).toBe('after');
      await other.users.update(user.id, { disabled: true });
      expect(isProblem(await call(harness.url, 'get', taskUrl, { token }), 401)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('personal access tokens reused while nothing changed', () => {
  it('are refused at once when revoked through the API or by another process on the same database', async () => {
    await harness.goosuke.users.create({ username: 'ivan', password, role: 'member' });
    const session: string = (await login('ivan', password)).json.accessToken;
    const create = async (name: string) => {
      const created = await call(harness.url, 'post', api('/tokens'), { token: session, body: { name } });
      expect(created.status).toBe(201);
      return { token: created.json.token as string, id: created.json.record.id as string };
    };
    const readsMe = async (token: string) =>
      (await call(harness.url, 'get', api('/users/me'), { token })).status;

    const here = await create('revoked here');
    for (let read = 0; read < 3; read++) expect(await readsMe(here.token)).toBe(200);
    const revoked = await call(harness.url, 'delete', api(`/tokens/${here.id}`), { token: session });
    expect(revoked.status).toBeLessThan(300);
    expect(isProblem(await call(harness.url, 'get', api('/users/me'), { token: here.token }), 401)).toBe(
      true,
    );

    const there = await create('revoked elsewhere');
    for (let read = 0; read < 3; read++) expect(await readsMe(there.token)).toBe(200);
    const other = await createSqliteStore({ database: path.join(harness.root, 'data', 'goosuke.db') });
    try {
      await other.accessTokens.revoke(there.id, new Date().toISOString());
      expect(isProblem(await call(harness.url, 'get', api('/users/me'), { token: there.token }), 401)).toBe(
        true,
      );
    } finally {
      await other.close();
    }
  });
});

describe('the write rate limit', () => {
  it('limits writes per client with 429 and Retry-After, and leaves reads and /auth alone', async () => {
    const limited = await startHarness({ writeRateLimit: { limit: 2, windowMs: 60_000 } });
    extra.push(limited);
    const token = limited.admin.token;
    for (let i = 0; i < 2; i++) {
      const created = await call(limited.url, 'post', api('/tasks'), { token, body: { title: `t${i}` } });
      expect(created.status).toBe(201);
    }
    const third = await call(limited.url, 'post', api('/tasks'), { token, body: { title: 't3' } });
    expect(isProblem(third, 429)).toBe(true);
    expect(third.json.code).toBe('rate_limited');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    // The limit is per client, not per route, and counts requests without a valid token too.
    const other = await call(limited.url, 'delete', api('/tokens/token_x'), { token: 'garbage' });
    expect(isProblem(other, 429)).toBe(true);
    expect((await call(limited.url, 'get', api('/tasks'), { token })).status).toBe(200);
    const signIn = await call(limited.url, 'post', api('/auth/login'), {
      body: { username: 'admin', password },
    });
    expect(signIn.status).toBe(200);
  });
});
