import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BlobFile, writeBlobStream } from './write-blobs.ts';

const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** A repository holding `files`; returns its directory and each path's blob id. */
async function repository(
  files: Record<string, string | Buffer>,
): Promise<{ dir: string; oids: Map<string, string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-write-blobs-'));
  scratch.push(dir);
  execFileSync('git', ['init', '-q', dir], { env: gitEnv });
  const oids = new Map<string, string>();
  for (const [file, content] of Object.entries(files)) {
    await writeFile(path.join(dir, file), content);
    oids.set(
      file,
      execFileSync('git', ['-C', dir, 'hash-object', '-w', file], { env: gitEnv, encoding: 'utf8' }).trim(),
    );
  }
  return { dir, oids };
}

/** Writes `files` from `source`'s objects into `root` through `git cat-file --batch`. */
async function writeThroughGit(source: string, root: string, files: BlobFile[]): Promise<void> {
  const order = [...new Set(files.map(([, oid]) => oid))];
  const child = spawn('git', ['-C', source, 'cat-file', '--batch'], {
    env: gitEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(order.map((oid) => `${oid}\n`).join(''));
  await writeBlobStream({
    stdout: child.stdout,
    root,
    files,
    order,
    permissions: (mode) => (mode === 0o100755 ? 0o555 : 0o444),
  });
}

describe('writeBlobStream', () => {
  it('writes small and large blobs, the same blob to several paths, with their modes', async () => {
    const large = Buffer.alloc(9 * 1024 * 1024, 'large blob line\n');
    const { dir, oids } = await repository({
      'small.txt': 'small\n',
      'big.bin': large,
      'tool.sh': '#!/bin/sh\n',
    });
    const root = await mkdtemp(path.join(tmpdir(), 'goosuke-write-blobs-root-'));
    scratch.push(root);
    await writeThroughGit(dir, root, [
      ['a/small.txt', oids.get('small.txt')!, 0o100644],
      ['a/b/big.bin', oids.get('big.bin')!, 0o100644],
      ['copy/big.bin', oids.get('big.bin')!, 0o100755],
      ['bin/tool.sh', oids.get('tool.sh')!, 0o100755],
    ]);
    expect(await readFile(path.join(root, 'a/small.txt'), 'utf8')).toBe('small\n');
    expect((await readFile(path.join(root, 'a/b/big.bin'))).equals(large)).toBe(true);
    expect((await readFile(path.join(root, 'copy/big.bin'))).equals(large)).toBe(true);
    expect((await stat(path.join(root, 'a/b/big.bin'))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(root, 'copy/big.bin'))).mode & 0o777).toBe(0o555);
    expect((await stat(path.join(root, 'bin/tool.sh'))).mode & 0o777).toBe(0o555);
  });

  it('never holds a large blob whole: no buffer of its size is allocated', async () => {
    const size = 48 * 1024 * 1024;
    const { dir, oids } = await repository({ 'huge.bin': Buffer.alloc(size, 'huge blob line\n') });
    const root = await mkdtemp(path.join(tmpdir(), 'goosuke-write-blobs-root-'));
    scratch.push(root);
    // Observed, not replaced: the largest buffer asked for while the blob is written.
    const allocations = vi.spyOn(Buffer, 'allocUnsafe');
    let largest = 0;
    try {
      await writeThroughGit(dir, root, [['huge.bin', oids.get('huge.bin')!, 0o100644]]);
      largest = Math.max(0, ...allocations.mock.calls.map(([bytes]) => bytes));
    } finally {
      allocations.mockRestore();
    }
    expect((await stat(path.join(root, 'huge.bin'))).size).toBe(size);
    expect(largest).toBeLessThan(1024 * 1024);
  });
});
