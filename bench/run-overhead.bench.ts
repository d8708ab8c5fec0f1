// Benchmark: orchestration overhead of a multi-model run. Three runs of one instruction, each
// on its own model profile and its own loopback fake of the OpenAI API answering after a fixed
// latency L = 2 s, on a generated repository of 5,000 files (one commit) and on the real-shaped
// repositories of real-shaped-repo.ts (history, tags, packs; GOOSUKE_BENCH_REAL_SHAPED, default
// `3k`; GOOSUKE_BENCH_FIXTURE=0 skips the fixture), through the real composition root
// (`createDefaultGoosuke`: SQLite file store, durable SQLite job queue, the default GitBackend or
// GOOSUKE_GIT_BACKEND's, the providers, Goosuke's edit agent).
//
//   npm run bench -- run-overhead      (builds first: the bench imports the built packages)
//   node bench/run.ts real-shaped --size 20k
//
// The three model calls overlap, so an ideal orchestrator ends all three runs in L. The figure
// is wall time / L, from `runs.create` to `waitFor` seeing the last run end, median of the
// rounds. Target: <= 1.2, i.e. at most 400 ms for everything else (fetching into the clone,
// three working copies, context gathering over 5,000 files, diff, commit, SQLite, clean-up).
// Exits with code 1 when the target is missed or a run does not produce the expected patch.
//
// Warm when timing starts (one untimed warm-up message on the three models does it, as on a
// server that has run before on this commit): the clone exists (every timed run still fetches
// into it), the read-only snapshot of the base commit that hard-linked working copies share is
// built (a one-time cost per commit: seconds for 5,000 files), the backend's flat-tree cache
// holds the base tree and its cache of blob texts holds the files' texts (so context gathering
// checks each file's stat data against the index instead of reading it), the page cache holds
// the files, the JIT has compiled the paths, and the workers are started and idle. Each round
// also prints when every run started, chose its context (its model call starts right after),
// got its reply and ended, from `runs.create`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { Run, RunEvent } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import {
  describeRealShaped,
  ensureRealShapedRepository,
  fixtureFromEnvironment,
  loadAverage,
  realShapedSizesFromEnvironment,
} from './real-shaped-repo.ts';
import {
  createRepository,
  expectedChange,
  instruction,
  median,
  reply,
  repositoryFiles,
} from './run-fixture.ts';

const fixtureFileCount = 5_000;
const latencyMs = 2_000;
const models = ['gpt-4.1', 'gpt-4o', 'gpt-4.1-mini'];
const rounds = 3;
const targetRatio = 1.2;
const directory = mkdtempSync(join(tmpdir(), 'goosuke-run-overhead-bench-'));

/** The measured rounds on `source`, printed; resolves with the median wall / L. */
async function measure(label: string, source: string, fileCount: number): Promise<number> {
  const fakes: FakeOpenAIServer[] = [];
  let closeGoosuke: (() => Promise<void>) | null = null;
  const data = mkdtempSync(join(directory, 'data-'));
  try {
    const env = {
      GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
      GOOSUKE_DATA_DIR: data,
      OPENAI_API_KEY: 'test-key',
      // The default (the system git when there is one) unless the caller chooses.
      ...(process.env.GOOSUKE_GIT_BACKEND === undefined
        ? {}
        : { GOOSUKE_GIT_BACKEND: process.env.GOOSUKE_GIT_BACKEND }),
    };
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
    const { task } = await goosuke.tasks.create({ title: 'run overhead', repoId: repo.id });
    const seen = new Map<string, Array<{ at: number; event: RunEvent }>>();
    goosuke.runs.subscribe((event) => {
      const list = seen.get(event.runId) ?? [];
      list.push({ at: performance.now(), event });
      seen.set(event.runId, list);
    });

    /** One message on every model, each fake answering after `delayMs`; checks every run's patch. */
    const round = async (delayMs: number): Promise<{ wall: number; runs: Run[]; start: number }> => {
      for (const fake of fakes) fake.respond({ kind: 'reply', text: reply, delayMs });
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
      return { wall, runs: done, start };
    };

    const started = performance.now();
    await round(0);
    console.log(
      `warm-up message (3 runs, instant replies; clones, builds the snapshot): ${Math.round(performance.now() - started)} ms`,
    );

    const walls: number[] = [];
    const phases: string[] = [];
    for (let index = 0; index < rounds; index++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { wall, runs, start } = await round(latencyMs);
      walls.push(wall);
      // Per run, from `runs.create`: started (fetched, base resolved), context chosen (the
      // model call starts right after), reply recorded, ended (diffed, committed, cleaned up).
      for (const run of runs) {
        const events = seen.get(run.id) ?? [];
        const at = (predicate: (event: RunEvent) => boolean): string => {
          const found = events.find((entry) => predicate(entry.event));
          return found === undefined ? '—' : String(Math.round(found.at - start));
        };
        phases.push(
          `| ${index + 1} | ${run.id.slice(-6)} | ${at((event) => event.type === 'run-started')} | ${at((event) => event.type === 'run-log' && event.message.startsWith('context:'))} | ${at((event) => event.type === 'run-tokens')} | ${at((event) => event.type === 'run-succeeded')} |`,
        );
      }
    }

    console.log('');
    console.log('| round | run | started ms | context chosen ms | reply ms | ended ms |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
    for (const line of phases) console.log(line);
    console.log('');
    console.log(
      `| ${label}, ${fileCount} files, ${models.length} runs, L = ${latencyMs} ms | wall ms | wall / L |`,
    );
    console.log('| --- | ---: | ---: |');
    walls.forEach((wall, index) => {
      console.log(`| round ${index + 1} | ${Math.round(wall)} | ${(wall / latencyMs).toFixed(3)} |`);
    });
    const ratio = median(walls) / latencyMs;
    console.log(`| median | ${Math.round(median(walls))} | ${ratio.toFixed(3)} |`);
    console.log('');
    const pass = ratio <= targetRatio;
    console.log(
      `run-overhead ${label}: wall / L ${ratio.toFixed(3)} (target <= ${targetRatio}): ${pass ? 'PASS' : 'FAIL'} (${loadAverage()})`,
    );
    return ratio;
  } finally {
    await closeGoosuke?.();
    for (const fake of fakes) await fake.close();
  }
}

try {
  let pass = true;
  if (fixtureFromEnvironment()) {
    const started = performance.now();
    const files = repositoryFiles(fixtureFileCount);
    const source = join(directory, 'source');
    await createRepository(source, files);
    const bytes = [...files.values()].reduce((sum, content) => sum + content.length, 0);
    console.log(
      `generated ${files.size} files (${(bytes / 1_048_576).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`,
    );
    pass = (await measure('fixture', source, files.size)) <= targetRatio && pass;
  }
  for (const size of realShapedSizesFromEnvironment()) {
    const repo = await ensureRealShapedRepository(size);
    console.log(`\n${describeRealShaped(repo)}`);
    pass = (await measure(`real-shaped ${size}`, repo.path, repo.files)) <= targetRatio && pass;
  }
  process.exitCode = pass ? 0 : 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
