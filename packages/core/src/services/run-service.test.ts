import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Run } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  type MemoryJobQueue,
  unusedGitBackend,
} from '../testing/index.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Goosuke on the memory store and queue; text tasks answered by a scripted model. */
async function compose(): Promise<{
  goosuke: Goosuke;
  queue: MemoryJobQueue;
  modelId: string;
  taskId: string;
}> {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-run-service-tests-01' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
    runtime: {
      queue,
      git: unusedGitBackend,
      languageModels: () => createScriptedLanguageModel({ replies: ['The answer.'] }),
      layout: {
        cloneDir: (repo) => `/nonexistent/clones/${repo.id}`,
        workingCopyDir: (run) => `/nonexistent/worktrees/${run.id}`,
      },
    },
  });
  closers.push(async () => {
    await goosuke.close();
    await queue.close();
  });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' });
  const { task } = await goosuke.tasks.create({ title: 'a question' });
  return { goosuke, queue, modelId: model.id, taskId: task.id };
}

describe('the run service on the worker runtime', () => {
  it('a run-ended listener that throws never changes the run’s outcome, nor keeps the others from hearing', async () => {
    const { goosuke, queue, modelId, taskId } = await compose();
    const heard: Run[] = [];
    goosuke.runs.onEnded(() => {
      throw new Error('a broken listener');
    });
    goosuke.runs.onEnded(async (run) => {
      heard.push(run);
    });
    const { runs } = await goosuke.runs.create(taskId, { instruction: 'What is it?', models: [modelId] });
    const workers = goosuke.runs.startWorkers({ recoverEveryMs: 60_000 });
    await workers.drain();
    const run = await goosuke.runs.get(runs[0]!.id);
    expect(run).toMatchObject({ status: 'succeeded', summary: 'The answer.' });
    expect((await queue.get(run.id))?.status).toBe('succeeded');
    expect(heard).toEqual([run]);
  });

  it('announces runs that end without a worker: a queued run canceled', async () => {
    const { goosuke, modelId, taskId } = await compose();
    const heard: string[] = [];
    const unsubscribe = goosuke.runs.onEnded((run) => void heard.push(`${run.id} ${run.status}`));
    const { runs } = await goosuke.runs.create(taskId, { instruction: 'Never mind', models: [modelId] });
    await goosuke.runs.cancel(runs[0]!.id);
    expect(heard).toEqual([`${runs[0]!.id} canceled`]);
    unsubscribe();
    const second = await goosuke.runs.create(taskId, { instruction: 'Nor this', models: [modelId] });
    await goosuke.runs.cancel(second.runs[0]!.id);
    expect(heard).toHaveLength(1);
  });

  it('starts once, reports its runs, stops idempotently and fails jobs of unknown types', async () => {
    const { goosuke, queue, modelId, taskId } = await compose();
    const workers = goosuke.runs.startWorkers({ recoverEveryMs: 60_000 });
    expect(() => goosuke.runs.startWorkers()).toThrow(GoosukeError);
    expect((await goosuke.system.health()).workers).toBe('running');
    await queue.enqueue({ id: 'stray', type: 'mystery', payload: null });
    const { runs } = await goosuke.runs.create(taskId, { instruction: 'Hello?', models: [modelId] });
    await workers.drain();
    expect((await goosuke.runs.get(runs[0]!.id)).status).toBe('succeeded');
    const stray = await queue.get('stray');
    expect(stray?.status).toBe('failed');
    expect(stray?.lastError).toMatch(/no handler for job type "mystery".*run/);
    expect(workers.running()).toEqual([]);
    const stopping = workers.stop({ graceMs: 1_000 });
    expect(workers.stop()).toBe(stopping);
    expect(await stopping).toEqual({ canceled: [] });
    expect((await goosuke.system.health()).workers).toBe('stopped');
  });
});
