import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';

// Working copies of one commit share the texts of unchanged files (read once, by blob id):
// these tests check that a copy always reads its own current content all the same.
let scratch = '';
let source = '';
let outside = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-reads-'));
  source = path.join(scratch, 'source');
  outside = path.join(scratch, 'outside');
  await mkdir(path.join(source, 'src'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'secret\n');
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  await writeFile(path.join(source, 'shared.txt'), 'original\n');
  await writeFile(path.join(source, 'src/a.ts'), 'export const a = 1;\n');
  await symlink(outside, path.join(source, 'escape'));
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe.each(['write', 'hardlink'] as const)("working-copy reads, '%s' checkouts", (checkout) => {
  it('read each copy as it is now, whatever another copy of the commit read or wrote', async () => {
    const backend = createIsomorphicGitBackend({ checkout });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-${checkout}`) });
    const copy = (name: string) =>
      backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: name,
        dir: path.join(scratch, `${checkout}-${name}`),
      });
    const one = await copy('one');
    const two = await copy('two');
    expect(await one.readFile('shared.txt')).toBe('original\n');
    expect(await two.readFile('shared.txt')).toBe('original\n');

    await two.writeFiles([{ path: 'shared.txt', content: 'written!\n' }]);
    expect(await two.readFile('shared.txt')).toBe('written!\n');
    expect(await one.readFile('shared.txt')).toBe('original\n');

    // Changed behind the Workspace's back, same size: a 'hardlink' copy's file must be
    // replaced (its inode is shared), a 'write' copy's may be written in place.
    const target = path.join(one.root, 'src/a.ts');
    if (checkout === 'hardlink') {
      await rm(target);
      await writeFile(target, 'export const a = 2;\n');
    } else {
      await writeFile(target, 'export const a = 2;\n');
    }
    expect(await one.readFile('src/a.ts')).toBe('export const a = 2;\n');
    expect(await two.readFile('src/a.ts')).toBe('export const a = 1;\n');

    await writeFile(path.join(one.root, 'untracked.txt'), 'new\n');
    expect(await one.readFile('untracked.txt')).toBe('new\n');
    expect(await one.readFile('./shared.txt')).toBe('original\n');
    await expect(one.readFile('escape/secret.txt')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(one.readFile('.git/config')).rejects.toBeInstanceOf(InvalidInputError);

    const commit = await backend.commit({
      workspace: one,
      message: 'change a',
      author: { name: 'A', email: 'a@example.test' },
    });
    expect((await runGit(repo.dir, ['show', `${commit}:src/a.ts`])).trim()).toBe('export const a = 2;');
    expect(await one.readFile('src/a.ts')).toBe('export const a = 2;\n');
    await backend.removeWorkingCopy({ workspace: one });
    await backend.removeWorkingCopy({ workspace: two });
  });
});
