import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatFilePool } from './cat-file-batch.ts';

let dir: string;
let gitdir: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'goosuke-cat-file-'));
  gitdir = path.join(dir, '.git');
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
  writeFileSync(path.join(dir, 'empty'), '');
  git('add', '.');
  git('commit', '-qm', 'first');
  git('tag', '-a', '-m', 'annotated', 'v1');
  git('gc', '-q');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('createCatFilePool', () => {
  it('reads packed objects, peels tags and reports missing objects through one long-lived child', async () => {
    const pids: number[] = [];
    const pool = createCatFilePool({ git: 'git', config: [] }, { onSpawn: (pid) => pids.push(pid!) });
    try {
      const blob = git('rev-parse', 'HEAD:a.txt');
      const commit = git('rev-parse', 'HEAD');
      const tag = git('rev-parse', 'v1');
      const [read, empty, peeled, tree, missing, twice] = await Promise.all([
        pool.read(gitdir, blob),
        pool.read(gitdir, git('rev-parse', 'HEAD:empty')),
        pool.info(gitdir, `${tag}^{commit}`),
        pool.info(gitdir, `${commit}^{tree}`),
        pool.info(gitdir, 'f'.repeat(40)),
        pool.read(gitdir, blob),
      ]);
      expect(read).toEqual({ type: 'blob', body: Buffer.from('hello\n') });
      expect(twice).toEqual(read);
      expect(empty).toEqual({ type: 'blob', body: Buffer.alloc(0) });
      expect(peeled).toEqual({ oid: commit, type: 'commit', size: expect.any(Number) });
      expect(tree).toEqual({ oid: git('rev-parse', 'HEAD^{tree}'), type: 'tree', size: expect.any(Number) });
      expect(missing).toBe('missing');
      expect(await pool.read(gitdir, 'f'.repeat(40))).toBeNull();
      expect(await pool.info(gitdir, 'a\nb')).toBe('missing');
      // One --batch and one --batch-check child served all of it.
      expect(pids).toHaveLength(2);
    } finally {
      pool.close();
    }
  });

  it('starts a child again after it died or went idle', async () => {
    const pids: number[] = [];
    const pool = createCatFilePool(
      { git: 'git', config: [] },
      { idleMs: 200, onSpawn: (pid) => pids.push(pid!) },
    );
    try {
      const blob = git('rev-parse', 'HEAD:a.txt');
      await pool.read(gitdir, blob);
      process.kill(pids[0]!, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await pool.read(gitdir, blob))?.body.toString()).toBe('hello\n');
      expect(pids).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(alive(pids[1]!)).toBe(false);
      expect((await pool.read(gitdir, blob))?.body.toString()).toBe('hello\n');
      expect(pids).toHaveLength(3);
    } finally {
      pool.close();
    }
  });

  it("answers a request made as an idle child is ending, and asks a dead child's requests again", async () => {
    const pids: number[] = [];
    const pool = createCatFilePool(
      { git: 'git', config: [] },
      { idleMs: 20, onSpawn: (pid) => pids.push(pid!) },
    );
    try {
      const blob = git('rev-parse', 'HEAD:a.txt');
      for (let round = 0; round < 10; round++) {
        await pool.read(gitdir, blob);
        // The idle child is being closed: its exit must not fail the next child's request.
        await new Promise((resolve) => setTimeout(resolve, 20 + round));
        expect((await pool.read(gitdir, blob))?.body.toString()).toBe('hello\n');
      }
      const asked = pool.read(gitdir, blob);
      process.kill(pids.at(-1)!, 'SIGKILL');
      expect((await asked)?.body.toString()).toBe('hello\n');
    } finally {
      pool.close();
    }
  });

  it("ends the least recently used idle clone's children beyond maxRepositories, never a busy one", async () => {
    const pids: number[] = [];
    const pool = createCatFilePool(
      { git: 'git', config: [] },
      { maxRepositories: 1, onSpawn: (pid) => pids.push(pid!) },
    );
    try {
      const blob = git('rev-parse', 'HEAD:a.txt');
      // The same repository under two names: two entries of the pool, read at once.
      const other = `${gitdir}/`;
      const both = await Promise.all([pool.read(gitdir, blob), pool.read(other, blob)]);
      expect(both.map((read) => read?.body.toString())).toEqual(['hello\n', 'hello\n']);
      await pool.read(gitdir, blob);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(pids.filter(alive)).toHaveLength(1);
    } finally {
      pool.close();
    }
  });
});
