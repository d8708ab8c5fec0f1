// Idempotency-Key on the three creating routes (trigger, create task, start runs) over real HTTP
// on the real stack: keys belong to the caller, a reused key with another body is a 409, and a
// retry creates nothing. No workers run: the runs stay queued, and no model is called.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallOptions, type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

let harness: Harness;
let modelId: string;
let secondModelId: string;
let actionId: string;

const api = (method: string, url: string, options: CallOptions = {}): Promise<CallResult> =>
  call(harness.url, method, `${apiPrefix}${url}`, options);
const keyed = (token: string, key: string, body: unknown): CallOptions => ({
  token,
  body,
  headers: { 'idempotency-key': key },
});

beforeAll(async () => {
  harness = await startHarness();
  const admin = harness.admin.token;
  const model = await api('post', '/models', {
    token: admin,
    body: {
      provider: 'openai',
      modelName: 'gpt-4.1',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'sk-unused-0123456789',
    },
  });
  expect(model.status, model.text).toBe(201);
  modelId = model.json.id;
  // A message names each model once: the second run is on a second profile.
  const second = await api('post', '/models', {
    token: admin,
    body: {
      provider: 'openai',
      modelName: 'gpt-4.1-mini',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'sk-unused-0123456789',
    },
  });
  expect(second.status, second.text).toBe(201);
  secondModelId = second.json.id;
  const template = await api('post', '/templates', {
    token: admin,
    body: {
      name: 'secret-notes',
      prompt: 'Summarise {{topic}}.',
      parameters: [{ name: 'topic', type: 'string', required: true }],
      defaultModelProfileIds: [modelId],
    },
  });
  expect(template.status, template.text).toBe(201);
  const action = await api('post', '/actions', {
    token: admin,
    body: { name: 'notes', template: template.json.id, trigger: 'manual' },
  });
  expect(action.status, action.text).toBe(201);
  actionId = action.json.action.id;
});

afterAll(async () => {
  await harness?.close();
});

async function runCount(taskId: string): Promise<number> {
  const runs = await api('get', `/tasks/${taskId}/runs?limit=500`, { token: harness.admin.token });
  expect(runs.status, runs.text).toBe(200);
  return runs.json.items.length;
}

describe('POST /actions/{id}/trigger with Idempotency-Key', () => {
  it("never answers one member with another member's task under the same key", async () => {
    const first = await api(
      'post',
      `/actions/${actionId}/trigger`,
      keyed(harness.alice.token, 'shared-key', { parameters: { topic: "alice's private plans" } }),
    );
    expect(first.status, first.text).toBe(202);
    expect(first.json.created).toBe(true);

    const second = await api(
      'post',
      `/actions/${actionId}/trigger`,
      keyed(harness.bob.token, 'shared-key', { parameters: { topic: "alice's private plans" } }),
    );
    expect(second.status, second.text).toBe(202);
    expect(second.json.created).toBe(true);
    expect(second.json.taskId).not.toBe(first.json.taskId);
    expect(second.json.task.createdBy).toBe(harness.bob.id);
    expect(second.text).not.toContain(first.json.taskId);
  });

  it('answers a retry with the first task, and a reused key with another body with 409', async () => {
    const body = { parameters: { topic: 'otters' } };
    const first = await api(
      'post',
      `/actions/${actionId}/trigger`,
      keyed(harness.alice.token, 'k-retry', body),
    );
    expect(first.status, first.text).toBe(202);
    const again = await api(
      'post',
      `/actions/${actionId}/trigger`,
      keyed(harness.alice.token, 'k-retry', body),
    );
    expect(again.status, again.text).toBe(202);
    expect(again.json).toMatchObject({
      taskId: first.json.taskId,
      created: false,
      runIds: first.json.runIds,
    });
    expect(await runCount(first.json.taskId)).toBe(1);

    const other = await api(
      'post',
      `/actions/${actionId}/trigger`,
      keyed(harness.alice.token, 'k-retry', { parameters: { topic: 'beavers' } }),
    );
    expect(isProblem(other, 409), other.text).toBe(true);
    expect(other.text).not.toContain(first.json.taskId);
  });
});

describe('POST /tasks with Idempotency-Key', () => {
  it('creates one task for a retried request, per caller, and refuses another body with 409', async () => {
    const body = { title: 'Plan', message: 'Write the plan' };
    const first = await api('post', '/tasks', keyed(harness.alice.token, 'task-key', body));
    expect(first.status, first.text).toBe(201);
    const again = await api('post', '/tasks', keyed(harness.alice.token, 'task-key', body));
    expect(again.status, again.text).toBe(201);
    expect(again.json.task.id).toBe(first.json.task.id);
    expect(again.json.messages.map((m: { id: string }) => m.id)).toEqual(
      first.json.messages.map((m: { id: string }) => m.id),
    );

    const bobs = await api('post', '/tasks', keyed(harness.bob.token, 'task-key', body));
    expect(bobs.status, bobs.text).toBe(201);
    expect(bobs.json.task.id).not.toBe(first.json.task.id);
    expect(bobs.json.task.createdBy).toBe(harness.bob.id);

    const other = await api('post', '/tasks', keyed(harness.alice.token, 'task-key', { title: 'Other' }));
    expect(isProblem(other, 409), other.text).toBe(true);

    const mine = await api('get', '/tasks?limit=500', { token: harness.alice.token });
    expect(mine.json.items.filter((task: { title: string }) => task.title === 'Plan')).toHaveLength(1);
  });
});

describe('POST /tasks/{id}/runs with Idempotency-Key', () => {
  it('starts the runs once for a retried request and refuses another body with 409', async () => {
    const task = await api('post', '/tasks', { token: harness.alice.token, body: { title: 'Paid runs' } });
    expect(task.status, task.text).toBe(201);
    const taskId: string = task.json.task.id;
    const body = { instruction: 'Answer once', models: [modelId, secondModelId] };
    const first = await api('post', `/tasks/${taskId}/runs`, keyed(harness.alice.token, 'runs-key', body));
    expect(first.status, first.text).toBe(202);
    expect(first.json.runIds).toHaveLength(2);
    const again = await api('post', `/tasks/${taskId}/runs`, keyed(harness.alice.token, 'runs-key', body));
    expect(again.status, again.text).toBe(202);
    expect(again.json.message.id).toBe(first.json.message.id);
    expect(again.json.runIds).toEqual(first.json.runIds);
    expect(await runCount(taskId)).toBe(2);

    const other = await api(
      'post',
      `/tasks/${taskId}/runs`,
      keyed(harness.alice.token, 'runs-key', { instruction: 'Answer twice', models: [modelId] }),
    );
    expect(isProblem(other, 409), other.text).toBe(true);
    expect(await runCount(taskId)).toBe(2);

    // Without a key, every request starts runs.
    const unkeyed = await api('post', `/tasks/${taskId}/runs`, { token: harness.alice.token, body });
    expect(unkeyed.status, unkeyed.text).toBe(202);
    expect(await runCount(taskId)).toBe(4);
  });
});

describe('the OpenAPI document', () => {
  it('declares the Idempotency-Key header and the 409 on the three creating operations', async () => {
    const document = (await api('get', '/openapi.json')).json;
    for (const [path, method] of [
      ['/api/v1/actions/{id}/trigger', 'post'],
      ['/api/v1/tasks', 'post'],
      ['/api/v1/tasks/{id}/runs', 'post'],
    ] as const) {
      const operation = document.paths[path][method];
      expect(
        operation.parameters.some(
          (parameter: { in: string; name: string }) =>
            parameter.in === 'header' && parameter.name === 'idempotency-key',
        ),
        path,
      ).toBe(true);
      expect(operation.responses['409'], path).toBeDefined();
    }
  });
});
