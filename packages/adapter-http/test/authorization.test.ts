import { createGoosuke, createWebCryptoSecretBox } from '@goosuke/core';
import { createScryptPasswordHasher } from '@goosuke/scrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, type HttpRoute, httpRoutes } from '../src/index.ts';
import {
  call,
  type Harness,
  isProblem,
  jwtSecret,
  password,
  secretKey,
  startHarness,
  streamFetch,
} from './harness.ts';

// A valid body for every route that takes one: the matrix must reach the access check of the
// handler (another member's task), which runs after validation. A route without an entry fails.
const validBodies: Record<string, (ids: Ids) => unknown> = {
  login: () => ({ username: 'alice', password: 'wrong password here' }),
  refresh: () => ({ refreshToken: 'gsr_not-a-real-token' }),
  logout: () => ({ refreshToken: 'gsr_not-a-real-token' }),
  createSession: () => ({ username: 'alice', password: 'wrong password here' }),
  createModel: () => ({ provider: 'openai', modelName: 'gpt-4.1' }),
  updateModel: () => ({ displayName: 'matrix' }),
  createRepo: () => ({ url: 'https://example.test/owner/another.git' }),
  createTask: () => ({ title: 'a task' }),
  addMessage: () => ({ content: 'hello' }),
  createRuns: (ids) => ({ instruction: 'do it', models: [ids.model] }),
  createPullRequest: (ids) => ({ runId: ids.bobRun }),
  updatePullRequest: (ids) => ({ runId: ids.bobRun }),
  createUser: () => ({ username: 'matrix-user', password: 'a long enough password 1', role: 'member' }),
  updateUser: () => ({ role: 'member' }),
  changePassword: () => ({ currentPassword: 'not the password', newPassword: 'a new long password 2' }),
  createAccessToken: () => ({ name: 'matrix' }),
  putSetting: () => ({ value: 'matrix-secret-value', secret: true }),
  createAgent: () => ({ name: 'matrix-agent', command: '/usr/local/bin/matrix-agent', wire: 'anthropic' }),
  createExtension: () => ({ name: 'matrix-extension', type: 'stdio', command: '/usr/local/bin/matrix-mcp' }),
  updateExtension: () => ({ description: 'changed' }),
  importGooseConfig: () => ({ config: 'extensions: {}\n' }),
  exportGooseConfig: () => ({ config: 'GOOSE_MODE: auto\n' }),
  putGitHubConfig: () => ({ token: 'ghp_matrix-token-value' }),
  createTemplate: () => ({
    name: 'matrix-template',
    prompt: 'Say {{word}}',
    parameters: [{ name: 'word', type: 'string' }],
  }),
  updateTemplate: () => ({ description: 'matrix' }),
  createAction: () => ({ name: 'matrix-action', template: 'matrix-template', trigger: 'manual' }),
  updateAction: () => ({ enabled: false }),
  triggerAction: () => ({ parameters: { word: 'hi' } }),
  chooseRun: (ids) => ({ runId: ids.bobRun }),
  putDiscordGuildConfig: () => ({ language: 'ja' }),
};

interface Ids {
  model: string;
  repo: string;
  bobTask: string;
  bobRun: string;
  bobMessage: string;
  bobUser: string;
  bobToken: string;
}

let harness: Harness;
let ids: Ids;

beforeAll(async () => {
  harness = await startHarness({ heartbeatMs: 10 });
  const { goosuke, bob } = harness;
  const model = await goosuke.models.create({
    provider: 'openai',
    modelName: 'gpt-4.1',
    apiKey: 'sk-test-0123456789',
  });
  const repo = await goosuke.repos.create({ url: 'https://example.test/owner/repo.git' });
  const { task } = await goosuke.tasks.create({ title: "bob's task", repoId: repo.id, createdBy: bob.id });
  const { message, runs } = await goosuke.runs.create(task.id, {
    instruction: 'change it',
    models: [model.id],
    createdBy: bob.id,
  });
  const session = await goosuke.auth.authenticate(bob.token);
  const token = await goosuke.as(session).tokens.create({ name: 'bob ci' });
  ids = {
    model: model.id,
    repo: repo.id,
    bobTask: task.id,
    bobRun: runs[0]!.id,
    bobMessage: message.id,
    bobUser: bob.id,
    bobToken: token.record.id,
  };
});
afterAll(async () => {
  await harness?.close();
});

function urlOf(route: HttpRoute): string {
  const id = route.path.startsWith('/models/')
    ? ids.model
    : route.path.startsWith('/repos/')
      ? ids.repo
      : route.path.startsWith('/runs/')
        ? ids.bobRun
        : route.path.startsWith('/users/')
          ? ids.bobUser
          : route.path.startsWith('/tokens/')
            ? ids.bobToken
            : ids.bobTask;
  const path = `${apiPrefix}${route.path.replace('{id}', id).replace('{key}', 'matrix.setting').replace('{prId}', 'pr_matrix').replace('{owner}', 'octo').replace('{repo}', 'shop').replace('{guildId}', '200000000000000001')}`;
  return route.operationId === 'compareRuns' ? `${path}?message=${ids.bobMessage}` : path;
}

function bodyOf(route: HttpRoute): unknown {
  if (route.body === undefined) return undefined;
  const make = validBodies[route.operationId];
  if (make === undefined) throw new Error(`add a valid body for ${route.operationId} to the matrix`);
  return make(ids);
}

const guarded = httpRoutes.filter((route) => route.access !== 'public');
// Routes about one task or run: a member must not reach another member's.
const owned = guarded.filter((route) => /^\/(tasks|runs)\/\{id\}/.test(route.path));

// An access token signed in a week ago (by the same deployment: same store and JWT secret),
// long expired now. Not closed: it would close the harness's store.
let expiredTokens: Promise<string> | undefined;
function expiredToken(username: string): Promise<string> {
  expiredTokens ??= signInLastWeek(username);
  return expiredTokens;
}
async function signInLastWeek(username: string): Promise<string> {
  const past = Date.now() - 7 * 24 * 60 * 60 * 1000;
  const lastWeek = createGoosuke({
    store: harness.store,
    secretBox: await createWebCryptoSecretBox({ secret: secretKey }),
    passwordHasher: createScryptPasswordHasher(),
    jwtSecret,
    clock: { now: () => past },
  });
  const tokens = await lastWeek.auth.login({ username, password });
  return tokens.accessToken;
}

describe('the authorization matrix', () => {
  it('covers the routes that need it', () => {
    expect(guarded.length).toBeGreaterThan(15);
    expect(owned.map((route) => route.operationId)).toEqual(
      expect.arrayContaining([
        'getTask',
        'createRuns',
        'getRun',
        'streamRunEvents',
        'streamTaskEvents',
        'compareRuns',
      ]),
    );
    expect(guarded.filter((route) => route.access === 'admin').map((route) => route.operationId)).toEqual(
      expect.arrayContaining([
        'listUsers',
        'createUser',
        'updateUser',
        'listSettings',
        'getSetting',
        'putSetting',
        'deleteSetting',
      ]),
    );
    expect(
      httpRoutes
        .filter((route) => route.access === 'public')
        .map((route) => route.operationId)
        .sort(),
    ).toEqual([
      'createSession',
      'deleteSession',
      'getHealth',
      'login',
      'receiveWebhook',
      'refresh',
      'refreshSession',
    ]);
  });

  it.each(guarded.map((route) => [route.operationId, route] as const))(
    '%s: 401 problem JSON without a token, with garbage, a malformed header or an expired JWT',
    async (_name, route) => {
      const expired = await expiredToken(harness.admin.username);
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer garbage' },
        { authorization: 'Bearer ' },
        { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` },
        { authorization: `Bearer ${expired}` },
        { authorization: `Bearer ${harness.admin.token}x` },
        { authorization: 'Bearer gsk_0000000000000000000000000000000000000000000' },
      ];
      for (const headers of attempts) {
        const body = bodyOf(route);
        const result = await call(harness.url, route.method, urlOf(route), {
          headers,
          ...(body === undefined ? {} : { body }),
        });
        expect(isProblem(result, 401), `${JSON.stringify(headers)} → ${result.status} ${result.text}`).toBe(
          true,
        );
        expect(result.headers.get('www-authenticate')).toBe('Bearer');
        expect(result.json.code).toBe('unauthorized');
      }
    },
  );

  // Who may call what (403 for members on admin routes, 404 on another member's things) is
  // core's access-policy table, tried through every route in access-policy.test.ts.

  it("lets the owner and admins see a member's task", async () => {
    for (const token of [harness.bob.token, harness.admin.token]) {
      const result = await call(harness.url, 'get', `${apiPrefix}/tasks/${ids.bobTask}`, { token });
      expect(result.status).toBe(200);
      expect(result.json.task.id).toBe(ids.bobTask);
      expect(result.json.runs.map((run: { id: string }) => run.id)).toEqual([ids.bobRun]);
      expect(result.json.messages.map((message: { id: string }) => message.id)).toEqual([ids.bobMessage]);
    }
  });

  it('lists only their own tasks to members, every task to admins', async () => {
    const mine = await call(harness.url, 'post', `${apiPrefix}/tasks`, {
      token: harness.alice.token,
      body: { title: "alice's task", createdBy: harness.bob.id },
    });
    // createdBy is not a field of the request: the author is always the caller.
    expect(isProblem(mine, 400)).toBe(true);
    const created = await call(harness.url, 'post', `${apiPrefix}/tasks`, {
      token: harness.alice.token,
      body: { title: "alice's task" },
    });
    expect(created.status).toBe(201);
    expect(created.json.task.createdBy).toBe(harness.alice.id);
    const alice = await call(harness.url, 'get', `${apiPrefix}/tasks`, { token: harness.alice.token });
    expect(alice.json.items.map((task: { id: string }) => task.id)).toEqual([created.json.task.id]);
    const admin = await call(harness.url, 'get', `${apiPrefix}/tasks`, { token: harness.admin.token });
    expect(admin.json.items.map((task: { id: string }) => task.id).sort()).toEqual(
      [created.json.task.id, ids.bobTask].sort(),
    );
  });

  it('accepts a personal access token', async () => {
    const session = await harness.goosuke.auth.authenticate(harness.bob.token);
    const issued = await harness.goosuke.as(session).tokens.create({ name: 'ci' });
    const result = await call(harness.url, 'get', `${apiPrefix}/tasks`, { token: issued.token });
    expect(result.status).toBe(200);
    expect(result.json.items.map((task: { id: string }) => task.id)).toEqual([ids.bobTask]);
  });

  it('streams with a ticket instead of the header, with heartbeats; the ticket reopens only its own stream', async () => {
    const issued = await call(harness.url, 'post', `${apiPrefix}/auth/stream-ticket`, {
      token: harness.bob.token,
    });
    expect(issued.status).toBe(201);
    const controller = new AbortController();
    const response = await streamFetch(
      harness.url,
      `${apiPrefix}/runs/${ids.bobRun}/events?ticket=${issued.json.ticket}`,
      { signal: controller.signal },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The run stays queued (no workers here): read until the stored event and a heartbeat came.
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!(text.includes('event: run-queued') && text.includes(': heartbeat'))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(text).toContain('id: 1\nevent: run-queued\n');
    expect(text).toContain(': heartbeat');
    // Its own stream may reconnect with it (a browser EventSource does), within its lifetime.
    const reconnect = new AbortController();
    const again = await streamFetch(
      harness.url,
      `${apiPrefix}/runs/${ids.bobRun}/events?ticket=${issued.json.ticket}`,
      { signal: reconnect.signal },
    );
    expect(again.status).toBe(200);
    reconnect.abort();
    // No other stream may use it.
    const elsewhere = await call(
      harness.url,
      'get',
      `${apiPrefix}/tasks/${ids.bobTask}/events?ticket=${issued.json.ticket}`,
    );
    expect(isProblem(elsewhere, 401)).toBe(true);
    const other = await call(harness.url, 'post', `${apiPrefix}/auth/stream-ticket`, {
      token: harness.alice.token,
    });
    const denied = await call(
      harness.url,
      'get',
      `${apiPrefix}/runs/${ids.bobRun}/events?ticket=${other.json.ticket}`,
    );
    expect(isProblem(denied, 404)).toBe(true);
  });
});
