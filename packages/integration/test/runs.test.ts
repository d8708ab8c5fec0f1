import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentFactory,
  type AgentInput,
  type AgentOutcome,
  createGoosuke,
  createWebCryptoSecretBox,
  type Goosuke,
  type ModelProfile,
  ProviderError,
  type Run,
  type RunEvent,
  type RunSettings,
  type RunWorkerOptions,
} from '@goosuke/core';
import { createScriptedLanguageModel } from '@goosuke/core/testing';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeRepository, showFile, temporaryDirectory } from './support.ts';

type Behaviour = (input: AgentInput, context: { run: Run; profile: ModelProfile }) => Promise<AgentOutcome>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ok = (summary: string): AgentOutcome => ({ status: 'succeeded', summary, usage: null, warnings: [] });

/** Goosuke on a real SQLite file, the durable queue and isomorphic-git, with an agent double. */
async function compose(options: {
  behaviour: Behaviour;
  settings?: RunSettings;
  database: string;
  dataDir: string;
}) {
  const store = await createSqliteStore({ database: options.database });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });
  const createAgent: AgentFactory = ({ run, profile }) => ({
    run: (input) => options.behaviour(input, { run, profile }),
  });
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'integration-test-secret-0123456789abcdef' }),
    runtime: {
      queue,
      git: createIsomorphicGitBackend(),
      languageModels: (profile) =>
        createScriptedLanguageModel({ provider: profile.provider, modelId: profile.modelName, replies: [] }),
      layout: {
        cloneDir: (repo) => path.join(options.dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(options.dataDir, 'worktrees', run.id),
      },
    },
    runs: { createAgent, ...options.settings },
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await queue.close();
    await goosuke.close();
  };
  cleanups.push(close);
  const events: RunEvent[] = [];
  goosuke.runs.subscribe((event) => events.push(event));
  return { goosuke, events, close, store };
}

async function setUp(options: { behaviour: Behaviour; settings?: RunSettings }) {
  const scratch = await temporaryDirectory();
  cleanups.push(scratch.cleanup);
  const dataDir = path.join(scratch.dir, 'data');
  const source = path.join(scratch.dir, 'source');
  await makeRepository(source, {
    'README.md': '# demo\n',
    'src/greet.ts': "export function greet(name: string) {\n  return 'Hello, ' + name;\n}\n",
  });
  const database = path.join(scratch.dir, 'goosuke.db');
  const composed = await compose({ ...options, database, dataDir });
  const { goosuke } = composed;
  const repo = await goosuke.repos.create({ url: source });
  const { task } = await goosuke.tasks.create({ title: 'demo', repoId: repo.id });
  const profile = (provider: ModelProfile['provider'], modelName: string) =>
    goosuke.models.create({
      provider,
      modelName,
      ...(provider === 'openai-compatible' ? { baseUrl: 'http://127.0.0.1:9/v1' } : {}),
    });
  return { ...composed, task, repo, source, dataDir, database, profile };
}

function start(goosuke: Goosuke, options: RunWorkerOptions = {}) {
  return goosuke.runs.startWorkers({ concurrency: 4, recoverEveryMs: 60_000, ...options });
}

async function writeThenSucceed(input: AgentInput, file: string, content: string, summary = `wrote ${file}`) {
  await input.workspace!.writeFiles([{ path: file, content }]);
  await input.emit({
    type: 'run-tokens',
    level: 'info',
    message: 'model call',
    data: { call: { inputTokens: 1_000_000, outputTokens: 100_000, cachedInputTokens: 0 } },
  });
  return ok(summary);
}

describe('runs on SQLite, the durable queue and isomorphic-git', () => {
  it('fans one instruction out to several models, commits each on its own branch, and compares them', async () => {
    const env = await setUp({
      behaviour: async (input, { profile }) => {
        if (profile.modelName === 'gpt-4.1') {
          return writeThenSucceed(
            input,
            'src/greet.ts',
            "export const greet = (name: string) => 'Hi, ' + name;\n",
          );
        }
        if (profile.modelName === 'claude-sonnet-4-5') {
          await input.workspace!.writeFiles([
            {
              path: 'src/greet.ts',
              content: "export function greet(name: string) {\n  return 'Hey, ' + name;\n}\n",
            },
            { path: 'docs/greet.md', content: '# greet\n' },
          ]);
          return ok('edited greet and documented it');
        }
        return writeThenSucceed(input, 'NOTES.md', 'notes\n');
      },
    });
    const models = [
      await env.profile('openai', 'gpt-4.1'),
      await env.profile('anthropic', 'claude-sonnet-4-5'),
      await env.profile('openai-compatible', 'qwen3-coder:30b'),
    ];
    const { message, runs } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'Make greet friendlier',
      models: models.map((model) => model.id),
    });
    expect(runs.map((run) => run.status)).toEqual(['queued', 'queued', 'queued']);
    const workers = start(env.goosuke);
    const done = await env.goosuke.runs.waitFor(runs.map((run) => run.id));
    await workers.stop();

    expect(done.map((run) => [run.status, run.error])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
      ['succeeded', null],
    ]);
    const [openai, anthropic, local] = done as [Run, Run, Run];
    const clone = path.join(env.dataDir, 'clones', env.repo.id);
    expect(await showFile(clone, `goosuke/run-${openai.id}`, 'src/greet.ts')).toContain("'Hi, ' + name");
    expect(await showFile(clone, `goosuke/run-${anthropic.id}`, 'docs/greet.md')).toBe('# greet\n');
    expect(await showFile(clone, `goosuke/run-${local.id}`, 'src/greet.ts')).toContain("'Hello, ' + name");
    expect(openai.workingBranch).toBe(`goosuke/run-${openai.id}`);
    expect(openai.filesChanged).toEqual([
      { path: 'src/greet.ts', oldPath: null, status: 'modified', added: 1, removed: 3 },
    ]);
    expect(openai.patch).toContain('+export const greet');
    // gpt-4.1 at $2 / $8 per million: 1M input + 100k output.
    expect(openai.usage).toEqual({
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cachedInputTokens: 0,
      costUsd: 2.8,
    });
    // No price for a local model: unknown, not free.
    expect(local.usage?.costUsd).toBeNull();
    expect(anthropic.usage).toBeNull();
    expect(await readdir(path.join(env.dataDir, 'worktrees'))).toEqual([]);
    // The upstream repository is never touched.
    expect(await git(env.source, 'branch', '--list')).toBe('* main\n');

    for (const run of done) {
      const types = (await env.goosuke.runs.events(run.id)).map((event) => event.type);
      expect(types[0]).toBe('run-queued');
      expect(types[1]).toBe('run-started');
      expect(types.at(-1)).toBe('run-succeeded');
      expect(types.filter((type) => type === 'run-succeeded')).toHaveLength(1);
      const sequences = (await env.goosuke.runs.events(run.id)).map((event) => event.sequence);
      expect(sequences).toEqual(sequences.map((_, index) => index + 1));
      // Live delivery saw the same events in the same order.
      expect(env.events.filter((event) => event.runId === run.id).map((event) => event.type)).toEqual(types);
    }

    const comparison = await env.goosuke.runs.compare(message.id);
    expect(
      comparison.runs.map((entry) => [
        entry.model?.modelName,
        entry.status,
        entry.filesChanged,
        entry.added,
        entry.removed,
      ]),
    ).toEqual([
      ['gpt-4.1', 'succeeded', 1, 1, 3],
      ['claude-sonnet-4-5', 'succeeded', 2, 2, 1],
      ['qwen3-coder:30b', 'succeeded', 1, 1, 0],
    ]);
    expect(comparison.sharedFiles).toEqual([{ runIds: [openai.id, anthropic.id], paths: ['src/greet.ts'] }]);
    expect(comparison.runs.every((entry) => entry.durationMs !== null)).toBe(true);
    const usage = await env.goosuke.runs.taskUsage(env.task.id);
    expect(usage).toMatchObject({
      inputTokens: 2_000_000,
      outputTokens: 200_000,
      costUsd: 2.8,
      runs: 2,
      unpricedRuns: 1,
    });

    const conversation = await env.goosuke.tasks.listMessages(env.task.id);
    expect(conversation.items.map((item) => [item.role, item.runId])).toEqual(
      [
        ['user', null],
        ['assistant', openai.id],
        ['assistant', anthropic.id],
        ['assistant', local.id],
      ].sort((left, right) => (left[0] === 'user' ? -1 : right[0] === 'user' ? 1 : 0)),
    );
  });

  it('records a failed agent, a provider error and an unknown base ref as failed runs with reasons', async () => {
    const env = await setUp({
      behaviour: async (input, { profile }) => {
        await input.workspace!.writeFiles([{ path: 'half-done.txt', content: 'x\n' }]);
        if (profile.modelName === 'gpt-4.1')
          return {
            status: 'failed',
            reason: 'the edits did not apply',
            summary: null,
            usage: null,
            warnings: ['w'],
          };
        throw new ProviderError('openai', 'the provider refused the key sk-secret-0123456789', {
          status: 401,
        });
      },
    });
    const a = await env.profile('openai', 'gpt-4.1');
    const b = await env.goosuke.models.create({
      provider: 'openai',
      modelName: 'gpt-5',
      apiKey: 'sk-secret-0123456789',
    });
    const { runs } = await env.goosuke.runs.create(env.task.id, { instruction: 'x', models: [a.id, b.id] });
    const { runs: missing } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'y',
      models: [a.id],
      baseRef: 'no-such-branch',
    });
    start(env.goosuke);
    const done = await env.goosuke.runs.waitFor([...runs, ...missing].map((run) => run.id));
    expect(done.map((run) => [run.status, run.error?.code])).toEqual([
      ['failed', 'agent_failed'],
      ['failed', 'provider'],
      ['failed', 'not_found'],
    ]);
    expect(done[0]!.warnings).toEqual(['w']);
    expect(done[0]!.patch).toBeNull();
    expect(done[2]!.error?.message).toContain('no-such-branch');
    // The stored key never reaches the run record.
    expect(done[1]!.error?.message).toBe('the provider refused the key ***');
    expect(JSON.stringify(await env.goosuke.runs.events(done[1]!.id))).not.toContain('sk-secret');
    expect(await readdir(path.join(env.dataDir, 'worktrees'))).toEqual([]);
    expect((await env.goosuke.runs.events(done[1]!.id)).at(-1)).toMatchObject({
      type: 'run-failed',
      level: 'error',
    });
  });

  it('cancels a queued run before it starts and a running run by aborting its agent', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sawAbort = false;
    const env = await setUp({
      behaviour: async (input) => {
        await input.emit({ type: 'run-log', level: 'info', message: 'waiting', data: {} });
        await new Promise<void>((_, reject) => {
          input.signal!.addEventListener('abort', () => {
            sawAbort = true;
            reject(input.signal!.reason);
          });
          blocked.then(() => undefined);
        });
        return ok('never');
      },
    });
    const model = await env.profile('anthropic', 'claude-sonnet-4-5');
    const other = await env.profile('anthropic', 'claude-opus-4-1');
    const { runs } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'slow',
      models: [model.id, other.id],
    });
    start(env.goosuke, { concurrency: 1 });
    const [first, second] = runs as [Run, Run];
    await waitForEvent(env.events, first.id, 'run-log', (event) => event.message === 'waiting');
    expect((await env.goosuke.runs.cancel(second.id)).status).toBe('canceled');
    await env.goosuke.runs.cancel(first.id);
    const done = await env.goosuke.runs.waitFor([first.id, second.id]);
    release();
    expect(done.map((run) => run.status)).toEqual(['canceled', 'canceled']);
    expect(sawAbort).toBe(true);
    expect((await env.goosuke.runs.events(second.id)).map((event) => event.type)).toEqual([
      'run-queued',
      'run-canceled',
    ]);
    expect((await env.goosuke.runs.events(first.id)).at(-1)?.type).toBe('run-canceled');
    expect(await readdir(path.join(env.dataDir, 'worktrees'))).toEqual([]);
    // Canceling a finished run changes nothing.
    expect((await env.goosuke.runs.cancel(first.id)).status).toBe('canceled');
  });

  it('bounds runs per provider while other providers proceed', async () => {
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const env = await setUp({
      behaviour: async (input, { profile }) => {
        const count = (active.get(profile.provider) ?? 0) + 1;
        active.set(profile.provider, count);
        peak.set(profile.provider, Math.max(peak.get(profile.provider) ?? 0, count));
        await new Promise((resolve) => setTimeout(resolve, 60));
        active.set(profile.provider, (active.get(profile.provider) ?? 1) - 1);
        return writeThenSucceed(input, 'x.txt', `${profile.modelName}\n`);
      },
    });
    // Three profiles of each provider: a message names each profile once.
    const openai = [
      await env.profile('openai', 'gpt-4.1'),
      await env.profile('openai', 'gpt-4.1-mini'),
      await env.profile('openai', 'gpt-4.1-nano'),
    ];
    const google = [
      await env.profile('google', 'gemini-2.5-pro'),
      await env.profile('google', 'gemini-2.5-flash'),
      await env.profile('google', 'gemini-2.5-flash-lite'),
    ];
    const { runs } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'go',
      models: [...openai, ...google].map((profile) => profile.id),
    });
    start(env.goosuke, { concurrency: 6, perProvider: { openai: 1 } });
    const done = await env.goosuke.runs.waitFor(runs.map((run) => run.id));
    expect(done.every((run) => run.status === 'succeeded')).toBe(true);
    expect(peak.get('openai')).toBe(1);
    expect(peak.get('google')).toBeGreaterThan(1);
  });

  it('builds a follow-up on an earlier run: its commit is the base and its answer is in the history', async () => {
    const histories: string[][] = [];
    const env = await setUp({
      behaviour: async (input) => {
        histories.push(input.history.map((message) => `${message.role}: ${message.content}`));
        const current = (await input.workspace!.readFile('counter.txt')) ?? '0\n';
        return writeThenSucceed(
          input,
          'counter.txt',
          `${Number(current.trim()) + 1}\n`,
          `counter is now ${Number(current.trim()) + 1}`,
        );
      },
    });
    const model = await env.profile('openai', 'gpt-4.1');
    const {
      runs: [first],
    } = await env.goosuke.runs.create(env.task.id, { instruction: 'add a counter', models: [model.id] });
    start(env.goosuke);
    await env.goosuke.runs.waitFor([first!.id]);
    const {
      runs: [second],
    } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'increment it',
      models: [model.id],
      fromRun: first!.id,
    });
    const [done] = await env.goosuke.runs.waitFor([second!.id]);
    expect(done!.status).toBe('succeeded');
    expect(done!.baseRef).toBe(`goosuke/run-${first!.id}`);
    expect(done!.patch).toContain('-1\n+2');
    expect(histories[1]).toEqual([
      'user: add a counter',
      'assistant: counter is now 1',
      'user: increment it',
    ]);
    await expect(
      env.goosuke.runs.create(env.task.id, { instruction: 'x', models: [model.id], fromRun: 'run_unknown' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('builds a follow-up without fromRun on the task’s chosen run, not on the base branch', async () => {
    const seen: Array<string | null> = [];
    const histories: string[][] = [];
    const env = await setUp({
      behaviour: async (input) => {
        const current = await input.workspace!.readFile('counter.txt');
        seen.push(current);
        histories.push(input.history.map((message) => `${message.role}: ${message.content}`));
        const next = Number((current ?? '0\n').trim()) + 1;
        return writeThenSucceed(input, 'counter.txt', `${next}\n`, `counter is now ${next}`);
      },
    });
    const model = await env.profile('openai', 'gpt-4.1');
    start(env.goosuke);
    const create = async (instruction: string) => {
      const { runs } = await env.goosuke.runs.create(env.task.id, { instruction, models: [model.id] });
      const [done] = await env.goosuke.runs.waitFor([runs[0]!.id]);
      return done!;
    };
    const first = await create('add a counter');
    expect(first).toMatchObject({
      status: 'succeeded',
      baseRef: 'main',
      baseSource: { kind: 'base-branch' },
    });
    // Nothing chosen yet: the next message starts from the base branch again.
    const unchained = await create('add a counter again');
    expect(unchained.baseSource).toEqual({ kind: 'base-branch' });
    expect(seen[1]).toBeNull();

    expect((await env.goosuke.tasks.choose(env.task.id, first.id)).chosenRunId).toBe(first.id);
    const followUp = await create('increment it');
    expect(followUp).toMatchObject({
      status: 'succeeded',
      baseRef: first.workingBranch,
      baseSource: { kind: 'chosen-run', runId: first.id },
    });
    // The file the chosen run added is in the follow-up's base, and its answer in the history.
    expect(seen[2]).toBe('1\n');
    const firstCommit = (await env.goosuke.runs.events(first.id)).find(
      (event) => event.type === 'run-succeeded',
    )?.data.commit;
    expect(followUp.baseCommit).toBe(firstCommit);
    expect(followUp.patch).toContain('-1\n+2');
    expect(histories[2]).toEqual([
      'user: add a counter',
      'assistant: counter is now 1',
      'user: add a counter again',
      'user: increment it',
    ]);
    const queued = (await env.goosuke.runs.events(followUp.id))[0]!;
    expect(queued.message).toBe(`queued on gpt-4.1, starting from run ${first.id} (chosen)`);
  });

  it('starts over a run whose worker stopped, once, then gives it up as interrupted', async () => {
    const hang: Behaviour = async (input) => {
      await input.workspace!.writeFiles([{ path: 'partial.txt', content: 'x\n' }]);
      await input.emit({ type: 'run-log', level: 'info', message: 'working', data: {} });
      return new Promise<AgentOutcome>((_, reject) => {
        input.signal!.addEventListener('abort', () => reject(input.signal!.reason));
      });
    };
    // Process 1 starts the run and stops in the middle of it.
    const first = await setUp({ behaviour: hang });
    const model = await first.profile('openai', 'gpt-4.1');
    const {
      runs: [run],
    } = await first.goosuke.runs.create(first.task.id, { instruction: 'x', models: [model.id] });
    start(first.goosuke);
    await waitForEvent(first.events, run!.id, 'run-log', (event) => event.message === 'working');
    await first.close();

    // Process 2 finds it running with one start: it starts over, on a fresh working copy.
    const second = await compose({
      behaviour: async (input) => {
        expect(await input.workspace!.readFile('partial.txt')).toBeNull();
        return writeThenSucceed(input, 'done.txt', 'done\n');
      },
      database: first.database,
      dataDir: first.dataDir,
    });
    start(second.goosuke);
    const [resumed] = await second.goosuke.runs.waitFor([run!.id]);
    expect(resumed!.status).toBe('succeeded');
    expect(resumed!.filesChanged.map((file) => file.path)).toEqual(['done.txt']);
    const events = await second.goosuke.runs.events(run!.id);
    expect(events.filter((event) => event.type === 'run-started').map((event) => event.data.attempt)).toEqual(
      [1, 2],
    );
    expect(
      events.some(
        (event) => event.type === 'run-log' && event.level === 'warn' && /interrupted/.test(event.message),
      ),
    ).toBe(true);
    await second.close();

    // A run interrupted twice is given up instead of being started a third time.
    const third = await compose({ behaviour: hang, database: first.database, dataDir: first.dataDir });
    const {
      runs: [again],
    } = await third.goosuke.runs.create(first.task.id, { instruction: 'y', models: [model.id] });
    start(third.goosuke);
    await waitForEvent(third.events, again!.id, 'run-log', (event) => event.message === 'working');
    await third.close();
    const fourth = await compose({ behaviour: hang, database: first.database, dataDir: first.dataDir });
    start(fourth.goosuke);
    await waitForEvent(fourth.events, again!.id, 'run-log', (event) => event.message === 'working');
    await fourth.close();
    const fifth = await compose({ behaviour: hang, database: first.database, dataDir: first.dataDir });
    start(fifth.goosuke);
    const [givenUp] = await fifth.goosuke.runs.waitFor([again!.id]);
    expect(givenUp!.status).toBe('failed');
    expect(givenUp!.error).toMatchObject({ code: 'interrupted' });
    expect(await readdir(path.join(first.dataDir, 'worktrees'))).toEqual([]);
  });

  it('recovers runs whose job is missing: queued ones are enqueued, running ones fail as interrupted', async () => {
    const env = await setUp({ behaviour: async (input) => writeThenSucceed(input, 'a.txt', 'a\n') });
    const model = await env.profile('openai', 'gpt-4.1');
    const other = await env.profile('openai', 'gpt-4.1-mini');
    const {
      runs: [queued, running],
    } = await env.goosuke.runs.create(env.task.id, {
      instruction: 'x',
      models: [model.id, other.id],
    });
    // Simulate a crash between the transaction and the enqueue, and a job lost with its worker.
    env.store.database.prepare('DELETE FROM goosuke_jobs').run();
    await env.store.runs.update(running!.id, { status: 'running', startedAt: new Date().toISOString() });
    expect(await env.goosuke.runs.recover()).toBe(2);
    expect((await env.goosuke.runs.get(running!.id)).error?.code).toBe('interrupted');
    start(env.goosuke);
    const [done] = await env.goosuke.runs.waitFor([queued!.id]);
    expect(done!.status).toBe('succeeded');
    expect(await env.goosuke.runs.recover()).toBe(0);
  });
});

async function waitForEvent(
  events: RunEvent[],
  runId: string,
  type: RunEvent['type'],
  match: (event: RunEvent) => boolean = () => true,
): Promise<RunEvent> {
  for (let waited = 0; waited < 20_000; waited += 10) {
    const found = events.find((event) => event.runId === runId && event.type === type && match(event));
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${type} event for ${runId}`);
}
