// Templates, actions, manual triggers and signed webhooks over real HTTP on the real stack
// (SQLite, scrypt, the OpenAI fake as the model).
import { createHmac } from 'node:crypto';
import { signWebhook, type WebhookSignatureHeaders } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallOptions, type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

const openaiKey = 'sk-openai-actions-test-0123456789';

let harness: Harness;
/** Answers the runs whose summaries the tests read. */
let openai: FakeOpenAIServer;
/** Backs the webhook actions' model: it has no scripted answers, so their runs fail fast and never eat `openai`'s. */
let quiet: FakeOpenAIServer;
let modelId: string;
let quietModelId: string;
/** Every run the tests started, waited for before teardown so that no run outlives the store. */
const startedRuns: string[] = [];

const api = (method: string, url: string, options: CallOptions = {}): Promise<CallResult> =>
  call(harness.url, method, `${apiPrefix}${url}`, options);
const asAdmin = (method: string, url: string, options: CallOptions = {}) =>
  api(method, url, { token: harness.admin.token, ...options });

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A template taking a required `topic`, answered by `model`. */
async function createTemplate(name: string, model: string): Promise<string> {
  const created = await asAdmin('post', '/templates', {
    body: {
      name,
      prompt: 'Write one line about {{topic}}.',
      parameters: [{ name: 'topic', type: 'string', required: true }],
      defaultModelProfileIds: [model],
    },
  });
  expect(created.status, created.text).toBe(201);
  return created.json.id;
}

/** A webhook action on `template` mapping `$.topic` to the topic; returns the id and the secret. */
async function createWebhookAction(
  name: string,
  template: string,
  config: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const created = await asAdmin('post', '/actions', {
    body: { name, template, trigger: 'webhook', config, parameterMapping: { topic: '$.topic' } },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.json.action.id, secret: created.json.webhookSecret };
}

/** Posts `body` to the action's hook with `headers` (signature headers and any others). */
function deliver(
  actionId: string,
  body: string,
  headers: Readonly<Record<string, string>> | WebhookSignatureHeaders = {},
) {
  return api('post', `/hooks/${actionId}`, { raw: body, headers: { ...headers } });
}

/** Posts `body` signed with `secret` at `timestamp` (default now). */
async function deliverSigned(
  actionId: string,
  secret: string,
  body: string,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
) {
  const signature = await signWebhook({ secret, body, timestamp: options.timestamp ?? nowSeconds() });
  return deliver(actionId, body, { ...signature, ...options.headers });
}

async function taskIds(): Promise<string[]> {
  const tasks = await asAdmin('get', '/tasks?limit=500');
  expect(tasks.status).toBe(200);
  return tasks.json.items.map((task: { id: string }) => task.id);
}

beforeAll(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  quiet = await startFakeOpenAIServer({ apiKey: openaiKey });
  harness = await startHarness();
  harness.goosuke.runs.startWorkers();
  const model = await asAdmin('post', '/models', {
    body: { provider: 'openai', modelName: 'gpt-4.1', baseUrl: openai.url, apiKey: openaiKey },
  });
  expect(model.status, model.text).toBe(201);
  modelId = model.json.id;
  const quietModel = await asAdmin('post', '/models', {
    body: { provider: 'openai', modelName: 'gpt-4.1-mini', baseUrl: quiet.url, apiKey: openaiKey },
  });
  expect(quietModel.status, quietModel.text).toBe(201);
  quietModelId = quietModel.json.id;
});

afterAll(async () => {
  if (harness !== undefined && startedRuns.length > 0) {
    await harness.goosuke.runs.waitFor(startedRuns, { signal: AbortSignal.timeout(10_000) }).catch(() => {});
  }
  await harness?.close();
  await openai?.close();
  await quiet?.close();
});

describe('template and action access', () => {
  it('answers 401 without a token and 403 to members on every admin route', async () => {
    const template = await createTemplate('access-probe', modelId);
    const action = await createWebhookAction('access-probe', template);
    const routes: Array<[string, string, unknown?]> = [
      ['get', '/templates'],
      ['post', '/templates', { name: 'x', prompt: 'hello' }],
      ['get', `/templates/${template}`],
      ['patch', `/templates/${template}`, { description: 'changed' }],
      ['delete', `/templates/${template}`],
      ['get', '/actions'],
      ['post', '/actions', { name: 'x', template, trigger: 'manual' }],
      ['get', `/actions/${action.id}`],
      ['patch', `/actions/${action.id}`, { enabled: false }],
      ['delete', `/actions/${action.id}`],
      ['post', `/actions/${action.id}/secret`],
    ];
    for (const [method, url, body] of routes) {
      const anonymous = await api(method, url, body === undefined ? {} : { body });
      expect(isProblem(anonymous, 401), `${method} ${url} anonymous: ${anonymous.text}`).toBe(true);
      const member = await api(method, url, {
        token: harness.alice.token,
        ...(body === undefined ? {} : { body }),
      });
      expect(isProblem(member, 403), `${method} ${url} as alice: ${member.text}`).toBe(true);
    }
    // The member calls changed nothing.
    const stored = await asAdmin('get', `/actions/${action.id}`);
    expect(stored.json.enabled).toBe(true);
    expect((await asAdmin('get', `/templates/${template}`)).json.description).toBe('');
    expect(isProblem(await api('post', `/actions/${action.id}/trigger`, { body: {} }), 401)).toBe(true);
  });
});

describe('templates CRUD', () => {
  it('creates, lists, reads, changes and deletes a template', async () => {
    const created = await asAdmin('post', '/templates', {
      body: {
        name: 'release-notes',
        description: 'Notes for a release',
        prompt: 'Write release notes for {{version}} in {{tone}}.',
        parameters: [
          { name: 'version', type: 'string', required: true },
          { name: 'tone', type: 'enum', options: ['plain', 'cheerful'], default: 'plain' },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      name: 'release-notes',
      outputKind: 'text',
      repoId: null,
      defaultModelProfileIds: [],
      parameters: [
        { name: 'version', type: 'string', required: true, description: '', options: null, default: null },
        { name: 'tone', type: 'enum', required: false, options: ['plain', 'cheerful'], default: 'plain' },
      ],
    });
    const id: string = created.json.id;

    const listed = await asAdmin('get', '/templates');
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((template: { id: string }) => template.id)).toContain(id);
    const read = await asAdmin('get', `/templates/${id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);

    const patched = await asAdmin('patch', `/templates/${id}`, {
      body: { description: 'Changed', defaultModelProfileIds: [modelId] },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ id, description: 'Changed', defaultModelProfileIds: [modelId] });
    expect((await asAdmin('get', `/templates/${id}`)).json.description).toBe('Changed');

    // A change that would leave a placeholder undeclared is refused like a bad create.
    const badPatch = await asAdmin('patch', `/templates/${id}`, { body: { prompt: 'Now with {{other}}' } });
    expect(isProblem(badPatch, 400), badPatch.text).toBe(true);
    expect((await asAdmin('get', `/templates/${id}`)).json.prompt).toBe(
      'Write release notes for {{version}} in {{tone}}.',
    );

    expect((await asAdmin('delete', `/templates/${id}`)).status).toBe(204);
    expect(isProblem(await asAdmin('get', `/templates/${id}`), 404)).toBe(true);
    expect(isProblem(await asAdmin('delete', `/templates/${id}`), 404)).toBe(true);
  });

  it('refuses an undeclared placeholder with issues, the reserved name, and deleting a template in use', async () => {
    const undeclared = await asAdmin('post', '/templates', {
      body: { name: 'undeclared', prompt: 'Hello {{x}}', parameters: [] },
    });
    expect(isProblem(undeclared, 400), undeclared.text).toBe(true);
    expect(Array.isArray(undeclared.json.issues)).toBe(true);
    expect(undeclared.json.issues.length).toBeGreaterThan(0);
    expect(JSON.stringify(undeclared.json.issues)).toContain('x');
    expect(isProblem(await asAdmin('get', '/templates/undeclared'), 404)).toBe(true);

    const reserved = await asAdmin('post', '/templates', {
      body: { name: 'summarize-conversation', prompt: 'Summarize.' },
    });
    expect(isProblem(reserved, 409), reserved.text).toBe(true);
    expect(reserved.json.detail).toContain('summarize-conversation');

    const duplicate = await asAdmin('post', '/templates', { body: { name: 'in-use', prompt: 'Hi.' } });
    expect(duplicate.status).toBe(201);
    expect(
      isProblem(await asAdmin('post', '/templates', { body: { name: 'in-use', prompt: 'Hi.' } }), 409),
    ).toBe(true);
    const action = await asAdmin('post', '/actions', {
      body: { name: 'uses-in-use', template: 'in-use', trigger: 'manual' },
    });
    expect(action.status, action.text).toBe(201);
    const refused = await asAdmin('delete', `/templates/${duplicate.json.id}`);
    expect(isProblem(refused, 409), refused.text).toBe(true);
    expect(refused.json.detail).toContain('uses-in-use');
    expect((await asAdmin('get', `/templates/${duplicate.json.id}`)).status).toBe(200);

    expect((await asAdmin('delete', `/actions/${action.json.action.id}`)).status).toBe(204);
    expect((await asAdmin('delete', `/templates/${duplicate.json.id}`)).status).toBe(204);
  });
});

describe('actions CRUD', () => {
  it('creates a webhook action with a one-time secret that no read shows', async () => {
    const template = await createTemplate('crud-template', quietModelId);
    const created = await asAdmin('post', '/actions', {
      body: {
        name: 'crud-hook',
        template: 'crud-template',
        trigger: 'webhook',
        parameterMapping: { topic: '$.t' },
      },
    });
    expect(created.status, created.text).toBe(201);
    const secret: string = created.json.webhookSecret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(created.json.action).toMatchObject({
      name: 'crud-hook',
      templateId: template,
      trigger: 'webhook',
      config: { github: false, githubEvents: [] },
      parameterMapping: { topic: '$.t' },
      hasWebhookSecret: true,
      enabled: true,
      ownerId: harness.admin.id,
    });
    const id: string = created.json.action.id;

    const read = await asAdmin('get', `/actions/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.hasWebhookSecret).toBe(true);
    expect(read.text).not.toContain(secret);
    const listed = await asAdmin('get', '/actions');
    expect(listed.json.items.map((action: { id: string }) => action.id)).toContain(id);
    expect(listed.text).not.toContain(secret);
    const filtered = await asAdmin('get', `/actions?templateId=${template}&enabled=true`);
    expect(filtered.json.items.map((action: { id: string }) => action.id)).toEqual([id]);

    const patched = await asAdmin('patch', `/actions/${id}`, { body: { enabled: false } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({
      action: { id, enabled: false, hasWebhookSecret: true },
      webhookSecret: null,
    });
    expect(patched.text).not.toContain(secret);
    expect((await asAdmin('get', `/actions?templateId=${template}&enabled=true`)).json.items).toEqual([]);

    expect((await asAdmin('delete', `/actions/${id}`)).status).toBe(204);
    expect(isProblem(await asAdmin('get', `/actions/${id}`), 404)).toBe(true);
  });

  it('refuses invalid trigger configs and a mapping onto a parameter the template lacks', async () => {
    await createTemplate('config-template', quietModelId);
    const cron = await asAdmin('post', '/actions', {
      body: {
        name: 'bad-cron',
        template: 'config-template',
        trigger: 'schedule',
        config: { cron: '61 * * * *' },
      },
    });
    expect(isProblem(cron, 400), cron.text).toBe(true);
    expect(cron.json.detail).toMatch(/minute/i);

    const reaction = await asAdmin('post', '/actions', {
      body: {
        name: 'bad-reaction',
        template: 'config-template',
        trigger: 'discord-reaction',
        config: { emojis: ['📝'], colour: 'blue' },
      },
    });
    expect(isProblem(reaction, 400), reaction.text).toBe(true);
    expect(JSON.stringify(reaction.json)).toContain('colour');

    const mapping = await asAdmin('post', '/actions', {
      body: {
        name: 'bad-mapping',
        template: 'config-template',
        trigger: 'webhook',
        parameterMapping: { subject: '$.subject' },
      },
    });
    expect(isProblem(mapping, 400), mapping.text).toBe(true);
    expect(mapping.json.detail).toContain('subject');

    const names = (await asAdmin('get', '/actions?limit=500')).json.items.map(
      (action: { name: string }) => action.name,
    );
    expect(names).not.toContain('bad-cron');
    expect(names).not.toContain('bad-reaction');
    expect(names).not.toContain('bad-mapping');

    // A valid schedule is accepted, with its defaults filled in.
    const schedule = await asAdmin('post', '/actions', {
      body: {
        name: 'good-cron',
        template: 'config-template',
        trigger: 'schedule',
        config: { cron: '*/5 * * * *', parameters: { topic: 'time' } },
        enabled: false,
      },
    });
    expect(schedule.status, schedule.text).toBe(201);
    expect(schedule.json.action.config).toEqual({
      cron: '*/5 * * * *',
      timeZone: 'UTC',
      parameters: { topic: 'time' },
    });
    expect(schedule.json.webhookSecret).toBeNull();
    expect(schedule.json.action.hasWebhookSecret).toBe(false);
  });

  it('rotates the secret: the new one signs, the old one no longer does', async () => {
    const template = await createTemplate('rotate-template', quietModelId);
    const action = await createWebhookAction('rotate-hook', template);
    const rotated = await asAdmin('post', `/actions/${action.id}/secret`);
    expect(rotated.status, rotated.text).toBe(200);
    const fresh: string = rotated.json.webhookSecret;
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(fresh).not.toBe(action.secret);
    expect((await asAdmin('get', `/actions/${action.id}`)).text).not.toContain(fresh);

    const old = await deliverSigned(action.id, action.secret, JSON.stringify({ topic: 'old' }));
    expect(isProblem(old, 401), old.text).toBe(true);
    const accepted = await deliverSigned(action.id, fresh, JSON.stringify({ topic: 'new' }));
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.json.status).toBe('started');
    startedRuns.push(...accepted.json.runIds);
    expect(isProblem(await asAdmin('post', '/actions/action_missing/secret'), 404)).toBe(true);
  });
});

describe('triggering an action', () => {
  it("starts a task that is the caller's, answered by the model, and honours Idempotency-Key", async () => {
    const template = await createTemplate('trigger-template', modelId);
    const created = await asAdmin('post', '/actions', {
      body: { name: 'trigger-action', template, trigger: 'manual' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.webhookSecret).toBeNull();
    const actionId: string = created.json.action.id;

    openai.respond({ kind: 'reply', text: 'Otters hold hands while they sleep.' });
    const triggered = await api('post', `/actions/${actionId}/trigger`, {
      token: harness.alice.token,
      body: { parameters: { topic: 'otters' } },
      headers: { 'idempotency-key': 'alice-otters-1' },
    });
    expect(triggered.status, triggered.text).toBe(202);
    const taskId: string = triggered.json.taskId;
    expect(triggered.json.created).toBe(true);
    expect(triggered.json.task).toMatchObject({
      id: taskId,
      actionId,
      createdBy: harness.alice.id,
      repoId: null,
      title: 'trigger-action',
    });
    expect(triggered.json.runIds).toHaveLength(1);
    expect(triggered.json.runs.map((run: { id: string }) => run.id)).toEqual(triggered.json.runIds);
    startedRuns.push(...triggered.json.runIds);

    expect((await api('get', `/tasks/${taskId}`, { token: harness.alice.token })).status).toBe(200);
    expect(isProblem(await api('get', `/tasks/${taskId}`, { token: harness.bob.token }), 404)).toBe(true);

    const [run] = await harness.goosuke.runs.waitFor(triggered.json.runIds, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(run?.status).toBe('succeeded');
    const detail = await api('get', `/tasks/${taskId}`, { token: harness.alice.token });
    expect(detail.json.runs).toHaveLength(1);
    expect(detail.json.runs[0]).toMatchObject({
      status: 'succeeded',
      summary: 'Otters hold hands while they sleep.',
    });
    expect(detail.json.messages[0].content).toContain('Write one line about otters.');
    // The model was asked the rendered prompt.
    expect(JSON.stringify(openai.requests.at(-1)?.body)).toContain('Write one line about otters.');

    const again = await api('post', `/actions/${actionId}/trigger`, {
      token: harness.alice.token,
      body: { parameters: { topic: 'otters' } },
      headers: { 'idempotency-key': 'alice-otters-1' },
    });
    expect(again.status, again.text).toBe(202);
    expect(again.json).toMatchObject({ taskId, created: false, runIds: triggered.json.runIds });
    expect(openai.pending()).toBe(0);
    expect((await taskIds()).filter((id) => id === taskId)).toHaveLength(1);
  });

  it('refuses a disabled action with 409 and a missing required parameter with 400', async () => {
    const template = await createTemplate('refusal-template', quietModelId);
    const created = await asAdmin('post', '/actions', {
      body: { name: 'refusal-action', template, trigger: 'manual' },
    });
    const actionId: string = created.json.action.id;
    const before = await taskIds();

    const missing = await api('post', `/actions/${actionId}/trigger`, {
      token: harness.alice.token,
      body: {},
    });
    expect(isProblem(missing, 400), missing.text).toBe(true);
    expect(missing.json.detail).toContain('topic');

    const unknownModel = await api('post', `/actions/${actionId}/trigger`, {
      token: harness.alice.token,
      body: { parameters: { topic: 'x' }, models: ['model_missing'] },
    });
    expect(isProblem(unknownModel, 404), unknownModel.text).toBe(true);

    expect((await asAdmin('patch', `/actions/${actionId}`, { body: { enabled: false } })).status).toBe(200);
    const disabled = await api('post', `/actions/${actionId}/trigger`, {
      token: harness.alice.token,
      body: { parameters: { topic: 'x' } },
    });
    expect(isProblem(disabled, 409), disabled.text).toBe(true);

    expect(
      isProblem(
        await api('post', '/actions/action_missing/trigger', { token: harness.alice.token, body: {} }),
        404,
      ),
    ).toBe(true);
    expect(await taskIds()).toEqual(before);
  });
});

describe('webhooks', () => {
  it('starts on a valid signature and refuses replays, missing, wrong, stale and tampered ones', async () => {
    const template = await createTemplate('hook-template', quietModelId);
    const { id, secret } = await createWebhookAction('hook', template);
    const body = JSON.stringify({ topic: 'webhooks' });

    const timestamp = nowSeconds();
    const signature = await signWebhook({ secret, body, timestamp });
    const started = await deliver(id, body, signature);
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ status: 'started', created: true, reason: null });
    expect(started.json.taskId).toEqual(expect.any(String));
    expect(started.json.runIds).toHaveLength(1);
    startedRuns.push(...started.json.runIds);
    const task = await asAdmin('get', `/tasks/${started.json.taskId}`);
    expect(task.json.task.actionId).toBe(id);
    // The mapped value reached the prompt as untrusted data.
    expect(task.json.messages[0].content).toContain('<data name="topic">\nwebhooks\n</data>');
    const before = await taskIds();

    const refusals: Array<[string, CallResult]> = [
      ['replay', await deliver(id, body, signature)],
      ['no headers', await deliver(id, body)],
      ['no signature', await deliver(id, body, { 'x-goosuke-timestamp': String(nowSeconds()) })],
      [
        'wrong signature',
        await deliver(id, body, {
          'x-goosuke-timestamp': String(nowSeconds()),
          'x-goosuke-signature': `sha256=${'0'.repeat(64)}`,
        }),
      ],
      ['other secret', await deliverSigned(id, 'someone-elses-secret-0123456789', body)],
      ['stale', await deliverSigned(id, secret, body, { timestamp: nowSeconds() - 600 })],
      [
        'tampered',
        await deliver(
          id,
          JSON.stringify({ topic: 'tampered' }),
          await signWebhook({ secret, body, timestamp: nowSeconds() }),
        ),
      ],
    ];
    for (const [label, refused] of refusals) {
      expect(isProblem(refused, 401), `${label}: ${refused.text}`).toBe(true);
      expect(refused.json.detail, label).toBe('missing, invalid, expired or replayed webhook signature');
      // The challenge names the signature scheme: a bearer token would not help here.
      expect(refused.headers.get('www-authenticate'), label).toMatch(/^Goosuke-Signature /);
      expect(refused.text, label).not.toContain(secret);
    }
    expect(await taskIds()).toEqual(before);
  });

  it('answers a re-signed retry with the same Idempotency-Key with the first task', async () => {
    const template = await createTemplate('retry-template', quietModelId);
    const { id, secret } = await createWebhookAction('retry-hook', template);
    const body = JSON.stringify({ topic: 'retries' });
    const timestamp = nowSeconds();
    const headers = { 'idempotency-key': 'delivery-42' };
    const first = await deliverSigned(id, secret, body, { timestamp, headers });
    expect(first.status, first.text).toBe(202);
    expect(first.json.created).toBe(true);
    startedRuns.push(...first.json.runIds);
    const retry = await deliverSigned(id, secret, body, { timestamp: timestamp + 1, headers });
    expect(retry.status, retry.text).toBe(202);
    expect(retry.json).toMatchObject({ status: 'started', taskId: first.json.taskId, created: false });
    expect(retry.json.runIds).toEqual(first.json.runIds);
    const tasks = await asAdmin('get', '/tasks?limit=500');
    expect(tasks.json.items.filter((task: { actionId: string | null }) => task.actionId === id)).toHaveLength(
      1,
    );

    // Deleting the action keeps the task it started; its hook is gone.
    expect((await asAdmin('delete', `/actions/${id}`)).status).toBe(204);
    const kept = await asAdmin('get', `/tasks/${first.json.taskId}`);
    expect(kept.status, kept.text).toBe(200);
    expect(isProblem(await deliverSigned(id, secret, body, { timestamp: timestamp + 2, headers }), 404)).toBe(
      true,
    );
  });

  it('answers 404 for an unknown or non-webhook action and 400 for a signed body that is not JSON', async () => {
    const template = await createTemplate('misc-hook-template', quietModelId);
    const { id, secret } = await createWebhookAction('misc-hook', template);
    const manual = await asAdmin('post', '/actions', {
      body: { name: 'not-a-hook', template, trigger: 'manual', webhookSecret: 'a-manual-secret-0123456789' },
    });
    expect(manual.status, manual.text).toBe(201);
    const body = JSON.stringify({ topic: 'x' });

    const unknown = await deliverSigned('action_missing', secret, body);
    expect(isProblem(unknown, 404), unknown.text).toBe(true);
    const notHook = await deliverSigned(manual.json.action.id, 'a-manual-secret-0123456789', body);
    expect(isProblem(notHook, 404), notHook.text).toBe(true);

    const before = await taskIds();
    const notJson = await deliverSigned(id, secret, 'topic=x&not json', { headers: {} });
    expect(isProblem(notJson, 400), notJson.text).toBe(true);
    const missingTopic = await deliverSigned(id, secret, JSON.stringify({ subject: 'no topic' }));
    expect(isProblem(missingTopic, 400), missingTopic.text).toBe(true);
    expect(await taskIds()).toEqual(before);
  });

  it("accepts GitHub's X-Hub-Signature-256 on a github action and ignores a ping", async () => {
    const template = await createTemplate('github-template', quietModelId);
    const { id, secret } = await createWebhookAction('github-hook', template, { github: true });
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const hub = (payload: string, key = secret) =>
      `sha256=${createHmac('sha256', key).update(payload).digest('hex')}`;
    const before = await taskIds();

    const ping = await deliver(id, body, {
      'x-hub-signature-256': hub(body),
      'x-github-event': 'ping',
      'x-github-delivery': 'ping-1',
    });
    expect(ping.status, ping.text).toBe(202);
    expect(ping.json).toMatchObject({ status: 'ignored', taskId: null, runIds: [], created: false });
    expect(ping.json.reason).toEqual(expect.any(String));

    const forged = await deliver(id, body, {
      'x-hub-signature-256': hub(body, 'not-the-secret-0123456789'),
      'x-github-event': 'ping',
    });
    expect(isProblem(forged, 401), forged.text).toBe(true);
    expect(forged.text).not.toContain(secret);
    expect(await taskIds()).toEqual(before);

    // A real event starts work; its redelivery (same X-GitHub-Delivery) finds the same task.
    const issue = JSON.stringify({ topic: 'an issue' });
    const event = {
      'x-hub-signature-256': hub(issue),
      'x-github-event': 'issues',
      'x-github-delivery': 'd-7',
    };
    const opened = await deliver(id, issue, event);
    expect(opened.status, opened.text).toBe(202);
    expect(opened.json).toMatchObject({ status: 'started', created: true });
    startedRuns.push(...opened.json.runIds);
    const redelivered = await deliver(id, issue, event);
    expect(redelivered.status, redelivered.text).toBe(202);
    expect(redelivered.json).toMatchObject({ status: 'started', taskId: opened.json.taskId, created: false });

    // The GitHub scheme is only for actions marked github.
    const plain = await createWebhookAction('plain-hook', template);
    const refused = await deliver(plain.id, issue, {
      'x-hub-signature-256': hub(issue, plain.secret),
      'x-github-event': 'issues',
    });
    expect(isProblem(refused, 401), refused.text).toBe(true);
  });
});

describe('GitHub-scheme replay', () => {
  it('refuses a captured delivery replayed under a new or missing X-GitHub-Delivery', async () => {
    const template = await createTemplate('github-replay-template', quietModelId);
    const { id, secret } = await createWebhookAction('github-replay-hook', template, { github: true });
    const body = JSON.stringify({ topic: 'a captured event' });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const headers = { 'x-hub-signature-256': signature, 'x-github-event': 'issues' };
    const first = await deliver(id, body, { ...headers, 'x-github-delivery': 'original-1' });
    expect(first.status, first.text).toBe(202);
    expect(first.json).toMatchObject({ status: 'started', created: true });
    startedRuns.push(...first.json.runIds);
    const before = await taskIds();

    const renamed = await deliver(id, body, { ...headers, 'x-github-delivery': 'forged-2' });
    expect(isProblem(renamed, 401), renamed.text).toBe(true);
    const missing = await deliver(id, body, headers);
    expect(isProblem(missing, 401), missing.text).toBe(true);
    expect(await taskIds()).toEqual(before);

    // GitHub's own redelivery keeps the delivery id: it still gets the first task back.
    const redelivered = await deliver(id, body, { ...headers, 'x-github-delivery': 'original-1' });
    expect(redelivered.status, redelivered.text).toBe(202);
    expect(redelivered.json).toMatchObject({ taskId: first.json.taskId, created: false });
  });
});

describe('the OpenAPI document', () => {
  it('lists the template and action operations; receiveWebhook is public and documents 401', async () => {
    const document = await api('get', '/openapi.json');
    expect(document.status).toBe(200);
    const operations = new Map<
      string,
      { operationId?: string; security?: unknown; responses?: Record<string, unknown> }
    >();
    for (const item of Object.values(document.json.paths) as Array<
      Record<string, { operationId?: string }>
    >) {
      for (const operation of Object.values(item)) {
        if (typeof operation?.operationId === 'string') operations.set(operation.operationId, operation);
      }
    }
    for (const operationId of [
      'listTemplates',
      'createTemplate',
      'getTemplate',
      'updateTemplate',
      'deleteTemplate',
      'listActions',
      'createAction',
      'getAction',
      'updateAction',
      'deleteAction',
      'rotateActionSecret',
      'triggerAction',
      'receiveWebhook',
    ]) {
      expect(operations.has(operationId), operationId).toBe(true);
    }
    const webhook = document.json.paths[`${apiPrefix}/hooks/{id}`].post;
    expect(webhook.operationId).toBe('receiveWebhook');
    expect(webhook.security).toEqual([]);
    expect(Object.keys(webhook.responses)).toEqual(expect.arrayContaining(['202', '401', '404']));
    expect(operations.get('triggerAction')?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operations.get('createAction')?.responses ?? {})).toContain('403');
  });
});
