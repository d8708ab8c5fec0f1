// Benchmark: the first run on an empty data directory, as a CI job starts it. One message on
// three models (each its own loopback fake of the OpenAI API answering after L = 2 s) on a
// generated repository of 20,000 files (another count as the first argument), through the real
// composition root (`createDefaultGoosuke`: the system git when it is on PATH, hard-linked
// working copies), nothing warmed up: the clone, the commit's snapshot, the contexts and the
// working copies are all made by this one message.
//
//   npm run bench -- cold-run      (builds first: the bench imports the built packages)
//   node bench/cold-run.bench.ts 5000
//
// Prints, from `runs.create`, when each run started (cloned, base resolved), chose its context
// (its model call starts right after), got its reply and ended; and the figure of the issue:
// wall − L. The model call of a cold run should start about as early as on a warm one: the
// context is chosen from the tree listing and the few files it shows, while the snapshot and
// the copies are made during the model's latency.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunEvent } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { createRepository, expectedChange, instruction, reply, repositoryFiles } from './run-fixture.ts';

const fileCount = Number(process.argv[2] ?? 20_000);
const latencyMs = 2_000;
const models = ['gpt-4.1', 'gpt-4o', 'gpt-4.1-mini'];
const directory = mkdtempSync(join(tmpdir(), 'goosuke-cold-run-bench-'));

const fakes: FakeOpenAIServer[] = [];
let closeGoosuke: (() => Promise<void>) | null = null;
try {
  const files = repositoryFiles(fileCount);
  const source = join(directory, 'source');
  await createRepository(source, files);
  const bytes = [...files.values()].reduce((sum, content) => sum + content.length, 0);
  console.log(`generated ${files.size} files (${(bytes / 1_048_576).toFixed(1)} MB)`);

  const env = {
    GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
    GOOSUKE_DATA_DIR: join(directory, 'data'),
    OPENAI_API_KEY: 'test-key',
  };
  const opened = performance.now();
  const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, directory), { env });
  const workers = goosuke.runs.startWorkers({ concurrency: 4 });
  closeGoosuke = async () => {
    await workers.stop();
    await goosuke.close();
  };
  for (const _ of models) fakes.push(await startFakeOpenAIServer());
  const profiles = await Promise.all(
    models.map((modelName, index) =>
      goosuke.models.create({ provider: 'openai', modelName, baseUrl: fakes[index]!.url }),
    ),
  );
  const repo = await goosuke.repos.create({ url: source });
  const { task } = await goosuke.tasks.create({ title: 'cold run', repoId: repo.id });
  console.log(`opened the store and made the task in ${Math.round(performance.now() - opened)} ms`);
  const seen = new Map<string, Array<{ at: number; event: RunEvent }>>();
  goosuke.runs.subscribe((event) => {
    const list = seen.get(event.runId) ?? [];
    list.push({ at: performance.now(), event });
    seen.set(event.runId, list);
  });

  for (const fake of fakes) fake.respond({ kind: 'reply', text: reply, delayMs: latencyMs });
  const start = performance.now();
  const { runs } = await goosuke.runs.create(task.id, {
    instruction,
    models: profiles.map((profile) => profile.id),
  });
  const done = await goosuke.runs.waitFor(runs.map((run) => run.id));
  const wall = performance.now() - start;
  for (const run of done) {
    if (run.status !== 'succeeded' || !run.patch?.includes(expectedChange)) {
      throw new Error(
        `run ${run.id} ended ${run.status} without the expected patch: ${JSON.stringify(run.error)}`,
      );
    }
  }
  console.log('');
  console.log('| run | started ms | context chosen ms | reply ms | ended ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  let firstCall = Number.POSITIVE_INFINITY;
  for (const run of done) {
    const events = seen.get(run.id) ?? [];
    const at = (predicate: (event: RunEvent) => boolean): number | null => {
      const found = events.find((entry) => predicate(entry.event));
      return found === undefined ? null : Math.round(found.at - start);
    };
    const context = at((event) => event.type === 'run-log' && event.message.startsWith('context:'));
    if (context !== null) firstCall = Math.min(firstCall, context);
    const cells = [
      at((event) => event.type === 'run-started'),
      context,
      at((event) => event.type === 'run-tokens'),
      at((event) => event.type === 'run-succeeded'),
    ].map((value) => (value === null ? '—' : String(value)));
    console.log(`| ${run.id.slice(-6)} | ${cells.join(' | ')} |`);
  }
  console.log('');
  console.log(
    `cold-run: ${files.size} files, first model call at ${firstCall} ms, wall ${Math.round(wall)} ms, wall − L ${Math.round(wall - latencyMs)} ms`,
  );
} finally {
  await closeGoosuke?.();
  for (const fake of fakes) await fake.close();
  rmSync(directory, { recursive: true, force: true });
}
