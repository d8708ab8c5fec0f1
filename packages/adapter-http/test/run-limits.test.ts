import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, startHarness } from './harness.ts';

// Issue 14, item 3: one ~1 MB POST /tasks/{id}/runs naming one profile 16 times stored the
// instruction 17 times and made 16 paid 1 MB model calls.
let harness: Harness;
let models: string[];

beforeAll(async () => {
  harness = await startHarness({ limits: { maxActiveRunsPerUser: 10 } });
  models = [];
  for (let index = 0; index < 16; index++) {
    const profile = await harness.goosuke.models.create({ provider: 'openai', modelName: `gpt-${index}` });
    models.push(profile.id);
  }
});

afterAll(async () => {
  await harness?.close();
});

async function newTask(token: string): Promise<string> {
  const created = await call(harness.url, 'post', `${apiPrefix}/tasks`, { token, body: { title: 'limits' } });
  expect(created.status).toBe(201);
  return created.json.task.id as string;
}

const runsOf = async (taskId: string) => (await harness.goosuke.runs.list({ taskId })).items;

describe('limits on what one request may cost', () => {
  it('refuses a 1 MB instruction with 413 naming the limit, and stores nothing', async () => {
    const { token } = harness.alice;
    const taskId = await newTask(token);
    const refused = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'x'.repeat(1_000_000), models: [models[0]] },
    });
    expect(isProblem(refused, 413)).toBe(true);
    expect(refused.json).toMatchObject({ code: 'payload_too_large', limit: 204_800 });
    expect(await runsOf(taskId)).toEqual([]);
    expect((await harness.goosuke.tasks.listMessages(taskId)).items).toEqual([]);
  });

  it('refuses an oversized first message and added message with 413', async () => {
    const { token } = harness.alice;
    const task = await call(harness.url, 'post', `${apiPrefix}/tasks`, {
      token,
      body: { message: 'y'.repeat(300_000) },
    });
    expect(isProblem(task, 413)).toBe(true);
    expect(task.json.limit).toBe(204_800);
    const taskId = await newTask(token);
    const message = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/messages`, {
      token,
      body: { content: 'y'.repeat(300_000) },
    });
    expect(isProblem(message, 413)).toBe(true);
  });

  it('keeps the body parser bounded: a body far over any limit is 413 with the body limit', async () => {
    const taskId = await newTask(harness.alice.token);
    const refused = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token: harness.alice.token,
      body: { instruction: 'z'.repeat(3 * 1024 * 1024), models: [models[0]] },
    });
    expect(isProblem(refused, 413)).toBe(true);
    expect(refused.json.limit).toBe(1024 * 1024);
  });

  it('refuses a profile named twice and more than 8 models with 400', async () => {
    const { token } = harness.alice;
    const taskId = await newTask(token);
    const sixteen = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'go', models: Array.from({ length: 16 }, () => models[0]) },
    });
    expect(isProblem(sixteen, 400)).toBe(true);
    const nine = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'go', models: models.slice(0, 9) },
    });
    expect(isProblem(nine, 400)).toBe(true);
    expect(nine.json.detail).toContain('at most 8 models');
    expect(await runsOf(taskId)).toEqual([]);
  });

  it('answers 429 with Retry-After once a user has too many queued and running runs', async () => {
    const { token } = harness.bob;
    const taskId = await newTask(token);
    const first = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'one', models: models.slice(0, 8) },
    });
    expect(first.status).toBe(202);
    const over = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'two', models: models.slice(0, 3) },
    });
    expect(isProblem(over, 429)).toBe(true);
    expect(over.json).toMatchObject({ code: 'rate_limited', limit: 10 });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await runsOf(taskId)).toHaveLength(8);
  });

  it('declares the 413 and 429 answers of the run-starting routes', async () => {
    const document = (await call(harness.url, 'get', `${apiPrefix}/openapi.json`)).json;
    const createRuns = document.paths[`${apiPrefix}/tasks/{id}/runs`].post.responses;
    expect(createRuns['413'].description).toContain('instruction');
    expect(createRuns['429'].headers['Retry-After']).toBeDefined();
    expect(document.paths[`${apiPrefix}/tasks`].post.responses['413']).toBeDefined();
  });
});
