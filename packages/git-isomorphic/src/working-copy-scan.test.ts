import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childPath, removeTree, removeTreeElsewhere } from './working-copy-scan.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'goosuke-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['removeTree', removeTree],
  ['removeTreeElsewhere', removeTreeElsewhere],
])('%s', (_, removeTree) => {
  it('deletes a tree of read-only files and nested directories, following no link', async () => {
    const root = path.join(dir, 'copy');
    const outside = path.join(dir, 'outside');
    await mkdir(path.join(root, 'a/b/c'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, 'keep.txt'), 'keep');
    for (let index = 0; index < 1_200; index++) {
      await writeFile(path.join(root, 'a/b', `f${index}.txt`), String(index), { mode: 0o444 });
    }
    await writeFile(path.join(root, 'a/b/c/deep.txt'), 'deep');
    await chmod(path.join(root, 'a/b/c/deep.txt'), 0o444);
    await symlink(outside, path.join(root, 'a/outside-dir'));
    await symlink(path.join(outside, 'keep.txt'), path.join(root, 'outside-file'));
    await removeTree(root);
    expect(await readdir(dir)).toEqual(['outside']);
    expect(await readFile(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('removes a link to a directory, not what it leads to', async () => {
    const target = path.join(dir, 'target');
    await mkdir(target);
    await writeFile(path.join(target, 'keep.txt'), 'keep');
    await symlink(target, path.join(dir, 'link'));
    await removeTree(path.join(dir, 'link'));
    expect(await readdir(dir)).toEqual(['target']);
    expect(await readFile(path.join(target, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('is done for a missing directory and deletes a plain file', async () => {
    await removeTree(path.join(dir, 'missing'));
    await writeFile(path.join(dir, 'file'), 'x');
    await removeTree(path.join(dir, 'file'));
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('removeTreeElsewhere without an rm to start', () => {
  it('deletes the tree in this process instead', async () => {
    const root = path.join(dir, 'copy');
    await mkdir(path.join(root, 'a'), { recursive: true });
    await writeFile(path.join(root, 'a/f.txt'), 'x', { mode: 0o444 });
    const saved = process.env.PATH;
    process.env.PATH = path.join(dir, 'no-such-bin');
    try {
      await removeTreeElsewhere(root);
    } finally {
      process.env.PATH = saved;
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('childPath', () => {
  it('joins like path.join for normalized relative paths', () => {
    expect(childPath('/a/b', 'c/d.ts')).toBe(path.join('/a/b', 'c/d.ts'));
    expect(childPath('/', 'c')).toBe(path.join('/', 'c'));
  });
});

describe('removeTreeElsewhere and the process', () => {
  it.skipIf(process.platform === 'win32')(
    'does not keep Node alive while rm deletes: a finished goosuke run exits without waiting',
    async () => {
      const root = path.join(dir, 'copy');
      await mkdir(path.join(root, 'a'), { recursive: true });
      await writeFile(path.join(root, 'a/f.txt'), 'x');
      const processes = () =>
        process.getActiveResourcesInfo().filter((kind) => kind === 'ProcessWrap').length;
      const before = processes();
      const removing = removeTreeElsewhere(root);
      // The rm child is running, but holds no reference on the event loop.
      expect(processes()).toBe(before);
      await removing;
      expect(await readdir(dir)).toEqual([]);
    },
  );
});
