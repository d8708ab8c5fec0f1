// Benchmark: clone, then a no-op fetch (cloning into the existing clone, the source unchanged), of
// both GitBackends against git itself (the baseline: `git clone --no-checkout <path>` and
// `git fetch` in it, timed as processes), on a local repository with history: [commits]
// commits (default 400) over [files] files (default 2,000), a tag every 20 commits and a
// few branches, packed, built once with `git fast-import`. A local path is the CI case. Then the
// same on the real-shaped repositories of real-shaped-repo.ts (GOOSUKE_BENCH_REAL_SHAPED, default
// `3k`; GOOSUKE_BENCH_FIXTURE=0 skips the generated one).
//
//   npx turbo run build --filter=@goosuke/git-system && node bench/git-backends.bench.ts [files] [commits]
//
// Rounds alternate between the three sides; figures are medians and ratios to git's (lower is
// better). Target (issue 15): the system backend's no-op fetch <= 3x `git fetch`. Exits with
// code 1 when it is missed. The isomorphic backend's figures are reported, not checked.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitBackend } from '@goosuke/core';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createSystemGitBackend, detectSystemGit } from '@goosuke/git-system';
import {
  describeRealShaped,
  ensureRealShapedRepository,
  fixtureFromEnvironment,
  loadAverage,
  realShapedSizesFromEnvironment,
} from './real-shaped-repo.ts';

const fileCount = Number(process.argv[2] ?? 2000);
const commitCount = Number(process.argv[3] ?? 400);
const rounds = 3;
const directory = mkdtempSync(join(tmpdir(), 'goosuke-git-backends-bench-'));
const environment = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: environment, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

/** `commitCount` commits, the first adding every file, each later one changing ten; tags and branches. */
async function generateRepository(target: string): Promise<void> {
  await git(directory, ['init', '-q', '-b', 'main', target]);
  const child = spawn('git', ['fast-import', '--quiet'], {
    cwd: target,
    env: environment,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const chunks: string[] = [];
  const content = (index: number, version: number) =>
    `// file ${index}, version ${version}\nexport const value${index} = ${version};\nexport function get${index}() {\n  return value${index} * 2;\n}\n`;
  for (let commit = 0; commit < commitCount; commit++) {
    chunks.push(`commit refs/heads/main\nmark :${commit + 1}\n`);
    chunks.push(`committer Bench <bench@example.test> ${1767225600 + commit * 60} +0000\n`);
    const message = `commit ${commit}\n`;
    chunks.push(`data ${Buffer.byteLength(message)}\n${message}`);
    if (commit > 0) chunks.push(`from :${commit}\n`);
    const touched =
      commit === 0
        ? [...Array(fileCount).keys()]
        : [...Array(10).keys()].map((n) => (commit * 37 + n * 101) % fileCount);
    for (const index of touched) {
      const text = content(index, commit);
      chunks.push(
        `M 100644 inline src/module-${index % 100}/file-${index}.ts\ndata ${Buffer.byteLength(text)}\n${text}\n`,
      );
    }
    if (commit % 20 === 0) chunks.push(`reset refs/tags/v${commit}\nfrom :${commit + 1}\n\n`);
    if (commit % 100 === 50) chunks.push(`reset refs/heads/release-${commit}\nfrom :${commit + 1}\n\n`);
  }
  child.stdin.end(chunks.join(''));
  await new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`)))),
  );
  await git(target, ['gc', '-q']);
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Rounds of clone and no-op fetch on `source` by git and both backends; prints; resolves with the system backend's fetch ratio. */
async function measure(label: string, source: string): Promise<number> {
  const backends: Array<[string, GitBackend]> = [
    ['system git backend', createSystemGitBackend()],
    ['isomorphic-git backend', createIsomorphicGitBackend()],
  ];
  const figures = new Map<string, { clone: number[]; fetch: number[] }>();
  for (const name of ['git', ...backends.map(([name]) => name)]) figures.set(name, { clone: [], fetch: [] });
  const work = mkdtempSync(join(directory, 'clones-'));
  for (let round = 0; round < rounds; round++) {
    const gitClone = join(work, `git-${round}`);
    figures
      .get('git')!
      .clone.push(await timed(() => git(work, ['clone', '-q', '--no-checkout', source, gitClone])));
    await settle();
    figures
      .get('git')!
      .fetch.push(await timed(() => git(gitClone, ['fetch', '-q', '--tags', '--prune', 'origin'])));
    await settle();
    for (const [name, backend] of backends) {
      const dir = join(work, `${name.split(' ')[0]}-${round}`);
      figures.get(name)!.clone.push(await timed(() => backend.clone({ url: source, dir })));
      await settle();
      figures.get(name)!.fetch.push(await timed(() => backend.clone({ url: source, dir })));
      await settle();
    }
  }
  rmSync(work, { recursive: true, force: true });
  const baseline = figures.get('git')!;
  const row = (name: string) => {
    const { clone, fetch } = figures.get(name)!;
    const cloneRatio = median(clone) / median(baseline.clone);
    const fetchRatio = median(fetch) / median(baseline.fetch);
    return { name, clone: median(clone), fetch: median(fetch), cloneRatio, fetchRatio };
  };
  console.log('');
  console.log(`| ${label}: side | clone (ms) | ratio | no-op fetch (ms) | ratio |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const name of figures.keys()) {
    const figure = row(name);
    console.log(
      `| ${name} | ${Math.round(figure.clone)} | ${figure.cloneRatio.toFixed(2)} | ${Math.round(figure.fetch)} | ${figure.fetchRatio.toFixed(2)} |`,
    );
  }
  const system = row('system git backend');
  console.log(
    `git-backends ${label}: system no-op fetch <= 3x git fetch: ${system.fetchRatio.toFixed(2)}: ${system.fetchRatio <= 3 ? 'PASS' : 'FAIL'} (${loadAverage()})`,
  );
  return system.fetchRatio;
}

try {
  if ((await detectSystemGit()) === undefined) throw new Error('this bench needs git >= 2.30 on PATH');
  let pass = true;
  if (fixtureFromEnvironment()) {
    const source = join(directory, 'source');
    const started = performance.now();
    await generateRepository(source);
    console.log(
      `generated ${commitCount} commits over ${fileCount} files in ${Math.round(performance.now() - started)} ms`,
    );
    pass = (await measure(`generated ${fileCount} files, ${commitCount} commits`, source)) <= 3 && pass;
  }
  for (const size of realShapedSizesFromEnvironment()) {
    const repo = await ensureRealShapedRepository(size);
    console.log(`\n${describeRealShaped(repo)}`);
    pass = (await measure(`real-shaped ${size}`, repo.path)) <= 3 && pass;
  }
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
