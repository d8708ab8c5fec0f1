// Benchmark: the edit engine (parseEdits + applyEdits, files read from memory) against real
// `git apply`, one process per patch as an agent would run it, in the same run on the same
// patches: the clean fixtures of packages/core/src/edits/fixtures (real git diffs of real
// files), repeated to 200 applications per side.
//
//   cd packages/core && npx tsup && cd ../.. && node bench/edit-engine.bench.ts
//
// Only the apply is timed: for git, the `git apply` process (the working tree is reset between
// patches, untimed); for the engine, parsing and applying the patch text. Both results are
// checked against the fixture's after/ tree once per case, so both sides do the same work.
// The figure is the ratio engine time / git time (lower is better); target <= 1.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApplyEditsResult, applyEdits, parseEdits } from '@goosuke/core';

const applicationsPerSide = 200;
const fixturesDirectory = join(
  dirname(fileURLToPath(import.meta.url)),
  '../packages/core/src/edits/fixtures',
);

type Tree = Map<string, string>;

interface Case {
  name: string;
  before: Tree;
  after: Tree;
  patch: string;
  hunks: number;
  repository: string;
}

function readTree(directory: string): Tree {
  const tree: Tree = new Map();
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(directory, relative), { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else tree.set(path, readFileSync(join(directory, path), 'utf8'));
    }
  };
  walk('');
  return tree;
}

function sameTree(left: Tree, right: Tree): boolean {
  return left.size === right.size && [...left].every(([path, content]) => right.get(path) === content);
}

function git(cwd: string, args: string[]): void {
  const result = spawnSync('git', ['-c', 'core.autocrlf=false', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'goosuke-edit-bench-'));

function prepareCase(name: string): Case {
  const directory = join(fixturesDirectory, name);
  const before = readTree(join(directory, 'before'));
  const patch = readFileSync(join(directory, 'patch.diff'), 'utf8');
  const repository = join(scratch, name);
  mkdirSync(repository, { recursive: true });
  git(repository, ['init', '-q']);
  for (const [path, content] of before) {
    mkdirSync(dirname(join(repository, path)), { recursive: true });
    writeFileSync(join(repository, path), content);
  }
  git(repository, ['add', '-A']);
  git(repository, [
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@example.invalid',
    'commit',
    '-q',
    '-m',
    'before',
  ]);
  writeFileSync(join(repository, '.git', 'bench.patch'), patch);
  return {
    name,
    before,
    after: readTree(join(directory, 'after')),
    patch,
    hunks: patch.split('\n').filter((line) => line.startsWith('@@')).length,
    repository,
  };
}

function resetRepository(repository: string): void {
  git(repository, ['reset', '-q', '--hard']);
  git(repository, ['clean', '-q', '-fd']);
}

/** Runs `git apply` once on a clean tree and returns the milliseconds its process took. */
function timeGitApply(testCase: Case): number {
  resetRepository(testCase.repository);
  const started = performance.now();
  const result = spawnSync(
    'git',
    ['-c', 'core.autocrlf=false', 'apply', '--whitespace=nowarn', '.git/bench.patch'],
    {
      cwd: testCase.repository,
    },
  );
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`git apply failed for ${testCase.name}: ${result.stderr}`);
  return elapsed;
}

async function engineApply(testCase: Case): Promise<ApplyEditsResult> {
  const parsed = parseEdits(testCase.patch);
  return applyEdits({ edits: parsed.edits, readFile: async (path) => testCase.before.get(path) ?? null });
}

async function timeEngineApply(testCase: Case): Promise<number> {
  const started = performance.now();
  const result = await engineApply(testCase);
  const elapsed = performance.now() - started;
  if (!result.ok) throw new Error(`the engine refused ${testCase.name}`);
  return elapsed;
}

async function checkBothAgree(testCase: Case): Promise<void> {
  const result = await engineApply(testCase);
  if (!result.ok) throw new Error(`the engine refused ${testCase.name}`);
  const byEngine = new Map(testCase.before);
  for (const change of result.changes) {
    if (change.content === null) byEngine.delete(change.path);
    else byEngine.set(change.path, change.content);
  }
  if (!sameTree(byEngine, testCase.after))
    throw new Error(`the engine's result differs from after/ for ${testCase.name}`);
  timeGitApply(testCase);
  if (!sameTree(readTree(testCase.repository), testCase.after)) {
    throw new Error(`git apply's result differs from after/ for ${testCase.name}`);
  }
}

function format(value: number, digits = 3): string {
  return value.toFixed(digits);
}

async function main(): Promise<void> {
  const names = readdirSync(fixturesDirectory)
    .filter((name) => statSync(join(fixturesDirectory, name)).isDirectory())
    .sort();
  const cases = names.map(prepareCase);
  for (const testCase of cases) await checkBothAgree(testCase);

  // Warm-up, untimed: the engine's JIT and git's page cache.
  for (const testCase of cases) {
    for (let round = 0; round < 20; round++) await timeEngineApply(testCase);
    timeGitApply(testCase);
  }

  const engineTimes = new Map<string, number[]>(cases.map((testCase) => [testCase.name, []]));
  const gitTimes = new Map<string, number[]>(cases.map((testCase) => [testCase.name, []]));
  // Interleaved, case by case, so that machine noise hits both sides alike.
  for (let application = 0; application < applicationsPerSide; application++) {
    const testCase = cases[application % cases.length]!;
    engineTimes.get(testCase.name)!.push(await timeEngineApply(testCase));
    gitTimes.get(testCase.name)!.push(timeGitApply(testCase));
  }

  const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
  console.log(
    '| case | hunks | applications | engine total ms | git total ms | engine mean ms/patch | git mean ms/patch | ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const testCase of cases) {
    const engine = engineTimes.get(testCase.name)!;
    const byGit = gitTimes.get(testCase.name)!;
    console.log(
      `| ${testCase.name} | ${testCase.hunks} | ${engine.length} | ${format(sum(engine), 1)} | ${format(sum(byGit), 1)} | ${format(sum(engine) / engine.length)} | ${format(sum(byGit) / byGit.length)} | ${format(sum(engine) / sum(byGit))} |`,
    );
  }
  const engineTotal = sum([...engineTimes.values()].flat());
  const gitTotal = sum([...gitTimes.values()].flat());
  const ratio = engineTotal / gitTotal;
  console.log(
    `| **all** | ${cases.reduce((total, testCase) => total + testCase.hunks, 0)} | ${applicationsPerSide} | ${format(engineTotal, 1)} | ${format(gitTotal, 1)} | ${format(engineTotal / applicationsPerSide)} | ${format(gitTotal / applicationsPerSide)} | ${format(ratio)} |`,
  );
  console.log('');
  console.log(`edit-engine: ratio ${format(ratio, 4)} (target <= 1): ${ratio <= 1 ? 'PASS' : 'FAIL'}`);
  // Like the other benchmarks: a missed target fails `npm run bench`.
  if (ratio > 1) process.exitCode = 1;
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
