// GitHub configured through the API: `PUT /api/v1/github/config` stores the token (sealed, never
// shown again), the default composition then reaches GitHub with it (`GET /api/v1/github/repos`,
// branches), half an App is refused with nothing written, and the environment wins when set.
import path from 'node:path';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { type FakeGitHubServer, startFakeGitHubServer } from '@goosuke/github/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, temporaryDirectory } from './support.ts';

const token = 'ghp_configuredThroughTheApi0123456789';
const secretKey = 'github-config-master-secret-0123456789ab';
const jwtSecret = 'github-config-jwt-signing-secret-9876543210';
const password = 'correct horse battery staple';

describe('GitHub configured through the API', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let github: FakeGitHubServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let server: HttpServer | undefined;
  const tokens = { admin: '', member: '' };

  const call = apiCaller(() => server!.url, tokens);

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-github-config-');
    github = await startFakeGitHubServer({ tokens: [token] });
    github.addRepository({ fullName: 'octo/shop', defaultBranch: 'main', branches: ['main', 'feature/a'] });
    github.addRepository({ fullName: 'octo/docs', defaultBranch: 'trunk' });
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_JWT_SECRET: jwtSecret,
      GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
      GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
    };
    goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, scratch.dir), { env: {} });
    await goosuke.users.create({ username: 'admin', password, role: 'admin' });
    await goosuke.users.create({ username: 'member', password, role: 'member' });
    tokens.admin = (await goosuke.auth.login({ username: 'admin', password })).accessToken;
    tokens.member = (await goosuke.auth.login({ username: 'member', password })).accessToken;
    server = await createHttpServer(goosuke, { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await goosuke?.close();
    await github?.close();
    await scratch?.cleanup();
  });

  it('answers 501 with what to configure before GitHub is configured', async () => {
    const repos = await call('GET', '/github/repos', 'admin');
    expect(repos.status).toBe(501);
    expect(repos.json.detail).toContain('GITHUB_TOKEN');
    const config = await call('GET', '/github/config', 'admin');
    expect(config.json).toEqual({
      auth: null,
      apiUrl: null,
      appId: null,
      installationId: null,
      hasToken: false,
      hasAppPrivateKey: false,
      fromEnvironment: false,
    });
  });

  it('stores a token write-only and then lists repositories and branches with it', async () => {
    const put = await call('PUT', '/github/config', 'admin', { apiUrl: github!.url, token });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      auth: 'token',
      apiUrl: github!.url,
      hasToken: true,
      fromEnvironment: false,
    });
    expect(put.text).not.toContain(token);
    expect((await call('GET', '/github/config', 'admin')).text).not.toContain(token);
    // The generic settings view shows the setting as a secret, without its value.
    const setting = await call('GET', '/settings/github.token', 'admin');
    expect(setting.json).toMatchObject({ key: 'github.token', secret: true, hasValue: true });
    expect(setting.text).not.toContain(token);

    const repos = await call('GET', '/github/repos', 'admin');
    expect(repos.status).toBe(200);
    expect(repos.json.items.map((repo: { fullName: string }) => repo.fullName).sort()).toEqual([
      'octo/docs',
      'octo/shop',
    ]);
    const branches = await call('GET', '/github/repos/octo/shop/branches', 'member');
    expect(branches.json.items.sort()).toEqual(['feature/a', 'main']);
    expect((await call('GET', '/github/repos/octo/missing/branches', 'member')).status).toBe(404);
  });

  it('keeps configuration and repository listing for admins', async () => {
    for (const [method, route] of [
      ['GET', '/github/config'],
      ['PUT', '/github/config'],
      ['GET', '/github/repos'],
    ] as const) {
      const answer = await call(method, route, 'member', method === 'PUT' ? { token: 'ghp_x' } : undefined);
      expect(answer.status, `${method} ${route}`).toBe(403);
    }
  });

  it('refuses half an App or a key that is not one, and writes nothing', async () => {
    const before = await call('GET', '/github/config', 'admin');
    const half = await call('PUT', '/github/config', 'admin', { appId: 12, installationId: 34 });
    expect(half.status).toBe(400);
    expect(half.json.detail).toContain('appPrivateKey');
    const notAKey = await call('PUT', '/github/config', 'admin', {
      appId: 12,
      appPrivateKey: 'not a key',
      installationId: 34,
    });
    expect(notAKey.status).toBe(400);
    expect((await call('GET', '/github/config', 'admin')).json).toEqual(before.json);
  });

  it('lets the environment win: a server with GITHUB_TOKEN says so and ignores the stored token', async () => {
    const other = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        {
          GOOSUKE_SECRET_KEY: secretKey,
          GOOSUKE_JWT_SECRET: jwtSecret,
          GOOSUKE_DATA_DIR: path.join(scratch!.dir, 'data'),
        },
        scratch!.dir,
      ),
      { env: { GITHUB_TOKEN: 'ghp_fromTheEnvironment', GOOSUKE_GITHUB_API_URL: github!.url } },
    );
    try {
      expect((await other.github.getConfig()).fromEnvironment).toBe(true);
      // The environment's token is not one the fake accepts: the stored one is not used.
      const error = await other.github.listRepositories().catch((caught: unknown) => caught);
      expect((error as { code?: string }).code).toBe('unauthorized');
    } finally {
      await other.close();
    }
  });
});
