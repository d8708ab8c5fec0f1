import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitBackend, RepoCheckout } from '@goosuke/core';
import { type GitHttpServer, makeGitRepository, startGitHttpServer } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';
import { filesContaining, rejection } from './remote-test-helpers.ts';

const username = 'pusher';
const token = 'ghs_PushT0kenThatMustNeverBeWritten77';
const basic = Buffer.from(`${username}:${token}`).toString('base64');
const author = { name: 'Merger', email: 'merger@example.test' };
const fixedNow = new Date('2026-02-03T04:05:06Z');
let scratch = '';
let server: GitHttpServer;
let bare = '';
let remoteUrl = '';
let seedCommit = '';
let backend: GitBackend;
let counter = 0;

const next = (): string => path.join(scratch, `case-${++counter}`);
const bareHead = async (branch: string): Promise<string> =>
  (await runGit(bare, ['rev-parse', '--verify', `refs/heads/${branch}`])).trim();

/** A commit on top of `parent` made with the git CLI in the clone (files given replace the parent's). */
async function cliCommit(
  repo: RepoCheckout,
  parent: string,
  message: string,
  files: Record<string, string>,
): Promise<string> {
  const env = { GIT_INDEX_FILE: path.join(repo.dir, '.git', `scratch-index-${counter}`) };
  await runGit(repo.dir, ['read-tree', parent], { env });
  for (const [file, content] of Object.entries(files)) {
    const blob = (await runGit(repo.dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
    await runGit(repo.dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
  }
  const tree = (await runGit(repo.dir, ['write-tree'], { env })).trim();
  await rm(env.GIT_INDEX_FILE, { force: true });
  return (await runGit(repo.dir, ['commit-tree', tree, '-p', parent, '-m', message])).trim();
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-branches-'));
  const served = path.join(scratch, 'served');
  bare = path.join(served, 'project.git');
  await mkdir(served);
  await runGit(scratch, ['init', '-q', '--bare', '-b', 'main', bare]);
  const seed = path.join(scratch, 'seed');
  seedCommit = await makeGitRepository(seed, { 'README.md': '# served\n', 'notes.txt': 'a\nb\nc\n' }, 'seed');
  await runGit(seed, ['push', '-q', bare, 'main']);
  // The remote refuses one branch outright, as a protected branch would.
  const hook = path.join(bare, 'hooks', 'pre-receive');
  await writeFile(
    hook,
    '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = "refs/heads/protected" ]; then echo "protected branch" >&2; exit 1; fi\ndone\nexit 0\n',
  );
  await chmod(hook, 0o755);
  server = await startGitHttpServer({ root: served, credentials: { username, token } });
  remoteUrl = `${server.url}/project.git`;
  backend = createIsomorphicGitBackend({ now: () => fixedNow });
});

afterAll(async () => {
  await server?.close();
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('pushBranch over smart HTTP (git http-backend) with per-call credentials', () => {
  it('pushes and fast-forwards a branch, and never writes the credentials under the clone', async () => {
    const auth = { username, token };
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth });
    const first = await cliCommit(repo, seedCommit, 'task work', { 'task.txt': 'one\n' });
    await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: first });
    const seen = server.authorizations.length;
    await backend.pushBranch({ repo, branch: 'goosuke/task-1', auth });
    expect(server.authorizations.length).toBeGreaterThan(seen);
    expect(await bareHead('goosuke/task-1')).toBe(first);
    expect(await backend.resolveRef({ repo, ref: 'origin/goosuke/task-1' })).toBe(first);

    const second = await cliCommit(repo, first, 'follow-up', { 'task.txt': 'two\n' });
    await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: second });
    await backend.pushBranch({ repo, branch: 'goosuke/task-1', auth });
    expect(await bareHead('goosuke/task-1')).toBe(second);
    expect((await runGit(bare, ['show', `${second}:task.txt`])).toString()).toBe('two\n');
    await runGit(bare, ['fsck', '--no-dangling']);

    // Not the token, not its URL-encoded form, not the Basic header made of it.
    for (const needle of [token, encodeURIComponent(token), basic]) {
      expect(await filesContaining(repo.dir, needle)).toEqual([]);
    }
    expect(await readFile(path.join(repo.dir, '.git', 'config'), 'utf8')).not.toContain(username);
  });

  it('refuses a push without or with wrong credentials as unauthorized, naming no secret', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    await backend.setBranch({ repo, branch: 'goosuke/task-2', commit: seedCommit });
    const anonymous = await rejection(backend.pushBranch({ repo, branch: 'goosuke/task-2' }));
    expect(anonymous.code).toBe('unauthorized');
    const wrong = `${token}-wrong`;
    const refused = await rejection(
      backend.pushBranch({ repo, branch: 'goosuke/task-2', auth: { username, token: wrong } }),
    );
    expect(refused.code).toBe('unauthorized');
    expect(refused.message).not.toContain(wrong);
    expect(JSON.stringify(refused.toJSON())).not.toContain(wrong);
    await expect(bareHead('goosuke/task-2')).rejects.toThrow();
    expect(await filesContaining(repo.dir, wrong)).toEqual([]);
  });

  it('refuses a non-fast-forward as a conflict unless forced, and a push the remote refuses as a conflict', async () => {
    const auth = { username, token };
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth });
    const ours = await cliCommit(repo, seedCommit, 'ours', { 'ours.txt': 'ours\n' });
    await backend.setBranch({ repo, branch: 'goosuke/task-3', commit: ours });
    await backend.pushBranch({ repo, branch: 'goosuke/task-3', auth });

    // Someone else pushes on top; our rewritten branch no longer contains their commit.
    const other = path.join(scratch, `other-${counter}`);
    await runGit(scratch, ['clone', '-q', '-b', 'goosuke/task-3', bare, other]);
    await writeFile(path.join(other, 'theirs.txt'), 'theirs\n');
    await runGit(other, ['add', '-A']);
    await runGit(other, ['commit', '-q', '-m', 'theirs']);
    await runGit(other, ['push', '-q', 'origin', 'goosuke/task-3']);
    const theirs = (await runGit(other, ['rev-parse', 'HEAD'])).trim();

    const rewritten = await cliCommit(repo, seedCommit, 'rewritten', { 'ours.txt': 'rewritten\n' });
    await backend.setBranch({ repo, branch: 'goosuke/task-3', commit: rewritten, force: true });
    const conflict = await rejection(backend.pushBranch({ repo, branch: 'goosuke/task-3', auth }));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).not.toContain(token);
    expect(await bareHead('goosuke/task-3')).toBe(theirs);
    expect(await backend.resolveRef({ repo, ref: 'origin/goosuke/task-3' })).toBe(ours);

    await backend.pushBranch({ repo, branch: 'goosuke/task-3', auth, force: true });
    expect(await bareHead('goosuke/task-3')).toBe(rewritten);
    expect(await backend.resolveRef({ repo, ref: 'origin/goosuke/task-3' })).toBe(rewritten);

    await backend.setBranch({ repo, branch: 'protected', commit: ours });
    const hooked = await rejection(backend.pushBranch({ repo, branch: 'protected', auth, force: true }));
    expect(hooked.code).toBe('conflict');
    expect(hooked.message).toContain('refs/heads/protected');
    expect(hooked.message).not.toContain(token);
    await expect(bareHead('protected')).rejects.toThrow();
    await expect(backend.resolveRef({ repo, ref: 'origin/protected' })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });
});

describe('mergeIntoBranch on isomorphic-git', () => {
  it('makes the merge commit in the object store alone, with the configured clock', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const ours = await cliCommit(repo, seedCommit, 'ours', { 'notes.txt': 'A\nb\nc\n' });
    const theirs = await cliCommit(repo, seedCommit, 'theirs', { 'notes.txt': 'a\nb\nC\n' });
    await backend.setBranch({ repo, branch: 'task', commit: ours });
    const merged = await backend.mergeIntoBranch({
      repo,
      branch: 'task',
      theirs,
      message: 'Merge main',
      author,
    });
    expect((await runGit(repo.dir, ['show', `${merged}:notes.txt`])).toString()).toBe('A\nb\nC\n');
    expect((await runGit(repo.dir, ['log', '-1', '--format=%at %ct %cn', merged])).trim()).toBe(
      `${fixedNow.getTime() / 1000} ${fixedNow.getTime() / 1000} Merger`,
    );
    expect((await runGit(repo.dir, ['log', '-1', '--format=%B', merged])).trim()).toBe('Merge main');
    // The clone has no checked-out files and gained no index.
    expect(await readdir(repo.dir)).toEqual(['.git']);
    await expect(stat(path.join(repo.dir, '.git', 'index'))).rejects.toThrow();
  });

  it('refuses to move a branch a working copy has checked out', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const theirs = await cliCommit(repo, seedCommit, 'theirs', { 'later.txt': 'later\n' });
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: seedCommit,
      branch: 'busy',
      dir: `${repo.dir}-copy`,
    });
    const error = await rejection(
      backend.mergeIntoBranch({ repo, branch: 'busy', theirs, message: 'merge', author }),
    );
    expect(error.code).toBe('conflict');
    expect(await backend.resolveRef({ repo, ref: 'busy' })).toBe(seedCommit);
    expect(await workspace.readFile('later.txt')).toBeNull();
    // Already merged needs no move, so it is no conflict.
    expect(
      await backend.mergeIntoBranch({ repo, branch: 'busy', theirs: seedCommit, message: 'merge', author }),
    ).toBe(seedCommit);
    await backend.removeWorkingCopy({ workspace });
    expect(await backend.mergeIntoBranch({ repo, branch: 'busy', theirs, message: 'merge', author })).toBe(
      theirs,
    );
  });

  it('reports what isomorphic-git cannot merge (a file against a directory, no common history) as a conflict', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const ours = await cliCommit(repo, seedCommit, 'file', { thing: 'a file\n' });
    const theirs = await cliCommit(repo, seedCommit, 'directory', { 'thing/inner.txt': 'a directory\n' });
    await backend.setBranch({ repo, branch: 'task', commit: ours });
    const error = await rejection(
      backend.mergeIntoBranch({ repo, branch: 'task', theirs, message: 'm', author }),
    );
    expect(error.code).toBe('conflict');
    expect(await backend.resolveRef({ repo, ref: 'task' })).toBe(ours);

    const emptyTree = (
      await runGit(repo.dir, ['hash-object', '-t', 'tree', '-w', '--stdin'], { input: '' })
    ).trim();
    const orphan = (await runGit(repo.dir, ['commit-tree', emptyTree, '-m', 'orphan'])).trim();
    const unrelated = await rejection(
      backend.mergeIntoBranch({ repo, branch: 'task', theirs: orphan, message: 'm', author }),
    );
    expect(unrelated.code).toBe('conflict');
    expect(await backend.resolveRef({ repo, ref: 'task' })).toBe(ours);
    expect(await readdir(repo.dir)).toEqual(['.git']);
  });
});
