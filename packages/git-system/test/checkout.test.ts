import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemGitBackend } from '../src/index.ts';
import { subcommand, writeRecordingGit } from './recording-git.ts';

let scratch = '';
let source = '';
const binary = randomBytes(300_000);

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-system-checkout-'));
  source = path.join(scratch, 'source');
  await mkdir(path.join(source, 'deep', 'er'), { recursive: true });
  await runGit(source, ['init', '-q', '-b', 'main']);
  // Attributes that would make `git checkout` rewrite files: a working copy must hold the blobs as they are.
  await writeFile(path.join(source, '.gitattributes'), '* text eol=crlf\n*.bin -text\n');
  await writeFile(path.join(source, 'lf.txt'), 'one\ntwo\n');
  await writeFile(path.join(source, 'same-a.txt'), 'same\n');
  await writeFile(path.join(source, 'deep', 'er', 'same-b.txt'), 'same\n');
  await writeFile(path.join(source, 'empty.txt'), '');
  await writeFile(path.join(source, 'large.bin'), binary);
  await writeFile(path.join(source, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(source, 'run.sh'), 0o755);
  await symlink('deep/er/same-b.txt', path.join(source, 'link'));
  await mkdir(path.join(source, 'dir with space'));
  await writeFile(path.join(source, 'dir with space', 'ünï "quoted".txt'), 'odd name\n');
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'files of every kind']);
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

async function expectBlobsAsTheyAre(root: string): Promise<void> {
  expect(await readFile(path.join(root, 'lf.txt'), 'utf8')).toBe('one\ntwo\n');
  expect(await readFile(path.join(root, 'same-a.txt'), 'utf8')).toBe('same\n');
  expect(await readFile(path.join(root, 'deep', 'er', 'same-b.txt'), 'utf8')).toBe('same\n');
  expect(await readFile(path.join(root, 'empty.txt'), 'utf8')).toBe('');
  expect((await readFile(path.join(root, 'large.bin'))).equals(binary)).toBe(true);
  expect(await readlink(path.join(root, 'link'))).toBe('deep/er/same-b.txt');
  expect(await readFile(path.join(root, 'dir with space', 'ünï "quoted".txt'), 'utf8')).toBe('odd name\n');
  expect((await lstat(path.join(root, 'run.sh'))).mode & 0o111).not.toBe(0);
}

describe('system git backend checkouts (blobs streamed by git cat-file)', () => {
  it('writes every blob byte for byte, in both modes; hard-linked copies share a read-only snapshot, written copies nothing', async () => {
    const binDir = path.join(scratch, 'bin');
    await mkdir(binDir);
    const recorder = await writeRecordingGit(binDir);
    for (const checkout of ['hardlink', 'write'] as const) {
      const backend = createSystemGitBackend({ git: recorder.git, checkout });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-${checkout}`) });
      await writeFile(path.join(binDir, 'invocations.log'), '');
      const copies = await Promise.all(
        [1, 2].map((index) =>
          backend.createWorkingCopy({
            repo,
            baseRef: 'main',
            branch: `goosuke/${checkout}-${index}`,
            dir: path.join(scratch, `${checkout}-${index}`),
          }),
        ),
      );
      // git lists the tree and streams the blobs: git-isomorphic reads no object for a checkout.
      expect((await recorder.invocations()).map(subcommand)).toEqual(
        expect.arrayContaining(['ls-tree', 'cat-file']),
      );
      for (const copy of copies) await expectBlobsAsTheyAre(copy.root);
      const [first, second] = await Promise.all(copies.map((copy) => lstat(path.join(copy.root, 'lf.txt'))));
      if (checkout === 'hardlink') {
        expect(first!.ino).toBe(second!.ino);
        expect(first!.mode & 0o222).toBe(0);
      } else {
        // A copy for an agent that writes in place shares no inode with any other.
        expect(first!.ino).not.toBe(second!.ino);
        expect(first!.nlink).toBe(1);
        expect(first!.mode & 0o200).not.toBe(0);
      }
      // Nothing changed: the index git-isomorphic wrote from the files matches them.
      expect(await backend.diff({ workspace: copies[0]!, base: 'main' })).toBe('');
      await copies[0]!.writeFiles([{ path: 'lf.txt', content: 'changed\n' }]);
      expect(await readFile(path.join(copies[1]!.root, 'lf.txt'), 'utf8')).toBe('one\ntwo\n');
      expect(await backend.diff({ workspace: copies[0]!, base: 'main' })).toContain('+changed');
      for (const copy of copies) await backend.removeWorkingCopy({ workspace: copy });
    }
  });
});
