import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, detectSystemGit, parseGitVersion } from './detect-system-git.ts';

describe('detectSystemGit', () => {
  it('finds the git on PATH with its version', async () => {
    const found = await detectSystemGit();
    expect(found?.path).toBe('git');
    expect(compareVersions(found!.version, '2.30.0')).toBeGreaterThanOrEqual(0);
  });

  it('is undefined for a missing git and for one older than 2.30', async () => {
    expect(await detectSystemGit({ git: '/nonexistent/git' })).toBeUndefined();
    const directory = await mkdtemp(path.join(tmpdir(), 'goosuke-old-git-'));
    try {
      const old = path.join(directory, 'git');
      await writeFile(old, '#!/bin/sh\necho "git version 2.29.3"\n');
      await chmod(old, 0o755);
      expect(await detectSystemGit({ git: old })).toBeUndefined();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('reads the versions git prints', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toBe('2.39.5');
    expect(parseGitVersion('git version 2.45.1.windows.1')).toBe('2.45.1');
    expect(parseGitVersion('git version 2.30')).toBe('2.30.0');
    expect(parseGitVersion('hub version 1')).toBeUndefined();
    expect(compareVersions('2.30.0', '2.9.9')).toBeGreaterThan(0);
  });
});
