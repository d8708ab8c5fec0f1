import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GoosukeError, type Workspace } from '@goosuke/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectoryWorkspace } from './directory-workspace.ts';

let root: string;
let outside: string;
let workspace: Workspace;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'goosuke-workspace-'));
  outside = await mkdtemp(path.join(tmpdir(), 'goosuke-outside-'));
  workspace = createDirectoryWorkspace({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function put(relative: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await writeFile(path.join(root, relative), content);
}

async function read(relative: string): Promise<string> {
  return readFile(path.join(root, relative), 'utf8');
}

/** Every entry under a directory, directories with a trailing slash, for exact before/after comparisons. */
async function tree(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => {
      const relative = path.relative(directory, path.join(entry.parentPath, entry.name));
      return entry.isDirectory() ? `${relative}/` : relative;
    })
    .sort();
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(GoosukeError.isInstance(error)).toBe(true);
  return error as GoosukeError;
}

describe('createDirectoryWorkspace', () => {
  it('reports its absolute root', () => {
    expect(workspace.root).toBe(root);
    expect(createDirectoryWorkspace({ root: path.relative(process.cwd(), root) }).root).toBe(root);
  });

  describe('readFile', () => {
    it('returns the text of a file and null for a missing one', async () => {
      await put('src/a.ts', 'export const a = 1;\r\n');
      expect(await workspace.readFile('src/a.ts')).toBe('export const a = 1;\r\n');
      expect(await workspace.readFile('./src//a.ts')).toBe('export const a = 1;\r\n');
      expect(await workspace.readFile('src/missing.ts')).toBeNull();
      expect(await workspace.readFile('missing-dir/deeper/x.ts')).toBeNull();
    });

    it('returns null under a path whose parent is a file', async () => {
      await put('a.txt', 'text');
      expect(await workspace.readFile('a.txt/b.ts')).toBeNull();
    });

    it('refuses a directory', async () => {
      await mkdir(path.join(root, 'src'));
      const error = await rejection(workspace.readFile('src'));
      expect(error.code).toBe('invalid_input');
    });

    it.each([
      ['../escape.txt'],
      ['src/../../escape.txt'],
      ['src/../a.ts'],
      ['/etc/passwd'],
      ['C:/Windows/win.ini'],
      ['src\\a.ts'],
      [''],
      ['.'],
      ['a\0b'],
    ])('refuses the unsafe path %j', async (unsafe) => {
      const error = await rejection(workspace.readFile(unsafe));
      expect(error.code).toBe('invalid_input');
    });

    it('refuses to read through a symbolic link that leads outside the root', async () => {
      await writeFile(path.join(outside, 'secret.txt'), 'secret');
      await symlink(outside, path.join(root, 'linked'));
      await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
      for (const escaping of ['linked/secret.txt', 'linked/missing.txt', 'secret-link.txt']) {
        const error = await rejection(workspace.readFile(escaping));
        expect(error.code).toBe('invalid_input');
        expect(error.message).toContain('symbolic link');
      }
    });

    it('follows a symbolic link that stays inside the root', async () => {
      await put('packages/lib/index.ts', 'export {};\n');
      await symlink('packages/lib', path.join(root, 'lib'));
      expect(await workspace.readFile('lib/index.ts')).toBe('export {};\n');
    });

    it('works when the root itself is reached through a symbolic link', async () => {
      await put('a.ts', 'a');
      const alias = path.join(outside, 'alias');
      await symlink(root, alias);
      const aliased = createDirectoryWorkspace({ root: alias });
      expect(await aliased.readFile('a.ts')).toBe('a');
      await aliased.writeFiles([{ path: 'b.ts', content: 'b' }]);
      expect(await read('b.ts')).toBe('b');
    });
  });

  describe('writeFiles', () => {
    it('creates, modifies and deletes files in one call, creating nested directories', async () => {
      await put('src/a.ts', 'old a\n');
      await put('src/gone.ts', 'gone\n');
      await workspace.writeFiles([
        { path: 'src/a.ts', content: 'new a\n' },
        { path: 'src/deep/er/b.ts', content: 'b\n' },
        { path: 'src/gone.ts', content: null },
      ]);
      expect(await read('src/a.ts')).toBe('new a\n');
      expect(await read('src/deep/er/b.ts')).toBe('b\n');
      expect(await workspace.readFile('src/gone.ts')).toBeNull();
      expect(await tree(root)).toEqual(['src/', 'src/a.ts', 'src/deep/', 'src/deep/er/', 'src/deep/er/b.ts']);
    });

    it('round-trips text exactly: CRLF, a byte-order mark, no final newline, non-ASCII', async () => {
      const content = '\uFEFFline one\r\nligne deux é 漢字 🦆\r\nno newline';
      await workspace.writeFiles([{ path: 'x.txt', content }]);
      expect(await workspace.readFile('x.txt')).toBe(content);
      expect(await workspace.listFiles()).toEqual(['x.txt']);
    });

    it('keeps the mode of a modified file', async () => {
      await put('bin/run.sh', '#!/bin/sh\necho old\n');
      await chmod(path.join(root, 'bin/run.sh'), 0o755);
      await put('private.txt', 'old');
      await chmod(path.join(root, 'private.txt'), 0o600);
      await workspace.writeFiles([
        { path: 'bin/run.sh', content: '#!/bin/sh\necho new\n' },
        { path: 'private.txt', content: 'new' },
      ]);
      expect((await stat(path.join(root, 'bin/run.sh'))).mode & 0o777).toBe(0o755);
      expect((await stat(path.join(root, 'private.txt'))).mode & 0o777).toBe(0o600);
      expect(await read('bin/run.sh')).toBe('#!/bin/sh\necho new\n');
    });

    it('removes the directories a delete leaves empty, as git does, but not the root', async () => {
      await put('a/b/c/only.ts', 'x');
      await put('a/keep.ts', 'k');
      await put('top.ts', 't');
      await workspace.writeFiles([{ path: 'a/b/c/only.ts', content: null }]);
      expect(await tree(root)).toEqual(['a/', 'a/keep.ts', 'top.ts']);
      await workspace.writeFiles([
        { path: 'a/keep.ts', content: null },
        { path: 'top.ts', content: null },
      ]);
      expect(await tree(root)).toEqual([]);
      expect((await stat(root)).isDirectory()).toBe(true);
    });

    it('treats deleting a missing file as done', async () => {
      await workspace.writeFiles([{ path: 'never/existed.ts', content: null }]);
      expect(await tree(root)).toEqual([]);
    });

    it('writes through a symbolic link to a directory inside the root', async () => {
      await put('packages/lib/index.ts', 'old');
      await symlink('packages/lib', path.join(root, 'lib'));
      await workspace.writeFiles([
        { path: 'lib/index.ts', content: 'new' },
        { path: 'lib/added.ts', content: 'added' },
      ]);
      expect(await read('packages/lib/index.ts')).toBe('new');
      expect(await read('packages/lib/added.ts')).toBe('added');
    });

    it('refuses a symbolic link that leads outside and writes nothing, not even the safe files', async () => {
      await put('src/a.ts', 'original');
      await symlink(outside, path.join(root, 'linked'));
      const before = await tree(root);
      const error = await rejection(
        workspace.writeFiles([
          { path: 'src/a.ts', content: 'changed' },
          { path: 'new.ts', content: 'new' },
          { path: 'linked/planted.ts', content: 'planted' },
        ]),
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('linked/planted.ts');
      expect(await tree(outside)).toEqual([]);
      expect(await tree(root)).toEqual(before);
      expect(await read('src/a.ts')).toBe('original');
    });

    it.each([['../escape.txt'], ['src/../../escape.txt'], ['/tmp/escape.txt']])(
      'refuses %j before writing anything',
      async (unsafe) => {
        const error = await rejection(
          workspace.writeFiles([
            { path: 'first.ts', content: 'first' },
            { path: unsafe, content: 'escaped' },
          ]),
        );
        expect(error.code).toBe('invalid_input');
        expect(await tree(root)).toEqual([]);
      },
    );

    it('refuses to replace a symbolic link or a directory, or to create through a broken link', async () => {
      await put('real.ts', 'real');
      await symlink('real.ts', path.join(root, 'alias.ts'));
      await mkdir(path.join(root, 'folder'));
      await symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling'));
      for (const refused of ['alias.ts', 'folder', 'dangling', 'dangling/file.ts']) {
        const error = await rejection(workspace.writeFiles([{ path: refused, content: 'x' }]));
        expect(error.code).toBe('invalid_input');
      }
      expect(await read('real.ts')).toBe('real');
      expect(await tree(outside)).toEqual([]);
    });

    it('refuses any path into a .git directory or onto a .git file, in any letter case, writing nothing', async () => {
      await put('.git/config', '[core]');
      await put('sub/.git', 'gitdir: /elsewhere');
      const before = await tree(root);
      for (const refused of [
        '.git/config',
        '.git/hooks/pre-commit',
        '.git',
        'sub/.git',
        '.GIT/HEAD',
        'a/.Git/x',
      ]) {
        const error = await rejection(
          workspace.writeFiles([
            { path: 'ok.ts', content: 'fine' },
            { path: refused, content: 'planted' },
          ]),
        );
        expect(error.code).toBe('invalid_input');
        expect(error.message).toContain('.git');
      }
      const deletion = await rejection(workspace.writeFiles([{ path: '.git/config', content: null }]));
      expect(deletion.code).toBe('invalid_input');
      expect(await tree(root)).toEqual(before);
      expect(await read('.git/config')).toBe('[core]');
      await expect(workspace.readFile('.git/config')).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('refuses the same file twice in one call', async () => {
      const error = await rejection(
        workspace.writeFiles([
          { path: 'a.ts', content: '1' },
          { path: './a.ts', content: '2' },
        ]),
      );
      expect(error.code).toBe('invalid_input');
      expect(await tree(root)).toEqual([]);
    });

    it('undoes everything when the third of four writes fails (its parent is a file)', async () => {
      await put('src/one.ts', 'one original\n');
      await chmod(path.join(root, 'src/one.ts'), 0o755);
      await put('src/two.ts', 'two original\n');
      await put('src/blocker', 'I am a file, not a directory\n');
      await put('src/four.ts', 'four original\n');
      const before = await tree(root);

      const error = await rejection(
        workspace.writeFiles([
          { path: 'src/one.ts', content: 'one changed\n' },
          { path: 'src/new/nested/two.ts', content: 'created\n' },
          { path: 'src/blocker/three.ts', content: 'cannot exist\n' },
          { path: 'src/four.ts', content: null },
        ]),
      );

      expect(error.code).toBe('storage');
      expect(error.message).toContain('src/blocker/three.ts');
      expect(error.message).toContain('no file was changed');
      expect(error.cause).toBeDefined();
      expect(await tree(root)).toEqual(before);
      expect(await read('src/one.ts')).toBe('one original\n');
      expect((await stat(path.join(root, 'src/one.ts'))).mode & 0o777).toBe(0o755);
      expect(await read('src/two.ts')).toBe('two original\n');
      expect(await read('src/four.ts')).toBe('four original\n');
    });

    it('undoes files already renamed into place when a later rename fails', async () => {
      // Every temporary file can be written, but installing the third one fails: the name is
      // free while staging and only becomes taken by a directory that the second change creates.
      await put('a.ts', 'a original\n');
      await put('d.ts', 'd original\n');
      const before = await tree(root);
      const error = await rejection(
        workspace.writeFiles([
          { path: 'a.ts', content: 'a changed\n' },
          { path: 'x/inner.ts', content: 'inner\n' },
          { path: 'x', content: 'x as a file\n' },
          { path: 'd.ts', content: null },
        ]),
      );
      expect(error.code).toBe('storage');
      expect(await tree(root)).toEqual(before);
      expect(await read('a.ts')).toBe('a original\n');
      expect(await read('d.ts')).toBe('d original\n');
    });

    it('undoes everything when a name is too long for the file system', async () => {
      await put('keep.ts', 'keep\n');
      const before = await tree(root);
      const error = await rejection(
        workspace.writeFiles([
          { path: 'keep.ts', content: 'changed\n' },
          { path: 'new/ok.ts', content: 'ok\n' },
          { path: `new/${'n'.repeat(300)}.ts`, content: 'too long\n' },
          { path: 'later.ts', content: 'later\n' },
        ]),
      );
      expect(error.code).toBe('storage');
      expect(await tree(root)).toEqual(before);
      expect(await read('keep.ts')).toBe('keep\n');
    });

    it('leaves no temporary or backup file behind after success', async () => {
      await put('src/a.ts', 'a');
      await put('src/b.ts', 'b');
      await workspace.writeFiles([
        { path: 'src/a.ts', content: 'a2' },
        { path: 'src/b.ts', content: null },
        { path: 'src/c.ts', content: 'c' },
      ]);
      expect(await tree(root)).toEqual(['src/', 'src/a.ts', 'src/c.ts']);
    });

    it('accepts an empty change list', async () => {
      await workspace.writeFiles([]);
      expect(await tree(root)).toEqual([]);
    });
  });

  describe('listFiles', () => {
    it('lists regular files, sorted, with forward slashes, skipping .git, node_modules and links', async () => {
      await put('src/b.ts', '');
      await put('src/a.ts', '');
      await put('README.md', '');
      await put('.github/workflows/ci.yml', '');
      await put('.git/HEAD', 'ref: refs/heads/main\n');
      await put('node_modules/x/index.js', '');
      await put('packages/p/node_modules/y/index.js', '');
      await put('packages/p/index.ts', '');
      await symlink(outside, path.join(root, 'linked-dir'));
      await symlink('README.md', path.join(root, 'linked-file.md'));
      await writeFile(path.join(outside, 'outside.ts'), '');
      expect(await workspace.listFiles()).toEqual([
        '.github/workflows/ci.yml',
        'README.md',
        'packages/p/index.ts',
        'src/a.ts',
        'src/b.ts',
      ]);
    });

    it('is empty for an empty directory', async () => {
      expect(await workspace.listFiles()).toEqual([]);
    });
  });

  it('fails with a storage error when the root does not exist', async () => {
    const missing = createDirectoryWorkspace({ root: path.join(root, 'nope') });
    const error = await rejection(missing.readFile('a.ts'));
    expect(error.code).toBe('storage');
  });
});
