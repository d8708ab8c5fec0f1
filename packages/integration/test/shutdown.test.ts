// A graceful stop of the run workers (what `goosuke serve` does on SIGTERM): no new run starts,
// running runs may finish within the grace period, those still running then are canceled, and
// queued runs wait for the next start. On a real SQLite file, the durable queue and isomorphic-git.
import path from 'node:path';
import {
  type AgentInput,
  type AgentOutcome,
  createGoosuke,
  createWebCryptoSecretBox,
  type RunEvent,
} from '@goosuke/core';
import { createScriptedLanguageModel } from '@goosuke/core/testing';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepository, temporaryDirectory } from './support.ts';

type Behaviour = (input: AgentInput) => Promise<AgentOutcome>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function compose(behaviour: Behaviour, database: string, dataDir: string) {
  const store = await createSqliteStore({ database });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'integration-test-secret-0123456789abcdef' }),
    runtime: {
      queue,
      git: createIsomorphicGitBackend(),
      languageModels: (profile) =>
        createScriptedLanguageModel({ provider: profile.provider, modelId: profile.modelName, replies: [] }),
      layout: {
        cloneDir: (repo) => path.join(dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(dataDir, 'worktrees', run.id),
      },
    },
    runs: { createAgent: () => ({ run: behaviour }) },
  });
  cleanups.push(() => goosuke.close());
  const events: RunEvent[] = [];
  goosuke.runs.subscribe((event) => events.push(event));
  return { goosuke, queue, events };
}

async function setUp(behaviour: Behaviour) {
  const scratch = await temporaryDirectory();
  cleanups.push(scratch.cleanup);
  const source = path.join(scratch.dir, 'source');
  await makeRepository(source, { 'README.md': '# demo\n' });
  const database = path.join(scratch.dir, 'goosuke.db');
  const dataDir = path.join(scratch.dir, 'data');
  const composed = await compose(behaviour, database, dataDir);
  const repo = await composed.goosuke.repos.create({ url: source });
  const { task } = await composed.goosuke.tasks.create({ title: 'demo', repoId: repo.id });
  const model = await composed.goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
  // A message names each model once: two runs of one message need two profiles.
  const otherModel = await composed.goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini' });
  return { ...composed, task, model, otherModel, database, dataDir };
}

async function waitForEvent(events: RunEvent[], runId: string, message: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 10) {
    if (events.some((event) => event.runId === runId && event.message === message)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no "${message}" event for ${runId}`);
}

const succeed = async (input: AgentInput, file: string): Promise<AgentOutcome> => {
  await input.workspace!.writeFiles([{ path: file, content: `${file}\n` }]);
  return { status: 'succeeded', summary: `wrote ${file}`, usage: null, warnings: [] };
};

/** Reports that it works, then waits for `gate` (or rejects when its signal aborts). */
function gated(gate: Promise<void>): Behaviour {
  return async (input) => {
    await input.emit({ type: 'run-log', level: 'info', message: 'working', data: {} });
    await new Promise<void>((resolve, reject) => {
      input.signal!.addEventListener('abort', () => reject(input.signal!.reason));
      void gate.then(resolve);
    });
    return succeed(input, 'gated.txt');
  };
}

describe('a graceful stop of the run workers', () => {
  it('takes no new run, lets a running run finish within the grace, and leaves queued runs for the next start', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const env = await setUp(gated(gate));
    const { runs } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'work',
      models: [env.model.id, env.otherModel.id],
    });
    const [first, second] = runs.map((run) => run.id) as [string, string];
    const workers = env.goosuke.runs.startWorkers({ concurrency: 1, recoverEveryMs: 60_000 });
    await waitForEvent(env.events, first, 'working');
    expect(workers.running()).toEqual([first]);

    const stopping = workers.stop({ graceMs: 10_000 });
    expect(workers.stop({ graceMs: 0 })).toBe(stopping);
    expect((await env.goosuke.system.health()).workers).toBe('stopped');
    // Stopping waits for the running run.
    const early = await Promise.race([
      stopping.then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 300)),
    ]);
    expect(early).toBe('waiting');
    release();
    expect(await stopping).toEqual({ canceled: [] });
    expect((await env.goosuke.runs.get(first)).status).toBe('succeeded');
    // The second run never started: it waits, queued, for the next start.
    expect((await env.goosuke.runs.get(second)).status).toBe('queued');
    expect(env.events.some((event) => event.runId === second && event.type === 'run-started')).toBe(false);

    const next = await compose(async (input) => succeed(input, 'next.txt'), env.database, env.dataDir);
    next.goosuke.runs.startWorkers({ recoverEveryMs: 60_000 });
    const [resumed] = await next.goosuke.runs.waitFor([second], { pollMs: 50 });
    expect(resumed!.status).toBe('succeeded');
  });

  it('cancels the runs still running after the grace, saying why, and never resumes them', async () => {
    const env = await setUp(gated(new Promise<void>(() => {})));
    const { runs } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'slow',
      models: [env.model.id, env.otherModel.id],
    });
    const ids = runs.map((run) => run.id);
    const workers = env.goosuke.runs.startWorkers({ concurrency: 2, recoverEveryMs: 60_000 });
    for (const id of ids) await waitForEvent(env.events, id, 'working');
    expect(workers.running().sort()).toEqual([...ids].sort());

    const started = Date.now();
    const { canceled } = await workers.stop({ graceMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(canceled.sort()).toEqual([...ids].sort());
    expect(workers.running()).toEqual([]);
    for (const id of ids) {
      expect((await env.goosuke.runs.get(id)).status).toBe('canceled');
      const events = await env.goosuke.runs.events(id);
      const types = events.map((event) => event.type);
      expect(types.at(-1)).toBe('run-canceled');
      const reason = events.find((event) => event.type === 'run-log' && event.data.reason === 'shutdown');
      expect(reason?.level).toBe('warn');
      expect(reason?.message).toMatch(/shutting down.*grace period/);
      expect(events.indexOf(reason!)).toBeLessThan(types.lastIndexOf('run-canceled'));
    }

    // A later start does not pick them up again: their jobs are canceled too.
    const next = await compose(async (input) => succeed(input, 'never.txt'), env.database, env.dataDir);
    for (const id of ids) expect((await next.queue.get(id))?.status).toBe('canceled');
    next.goosuke.runs.startWorkers({ recoverEveryMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const id of ids) expect((await next.goosuke.runs.get(id)).status).toBe('canceled');
    expect(next.events).toEqual([]);
  });

  it('stops at once when nothing runs, and reports the queue in the health', async () => {
    const env = await setUp(async (input) => succeed(input, 'quick.txt'));
    expect(await env.goosuke.system.health()).toEqual({
      status: 'ok',
      store: 'ok',
      queue: 'ok',
      jobs: { queued: 0, running: 0 },
      workers: 'stopped',
    });
    await env.goosuke.runs.create(env.task.id, { instruction: 'later', models: [env.model.id] });
    expect((await env.goosuke.system.health()).jobs).toEqual({ queued: 1, running: 0 });
    const workers = env.goosuke.runs.startWorkers({ recoverEveryMs: 60_000 });
    expect((await env.goosuke.system.health()).workers).toBe('running');
    await workers.drain();
    const started = Date.now();
    expect(await workers.stop({ graceMs: 30_000 })).toEqual({ canceled: [] });
    expect(Date.now() - started).toBeLessThan(2_000);
    const health = await env.goosuke.system.health();
    // The closed queue no longer answers: the deployment is degraded, the store still answers.
    expect(health).toEqual({
      status: 'degraded',
      store: 'ok',
      queue: 'error',
      jobs: null,
      workers: 'stopped',
    });
  });
});
