import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type GitBackend, GoosukeError } from '@goosuke/core';
import { type GitHttpServer, runGit, startGitHttpServer } from '@goosuke/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSystemGitBackend } from '../src/index.ts';
import { type RecordedInvocation, subcommand, writeRecordingGit } from './recording-git.ts';

const username = 'tester';
const token = 'ghs_S3cretT0kenThatMustNeverLeak42';
const basic = Buffer.from(`${username}:${token}`).toString('base64');
let scratch = '';
let server: GitHttpServer;
let remoteUrl = '';
let bare = '';
let seedCommit = '';
let backend: GitBackend;
let recorder: Awaited<ReturnType<typeof writeRecordingGit>>;
let counter = 0;

const next = (): string => path.join(scratch, `case-${++counter}`);

/** The GoosukeError `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return error as GoosukeError;
}

/** Every file under `directory` whose bytes contain `needle`. */
async function filesContaining(directory: string, needle: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) found.push(file);
  }
  return found;
}

/** Fails when a secret appears in any recorded argv, which every user of the machine can read. */
function expectNoSecretInArgv(invocations: RecordedInvocation[]): void {
  expect(invocations.length).toBeGreaterThan(0);
  for (const { args } of invocations) {
    const line = args.join(' ');
    expect(line).not.toContain(token);
    expect(line).not.toContain(basic);
    expect(line).not.toContain(encodeURIComponent(token));
  }
}

/** Path, size and modification time of every file under `directory` (what a write would change). */
async function fileStates(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const states: string[] = [];
  for (const entry of entries) {
    const file = path.join(entry.parentPath, entry.name);
    const stats = await stat(file);
    states.push(`${path.relative(directory, file)} ${stats.size} ${stats.mtimeMs} ${stats.ino}`);
  }
  return states.sort();
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-system-http-'));
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
  await runGit(seed, ['tag', 'v1']);
  await runGit(seed, ['push', '-q', '--tags', bare, 'main']);
  seedCommit = (await runGit(seed, ['rev-parse', 'HEAD'])).trim();
  server = await startGitHttpServer({ root: served, credentials: { username, token } });
  remoteUrl = `${server.url}/project.git`;
  const wrapperDir = path.join(scratch, 'bin');
  await mkdir(wrapperDir);
  recorder = await writeRecordingGit(wrapperDir);
  backend = createSystemGitBackend({ git: recorder.git });
});

afterAll(async () => {
  await server?.close();
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  await writeFile(path.join(scratch, 'bin', 'invocations.log'), '');
  server.authorizations.length = 0;
  server.requests.length = 0;
});

describe('system git backend credentials over smart HTTP (git http-backend)', () => {
  it('clones with credentials the server receives, while no argv, file or config holds them', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(seedCommit);
    expect(await backend.resolveRef({ repo, ref: 'v1' })).toBe(seedCommit);
    expect(server.authorizations).toContain(`Basic ${basic}`);
    const invocations = await recorder.invocations();
    expectNoSecretInArgv(invocations);
    // The header travels in the environment of the children that talk to the remote, scoped to its origin.
    const clone = invocations.find((invocation) => subcommand(invocation) === 'clone')!;
    expect(clone.env.get('GIT_CONFIG_COUNT')).toBe('1');
    expect(clone.env.get('GIT_CONFIG_KEY_0')).toBe(`http.${new URL(remoteUrl).origin}/.extraHeader`);
    expect(clone.env.get('GIT_CONFIG_VALUE_0')).toBe(`Authorization: Basic ${basic}`);
    // ...and only there: local commands (here the checkout of a working copy) get no credentials.
    await backend.createWorkingCopy({ repo, baseRef: 'main', branch: 'goosuke/no-credentials', dir: next() });
    const local = (await recorder.invocations()).filter(
      (invocation) => subcommand(invocation) === 'cat-file',
    );
    expect(local.length).toBeGreaterThan(0);
    for (const invocation of local) expect(invocation.env.has('GIT_CONFIG_COUNT')).toBe(false);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
    expect(await filesContaining(repo.dir, basic)).toEqual([]);
    expect(await readFile(path.join(repo.dir, '.git', 'config'), 'utf8')).toContain(`url = ${remoteUrl}`);
  });

  it('gives git a clean environment: no GIT_* of the parent, a private HOME, no prompts', async () => {
    process.env.GIT_DIR = '/nonexistent/goosuke-parent-git-dir';
    try {
      await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    } finally {
      delete process.env.GIT_DIR;
    }
    for (const { env } of await recorder.invocations()) {
      expect(env.has('GIT_DIR')).toBe(false);
      expect(env.get('HOME')).not.toBe(process.env.HOME);
      expect(env.get('GIT_TERMINAL_PROMPT')).toBe('0');
      expect(env.get('GIT_CONFIG_NOSYSTEM')).toBe('1');
    }
  });

  it('moves credentials out of a URL: neither argv nor the stored URL carries them', async () => {
    const withCredentials = remoteUrl.replace('http://', `http://${username}:${token}@`);
    const repo = await backend.clone({ url: withCredentials, dir: next() });
    expect(repo.url).toBe(remoteUrl);
    expect(server.authorizations).toContain(`Basic ${basic}`);
    expectNoSecretInArgv(await recorder.invocations());
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });

  it('reports a wrong or missing token as unauthorized, redacted, and leaves nothing behind', async () => {
    const dir = next();
    const wrong = 'ghs_WrongTokenAlsoSecret99';
    const error = await rejection(backend.clone({ url: remoteUrl, dir, auth: { username, token: wrong } }));
    expect(error.code).toBe('unauthorized');
    expect(error.message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
    await expect(stat(dir)).rejects.toThrow();
    expect((await rejection(backend.clone({ url: remoteUrl, dir }))).code).toBe('unauthorized');
  });

  it('reports a repository the server does not have as not_found', async () => {
    const error = await rejection(
      backend.clone({ url: `${server.url}/missing.git`, dir: next(), auth: { username, token } }),
    );
    expect(error.code).toBe('not_found');
  });

  it('reuses an unchanged clone at the cost of a ref comparison: no fetch, no write', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const before = await fileStates(repo.dir);
    await writeFile(path.join(scratch, 'bin', 'invocations.log'), '');
    server.requests.length = 0;
    await backend.clone({ url: remoteUrl, dir: repo.dir, auth: { username, token } });
    const commands = (await recorder.invocations()).map(subcommand).filter((name) => name !== '--version');
    // The clone's refs are read from its files; the remote's are one `git ls-remote`.
    expect(commands).toEqual(['ls-remote']);
    // The ref advertisement alone (protocol v2: `ls-refs`): one GET and one POST, no pack.
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(await fileStates(repo.dir)).toEqual(before);
  });

  it('fetches a change with credentials and fast-forwards the local default branch', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const other = next();
    await runGit(scratch, ['clone', '-q', bare, other]);
    await writeFile(path.join(other, 'later.txt'), 'later\n');
    await runGit(other, ['add', '-A']);
    await runGit(other, ['commit', '-q', '-m', 'later']);
    await runGit(other, ['tag', 'v2']);
    await runGit(other, ['push', '-q', '--tags', 'origin', 'main']);
    const later = (await runGit(other, ['rev-parse', 'HEAD'])).trim();
    await writeFile(path.join(scratch, 'bin', 'invocations.log'), '');
    await backend.clone({ url: remoteUrl, dir: repo.dir, auth: { username, token } });
    expect(await backend.resolveRef({ repo, ref: 'origin/main' })).toBe(later);
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(later);
    expect(await backend.resolveRef({ repo, ref: 'v2' })).toBe(later);
    const invocations = await recorder.invocations();
    expect(invocations.map(subcommand)).toContain('fetch');
    expectNoSecretInArgv(invocations);
    expect(await filesContaining(repo.dir, token)).toEqual([]);
  });

  it('pushes with credentials, refuses a non-fast-forward as a conflict, and force-pushes on request', async () => {
    const repo = await backend.clone({ url: remoteUrl, dir: next(), auth: { username, token } });
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'goosuke/system-push',
      dir: next(),
    });
    await workspace.writeFiles([{ path: 'pushed.txt', content: 'pushed\n' }]);
    const author = { name: 'Run', email: 'run@example.test' };
    const first = await backend.commit({ workspace, message: 'push me', author });
    await backend.pushBranch({ repo, branch: 'goosuke/system-push', auth: { username, token } });
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/system-push'])).trim()).toBe(first);
    expect(await backend.resolveRef({ repo, ref: 'origin/goosuke/system-push' })).toBe(first);

    const other = next();
    await runGit(scratch, ['clone', '-q', '-b', 'goosuke/system-push', bare, other]);
    await writeFile(path.join(other, 'theirs.txt'), 'theirs\n');
    await runGit(other, ['add', '-A']);
    await runGit(other, ['commit', '-q', '-m', 'theirs']);
    await runGit(other, ['push', '-q', 'origin', 'goosuke/system-push']);
    const theirs = (await runGit(other, ['rev-parse', 'HEAD'])).trim();

    await workspace.writeFiles([{ path: 'pushed.txt', content: 'again\n' }]);
    const second = await backend.commit({ workspace, message: 'again', author });
    const refused = await rejection(
      backend.pushBranch({ repo, branch: 'goosuke/system-push', auth: { username, token } }),
    );
    expect(refused.code).toBe('conflict');
    expect(refused.message).not.toContain(token);
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/system-push'])).trim()).toBe(theirs);
    expect(await backend.resolveRef({ repo, ref: 'origin/goosuke/system-push' })).toBe(first);

    await backend.pushBranch({ repo, branch: 'goosuke/system-push', auth: { username, token }, force: true });
    expect((await runGit(bare, ['rev-parse', 'refs/heads/goosuke/system-push'])).trim()).toBe(second);
    expectNoSecretInArgv(await recorder.invocations());
    expect(await filesContaining(repo.dir, token)).toEqual([]);
    await backend.removeWorkingCopy({ workspace });
  });
});
