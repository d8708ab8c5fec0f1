import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, flattenTree } from '../src/git-objects.ts';
import { buildSnapshotInWorker } from '../src/snapshot-build.ts';
import { runGit } from './git-cli.ts';

let scratch = '';
let gitdir = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-snapshot-build-'));
  const source = path.join(scratch, 'source');
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  await mkdir(path.join(source, 'src/deep'), { recursive: true });
  for (let index = 0; index < 1_200; index++) {
    await writeFile(path.join(source, 'src/deep', `f${index}.txt`), `file ${index}\n`);
  }
  await writeFile(path.join(source, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
  await runGit(source, ['gc', '-q']);
  gitdir = path.join(source, '.git');
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('buildSnapshotInWorker', () => {
  it('checks the tree out read-only in a worker thread, reporting progress', async () => {
    const head = (await runGit(path.dirname(gitdir), ['rev-parse', 'HEAD'])).trim();
    const flat = await flattenTree(gitdir, await commitTree(gitdir, head, {}), {});
    const root = path.join(scratch, 'snapshot');
    const progress: number[] = [];
    const built = await buildSnapshotInWorker({
      root,
      gitdir,
      flat,
      fileConcurrency: 16,
      readConcurrency: 4,
      onProgress: (event) => progress.push(event.loaded),
    });
    expect(built).toBe(true);
    expect(progress).toEqual([1000]);
    expect(await readFile(path.join(root, 'src/deep/f1199.txt'), 'utf8')).toBe('file 1199\n');
    expect((await stat(path.join(root, 'src/deep/f0.txt'))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(root, 'run.sh'))).mode & 0o777).toBe(0o555);
  });

  it('rejects when an object is missing, as a build in this thread would', async () => {
    const flat = {
      files: new Map([['missing.txt', { oid: '0123456789abcdef0123456789abcdef01234567', mode: 0o100644 }]]),
      trees: new Map<string, string>(),
    };
    await expect(
      buildSnapshotInWorker({
        root: path.join(scratch, 'broken'),
        gitdir,
        flat,
        fileConcurrency: 1,
        readConcurrency: 1,
      }),
    ).rejects.toThrow(/0123456789abcdef/);
  });
});
