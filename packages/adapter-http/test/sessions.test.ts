// Sessions that end and sign-ins that are limited, over real HTTP: logout and an admin's
// sign-out end access tokens at once, a personal access token needs a recent sign-in, failed
// sign-ins are limited per account (429 with Retry-After), and stream tickets are not sign-ins.
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, jwtSecret, password, startHarness } from './harness.ts';

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
const me = (base: string, token: string) => call(base, 'get', api('/users/me'), { token });

async function signIn(username: string, base = harness.url) {
  const result = await call(base, 'post', api('/auth/login'), { body: { username, password } });
  expect(result.status).toBe(200);
  return result.json as { accessToken: string; refreshToken: string };
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

/** An HS256 JWT with `claims`, signed with the server's secret as the server signs its own. */
function signed(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', jwtSecret).update(body).digest('base64url')}`;
}

describe('sessions end', () => {
  it("logout ends that session's access token at once; the user's other sessions stay", async () => {
    await harness.goosuke.users.create({ username: 'ivan', password, role: 'member' });
    const laptop = await signIn('ivan');
    const phone = await signIn('ivan');
    expect((await me(harness.url, laptop.accessToken)).status).toBe(200);
    const out = await call(harness.url, 'post', api('/auth/logout'), {
      token: laptop.accessToken,
      body: { refreshToken: laptop.refreshToken },
    });
    expect(out.status).toBe(204);
    expect(isProblem(await me(harness.url, laptop.accessToken), 401)).toBe(true);
    expect((await me(harness.url, phone.accessToken)).status).toBe(200);
  });

  it("an admin's POST /users/{id}/sign-out ends every session and personal access token", async () => {
    const judy = await harness.goosuke.users.create({ username: 'judy', password, role: 'member' });
    const session = await signIn('judy');
    const created = await call(harness.url, 'post', api('/tokens'), {
      token: session.accessToken,
      body: { name: 'ci' },
    });
    expect(created.status).toBe(201);
    const pat: string = created.json.token;
    const byMember = await call(harness.url, 'post', api(`/users/${harness.admin.id}/sign-out`), {
      token: session.accessToken,
    });
    expect(isProblem(byMember, 403)).toBe(true);
    const out = await call(harness.url, 'post', api(`/users/${judy.id}/sign-out`), {
      token: harness.admin.token,
    });
    expect(out.status).toBe(204);
    expect(isProblem(await me(harness.url, session.accessToken), 401)).toBe(true);
    expect(isProblem(await me(harness.url, pat), 401)).toBe(true);
    const refreshed = await call(harness.url, 'post', api('/auth/refresh'), {
      body: { refreshToken: session.refreshToken },
    });
    expect(isProblem(refreshed, 401)).toBe(true);
    const missing = await call(harness.url, 'post', api('/users/user-missing/sign-out'), {
      token: harness.admin.token,
    });
    expect(isProblem(missing, 404)).toBe(true);
  });

  it('a personal access token needs a sign-in within 10 minutes, else the password again', async () => {
    await harness.goosuke.users.create({ username: 'kim', password, role: 'member' });
    const session = await signIn('kim');
    const claims = claimsOf(session.accessToken);
    expect(claims).toMatchObject({ sid: expect.any(String), auth_time: expect.any(Number) });
    // The same session, as a refresh 11 minutes after the sign-in would give it.
    const stale = signed({ ...claims, auth_time: (claims.auth_time as number) - 11 * 60 });
    expect((await me(harness.url, stale)).status).toBe(200);
    const refused = await call(harness.url, 'post', api('/tokens'), { token: stale, body: { name: 'late' } });
    expect(isProblem(refused, 403)).toBe(true);
    expect(refused.json.detail).toMatch(/re-enter your password/);
    const wrong = await call(harness.url, 'post', api('/tokens'), {
      token: stale,
      body: { name: 'late', currentPassword: 'not the password' },
    });
    expect(isProblem(wrong, 400)).toBe(true);
    const confirmed = await call(harness.url, 'post', api('/tokens'), {
      token: stale,
      body: { name: 'late', currentPassword: password },
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.text).not.toContain(password);
    const fresh = await call(harness.url, 'post', api('/tokens'), {
      token: session.accessToken,
      body: { name: 'fresh' },
    });
    expect(fresh.status).toBe(201);
  });
});

describe('sign-in limits', () => {
  it('locks an account after its failed sign-ins with 429 and Retry-After, whatever the password', async () => {
    const limited = await startHarness({ auth: { accountLoginLimit: { limit: 3, windowMs: 60_000 } } });
    extra.push(limited);
    const attempt = (username: string, secret: string) =>
      call(limited.url, 'post', api('/auth/login'), { body: { username, password: secret } });
    for (let failure = 0; failure < 3; failure++) {
      expect(isProblem(await attempt('Alice', 'wrong guess number x'), 401)).toBe(true);
    }
    // The account (its normalized name) is locked; the right password does not get through.
    const locked = await attempt('alice', password);
    expect(isProblem(locked, 429)).toBe(true);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other accounts are not.
    expect((await attempt('bob', password)).status).toBe(200);
  });

  it('does not count stream tickets against the per-address sign-in limit', async () => {
    const limited = await startHarness({ authRateLimit: { limit: 2, windowMs: 60_000 } });
    extra.push(limited);
    const session = await signIn('alice', limited.url);
    for (let ticket = 0; ticket < 5; ticket++) {
      const issued = await call(limited.url, 'post', api('/auth/stream-ticket'), {
        token: session.accessToken,
      });
      expect(issued.status).toBe(201);
    }
    // The second sign-in of the window is still allowed; the third is not.
    expect((await signIn('bob', limited.url)).accessToken).toEqual(expect.any(String));
    const third = await call(limited.url, 'post', api('/auth/login'), {
      body: { username: 'bob', password },
    });
    expect(isProblem(third, 429)).toBe(true);
  });
});
