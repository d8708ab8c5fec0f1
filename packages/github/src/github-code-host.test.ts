import { generateKeyPairSync } from 'node:crypto';
import { type CodeHost, GoosukeError, InvalidInputError } from '@goosuke/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubCodeHost } from './github-code-host.ts';
import type { GitHubCodeHostOptions } from './github-code-host-options.ts';
import { type FakeGitHubServer, startFakeGitHubServer } from './testing/index.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8 = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const wrongKey = otherKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const appId = 1234;
const installationId = 99;
const userToken = 'ghp_SuperSecretToken0123456789';
const repository = 'octo/widgets';

let server: FakeGitHubServer;

async function rejection(call: () => Promise<unknown>): Promise<GoosukeError> {
  try {
    await call();
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error;
    throw new Error(`expected a GoosukeError, got ${String(error)}`);
  }
  throw new Error('expected the call to reject');
}

function expectNoSecret(error: GoosukeError, secrets: string[]): void {
  const texts = [error.message, JSON.stringify(error), JSON.stringify(error.toJSON())];
  for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
}

function tokenHost(overrides: Partial<GitHubCodeHostOptions> = {}): CodeHost {
  return createGitHubCodeHost({
    token: userToken,
    baseUrl: server.url,
    retryBaseDelayMs: 1,
    ...overrides,
  } as GitHubCodeHostOptions);
}

function appHost(privateKey = pkcs1, overrides: Partial<GitHubCodeHostOptions> = {}): CodeHost {
  return createGitHubCodeHost({
    app: { appId, privateKey, installationId },
    baseUrl: server.url,
    retryBaseDelayMs: 1,
    ...overrides,
  } as GitHubCodeHostOptions);
}

beforeEach(async () => {
  server = await startFakeGitHubServer({
    tokens: [userToken],
    app: { appId, publicKey: keys.publicKey, installationId },
  });
  server.addRepository({ fullName: repository, branches: ['feature'] });
});

afterEach(async () => {
  await server.close();
});

describe('GitHub App authentication', () => {
  it('gets an installation token with a JWT the fake verifies, then calls with it', async () => {
    const host = appHost();
    expect(await host.listBranches({ repository })).toEqual(['main', 'feature']);
    const tokenRequest = server.requests.find(
      (request) => request.path === `/app/installations/${installationId}/access_tokens`,
    );
    expect(tokenRequest).toMatchObject({ method: 'POST', auth: 'bearer' });
    expect(server.requests.at(-1)).toMatchObject({ path: `/repos/${repository}/branches`, auth: 'token' });
    const auth = await host.getGitAuth({ repository });
    expect(auth.username).toBe('x-access-token');
    expect(server.installationTokens.has(auth.token)).toBe(true);
  });

  it('accepts a PKCS#8 key and the base64 of a PEM', async () => {
    expect(await appHost(pkcs8).listBranches({ repository })).toHaveLength(2);
    const base64 = Buffer.from(pkcs1).toString('base64');
    expect(await appHost(base64).listBranches({ repository })).toHaveLength(2);
  });

  it('a key of another App is unauthorized, without the key or JWT in the error', async () => {
    const error = await rejection(() => appHost(wrongKey).listBranches({ repository }));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('GitHub rejected the credentials');
    expectNoSecret(error, [wrongKey, wrongKey.split('\n')[1] as string, 'eyJ']);
  });

  it('shares one token request among 10 concurrent calls and reuses the token', async () => {
    const host = appHost();
    const results = await Promise.all(Array.from({ length: 10 }, () => host.listBranches({ repository })));
    expect(results.every((branches) => branches.length === 2)).toBe(true);
    expect(server.tokenRequestCount()).toBe(1);
    await host.getPullRequest({ repository, number: 1 });
    await host.getGitAuth({ repository });
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('renews a token that expires within a minute', async () => {
    server.setTokenLifetime(30_000);
    const host = appHost();
    const first = await host.getGitAuth({ repository });
    const second = await host.getGitAuth({ repository });
    expect(second.token).not.toBe(first.token);
    expect(server.tokenRequestCount()).toBe(2);
  });

  it('renews a token GitHub no longer accepts, once', async () => {
    const host = appHost();
    await host.listBranches({ repository });
    server.expireInstallationTokens();
    expect(await host.listBranches({ repository })).toHaveLength(2);
    expect(server.tokenRequestCount()).toBe(2);
  });

  it('gives fresh git credentials on request (after a git server refused them), and the token as it is', async () => {
    const host = appHost();
    const first = await host.getGitAuth({ repository });
    expect(first.username).toBe('x-access-token');
    expect((await host.getGitAuth({ repository })).token).toBe(first.token);
    const fresh = await host.getGitAuth({ repository, fresh: true });
    expect(fresh.token).not.toBe(first.token);
    expect(server.tokenRequestCount()).toBe(2);
    expect((await host.getGitAuth({ repository })).token).toBe(fresh.token);
    const token = tokenHost();
    expect(await token.getGitAuth({ repository, fresh: true })).toEqual({
      username: 'x-access-token',
      token: userToken,
    });
  });

  it('an abort while waiting for the shared token cancels only that caller', async () => {
    server.failNext(
      { method: 'POST', path: `/app/installations/${installationId}/access_tokens` },
      { status: 201, delayMs: 200, passThrough: true },
    );
    const host = appHost();
    const controller = new AbortController();
    const canceled = rejection(() => host.listBranches({ repository, signal: controller.signal }));
    const other = host.listBranches({ repository });
    setTimeout(() => controller.abort(), 20);
    expect((await canceled).code).toBe('canceled');
    expect(await other).toHaveLength(2);
    expect(server.tokenRequestCount()).toBe(1);
  });

  it('never puts an installation token in an error', async () => {
    const host = appHost();
    const { token } = await host.getGitAuth({ repository });
    server.failNext(
      { path: `/repos/${repository}/pulls` },
      {
        status: 422,
        body: { message: `Validation Failed for ${token}`, errors: [{ message: `bad ${token}` }] },
      },
    );
    const error = await rejection(() =>
      host.createPullRequest({ repository, head: 'feature', base: 'main', title: 't', body: '' }),
    );
    expect(error.code).toBe('invalid_input');
    expectNoSecret(error, [token]);
    expect(error.message).toContain('***');
  });
});

describe('GitHub Enterprise base URL', () => {
  it('sends every call, the token request included, under the /api/v3 prefix', async () => {
    const ghe = await startFakeGitHubServer({
      basePath: '/api/v3',
      tokens: [userToken],
      app: { appId, publicKey: keys.publicKey, installationId },
    });
    try {
      ghe.addRepository({ fullName: repository });
      const base = ghe.url;
      expect(base).toMatch(/\/api\/v3$/);
      const viaApp = createGitHubCodeHost({
        app: { appId, privateKey: pkcs1, installationId },
        baseUrl: `${base}/`,
      });
      expect((await viaApp.listRepositories()).map((repo) => repo.fullName)).toEqual([repository]);
      const viaToken = createGitHubCodeHost({ token: userToken, baseUrl: base });
      const [listed] = await viaToken.listRepositories();
      expect(listed?.cloneUrl).toBe(`${base.replace(/\/api\/v3$/, '')}/${repository}.git`);
      expect(ghe.tokenRequestCount()).toBe(1);
      // Without the prefix nothing is found: the prefix really is used.
      const unprefixed = createGitHubCodeHost({
        token: userToken,
        baseUrl: base.replace(/\/api\/v3$/, ''),
        retries: 0,
      });
      expect((await rejection(() => unprefixed.listBranches({ repository }))).code).toBe('not_found');
    } finally {
      await ghe.close();
    }
  });
});

describe('rate limits', () => {
  it('waits out a retry-after and retries', async () => {
    server.failNext(
      { path: `/repos/${repository}/branches` },
      {
        status: 403,
        headers: { 'retry-after': '1' },
        body: { message: 'You have exceeded a secondary rate limit.' },
      },
    );
    const started = Date.now();
    expect(await tokenHost().listBranches({ repository })).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.filter((request) => request.path.endsWith('/branches'))).toHaveLength(2);
  });

  it('waits out a 429 with retry-after: 0', async () => {
    server.failNext(
      { path: `/repos/${repository}/pulls/1` },
      { status: 429, headers: { 'retry-after': '0' } },
    );
    expect(await tokenHost().getPullRequest({ repository, number: 1 })).toBeNull();
  });

  it('reports a reset beyond the bound as retryable, naming when to retry, without waiting', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    server.failNext(
      { path: `/repos/${repository}/branches` },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded for installation ID 99.' },
      },
    );
    const started = Date.now();
    const error = await rejection(() => tokenHost().listBranches({ repository }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(error).toMatchObject({ code: 'storage', retryable: true, name: 'GitHubRateLimitError' });
    expect(error.message).toContain(new Date(reset * 1000).toISOString());
  });

  it('reports a retry-after above maxRateLimitWaitMs, and a secondary limit without headers', async () => {
    server.failNext(
      { path: `/repos/${repository}/branches` },
      { status: 429, headers: { 'retry-after': '5' } },
    );
    const host = tokenHost({ maxRateLimitWaitMs: 1000 });
    expect(await rejection(() => host.listBranches({ repository }))).toMatchObject({
      code: 'storage',
      retryable: true,
    });
    server.failNext(
      { path: `/repos/${repository}/branches` },
      {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
      },
    );
    expect(await rejection(() => host.listBranches({ repository }))).toMatchObject({
      code: 'storage',
      retryable: true,
    });
  });

  it('an abort during a rate-limit wait cancels at once', async () => {
    server.failNext(
      { path: `/repos/${repository}/branches` },
      { status: 429, headers: { 'retry-after': '1' } },
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    expect(
      (await rejection(() => tokenHost().listBranches({ repository, signal: controller.signal }))).code,
    ).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('failures', () => {
  it('retries 5xx and succeeds within the retry budget', async () => {
    server.failNext({ path: `/repos/${repository}/branches` }, { status: 502 }, { status: 503 });
    expect(await tokenHost().listBranches({ repository })).toHaveLength(2);
    expect(server.requests.filter((request) => request.path.endsWith('/branches'))).toHaveLength(3);
  });

  it('reports 5xx after the retries as retryable storage, without the token', async () => {
    server.failNext(
      { path: `/repos/${repository}/branches` },
      { status: 500, body: { message: `boom ${userToken}` } },
      { status: 500, body: { message: `boom ${userToken}` } },
      { status: 500, body: { message: `boom ${userToken}` } },
    );
    const error = await rejection(() => tokenHost().listBranches({ repository }));
    expect(error).toMatchObject({ code: 'storage', retryable: true });
    expect(error.message).toContain('HTTP 500');
    expectNoSecret(error, [userToken]);
    expect(server.requests.filter((request) => request.path.endsWith('/branches'))).toHaveLength(3);
  });

  it('does not repeat a pull request creation after a 5xx, but repeats the token request', async () => {
    server.failNext({ method: 'POST', path: `/repos/${repository}/pulls` }, { status: 502 });
    const error = await rejection(() =>
      tokenHost().createPullRequest({ repository, head: 'feature', base: 'main', title: 'x', body: '' }),
    );
    expect(error).toMatchObject({ code: 'storage', retryable: true });
    expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    server.failNext(
      { method: 'POST', path: `/app/installations/${installationId}/access_tokens` },
      { status: 503 },
    );
    expect(await appHost().listBranches({ repository })).toHaveLength(2);
    expect(server.tokenRequestCount()).toBe(2);
  });

  it('retries a network failure, then reports it as retryable storage', async () => {
    server.failNext({ path: `/repos/${repository}/branches` }, { status: 0, destroy: true });
    expect(await tokenHost().listBranches({ repository })).toHaveLength(2);
    server.failNext(
      { path: `/repos/${repository}/branches` },
      { status: 0, destroy: true },
      { status: 0, destroy: true },
    );
    const error = await rejection(() => tokenHost({ retries: 1 }).listBranches({ repository }));
    expect(error).toMatchObject({ code: 'storage', retryable: true });
    expect(error.message).toContain('could not reach GitHub');
  });

  it('a rejected token is unauthorized, without the token in message or JSON', async () => {
    const badToken = 'ghp_NotTheRightOne0123456789';
    const host = createGitHubCodeHost({ token: badToken, baseUrl: server.url });
    const error = await rejection(() => host.listRepositories());
    expect(error.code).toBe('unauthorized');
    expectNoSecret(error, [badToken]);
  });

  it('maps 422 to invalid_input with GitHub reasons, a duplicate head to conflict', async () => {
    const host = tokenHost();
    const invalid = await rejection(() =>
      host.createPullRequest({ repository, head: 'nope', base: 'main', title: 'x', body: '' }),
    );
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect(invalid.message).toContain('Validation Failed');
    expect(invalid.message).toContain('head');
    await host.createPullRequest({ repository, head: 'feature', base: 'main', title: 'x', body: '' });
    const duplicate = await rejection(() =>
      host.createPullRequest({ repository, head: 'feature', base: 'main', title: 'x', body: '' }),
    );
    expect(duplicate.code).toBe('conflict');
    expect(duplicate.message).toContain('A pull request already exists for octo:feature.');
  });

  it('maps a 403 that is no rate limit to forbidden with GitHub message', async () => {
    server.failNext(
      { method: 'POST', path: `/repos/${repository}/pulls` },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    const error = await rejection(() =>
      tokenHost().createPullRequest({ repository, head: 'feature', base: 'main', title: 'x', body: '' }),
    );
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('Resource not accessible by integration');
    expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('token auth: getGitAuth returns the token; drafts and merged state map through', async () => {
    const host = tokenHost();
    expect(await host.getGitAuth({ repository })).toEqual({ username: 'x-access-token', token: userToken });
    const draft = await host.createPullRequest({
      repository,
      head: 'feature',
      base: 'main',
      title: 'x',
      body: '',
    });
    expect(draft.draft).toBe(false);
    server.mergePullRequest(repository, draft.number);
    expect(await host.getPullRequest({ repository, number: draft.number })).toMatchObject({
      state: 'merged',
    });
  });
});

describe('options', () => {
  it('rejects malformed options without echoing secrets', () => {
    expect(() => createGitHubCodeHost({} as GitHubCodeHostOptions)).toThrow(InvalidInputError);
    expect(() =>
      createGitHubCodeHost({
        token: 'x',
        app: { appId: 1, privateKey: pkcs1, installationId: 1 },
      } as unknown as GitHubCodeHostOptions),
    ).toThrow(/exactly one/);
    expect(() =>
      createGitHubCodeHost({ app: { appId: 1, privateKey: 'not a key', installationId: 1 } }),
    ).toThrow(/not a PEM private key/);
    expect(() =>
      createGitHubCodeHost({ app: { appId: 'abc', privateKey: pkcs1, installationId: 1 } }),
    ).toThrow(/App id/);
    expect(() => createGitHubCodeHost({ token: 't', baseUrl: 'ftp://x' })).toThrow(InvalidInputError);
    expect(() => createGitHubCodeHost({ token: 't', perPage: 0 })).toThrow(/perPage/);
  });
});
