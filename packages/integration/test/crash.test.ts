import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepository, showFile, temporaryDirectory } from './support.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const built = existsSync(path.join(root, 'packages', 'cli', 'dist', 'index.js'));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(here, 'fixtures', 'run-worker.mjs')], {
    cwd: here,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the worker exited with ${code}: ${stderr}`)));
  });
}

describe('a worker process that dies in the middle of a run', () => {
  // The child process runs the built packages, as a deployment would.
  it.skipIf(!built)(
    'is taken over by another process, which starts the run over and finishes it',
    async () => {
      const scratch = await temporaryDirectory();
      cleanups.push(scratch.cleanup);
      const fake: FakeOpenAIServer = await startFakeOpenAIServer({ apiKey: 'sk-crash-test' });
      cleanups.push(() => fake.close());
      const source = path.join(scratch.dir, 'source');
      await makeRepository(source, { 'notes.txt': 'one\n' });
      const env = {
        PATH: process.env.PATH ?? '',
        GOOSUKE_SECRET_KEY: 'crash-test-secret-0123456789abcdefghij',
        GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
        OPENAI_API_KEY: 'sk-crash-test',
        OPENAI_BASE_URL: fake.url,
        TEST_LEASE_MS: '600',
      };
      const reply = [
        'Added a line.',
        '',
        '*** Begin Patch',
        '*** Update File: notes.txt',
        '@@',
        ' one',
        '+two',
        '*** End Patch',
      ].join('\n');
      // The first call never answers in time: the worker is killed while it waits.
      fake.respond({ kind: 'reply', text: reply, delayMs: 60_000 }, { kind: 'reply', text: reply });

      // The killed worker's lease is short (TEST_LEASE_MS) so that its job comes back soon; this
      // process's own lease is long, so that a slow moment of a loaded test machine (a module
      // loaded and compiled on first use) cannot cost it the job and start the run a third time.
      const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, scratch.dir), {
        env,
        leaseMs: 30_000,
        maxProviderRetries: 0,
      });
      cleanups.push(() => goosuke.close());
      const repo = await goosuke.repos.create({ url: source });
      const { task } = await goosuke.tasks.create({ title: 'crash', repoId: repo.id });
      const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
      const { runs } = await goosuke.runs.create(task.id, {
        instruction: 'Add a line two',
        models: [model.id],
      });
      const runId = runs[0]!.id;

      const worker = await startWorker(env);
      for (let waited = 0; fake.requests.length === 0; waited += 20) {
        if (waited > 20_000) throw new Error('the worker never called the model');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await goosuke.runs.get(runId)).status).toBe('running');
      // The working copy is made while the model works: let it appear before the kill.
      const copy = path.join(env.GOOSUKE_DATA_DIR, 'worktrees', runId);
      for (let waited = 0; !existsSync(path.join(copy, '.git')); waited += 20) {
        if (waited > 20_000) throw new Error('the worker never made the working copy');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      // The dead worker left its working copy behind.
      expect(await readdir(path.join(env.GOOSUKE_DATA_DIR, 'worktrees'))).toEqual([runId]);

      goosuke.runs.startWorkers({ concurrency: 1, recoverEveryMs: 60_000 });
      const [done] = await goosuke.runs.waitFor([runId]);
      const events = await goosuke.runs.events(runId);
      expect(done!.status, JSON.stringify(events.map((event) => event.message))).toBe('succeeded');
      expect(
        events.filter((event) => event.type === 'run-started').map((event) => event.data.attempt),
      ).toEqual([1, 2]);
      const clone = path.join(env.GOOSUKE_DATA_DIR, 'clones', repo.id);
      expect(await showFile(clone, `goosuke/run-${runId}`, 'notes.txt')).toBe('one\ntwo\n');
      expect(await readdir(path.join(env.GOOSUKE_DATA_DIR, 'worktrees'))).toEqual([]);
    },
    60_000,
  );
});
