// PUT /tasks/{id}/chosen-run: a task remembers the run it continues from, and its next runs
// start there (the HTTP side of core's `tasks.choose`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, startHarness } from './harness.ts';

let harness: Harness;
let taskId: string;
let modelId: string;
let firstRunId: string;

beforeAll(async () => {
  harness = await startHarness();
  const { goosuke, bob } = harness;
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
  const repo = await goosuke.repos.create({ url: 'https://example.test/owner/chosen.git' });
  const { task } = await goosuke.tasks.create({ title: 'a task', repoId: repo.id, createdBy: bob.id });
  const { runs } = await goosuke.runs.create(task.id, { instruction: 'first', models: [model.id] });
  taskId = task.id;
  modelId = model.id;
  firstRunId = runs[0]!.id;
});
afterAll(async () => {
  await harness?.close();
});

const choose = (runId: string, token = harness.bob.token) =>
  call(harness.url, 'put', `${apiPrefix}/tasks/${taskId}/chosen-run`, { token, body: { runId } });

describe('PUT /tasks/{id}/chosen-run', () => {
  it('refuses a run with nothing to build on (409) and a run of another task (404)', async () => {
    const queued = await choose(firstRunId);
    expect(isProblem(queued, 409), queued.text).toBe(true);
    expect(queued.json.detail).toContain('no commit to continue from');
    const { task: other } = await harness.goosuke.tasks.create({ title: 'other', createdBy: harness.bob.id });
    const foreign = await call(harness.url, 'put', `${apiPrefix}/tasks/${other.id}/chosen-run`, {
      token: harness.bob.token,
      body: { runId: firstRunId },
    });
    expect(isProblem(foreign, 404), foreign.text).toBe(true);
  });

  it('records a succeeded run, shows it on the task, and the next runs start from it', async () => {
    await harness.store.runs.update(firstRunId, {
      status: 'succeeded',
      workingBranch: `goosuke/run-${firstRunId}`,
      baseCommit: '0123456789abcdef0123456789abcdef01234567',
    });
    const chosen = await choose(firstRunId);
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.json.chosenRunId).toBe(firstRunId);
    const detail = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}`, {
      token: harness.bob.token,
    });
    expect(detail.json.task.chosenRunId).toBe(firstRunId);
    const next = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
      token: harness.bob.token,
      body: { instruction: 'and then', models: [modelId] },
    });
    expect(next.status, next.text).toBe(202);
    expect(next.json.runs[0]).toMatchObject({
      baseRef: `goosuke/run-${firstRunId}`,
      baseSource: { kind: 'chosen-run', runId: firstRunId },
    });
  });
});
