// Sign-in that a browser can keep safely, over real HTTP: the refresh token lives in an HttpOnly,
// SameSite=Strict cookie scoped to the session routes (Secure unless plain HTTP to loopback, as
// Express's trust-proxy setting sees it), refreshing and signing out need the double-submit CSRF
// header, rotation keeps core's reuse detection, and no JSON body of the flow holds the token.
import { parseSetCookie, type SetCookie, stringifyCookie } from 'cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallResult, call, type Harness, isProblem, password, startHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const api = (path: string) => `${apiPrefix}${path}`;
const sessionPath = api('/auth/session');
const refreshPath = api('/auth/session/refresh');

/** The cookies a response sets, by name (parsed with the `cookie` package). */
function setCookies(result: CallResult): Record<string, SetCookie> {
  const cookies: Record<string, SetCookie> = {};
  for (const header of result.headers.getSetCookie()) {
    const cookie = parseSetCookie(header);
    cookies[cookie.name] = cookie;
  }
  return cookies;
}

/** What a browser holds after a session answer: the two cookies' values. */
interface Jar {
  refresh: string;
  csrf: string;
}

function jarOf(result: CallResult): Jar {
  const cookies = setCookies(result);
  return { refresh: cookies.goosuke_refresh?.value ?? '', csrf: cookies.goosuke_csrf?.value ?? '' };
}

/** The `Cookie` header a browser would send to the session routes. */
const cookieHeader = (jar: Partial<Jar>) =>
  stringifyCookie({
    ...(jar.refresh === undefined ? {} : { goosuke_refresh: jar.refresh }),
    ...(jar.csrf === undefined ? {} : { goosuke_csrf: jar.csrf }),
  });

let users = 0;
async function newUser(): Promise<string> {
  users += 1;
  const username = `browser${users}`;
  await harness.goosuke.users.create({ username, password, role: 'member' });
  return username;
}

// Every refresh token the server made in this file, to look for in every JSON body.
const refreshTokens = new Set<string>();
function noRefreshTokenIn(result: CallResult): void {
  for (const token of refreshTokens) expect(result.text).not.toContain(token);
  expect(result.json?.refreshToken).toBeUndefined();
}

async function browserSignIn(username: string, base = harness.url, headers: Record<string, string> = {}) {
  const result = await call(base, 'post', sessionPath, { body: { username, password }, headers });
  expect(result.status, result.text).toBe(200);
  const jar = jarOf(result);
  refreshTokens.add(jar.refresh);
  noRefreshTokenIn(result);
  return { result, jar };
}

/** The headers a page sends: the cookies, and `X-CSRF-Token` (null: none) repeating the CSRF cookie by default. */
function sessionHeaders(jar: Partial<Jar>, csrf: string | null | undefined): Record<string, string> {
  const header = csrf === undefined ? jar.csrf : csrf;
  return { cookie: cookieHeader(jar), ...(header == null ? {} : { 'x-csrf-token': header }) };
}

const refresh = (jar: Partial<Jar>, csrf?: string | null) =>
  call(harness.url, 'post', refreshPath, { headers: sessionHeaders(jar, csrf) });

const signOut = (jar: Partial<Jar>, csrf?: string | null) =>
  call(harness.url, 'delete', sessionPath, { headers: sessionHeaders(jar, csrf) });

const me = (token: string) => call(harness.url, 'get', api('/users/me'), { token });

describe('browser sign-in', () => {
  it('sets the refresh token HttpOnly, SameSite=Strict, on the session path, and answers without it', async () => {
    const username = await newUser();
    const { result, jar } = await browserSignIn(username);
    const cookies = setCookies(result);
    const refreshCookie = cookies.goosuke_refresh!;
    expect(refreshCookie.value).toMatch(/^gsr_/);
    expect(refreshCookie).toMatchObject({ httpOnly: true, sameSite: 'strict', path: '/api/v1/auth/session' });
    // Plain HTTP to 127.0.0.1: a browser would drop a Secure cookie here.
    expect(refreshCookie.secure).toBeFalsy();
    // Max-Age is the refresh token's lifetime (30 days by default).
    expect(refreshCookie.maxAge).toBeGreaterThan(30 * 24 * 3600 - 60);
    expect(refreshCookie.maxAge).toBeLessThanOrEqual(30 * 24 * 3600);
    const csrfCookie = cookies.goosuke_csrf!;
    expect(csrfCookie).toMatchObject({ sameSite: 'strict', path: '/' });
    expect(csrfCookie.httpOnly).toBeFalsy();
    expect(csrfCookie.value?.length).toBeGreaterThanOrEqual(32);
    expect(result.json).toMatchObject({
      tokenType: 'Bearer',
      csrfToken: jar.csrf,
      user: { username },
    });
    expect(Date.parse(result.json.accessTokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(Object.keys(result.json)).not.toContain('refreshToken');
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect((await me(result.json.accessToken)).status).toBe(200);
  });

  it('refuses a wrong password like /auth/login, setting no cookie', async () => {
    const username = await newUser();
    const result = await call(harness.url, 'post', sessionPath, {
      body: { username, password: 'not the password at all' },
    });
    expect(isProblem(result, 401)).toBe(true);
    expect(result.headers.getSetCookie()).toEqual([]);
  });

  it('leaves the bearer flow unchanged: /auth/login answers the refresh token and sets no cookie', async () => {
    const username = await newUser();
    const result = await call(harness.url, 'post', api('/auth/login'), { body: { username, password } });
    expect(result.status).toBe(200);
    expect(result.json.refreshToken).toMatch(/^gsr_/);
    expect(result.headers.getSetCookie()).toEqual([]);
  });
});

describe('Secure, as Express sees the request', () => {
  const extra: Harness[] = [];
  afterAll(async () => {
    for (const started of extra) await started.close();
  });

  it('is absent for X-Forwarded-Proto: https when the proxy is not trusted', async () => {
    const username = await newUser();
    const { result } = await browserSignIn(username, harness.url, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'goosuke.example.test',
    });
    for (const cookie of Object.values(setCookies(result))) expect(cookie.secure).toBeFalsy();
  });

  it('is set for https behind a trusted proxy, and for plain HTTP to a name that is not loopback', async () => {
    const proxied = await startHarness({ trustProxy: 'loopback' });
    extra.push(proxied);
    await proxied.goosuke.users.create({ username: 'proxied', password, role: 'member' });
    const https = await browserSignIn('proxied', proxied.url, { 'x-forwarded-proto': 'https' });
    for (const cookie of Object.values(setCookies(https.result))) expect(cookie.secure).toBe(true);
    const remote = await browserSignIn('proxied', proxied.url, {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'goosuke.example.test',
    });
    for (const cookie of Object.values(setCookies(remote.result))) expect(cookie.secure).toBe(true);
    const local = await browserSignIn('proxied', proxied.url, { 'x-forwarded-proto': 'http' });
    for (const cookie of Object.values(setCookies(local.result))) expect(cookie.secure).toBeFalsy();
  });
});

describe('refreshing a browser session', () => {
  it('is a 401 without the refresh cookie, and a 403 without or with a wrong CSRF token', async () => {
    const username = await newUser();
    const { jar } = await browserSignIn(username);
    expect(isProblem(await refresh({ csrf: jar.csrf }), 401)).toBe(true);
    const noHeader = await refresh(jar, null);
    expect(isProblem(noHeader, 403)).toBe(true);
    expect(noHeader.json.code).toBe('forbidden');
    expect(isProblem(await refresh(jar, `${jar.csrf}x`), 403)).toBe(true);
    expect(isProblem(await refresh(jar, 'a'.repeat(jar.csrf.length)), 403)).toBe(true);
    // The header must match the cookie: a header without its cookie is refused too.
    expect(isProblem(await refresh({ refresh: jar.refresh }, jar.csrf), 403)).toBe(true);
    // None of that used the token up.
    expect((await refresh(jar)).status).toBe(200);
  });

  it('rotates the cookie and the CSRF token; the old cookie coming back signs the session out', async () => {
    const username = await newUser();
    const { jar } = await browserSignIn(username);
    const first = await refresh(jar);
    expect(first.status, first.text).toBe(200);
    const rotated = jarOf(first);
    refreshTokens.add(rotated.refresh);
    noRefreshTokenIn(first);
    expect(rotated.refresh).toMatch(/^gsr_/);
    expect(rotated.refresh).not.toBe(jar.refresh);
    expect(rotated.csrf).not.toBe(jar.csrf);
    expect(first.json.csrfToken).toBe(rotated.csrf);
    expect(setCookies(first).goosuke_refresh).toMatchObject({
      httpOnly: true,
      sameSite: 'strict',
      path: '/api/v1/auth/session',
    });
    expect((await me(first.json.accessToken)).status).toBe(200);

    // The old cookie again (stolen, or replayed): core's reuse detection revokes the family.
    const replay = await refresh({ refresh: jar.refresh, csrf: rotated.csrf });
    expect(isProblem(replay, 401)).toBe(true);
    noRefreshTokenIn(replay);
    const cleared = setCookies(replay);
    expect(cleared.goosuke_refresh).toMatchObject({ value: '', maxAge: 0 });
    expect(isProblem(await refresh(rotated), 401)).toBe(true);
    expect(isProblem(await me(first.json.accessToken), 401)).toBe(true);
  });
});

describe('signing a browser out', () => {
  it('needs the CSRF token, ends the session and clears both cookies', async () => {
    const username = await newUser();
    const { result, jar } = await browserSignIn(username);
    expect(isProblem(await signOut(jar, null), 403)).toBe(true);
    expect(isProblem(await signOut(jar, 'wrong'), 403)).toBe(true);
    const out = await signOut(jar);
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const cleared = setCookies(out);
    expect(cleared.goosuke_refresh).toMatchObject({ value: '', maxAge: 0, path: '/api/v1/auth/session' });
    expect(cleared.goosuke_csrf).toMatchObject({ value: '', maxAge: 0, path: '/' });
    expect(isProblem(await refresh(jar), 401)).toBe(true);
    expect(isProblem(await me(result.json.accessToken), 401)).toBe(true);
  });

  it('clears the cookies even when the session had already ended', async () => {
    const username = await newUser();
    const { jar } = await browserSignIn(username);
    expect((await signOut(jar)).status).toBe(204);
    const again = await signOut(jar);
    expect(again.status).toBe(204);
    expect(setCookies(again).goosuke_refresh).toMatchObject({ value: '', maxAge: 0 });
    const garbage = await signOut({ refresh: 'gsr_not-a-real-token', csrf: jar.csrf });
    expect(garbage.status).toBe(204);
    expect(setCookies(garbage).goosuke_csrf).toMatchObject({ value: '', maxAge: 0 });
  });
});

describe('signing out everywhere', () => {
  it("ends the user's sessions of both flows at once, and no one else's", async () => {
    const username = await newUser();
    const browser = await browserSignIn(username);
    const cli = await call(harness.url, 'post', api('/auth/login'), { body: { username, password } });
    expect(cli.status).toBe(200);
    const bystander = await newUser();
    const other = await browserSignIn(bystander);

    expect(isProblem(await call(harness.url, 'post', api('/auth/sign-out-everywhere')), 401)).toBe(true);
    const out = await call(harness.url, 'post', api('/auth/sign-out-everywhere'), {
      token: browser.result.json.accessToken,
    });
    expect(out.status).toBe(204);

    expect(isProblem(await refresh(browser.jar), 401)).toBe(true);
    const cliRefresh = await call(harness.url, 'post', api('/auth/refresh'), {
      body: { refreshToken: cli.json.refreshToken },
    });
    expect(isProblem(cliRefresh, 401)).toBe(true);
    expect(isProblem(await me(browser.result.json.accessToken), 401)).toBe(true);
    expect(isProblem(await me(cli.json.accessToken), 401)).toBe(true);

    expect((await me(other.result.json.accessToken)).status).toBe(200);
    expect((await refresh(other.jar)).status).toBe(200);
  });
});
