// Benchmark: the object reads of one run (resolve the base, read 200 of its files through
// openCommit, make a working copy, change 10 files, diff, commit, ask an ancestry question) on
// a clone whose objects sit in one big pack, each side in a fresh process, against git doing
// the same (`rev-parse`, one `cat-file --batch`, `worktree add`, `diff`, `commit -a`,
// `merge-base --is-ancestor`, timed as processes). Sides:
// - `system`: the system git backend, objects read through its long-lived `git cat-file`;
// - `system, objects in Node`: the same backend with the transport's object reads removed (how it
//   read objects before: isomorphic-git parses the pack index and holds the pack);
// - `isomorphic`: the pure-JS backend.
// The repository: [files] files (default 20,000) of incompressible text ([scale] times 20-100
// lines each, default 1), [commits] commits (default 3,000) changing 10 files each, a tag every
// 100 commits, packed by `git gc`. A sixth argument `no-isomorphic` leaves out the pure-JS side.
//
//   npx turbo run build --filter=@goosuke/git-system && node bench/git-object-reads.bench.ts [files] [commits] [rounds] [scale] [no-isomorphic]
//
// Figures: medians of [rounds] (default 3) rounds, wall time and peak RSS (`maxRSS` of the
// side's process), with ratios to git's wall time. Target (issue 15): the system backend's run
// peak RSS < 400 MB; exits with code 1 when it is missed.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const environment = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: environment, maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

type Side = 'system' | 'system, objects in Node' | 'isomorphic';

/** One run's object work, as the run executor does it; prints `{ ms, maxRss }`. */
async function worker(side: Side, clone: string, work: string, files: string[]): Promise<void> {
  const { createSystemGitBackend, createSystemGitTransport } = await import('@goosuke/git-system');
  const { createIsomorphicGitBackend } = await import('@goosuke/git-isomorphic');
  const backend =
    side === 'system'
      ? createSystemGitBackend()
      : side === 'isomorphic'
        ? createIsomorphicGitBackend()
        : (() => {
            const { describeObject, readObject, isAncestor, ...older } = createSystemGitTransport();
            return createIsomorphicGitBackend({ transport: older });
          })();
  const started = performance.now();
  const repo = { dir: clone, url: clone };
  const base = await backend.resolveRef({ repo, ref: 'main' });
  const view = await backend.openCommit({ repo, commit: base });
  for (const file of files.slice(0, 200)) await view.readFile(file);
  const workspace = await backend.createWorkingCopy({ repo, baseRef: base, branch: 'bench', dir: work });
  for (const file of files.slice(0, 10)) writeFileSync(join(work, file), `changed ${file}\n`);
  await backend.diff({ workspace, base });
  const commit = await backend.commit({
    workspace,
    message: 'bench',
    author: { name: 'Bench', email: 'bench@example.test' },
  });
  await backend.isAncestor({ repo, ancestor: await backend.resolveRef({ repo, ref: 'v0' }), commit });
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, maxRss: process.resourceUsage().maxRSS * 1024 }));
}

/** The same work by git processes; its wall time is the baseline. */
async function baseline(clone: string, work: string, files: string[]): Promise<number> {
  const started = performance.now();
  const base = (await git(clone, ['rev-parse', 'main^{commit}'])).trim();
  await git(
    clone,
    ['cat-file', '--batch'],
    `${files
      .slice(0, 200)
      .map((file) => `${base}:${file}`)
      .join('\n')}\n`,
  );
  await git(clone, ['worktree', 'add', '-q', '-b', 'bench', work, base]);
  for (const file of files.slice(0, 10)) writeFileSync(join(work, file), `changed ${file}\n`);
  await git(work, ['diff', base]);
  await git(work, ['commit', '-qam', 'bench']);
  await git(clone, ['merge-base', '--is-ancestor', 'v0', 'HEAD']).catch(() => undefined);
  return performance.now() - started;
}

async function generateRepository(
  target: string,
  fileCount: number,
  commitCount: number,
  lineScale: number,
): Promise<void> {
  await git(tmpdir(), ['init', '-q', '-b', 'main', target]);
  const child = spawn('git', ['fast-import', '--quiet'], {
    cwd: target,
    env: environment,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  let seed = 1;
  // Pseudo-random hex lines: incompressible enough that the pack is large, as real ones are.
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed.toString(16).padStart(8, '0');
  };
  const content = (index: number, version: number) => {
    const lines = [`// file ${index}, version ${version}`];
    const count = (20 + (index % 80)) * lineScale;
    for (let line = 0; line < count; line++) lines.push(`export const k${line} = '${random()}${random()}';`);
    return `${lines.join('\n')}\n`;
  };
  const write = (text: string) =>
    new Promise<void>((resolve) =>
      child.stdin.write(text) ? resolve() : child.stdin.once('drain', resolve),
    );
  for (let commit = 0; commit < commitCount; commit++) {
    let chunk = `commit refs/heads/main\nmark :${commit + 1}\ncommitter Bench <bench@example.test> ${1767225600 + commit * 60} +0000\n`;
    const message = `commit ${commit}\n`;
    chunk += `data ${Buffer.byteLength(message)}\n${message}`;
    if (commit > 0) chunk += `from :${commit}\n`;
    const touched =
      commit === 0
        ? [...Array(fileCount).keys()]
        : [...Array(10).keys()].map((n) => (commit * 37 + n * 101) % fileCount);
    for (const index of touched) {
      const text = content(index, commit);
      chunk += `M 100644 inline src/module-${index % 200}/file-${index}.ts\ndata ${Buffer.byteLength(text)}\n${text}\n`;
    }
    if (commit % 100 === 0) chunk += `reset refs/tags/v${commit}\nfrom :${commit + 1}\n\n`;
    await write(chunk);
  }
  child.stdin.end();
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

function runWorker(side: Side, clone: string, work: string, filesFile: string) {
  return new Promise<{ ms: number; maxRss: number }>((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(import.meta.url), 'worker', side, clone, work, filesFile],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${side}: ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

if (process.argv[2] === 'worker') {
  const [, , , side, clone, work, filesFile] = process.argv;
  const { readFileSync } = await import('node:fs');
  await worker(side as Side, clone!, work!, JSON.parse(readFileSync(filesFile!, 'utf8')));
  process.exit(0);
} else {
  const fileCount = Number(process.argv[2] ?? 20_000);
  const commitCount = Number(process.argv[3] ?? 3_000);
  const rounds = Number(process.argv[4] ?? 3);
  const lineScale = Number(process.argv[5] ?? 1);
  const directory = mkdtempSync(join(tmpdir(), 'goosuke-object-reads-bench-'));
  try {
    const source = join(directory, 'source');
    const started = performance.now();
    await generateRepository(source, fileCount, commitCount, lineScale);
    const packs = (await readdir(join(source, '.git', 'objects', 'pack'))).filter((name) =>
      name.endsWith('.pack'),
    );
    const packBytes = packs.reduce(
      (sum, name) => sum + statSync(join(source, '.git', 'objects', 'pack', name)).size,
      0,
    );
    console.log(
      `generated ${commitCount} commits over ${fileCount} files in ${Math.round(performance.now() - started)} ms: ` +
        `${packs.length} pack(s), ${(packBytes / 2 ** 20).toFixed(0)} MB`,
    );
    const files = (await git(source, ['ls-tree', '-r', '--name-only', 'main'])).split('\n').filter(Boolean);
    // Spread over the tree, as a run's context is.
    const chosen = files.filter((_, index) => index % Math.floor(files.length / 200) === 0);
    const filesFile = join(directory, 'files.json');
    writeFileSync(filesFile, JSON.stringify(chosen));
    const sides: Side[] = ['system', 'system, objects in Node'];
    if (process.argv[6] !== 'no-isomorphic') sides.push('isomorphic');
    const figures = new Map<string, { ms: number[]; rss: number[] }>();
    for (const name of ['git', ...sides]) figures.set(name, { ms: [], rss: [] });
    for (let round = 0; round < rounds; round++) {
      const gitClone = join(directory, `git-${round}`);
      await git(directory, ['clone', '-q', '--no-checkout', source, gitClone]);
      figures.get('git')!.ms.push(await baseline(gitClone, join(directory, `git-work-${round}`), chosen));
      for (const [index, side] of sides.entries()) {
        // A clone as the backends make it (`git clone --no-checkout` of a local path).
        const clone = join(directory, `clone-${round}-${index}`);
        await git(directory, ['clone', '-q', '--no-checkout', source, clone]);
        const result = await runWorker(side, clone, join(directory, `work-${round}-${index}`), filesFile);
        figures.get(side)!.ms.push(result.ms);
        figures.get(side)!.rss.push(result.maxRss);
      }
    }
    const gitMs = median(figures.get('git')!.ms);
    console.log('| side | run (ms) | ratio to git | peak RSS (MB) |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, { ms, rss }] of figures) {
      const rssText = rss.length === 0 ? '—' : (median(rss) / 2 ** 20).toFixed(0);
      console.log(
        `| ${name} | ${Math.round(median(ms))} | ${(median(ms) / gitMs).toFixed(2)} | ${rssText} |`,
      );
    }
    const systemRss = median(figures.get('system')!.rss);
    console.log(`target: system backend run peak RSS < 400 MB: ${(systemRss / 2 ** 20).toFixed(0)} MB`);
    if (systemRss >= 400 * 2 ** 20) process.exitCode = 1;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
