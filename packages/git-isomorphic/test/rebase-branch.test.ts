import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitBackend, RepoCheckout } from '@goosuke/core';
import { makeGitRepository } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';
import { rejection } from './remote-test-helpers.ts';

const fixedNow = new Date('2026-02-03T04:05:06Z');
const committer = { name: 'Rebaser', email: 'rebaser@example.test' };
let scratch = '';
let source = '';
let seedCommit = '';
let backend: GitBackend;
let counter = 0;

/**
 * A commit on top of `parent` made with the git CLI in the clone: `files` replace the parent's,
 * null deletes. The author date is fixed and far from `fixedNow`, so that keeping it shows.
 */
async function cliCommit(
  repo: RepoCheckout,
  parent: string,
  message: string,
  files: Record<string, string | null>,
): Promise<string> {
  const env = {
    GIT_INDEX_FILE: path.join(repo.dir, '.git', `scratch-index-${++counter}`),
    GIT_AUTHOR_NAME: 'Task Author',
    GIT_AUTHOR_EMAIL: 'task@example.test',
    GIT_AUTHOR_DATE: '2020-01-02T03:04:05Z',
  };
  await runGit(repo.dir, ['read-tree', parent], { env });
  for (const [file, content] of Object.entries(files)) {
    if (content === null) {
      await runGit(repo.dir, ['update-index', '--force-remove', file], { env });
      continue;
    }
    const blob = (await runGit(repo.dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
    await runGit(repo.dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
  }
  const tree = (await runGit(repo.dir, ['write-tree'], { env })).trim();
  await rm(env.GIT_INDEX_FILE, { force: true });
  return (await runGit(repo.dir, ['commit-tree', tree, '-p', parent, '-m', message], { env })).trim();
}

const cloneSource = async (): Promise<RepoCheckout> =>
  backend.clone({ url: source, dir: path.join(scratch, `clone-${++counter}`) });

const head = async (repo: RepoCheckout, branch: string): Promise<string> =>
  (await runGit(repo.dir, ['rev-parse', '--verify', `refs/heads/${branch}`])).trim();

/** Subjects of the commits after `base` up to `tip`, newest first. */
const subjects = async (repo: RepoCheckout, base: string, tip: string): Promise<string[]> =>
  (await runGit(repo.dir, ['log', '--format=%s', `${base}..${tip}`])).trim().split('\n').filter(Boolean);

const scratchDirectories = async (repo: RepoCheckout): Promise<string[]> =>
  (await readdir(path.join(repo.dir, '.git', 'goosuke')).catch(() => [] as string[])).filter((name) =>
    name.startsWith('rebase-'),
  );

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-rebase-'));
  source = path.join(scratch, 'source');
  seedCommit = await makeGitRepository(
    source,
    { 'README.md': '# rebase\n', 'notes.txt': 'a\nb\nc\n' },
    'seed',
  );
  backend = createIsomorphicGitBackend({ now: () => fixedNow });
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('rebaseBranch on isomorphic-git', () => {
  it('commits with the backend clock, keeps author dates, and leaves the clone HEAD, index and scratch space alone', async () => {
    const repo = await cloneSource();
    // An index in the clone (isomorphic-git's picks would use the git directory's index).
    await runGit(repo.dir, ['read-tree', seedCommit]);
    const indexBefore = await readFile(path.join(repo.dir, '.git', 'index'));
    const headBefore = await readFile(path.join(repo.dir, '.git', 'HEAD'), 'utf8');
    const onto = await cliCommit(repo, seedCommit, 'base moves', { 'base.txt': 'base\n' });
    const task = await cliCommit(repo, seedCommit, 'task', { 'notes.txt': 'a\nb, by the task\nc\n' });
    await backend.setBranch({ repo, branch: 'goosuke/clocked', commit: task });

    const rebased = await backend.rebaseBranch({ repo, branch: 'goosuke/clocked', onto, committer });
    const fields = (await runGit(repo.dir, ['log', '-1', '--format=%P|%at|%ct|%an|%cn|%s', rebased])).trim();
    expect(fields).toBe(
      `${onto}|${Date.parse('2020-01-02T03:04:05Z') / 1000}|${fixedNow.getTime() / 1000}|Task Author|Rebaser|task`,
    );
    expect(await readFile(path.join(repo.dir, '.git', 'index'))).toEqual(indexBefore);
    expect(await readFile(path.join(repo.dir, '.git', 'HEAD'), 'utf8')).toBe(headBefore);
    expect(await scratchDirectories(repo)).toEqual([]);
    expect(
      (await runGit(repo.dir, ['for-each-ref', '--format=%(refname)'])).trim().split('\n').sort(),
    ).toEqual(
      [
        'refs/heads/goosuke/clocked',
        'refs/heads/main',
        'refs/remotes/origin/HEAD',
        'refs/remotes/origin/main',
      ].sort(),
    );
    await runGit(repo.dir, ['fsck', '--strict', '--no-dangling']);
    expect(await runGit(repo.dir, ['fsck', '--unreachable', '--no-progress'])).not.toContain('error');
  });

  it('drops a commit whose change is already in the base, and keeps one that was empty to begin with', async () => {
    const repo = await cloneSource();
    const onto = await cliCommit(repo, seedCommit, 'upstream fix', { 'notes.txt': 'a\nfixed\nc\n' });
    const same = await cliCommit(repo, seedCommit, 'same fix', { 'notes.txt': 'a\nfixed\nc\n' });
    const empty = await cliCommit(repo, same, 'empty on purpose', {});
    const last = await cliCommit(repo, empty, 'own work', { 'own.txt': 'own\n' });
    await backend.setBranch({ repo, branch: 'goosuke/dupes', commit: last });
    const rebased = await backend.rebaseBranch({ repo, branch: 'goosuke/dupes', onto, committer });
    expect(await subjects(repo, onto, rebased)).toEqual(['own work', 'empty on purpose']);
    expect((await runGit(repo.dir, ['show', `${rebased}:own.txt`])).trim()).toBe('own');
    expect((await runGit(repo.dir, ['show', `${rebased}:notes.txt`])).trim()).toBe('a\nfixed\nc');
    await runGit(repo.dir, ['fsck', '--no-dangling']);
  });

  it('reports a file against a directory, and a branch without common history, as conflicts', async () => {
    const repo = await cloneSource();
    const onto = await cliCommit(repo, seedCommit, 'file', { thing: 'a file\n' });
    const task = await cliCommit(repo, seedCommit, 'directory', { 'thing/inner.txt': 'a directory\n' });
    await backend.setBranch({ repo, branch: 'goosuke/kinds', commit: task });
    const clash = await rejection(backend.rebaseBranch({ repo, branch: 'goosuke/kinds', onto, committer }));
    expect(clash.code).toBe('conflict');
    expect(clash.message).toContain(task);
    expect(await head(repo, 'goosuke/kinds')).toBe(task);

    const tree = (await runGit(repo.dir, ['rev-parse', `${task}^{tree}`])).trim();
    const orphan = (await runGit(repo.dir, ['commit-tree', tree, '-m', 'orphan'])).trim();
    await backend.setBranch({ repo, branch: 'goosuke/orphan', commit: orphan });
    const unrelated = await rejection(
      backend.rebaseBranch({ repo, branch: 'goosuke/orphan', onto, committer }),
    );
    expect(unrelated.code).toBe('conflict');
    expect(unrelated.message).toContain('no history');
    expect(await head(repo, 'goosuke/orphan')).toBe(orphan);
    expect(await scratchDirectories(repo)).toEqual([]);
  });

  it('sweeps scratch directories of dead processes and keeps those of live ones', async () => {
    const repo = await cloneSource();
    const goosuke = path.join(repo.dir, '.git', 'goosuke');
    // Beyond any pid Linux hands out; pid 1 is alive (EPERM for a non-root test counts as alive).
    await mkdir(path.join(goosuke, 'rebase-999999999-0', 'objects'), { recursive: true });
    await mkdir(path.join(goosuke, 'rebase-1-0'), { recursive: true });
    const onto = await cliCommit(repo, seedCommit, 'base', { 'base.txt': 'base\n' });
    const task = await cliCommit(repo, seedCommit, 'task', { 'task.txt': 'task\n' });
    await backend.setBranch({ repo, branch: 'goosuke/sweep', commit: task });
    await backend.rebaseBranch({ repo, branch: 'goosuke/sweep', onto, committer });
    expect(await scratchDirectories(repo)).toEqual(['rebase-1-0']);
  });

  it('runs rebases of one clone in parallel, one at a time, and checks the committer', async () => {
    const repo = await cloneSource();
    const onto = await cliCommit(repo, seedCommit, 'base', { 'base.txt': 'base\n' });
    const branches = [0, 1, 2, 3].map((index) => `goosuke/parallel-${index}`);
    for (const [index, branch] of branches.entries()) {
      await backend.setBranch({
        repo,
        branch,
        commit: await cliCommit(repo, seedCommit, `task ${index}`, { [`task-${index}.txt`]: `${index}\n` }),
      });
    }
    const results = await Promise.all(
      branches.map((branch) => backend.rebaseBranch({ repo, branch, onto, committer })),
    );
    for (const [index, rebased] of results.entries()) {
      expect(await head(repo, branches[index]!)).toBe(rebased);
      expect(await subjects(repo, onto, rebased)).toEqual([`task ${index}`]);
    }
    const odd = await backend.rebaseBranch({
      repo,
      branch: branches[0]!,
      onto: seedCommit,
      committer: { name: 'Odd <Name>\n', email: '<odd@example.test>' },
    });
    expect(odd).toBe(results[0]);
    await backend.setBranch({
      repo,
      branch: 'goosuke/named',
      commit: await cliCommit(repo, seedCommit, 'named', { 'named.txt': 'named\n' }),
    });
    const named = await backend.rebaseBranch({
      repo,
      branch: 'goosuke/named',
      onto,
      committer: { name: 'Odd <Name>\n', email: '<odd@example.test>' },
    });
    expect((await runGit(repo.dir, ['log', '-1', '--format=%cn|%ce', named])).trim()).toBe(
      'Odd Name|odd@example.test',
    );
    const nameless = await rejection(
      backend.rebaseBranch({
        repo,
        branch: 'goosuke/named',
        onto,
        committer: { name: ' ', email: 'x@y.test' },
      }),
    );
    expect(nameless.code).toBe('invalid_input');
    await runGit(repo.dir, ['fsck', '--no-dangling']);
  });
});
