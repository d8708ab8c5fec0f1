import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkedGitDirs, parseCommonDir, parseGitFile } from './git-dirs.ts';

describe('parseGitFile', () => {
  it.each([
    ['gitdir: /data/clone/.git/worktrees/a\n', '/data/clone/.git/worktrees/a'],
    ['gitdir: /data/clone/.git/worktrees/a', '/data/clone/.git/worktrees/a'],
    ['gitdir: /data/clone/.git/worktrees/a\r\n', '/data/clone/.git/worktrees/a'],
    ['gitdir: ../clone/.git/worktrees/a\n', '/work/clone/.git/worktrees/a'],
    ['gitdir: .git-real\n\n', '/work/copy/.git-real'],
    // git keeps spaces inside and at the end of the path: only CR and LF are trimmed.
    ['gitdir: /dir with space/x \n', '/dir with space/x '],
  ])('%j -> %s', (content, expected) => {
    expect(parseGitFile(content, '/work/copy')).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['no prefix', '/data/clone/.git\n'],
    ['another key', 'gitfile: /x\n'],
    ['no space after the colon', 'gitdir:/x\n'],
    ['an empty path', 'gitdir: \n'],
    ['two lines', 'gitdir: /x\ngitdir: /y\n'],
    ['a NUL', 'gitdir: /x\0y\n'],
    ['stamps, not a gitdir line', '{"stamps":[]}'],
  ])('refuses %s', (_, content) => {
    expect(parseGitFile(content, '/work/copy')).toBeNull();
  });
});

describe('parseCommonDir', () => {
  it.each([
    ['../..\n', '/data/clone/.git'],
    ['../..', '/data/clone/.git'],
    ['/elsewhere/.git\n', '/elsewhere/.git'],
    ['../..  \n', '/data/clone/.git'],
  ])('%j -> %s', (content, expected) => {
    expect(parseCommonDir(content, '/data/clone/.git/worktrees/a')).toBe(expected);
  });

  it.each([[''], ['\n'], ['../..\n/x\n'], ['a\0b']])('refuses %j', (content) => {
    expect(parseCommonDir(content, '/data/clone/.git/worktrees/a')).toBeNull();
  });
});

describe('linkedGitDirs', () => {
  let dir = '';
  let copy = '';
  let common = '';
  let worktree = '';
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'goosuke-git-dirs-')));
    copy = path.join(dir, 'copy');
    common = path.join(dir, 'data', 'clone', '.git');
    worktree = path.join(common, 'worktrees', 'copy');
    await mkdir(copy);
    await mkdir(path.join(common, 'objects'), { recursive: true });
    await mkdir(worktree, { recursive: true });
    await writeFile(path.join(worktree, 'HEAD'), 'ref: refs/heads/copy\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const gitFile = (content: string) => writeFile(path.join(copy, '.git'), content);

  it('finds a worktree and its common directory through commondir, relative or absolute', async () => {
    await gitFile(`gitdir: ${worktree}\n`);
    await writeFile(path.join(worktree, 'commondir'), '../..\n');
    expect(await linkedGitDirs(copy)).toEqual({ gitDir: worktree, commonDir: common });
    await writeFile(path.join(worktree, 'commondir'), `${common}\n`);
    expect(await linkedGitDirs(copy)).toEqual({ gitDir: worktree, commonDir: common });
  });

  it('takes a gitdir relative to the copy, and real paths through links', async () => {
    await symlink(path.join(dir, 'data'), path.join(dir, 'data-link'));
    await gitFile('gitdir: ../data-link/clone/.git/worktrees/copy\n');
    await writeFile(path.join(worktree, 'commondir'), '../..');
    expect(await linkedGitDirs(copy)).toEqual({ gitDir: worktree, commonDir: common });
  });

  it('takes the git directory as its own common directory when it has no commondir', async () => {
    await gitFile(`gitdir: ${common}\n`);
    await writeFile(path.join(common, 'HEAD'), 'ref: refs/heads/main\n');
    expect(await linkedGitDirs(copy)).toEqual({ gitDir: common, commonDir: common });
  });

  it.each<[string, () => Promise<unknown>]>([
    ['no .git', async () => {}],
    ['a .git directory', () => mkdir(path.join(copy, '.git'))],
    ['a .git file that names no git directory', () => gitFile('{"stamps":1}')],
    ['a gitdir that does not exist', () => gitFile(`gitdir: ${path.join(dir, 'gone')}\n`)],
    [
      'a gitdir without HEAD (not a git directory)',
      async () => {
        await mkdir(path.join(dir, 'secrets'));
        await gitFile(`gitdir: ${path.join(dir, 'secrets')}\n`);
      },
    ],
    [
      'a commondir that leads nowhere',
      async () => {
        await gitFile(`gitdir: ${worktree}\n`);
        await writeFile(path.join(worktree, 'commondir'), '../../../nowhere\n');
      },
    ],
    [
      'a common directory without objects',
      async () => {
        await gitFile(`gitdir: ${worktree}\n`);
        await writeFile(path.join(worktree, 'commondir'), '../../..\n');
      },
    ],
    [
      'a .git that is a link to a file',
      async () => {
        await writeFile(path.join(dir, 'gitfile'), `gitdir: ${worktree}\n`);
        await symlink(path.join(dir, 'gitfile'), path.join(copy, '.git'));
      },
    ],
  ])('finds nothing for %s', async (_, prepare) => {
    await prepare();
    expect(await linkedGitDirs(copy)).toBeNull();
  });
});
