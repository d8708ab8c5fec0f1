// Benchmark: memory of many concurrent runs. 50 runs, then 200, of one instruction execute at once
// (`startWorkers({ concurrency: N })`, five model profiles repeated) on a generated
// repository of 1,500 files (and on the real-shaped repositories of real-shaped-repo.ts:
// GOOSUKE_BENCH_REAL_SHAPED, default `3k`; GOOSUKE_BENCH_FIXTURE=0 skips the fixture), through the real composition root (`createDefaultGoosuke`: SQLite
// file store, durable SQLite job queue, isomorphic-git with hard-linked working copies, the
// providers, Goosuke's edit agent). Each model answers after 1 s with a valid edit.
//
//   npm run bench -- run-memory      (builds first: the bench imports the built packages)
//
// The process's resident set size (`process.memoryUsage.rss()`) is sampled every 50 ms from
// `runs.create` until the last run has ended; the figure is the peak. Targets: < 300 MB for 50
// runs, < 600 MB for 200 (GOOSUKE_BENCH_RUN_COUNTS, default `50,200`). Exits with code 1 when a
// target is missed or a run does not produce the expected patch.
//
// Each measurement runs in a fresh Node process of its own (this file with `--one`), twice: with
// the V8 flags `goosuke serve` runs with (`--max-semi-space-size=16`, see the CLI's
// bin/goosuke.js), which the targets are checked on, and with Node's defaults, reported beside
// them (an SDK user embedding Goosuke chooses their own flags). The fake
// OpenAI server runs in a child process: the requests it records (every prompt, in full) are
// the test's memory, not Goosuke's; so is the generated repository (made by a child process too). One untimed warm-up run first makes the clone and the
// read-only snapshot of the base commit, as on a server that has run before.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { Run } from '@goosuke/core';
import { fixtureFromEnvironment, loadAverage, realShapedSizesFromEnvironment } from './real-shaped-repo.ts';
import { expectedChange, instruction, reply } from './run-fixture.ts';

const fileCount = 1_500;
const runCounts = (process.env.GOOSUKE_BENCH_RUN_COUNTS ?? '50,200').split(',').map(Number);
/** Peak RSS targets by number of concurrent runs (issue 15). */
const targets = new Map([
  [50, 300 * 1024 * 1024],
  [200, 600 * 1024 * 1024],
]);
/** The V8 flags `goosuke serve` runs with (packages/cli/bin/goosuke.js). */
const serveFlags = ['--max-semi-space-size=16'];
const self = fileURLToPath(import.meta.url);
const latencyMs = 1_000;
const models = ['gpt-4.1', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4o-mini', 'gpt-4.1-nano'];
const sampleEveryMs = 50;
const directory = mkdtempSync(join(tmpdir(), 'goosuke-run-memory-bench-'));
const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(0);

/**
 * Starts the fake OpenAI server in a child process with `replies` answers queued (each after
 * `latencyMs`); resolves with its base URL.
 */
function startFakeServer(replies: number): Promise<{ url: string; child: ChildProcess }> {
  const script = `
    import { startFakeOpenAIServer } from '@goosuke/openai/testing';
    const fake = await startFakeOpenAIServer();
    const reply = JSON.parse(process.env.FAKE_REPLY);
    for (let index = 0; index < Number(process.env.FAKE_REPLIES); index++) {
      fake.respond({ kind: 'reply', text: reply, delayMs: Number(process.env.FAKE_DELAY_MS) });
    }
    // Forget what was asked: this process only answers.
    setInterval(() => fake.requests.splice(0), 1000);
    console.log(fake.url);
  `;
  const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    // From the repository root, so that the workspace package resolves.
    cwd: join(dirname(fileURLToPath(import.meta.url)), '..'),
    env: {
      ...process.env,
      FAKE_REPLY: JSON.stringify(reply),
      FAKE_REPLIES: String(replies),
      FAKE_DELAY_MS: String(latencyMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /^http:\/\/\S+$/m.exec(output)?.[0];
      if (url !== undefined) resolve({ url, child });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the fake server exited with ${code}`)));
  });
}

/**
 * Generates the repository in a child process: the fixture's tens of megabytes of buffers are
 * the benchmark's memory, not Goosuke's, and a heap once grown is not given back at once.
 */
function generateRepository(target: string): Promise<string> {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), 'run-fixture.ts');
  const script = `
    import { createRepository, repositoryFiles } from ${JSON.stringify(fixture)};
    const files = repositoryFiles(${fileCount});
    await createRepository(${JSON.stringify(target)}, files);
    const bytes = [...files.values()].reduce((sum, content) => sum + content.length, 0);
    console.log(\`generated \${files.size} files (\${(bytes / 1_048_576).toFixed(1)} MB)\`);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output.trim()) : reject(new Error(`generating the repository failed (${code})`)),
    );
  });
}

/** What one measurement (one process) found. */
interface Measured {
  label: string;
  runs: number;
  flags: string;
  before: number;
  peak: number;
  peakHeap: number;
  elapsed: number;
  load: string;
}

/** `runCount` concurrent runs on `source` after a warm-up run, in this process; prints the details. */
async function measure(label: string, source: string, files: number, runCount: number): Promise<Measured> {
  let fake: ChildProcess | null = null;
  let closeGoosuke: (() => Promise<void>) | null = null;
  try {
    const server = await startFakeServer(runCount + 1);
    fake = server.child;
    const env = {
      GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
      GOOSUKE_DATA_DIR: mkdtempSync(join(directory, 'data-')),
      ...(process.env.GOOSUKE_GIT_BACKEND === undefined
        ? {}
        : { GOOSUKE_GIT_BACKEND: process.env.GOOSUKE_GIT_BACKEND }),
      OPENAI_API_KEY: 'test-key',
    };
    const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, directory), { env });
    const workers = goosuke.runs.startWorkers({ concurrency: runCount });
    closeGoosuke = async () => {
      await workers.stop();
      await goosuke.close();
    };
    const profiles = await Promise.all(
      models.map((modelName) =>
        goosuke.models.create({ provider: 'openai', modelName, baseUrl: server.url }),
      ),
    );
    const repo = await goosuke.repos.create({ url: source });
    const { task } = await goosuke.tasks.create({ title: 'run memory', repoId: repo.id });
    const check = (runs: Run[]): void => {
      for (const run of runs) {
        if (run.status !== 'succeeded' || !run.patch?.includes(expectedChange)) {
          throw new Error(
            `run ${run.id} ended ${run.status} without the expected patch: ${JSON.stringify(run.error)}`,
          );
        }
      }
    };

    let started = performance.now();
    const warm = await goosuke.runs.create(task.id, { instruction, models: [profiles[0]!.id] });
    check(await goosuke.runs.waitFor(warm.runs.map((run) => run.id)));
    console.log(`warm-up run (clones, builds the snapshot): ${Math.round(performance.now() - started)} ms`);

    const before = process.memoryUsage();
    let peak = before.rss;
    let peakHeap = before.heapUsed;
    // What the process held when its RSS peaked: where the resident memory is (JS heap,
    // buffers outside it, or neither: code, native allocations, allocator slack).
    let atPeak = before;
    let samples = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      if (usage.rss > peak) {
        peak = usage.rss;
        atPeak = usage;
      }
      peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      samples++;
    }, sampleEveryMs);
    started = performance.now();
    const ids: string[] = [];
    // A message names each model once (and at most GOOSUKE_MAX_MODELS_PER_MESSAGE, 8 by
    // default): 50 runs are ten messages of the five models, all queued at once.
    for (let first = 0; first < runCount; first += profiles.length) {
      const count = Math.min(profiles.length, runCount - first);
      const entries = Array.from(
        { length: count },
        (_, index) => profiles[(first + index) % profiles.length]!.id,
      );
      const { runs } = await goosuke.runs.create(task.id, { instruction, models: entries });
      ids.push(...runs.map((run) => run.id));
    }
    const done = await goosuke.runs.waitFor(ids);
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    check(done);

    console.log('');
    console.log(
      `| ${label}: ${runCount} concurrent runs, ${files} files, replies after ${latencyMs} ms | MB |`,
    );
    console.log('| --- | ---: |');
    console.log(`| RSS before the runs (after the warm-up) | ${mb(before.rss)} |`);
    console.log(`| peak RSS during the runs | **${mb(peak)}** |`);
    console.log(`| peak JS heap used during the runs | ${mb(peakHeap)} |`);
    console.log(
      `| at the RSS peak: heap total / heap used / external (of which array buffers) | ${mb(atPeak.heapTotal)} / ${mb(atPeak.heapUsed)} / ${mb(atPeak.external)} (${mb(atPeak.arrayBuffers)}) |`,
    );
    console.log('');
    console.log(`all ${runCount} runs ended in ${Math.round(elapsed)} ms (${samples} samples)`);
    return {
      label,
      runs: runCount,
      flags: process.execArgv.filter((flag) => flag.startsWith('--max-semi')).join(' ') || 'Node defaults',
      before: before.rss,
      peak,
      peakHeap,
      elapsed,
      load: loadAverage(),
    };
  } finally {
    await closeGoosuke?.();
    fake?.kill();
  }
}

/** Runs one measurement in a fresh process with `flags`; resolves with what it found. */
function measureInProcess(
  flags: string[],
  label: string,
  source: string,
  files: number,
  runCount: number,
): Measured {
  const child = spawnSync(
    process.execPath,
    [...flags, self, '--one', JSON.stringify({ label, source, files, runCount })],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  const lines = child.stdout.trim().split('\n');
  const result = lines.at(-1) ?? '';
  process.stdout.write(`${lines.slice(0, -1).join('\n')}\n`);
  if (child.status !== 0 || !result.startsWith('{')) {
    throw new Error(
      `the ${label} measurement with ${flags.join(' ') || 'no flags'} failed (${child.status})`,
    );
  }
  return JSON.parse(result) as Measured;
}

if (process.argv[2] === '--one') {
  const { label, source, files, runCount } = JSON.parse(process.argv[3]!) as {
    label: string;
    source: string;
    files: number;
    runCount: number;
  };
  try {
    const measured = await measure(label, source, files, runCount);
    console.log(JSON.stringify(measured));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
} else {
  try {
    const repositories: Array<{ label: string; source: string; files: number }> = [];
    if (fixtureFromEnvironment()) {
      const started = performance.now();
      const source = join(directory, 'source');
      console.log(`${await generateRepository(source)} in ${Math.round(performance.now() - started)} ms`);
      repositories.push({ label: 'fixture', source, files: fileCount });
    }
    for (const size of realShapedSizesFromEnvironment()) {
      // Built or found in a child process: the generator's buffers are not Goosuke's memory.
      const found = spawnSync(
        process.execPath,
        [join(dirname(self), 'real-shaped-repo.ts'), '--size', size],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const lines = found.stdout.trim().split('\n');
      if (found.status !== 0) throw new Error(`building the real-shaped ${size} repository failed`);
      console.log(`\n${lines.at(-2)}`);
      const files = Number(/(\d+) files/.exec(lines.at(-2) ?? '')?.[1] ?? 0);
      repositories.push({ label: `real-shaped ${size}`, source: lines.at(-1)!, files });
    }
    const results: Array<{ serve: Measured; defaults: Measured }> = [];
    for (const { label, source, files } of repositories) {
      for (const runCount of runCounts) {
        const serve = measureInProcess(serveFlags, label, source, files, runCount);
        const defaults = measureInProcess([], label, source, files, runCount);
        results.push({ serve, defaults });
      }
    }
    let pass = true;
    console.log('');
    console.log(
      '| repository | concurrent runs | peak RSS, `goosuke serve` flags (MB) | target | peak RSS, Node defaults (MB) | RSS before (MB) | peak JS heap (MB) | all ended in (ms) |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const verdicts: string[] = [];
    for (const { serve, defaults } of results) {
      const target = targets.get(serve.runs);
      const met = target === undefined || serve.peak < target;
      pass &&= met;
      console.log(
        `| ${serve.label} | ${serve.runs} | **${mb(serve.peak)}** | ${target === undefined ? '—' : `< ${mb(target)}`} | ${mb(defaults.peak)} | ${mb(serve.before)} / ${mb(defaults.before)} | ${mb(serve.peakHeap)} / ${mb(defaults.peakHeap)} | ${Math.round(serve.elapsed)} / ${Math.round(defaults.elapsed)} |`,
      );
      verdicts.push(
        `run-memory ${serve.label}, ${serve.runs} runs: peak RSS ${mb(serve.peak)} MB with ${serve.flags}${target === undefined ? '' : ` (target < ${mb(target)} MB): ${met ? 'PASS' : 'FAIL'}`}; ${mb(defaults.peak)} MB with Node's defaults (${serve.load})`,
      );
    }
    console.log('');
    for (const verdict of verdicts) console.log(verdict);
    process.exitCode = pass ? 0 : 1;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
