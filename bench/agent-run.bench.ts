// Benchmark: a coding agent's run through Goosuke against the same agent run directly (issue 16).
// The agent is the chat agent of the CLI tests (packages/cli/test/fixtures/chat-agent.mjs): each
// turn it makes three model calls, each answered by a loopback fake of OpenAI after L = 2 s (a short
// agent turn: real ones make more, slower calls), then writes the answer into the target file in
// place. Measured as users run it:
//
// - through Goosuke: `goosuke run --repo <repo> --agent chatty=openai:gpt-4.1` as a process of the
//   built CLI (packages/cli/bin/goosuke.js): the store, the clone's fetch, the agent's working copy
//   (written file by file: agents write in place), the model gateway, bubblewrap, the diff and the
//   commit; warm (the data directory of an earlier run: a server's or a cached CI directory's case);
// - directly (the baseline, in the same run): bench/agent-direct.ts as a process, which spawns the
//   same agent on a plain checkout of the same repository and drives it over ACP with the model's
//   key in its environment: no store, no copy, no gateway, no sandbox, no commit.
//
// Target: warm wall through Goosuke / direct wall ≤ 1.3 (medians of the rounds). Cold (a fresh
// data directory: the clone) is reported. Repositories: the 5,000-file fixture of run-fixture.ts
// unless GOOSUKE_BENCH_FIXTURE=0, and the real-shaped ones of GOOSUKE_BENCH_REAL_SHAPED (default
// 3k). Exits 1 when the target is missed or a run does not produce the expected change.
//
//   npm run bench -- agent-run
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';
import { benchRepositories, loadAverage } from './real-shaped-repo.ts';
import { createRepository, median, repositoryFiles, targetContent, targetFile } from './run-fixture.ts';

const latencyMs = 2_000;
const callsPerTurn = 3;
const rounds = Number(process.env.GOOSUKE_BENCH_ROUNDS ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'packages', 'cli', 'bin', 'goosuke.js');
const agentScript = join(here, '..', 'packages', 'cli', 'test', 'fixtures', 'chat-agent.mjs');
const direct = join(here, 'agent-direct.ts');
const directory = mkdtempSync(join(tmpdir(), 'goosuke-agent-run-bench-'));
const gitEnvironment = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const changed = targetContent.replace('cents / 100;', '(cents / 100).toFixed(2);');
const answer = `formatPrice now shows two decimals.\n${changed}`;
const prompt = `Make formatPrice show two decimals. BUDGET=${callsPerTurn} FILE=${targetFile}`;

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ wall: number; code: number | null; output: string }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ wall: performance.now() - started, code, output }));
  });
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnvironment }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

interface Figures {
  label: string;
  direct: number[];
  cold: number[];
  warm: number[];
  load: string;
}

async function measure(label: string, source: string): Promise<Figures> {
  const fake = await startFakeOpenAIServer({ apiKey: 'bench-key' });
  const answerAll = () => {
    for (let call = 0; call < callsPerTurn; call++)
      fake.respond({ kind: 'reply', text: answer, delayMs: latencyMs });
  };
  const figures: Figures = { label, direct: [], cold: [], warm: [], load: '' };
  try {
    for (let round = 0; round < rounds; round++) {
      // Directly, on a plain checkout.
      const checkout = join(directory, `checkout-${label.replace(/\W+/g, '-')}-${round}`);
      await git(directory, ['clone', '-q', source, checkout]);
      answerAll();
      const plain = await run(process.execPath, [direct, checkout, prompt], {
        cwd: directory,
        env: { PATH: process.env.PATH, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'bench-key' },
      });
      if (plain.code !== 0 || !readFileSync(join(checkout, targetFile), 'utf8').includes('toFixed(2)')) {
        throw new Error(`the direct run failed (${plain.code}):\n${plain.output}`);
      }
      figures.direct.push(plain.wall);
      rmSync(checkout, { recursive: true, force: true });
      await settle();

      // Through Goosuke: a cold run on a fresh data directory, then a warm one on it.
      const dataDir = join(directory, `data-${label.replace(/\W+/g, '-')}-${round}`);
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
        GOOSUKE_DATA_DIR: dataDir,
        OPENAI_API_KEY: 'bench-key',
        OPENAI_BASE_URL: fake.url,
      };
      const added = await run(
        process.execPath,
        [
          cli,
          'agents',
          'add',
          'chatty',
          '--command',
          `${process.execPath} ${agentScript}`,
          '--wire',
          'openai-chat',
        ],
        { cwd: directory, env },
      );
      if (added.code !== 0) throw new Error(`goosuke agents add failed:\n${added.output}`);
      for (const [kind, walls] of [
        ['cold', figures.cold],
        ['warm', figures.warm],
      ] as const) {
        answerAll();
        const through = await run(
          process.execPath,
          [cli, 'run', '--repo', source, '--agent', 'chatty=openai:gpt-4.1', '-m', prompt, '--json'],
          { cwd: directory, env },
        );
        const report =
          through.code === 0
            ? (JSON.parse(through.output.slice(through.output.indexOf('{\n'))) as {
                runs: Array<{ filesChanged: Array<{ path: string }> }>;
              })
            : null;
        if (report?.runs[0]?.filesChanged[0]?.path !== targetFile) {
          throw new Error(`goosuke run failed (${through.code}):\n${through.output}`);
        }
        walls.push(through.wall);
        console.log(
          `${label}, round ${round + 1}: direct ${Math.round(figures.direct.at(-1)!)} ms, ${kind} through Goosuke ${Math.round(through.wall)} ms (${loadAverage()})`,
        );
        await settle();
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
    figures.load = loadAverage();
    return figures;
  } finally {
    await fake.close();
  }
}

try {
  const repositories = await benchRepositories(directory, (target) =>
    createRepository(target, repositoryFiles(5_000)),
  );
  const results: Figures[] = [];
  for (const { label, path } of repositories) results.push(await measure(label, path));
  let pass = true;
  console.log('');
  console.log(
    `| repository | direct ms | cold through Goosuke ms | warm through Goosuke ms | warm / direct | load (1/5/15 min) |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  const verdicts: string[] = [];
  for (const figure of results) {
    const plain = median(figure.direct);
    const warm = median(figure.warm);
    const ratio = warm / plain;
    console.log(
      `| ${figure.label} | ${Math.round(plain)} | ${Math.round(median(figure.cold))} | ${Math.round(warm)} | ${ratio.toFixed(2)} | ${figure.load.replace('load ', '')} |`,
    );
    const ok = ratio <= 1.3;
    verdicts.push(
      `agent-run ${figure.label}: warm through Goosuke / direct ${ratio.toFixed(2)} (target <= 1.3): ${ok ? 'PASS' : 'FAIL'}`,
    );
    pass &&= ok;
  }
  console.log('');
  for (const line of verdicts) console.log(line);
  process.exitCode = pass ? 0 : 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
