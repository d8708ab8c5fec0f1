import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/index.ts';
import { normalizeWorkspacePath } from './index.ts';
import { isGitDirectoryName } from './workspace-path.ts';

describe('normalizeWorkspacePath', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src/./a.ts', 'src/a.ts'],
    ['src/', 'src'],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['src/git.ts', 'src/git.ts'],
    ['.gitignore', '.gitignore'],
    ['a/.gitkeep', 'a/.gitkeep'],
    ['docs/日本語 の ノート.md', 'docs/日本語 の ノート.md'],
  ])('reads %j as %j', (path, normal) => {
    expect(normalizeWorkspacePath(path)).toBe(normal);
  });

  it.each([
    ['../x', '..'],
    ['a/../b', '..'],
    ['a/..', '..'],
    ['/etc/passwd', 'absolute'],
    ['C:/x', 'absolute'],
    ['c:x', 'absolute'],
    ['dir\\file.txt', 'backslash'],
    ['a\0b', 'NUL'],
    ['', 'non-empty string'],
    ['.', 'root'],
    ['./', 'root'],
    ['//', 'absolute'],
    ['.git', '.git'],
    ['.git/config', '.git'],
    ['sub/.git', '.git'],
    ['.GIT/HEAD', '.git'],
    ['.git./config', '.git'],
    ['.git /config', '.git'],
    ['GIT~1/config', '.git'],
  ])('refuses %j (%s)', (path, words) => {
    expect(() => normalizeWorkspacePath(path)).toThrow(InvalidInputError);
    expect(() => normalizeWorkspacePath(path)).toThrow(words);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, {}, ['a']]) {
      expect(() => normalizeWorkspacePath(value)).toThrow(InvalidInputError);
    }
  });
});

describe('isGitDirectoryName', () => {
  it('names .git as git reads names, and nothing else', () => {
    for (const name of ['.git', '.GIT', '.Git', '.git.', '.git..', '.git ', 'git~1', 'GIT~1']) {
      expect(isGitDirectoryName(name), name).toBe(true);
    }
    for (const name of ['git', '.github', '.gitignore', '.git-blame-ignore-revs', 'x.git', 'git~2']) {
      expect(isGitDirectoryName(name), name).toBe(false);
    }
  });
});
