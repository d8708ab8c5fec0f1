// Who may fire which action by hand, over real HTTP: members fire manual actions only (a webhook,
// schedule or Discord action authenticates its own way, and its callback is signed with its
// secret); admins fire any, and the task records who fired it by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallOptions, type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

let harness: Harness;
let template: string;

const api = (method: string, url: string, options: CallOptions = {}): Promise<CallResult> =>
  call(harness.url, method, `${apiPrefix}${url}`, options);

const kinds = [
  { trigger: 'webhook', config: {} },
  { trigger: 'schedule', config: { cron: '0 0 1 1 *' } },
  { trigger: 'discord-reaction', config: {} },
  { trigger: 'discord-command', config: {} },
] as const;

beforeAll(async () => {
  harness = await startHarness();
  const model = await api('post', '/models', {
    token: harness.admin.token,
    body: {
      provider: 'openai',
      modelName: 'gpt-4.1',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'sk-unused-0123456789',
    },
  });
  expect(model.status, model.text).toBe(201);
  const created = await api('post', '/templates', {
    token: harness.admin.token,
    body: { name: 'fire', prompt: 'Say hello.', defaultModelProfileIds: [model.json.id] },
  });
  expect(created.status, created.text).toBe(201);
  template = created.json.id;
});

afterAll(async () => {
  await harness?.close();
});

async function action(trigger: string, config: Record<string, unknown>): Promise<string> {
  const created = await api('post', '/actions', {
    token: harness.admin.token,
    body: { name: `fire-${trigger}`, template, trigger, config, callbackUrl: 'http://127.0.0.1:9/callback' },
  });
  expect(created.status, created.text).toBe(201);
  return created.json.action.id;
}

describe('POST /actions/{id}/trigger by hand', () => {
  for (const { trigger, config } of kinds) {
    it(`refuses a member a ${trigger} action (403, no task); an admin fires it and the task says so`, async () => {
      const id = await action(trigger, config);
      const before = await api('get', '/tasks?limit=500', { token: harness.admin.token });
      const member = await api('post', `/actions/${id}/trigger`, { token: harness.alice.token, body: {} });
      expect(isProblem(member, 403), member.text).toBe(true);
      const after = await api('get', '/tasks?limit=500', { token: harness.admin.token });
      expect(after.json.items).toHaveLength(before.json.items.length);

      const admin = await api('post', `/actions/${id}/trigger`, { token: harness.admin.token, body: {} });
      expect(admin.status, admin.text).toBe(202);
      expect(admin.json.task).toMatchObject({
        actionId: id,
        createdBy: harness.admin.id,
        firedBy: harness.admin.id,
      });
      const read = await api('get', `/tasks/${admin.json.taskId}`, { token: harness.admin.token });
      expect(read.json.task.firedBy).toBe(harness.admin.id);
    });
  }

  it('lets a member fire a manual action, and records them as its firer', async () => {
    const id = await action('manual', {});
    const fired = await api('post', `/actions/${id}/trigger`, { token: harness.bob.token, body: {} });
    expect(fired.status, fired.text).toBe(202);
    expect(fired.json.task).toMatchObject({ createdBy: harness.bob.id, firedBy: harness.bob.id });
  });

  it('refuses firedBy in the body: the caller is the firer', async () => {
    const actions = await api('get', '/actions', { token: harness.admin.token });
    const manual = actions.json.items.find((item: { trigger: string }) => item.trigger === 'manual');
    const forged = await api('post', `/actions/${manual.id}/trigger`, {
      token: harness.bob.token,
      body: { firedBy: harness.alice.id },
    });
    expect(isProblem(forged, 400), forged.text).toBe(true);
  });
});
