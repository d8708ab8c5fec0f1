import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitBackend } from '@goosuke/core';
import { type GitHttpServer, startGitHttpServer } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';
import { filesContaining, rejection } from './remote-test-helpers.ts';

const username = 'tester';
const token = 'ghs_S3cretT0kenThatMustNeverLeak42';
let scratch = '';
let server: GitHttpServer;
let remoteUrl = '';
let bare = '';
let seedCommit = '';
let backend: GitBackend;
let counter = 0;

const next = (): string => path.join(scratch, `case-${++counter}`);

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-http-'));
  const served = path.join(scratch, 'served');
  bare = path.join(served, 'project.git');
  await mkdir(served);
  await runGit(scratch, ['init', '-q', '--bare', '-b', 'main', bare]);
  const seed = path.join(scratch, 'seed');
  await mkdir(seed);
  await runGit(seed, ['init', '-q', '-b', 'main']);
  await writeFile(path.join(seed, 'README.md'), '# served\n');
  await runGit(seed, ['add', '-A']);
  await runGit(seed, ['commit', '-q', '-m', 'seed']);
  await runGit(seed, ['push', '-q', bare, 'main']);
  seedCommit = (await runGit(seed, ['rev-parse', 'HEAD'])).trim();
  server = await startGitHttpServer({ root: served, credentials: { username, token } });
  remoteUrl = `${server.url}/project.git`;
  backend = createIsomorphicGitBackend();
});

afterAll(async () => {
  await server?.close();
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('isomorphic-git backend over smart HTTP (git http-backend)', () => {
  it('clones with per-call credentials that never reach the disk', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(seedCommit);
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
    expect(await readFile(path.join(repo.dir, '.git', 'config'), 'utf8')).toContain(`url = ${remoteUrl}`);
  });

  it('moves credentials out of a URL before anything is stored', async () => {
    const withCredentials = remoteUrl.replace('http://', `http://${username}:${token}@`);
    const repo = await backend.clone({ url: withCredentials, dir: next() });
    expect(repo.url).toBe(remoteUrl);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });

  it('reports a wrong or missing token as unauthorized, with the token redacted, and leaves nothing behind', async () => {
    const dir = next();
    const wrong = `${token}-wrong`;
    const error = await rejection(backend.clone({ url: remoteUrl, dir, auth: { username, token: wrong } }));
    expect(error.code).toBe('unauthorized');
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error.toJSON())).not.toContain(token);
    await expect(readdir(dir)).rejects.toThrow();
    const anonymous = await rejection(backend.clone({ url: remoteUrl, dir: next() }));
    expect(anonymous.code).toBe('unauthorized');
    const embedded = await rejection(
      backend.clone({ url: remoteUrl.replace('http://', `http://${username}:${wrong}@`), dir: next() }),
    );
    expect(embedded.code).toBe('unauthorized');
    expect(embedded.message).not.toContain(wrong);
  });

  it("pushes a working copy's committed branch, refuses a non-fast-forward push, and force-pushes on request", async () => {
    const auth = { username, token };
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth });
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'goosuke/push',
      dir: `${repo.dir}-copy`,
    });
    await workspace.writeFiles([{ path: 'feature.txt', content: 'one\n' }]);
    const first = await backend.commit({
      workspace,
      message: 'one',
      author: { name: 'A', email: 'a@example.test' },
    });
    await backend.pushBranch({ repo, branch: 'goosuke/push', auth });
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/push'])).trim()).toBe(first);

    // Someone else moves the remote branch: our next push is no longer a fast-forward.
    const other = path.join(scratch, `other-${counter}`);
    await runGit(scratch, ['clone', '-q', bare, other]);
    await runGit(other, ['checkout', '-q', 'goosuke/push']);
    await writeFile(path.join(other, 'theirs.txt'), 'theirs\n');
    await runGit(other, ['add', '-A']);
    await runGit(other, ['commit', '-q', '-m', 'theirs']);
    await runGit(other, ['push', '-q', 'origin', 'goosuke/push']);
    const theirs = (await runGit(other, ['rev-parse', 'HEAD'])).trim();

    await workspace.writeFiles([{ path: 'feature.txt', content: 'two\n' }]);
    const second = await backend.commit({
      workspace,
      message: 'two',
      author: { name: 'A', email: 'a@example.test' },
    });
    const refused = await rejection(backend.pushBranch({ repo, branch: 'goosuke/push', auth }));
    expect(refused.code).toBe('conflict');
    expect(refused.message).not.toContain(token);
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/push'])).trim()).toBe(theirs);

    await backend.pushBranch({ repo, branch: 'goosuke/push', auth, force: true });
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/push'])).trim()).toBe(second);
    const wrong = await rejection(
      backend.pushBranch({ repo, branch: 'goosuke/push', auth: { username, token: 'nope' } }),
    );
    expect(wrong.code).toBe('unauthorized');

    await backend.removeWorkingCopy({ workspace });
    expect(await backend.resolveRef({ repo, ref: 'goosuke/push' })).toBe(second);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });

  it('fetches new commits into an existing clone and fast-forwards the local default branch', async () => {
    const auth = { username, token };
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth });
    const before = await backend.resolveRef({ repo, ref: 'main' });
    const other = path.join(scratch, `advance-${counter}`);
    await runGit(scratch, ['clone', '-q', bare, other]);
    await writeFile(path.join(other, 'later.txt'), 'later\n');
    await runGit(other, ['add', '-A']);
    await runGit(other, ['commit', '-q', '-m', 'later']);
    await runGit(other, ['push', '-q', 'origin', 'main']);
    const later = (await runGit(other, ['rev-parse', 'HEAD'])).trim();
    expect(before).not.toBe(later);
    expect((await backend.clone({ url: remoteUrl, dir: repo.dir, auth })).dir).toBe(repo.dir);
    expect(await backend.resolveRef({ repo, ref: 'origin/main' })).toBe(later);
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(later);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });
});

describe('clone errors from a remote that is not a git server', () => {
  it("keep the status and a short reason, never the remote's response body", async () => {
    const { createServer } = await import('node:http');
    const page = 'INTERNAL-ADMIN-PAGE db_password=hunter2 '.repeat(20);
    const site = createServer((request, response) => {
      if (request.url?.includes('/broken/')) {
        response.writeHead(500, 'Broken');
        response.end(page);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(page);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const { port } = site.address() as { port: number };
    try {
      const notGit = await rejection(
        backend.clone({ url: `http://127.0.0.1:${port}/intranet.git`, dir: next() }),
      );
      expect(notGit.message).toContain('not answer as a git');
      for (const error of [
        notGit,
        await rejection(backend.clone({ url: `http://127.0.0.1:${port}/broken/x.git`, dir: next() })),
      ]) {
        expect(error.message).not.toContain('INTERNAL-ADMIN-PAGE');
        expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
      }
      const broken = await rejection(
        backend.clone({ url: `http://127.0.0.1:${port}/broken/x.git`, dir: next() }),
      );
      expect(broken.message).toContain('HTTP 500');
    } finally {
      await new Promise((resolve) => site.close(resolve));
    }
  });
});
