import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, type HttpRoute, httpRoutes } from '../src/index.ts';
import { type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

let harness: Harness;
let url: (route: HttpRoute) => string;
let valid: (route: HttpRoute) => Record<string, unknown>;

beforeAll(async () => {
  harness = await startHarness({ bodyLimit: 64 * 1024 });
  const { goosuke, admin } = harness;
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
  const repo = await goosuke.repos.create({ url: 'https://example.test/owner/repo.git' });
  const { task } = await goosuke.tasks.create({ title: 'admin task', repoId: repo.id, createdBy: admin.id });
  const idFor = (path: string) =>
    path.startsWith('/models/') ? model.id : path.startsWith('/users/') ? harness.bob.id : task.id;
  url = (route) =>
    `${apiPrefix}${route.path.replace('{id}', idFor(route.path)).replace('{key}', 'bodies.setting').replace('{prId}', 'pr_bodies').replace('{owner}', 'octo').replace('{repo}', 'shop').replace('{guildId}', '200000000000000001')}`;
  const bodies: Record<string, Record<string, unknown>> = {
    login: { username: 'admin', password: 'not the password' },
    refresh: { refreshToken: 'gsr_nope' },
    logout: { refreshToken: 'gsr_nope' },
    createSession: { username: 'admin', password: 'not the password' },
    createModel: { provider: 'openai', modelName: 'gpt-4.1', apiKey: 'sk-0123456789' },
    updateModel: {
      displayName: 'Renamed',
      baseUrl: 'http://127.0.0.1:11434/v1',
      apiKey: 'sk-0123456789',
      capabilities: { contextWindow: 131_072 },
    },
    createRepo: { url: 'https://example.test/owner/other.git', name: 'other' },
    createTask: { title: 'a task', repoId: repo.id },
    addMessage: { content: 'hello' },
    createRuns: { instruction: 'do it', models: [model.id] },
    createPullRequest: {
      runId: 'run_bodies',
      title: 'A title',
      draft: true,
      branch: 'ci/bodies',
      reason: 'why',
    },
    updatePullRequest: { runId: 'run_bodies', reason: 'why', force: false },
    createUser: {
      username: 'carol',
      displayName: 'Carol',
      password: 'a long enough password 1',
      role: 'member',
    },
    updateUser: { role: 'member', disabled: false },
    // A wrong current password: whatever variant passes validation cannot change the password.
    changePassword: { currentPassword: 'not the password', newPassword: 'a new long password 2' },
    createAccessToken: { name: 'ci', expiresInDays: 30 },
    putSetting: { value: 'a secret value', secret: true, description: 'what it is for' },
    createAgent: {
      name: 'bodies-agent',
      command: '/usr/local/bin/bodies-agent',
      args: ['--acp'],
      wire: 'openai-chat',
      sessionMode: 'auto',
      description: 'a custom agent',
    },
    createExtension: {
      name: 'bodies-extension',
      description: 'an MCP server',
      type: 'stdio',
      command: '/usr/local/bin/bodies-mcp',
      args: ['--stdio'],
      cwd: '/srv/mcp',
      env: [{ name: 'TOKEN', value: 'a secret', secret: true }],
      timeoutSeconds: 30,
      enabled: true,
      alwaysOn: false,
    },
    importGooseConfig: {
      config:
        'GOOSE_MODE: auto\nextensions:\n  fetch:\n    type: stdio\n    cmd: uvx\n    args: [mcp-server-fetch]\n',
      restoreDeleted: false,
    },
    exportGooseConfig: { config: 'GOOSE_MODE: auto\n' },
    updateExtension: {
      description: 'changed',
      args: ['--verbose'],
      timeoutSeconds: 120,
      enabled: false,
      alwaysOn: true,
    },
    putGitHubConfig: {
      apiUrl: 'https://ghe.example.test/api/v3',
      token: 'ghp_bodies-token',
      appId: 12,
      appPrivateKey: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----',
      installationId: 34,
    },
    createTemplate: {
      name: 'bodies-template',
      prompt: 'Say {{word}}',
      parameters: [{ name: 'word', type: 'string', required: true }],
      outputKind: 'text',
    },
    updateTemplate: { description: 'changed' },
    createAction: { name: 'bodies-action', template: 'bodies-template', trigger: 'manual' },
    updateAction: { enabled: false },
    triggerAction: { parameters: { word: 'hi' } },
    chooseRun: { runId: 'run_bodies' },
    putDiscordGuildConfig: { language: 'ja', dailyRunCap: 10 },
  };
  valid = (route) => {
    const body = bodies[route.operationId];
    if (body === undefined) throw new Error(`add a valid body for ${route.operationId}`);
    return body;
  };
});
afterAll(async () => {
  await harness?.close();
});

const withBody = httpRoutes.filter((route) => route.body !== undefined);

function expectClientProblem(result: CallResult, label: string): void {
  expect(result.status, `${label}: ${result.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(result.status, label).toBeLessThan(500);
  expect(isProblem(result, result.status), `${label}: ${result.text.slice(0, 300)}`).toBe(true);
}

describe('invalid request bodies', () => {
  it('has routes with bodies', () => {
    expect(withBody.map((route) => route.operationId)).toEqual(
      expect.arrayContaining([
        'login',
        'createModel',
        'createRepo',
        'createTask',
        'createRuns',
        'createUser',
        'updateUser',
        'changePassword',
        'createAccessToken',
        'putSetting',
      ]),
    );
  });

  it.each(withBody.map((route) => [route.operationId, route] as const))(
    '%s: 4xx problem JSON for every broken body, never a 500',
    async (_name, route) => {
      const send = (options: Parameters<typeof call>[3]) =>
        call(harness.url, route.method, url(route), { token: harness.admin.token, ...options });
      const body = valid(route);
      const cases: Array<[string, Parameters<typeof call>[3]]> = [
        ['no body', {}],
        ['null', { raw: 'null' }],
        ['an array', { body: [body] }],
        ['a string', { body: 'text' }],
        ['a number', { raw: '42' }],
        ['empty object', { body: {} }],
        ['unknown field', { body: { ...body, unexpected: true } }],
        ['__proto__ field', { raw: `{"__proto__": {"admin": true}, ${JSON.stringify(body).slice(1)}` }],
        ['malformed JSON', { raw: '{"a": ' }],
        ['trailing garbage', { raw: `${JSON.stringify(body)}xyz` }],
        ['wrong content type', { raw: JSON.stringify(body), contentType: 'text/plain' }],
        ['form content type', { raw: 'a=b', contentType: 'application/x-www-form-urlencoded' }],
        [
          'unsupported charset',
          { raw: JSON.stringify(body), contentType: 'application/json; charset=latin1' },
        ],
        [
          'invalid UTF-8',
          { raw: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
        ],
        ['over the size limit', { body: { ...body, padding: 'x'.repeat(70 * 1024) } }],
      ];
      for (const key of Object.keys(body)) {
        cases.push([
          `${key} missing`,
          { body: Object.fromEntries(Object.entries(body).filter(([k]) => k !== key)) },
        ]);
        cases.push([`${key} as an object`, { body: { ...body, [key]: { nested: true } } }]);
        cases.push([`${key} as a number`, { body: { ...body, [key]: 12345 } }]);
        cases.push([`${key} as null`, { body: { ...body, [key]: null } }]);
        cases.push([`${key} huge`, { body: { ...body, [key]: 'x'.repeat(60 * 1024) } }]);
      }
      for (const [label, options] of cases) {
        const result = await send(options);
        // Some of these are valid after all (a missing optional field, a long but allowed
        // string): those may succeed; what is never allowed is a 5xx or a non-problem error.
        if (result.status < 400) continue;
        expectClientProblem(result, label);
        expect(result.text, label).not.toMatch(/at .*\.ts:\d+/);
      }
      const tooLarge = await send({ body: { ...body, padding: 'x'.repeat(70 * 1024) } });
      expect(isProblem(tooLarge, 413)).toBe(true);
      const utf8 = await send({
        raw: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      });
      expect(isProblem(utf8, 400)).toBe(true);
      const malformed = await send({ raw: '{"a": ' });
      expect(isProblem(malformed, 400)).toBe(true);
      const contentType = await send({ raw: JSON.stringify(body), contentType: 'text/plain' });
      expect(isProblem(contentType, 400)).toBe(true);
      const unknown = await send({ body: { ...body, unexpected: true } });
      expect(isProblem(unknown, 400)).toBe(true);
      expect(unknown.json.code).toBe('invalid_input');
      expect(unknown.json.issues.length).toBeGreaterThan(0);
    },
  );

  it('rejects invalid path and query parameters with 400', async () => {
    const token = harness.admin.token;
    expect(isProblem(await call(harness.url, 'get', `${apiPrefix}/tasks?limit=0`, { token }), 400)).toBe(
      true,
    );
    expect(isProblem(await call(harness.url, 'get', `${apiPrefix}/tasks?limit=abc`, { token }), 400)).toBe(
      true,
    );
    expect(
      isProblem(await call(harness.url, 'get', `${apiPrefix}/tasks?limit=1&limit=2`, { token }), 400),
    ).toBe(true);
    expect(
      isProblem(await call(harness.url, 'get', `${apiPrefix}/models/${'x'.repeat(300)}`, { token }), 400),
    ).toBe(true);
  });
});
