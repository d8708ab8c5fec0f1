import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from '@goosuke/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemGitBackend } from './system-git-backend.ts';

const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A source repository of one commit with nested directories; returns it and its tree id. */
async function sourceRepository(): Promise<{ dir: string; tree: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-system-spares-'));
  scratch.push(dir);
  const source = path.join(dir, 'source');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', source, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    }).trim();
  execFileSync('git', ['init', '-q', '-b', 'main', source]);
  await mkdir(path.join(source, 'src/deep'), { recursive: true });
  await writeFile(path.join(source, 'src/deep/a.txt'), 'a\n');
  await writeFile(path.join(source, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-qm', 'one');
  return { dir, tree: git('rev-parse', 'HEAD^{tree}') };
}

describe('spare working copies on the system git', () => {
  it('reuses a removed hard-linked copy, reset to the commit, and keeps none with spareCopiesPerTree 0', async () => {
    for (const spareCopiesPerTree of [undefined, 0]) {
      const { dir, tree } = await sourceRepository();
      const git = createSystemGitBackend({
        checkout: 'hardlink',
        ...(spareCopiesPerTree === undefined ? {} : { spareCopiesPerTree }),
      });
      const repo = await git.clone({ url: path.join(dir, 'source'), dir: path.join(dir, 'clone') });
      const one = await git.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'one',
        dir: path.join(dir, 'one'),
      });
      const deep = (await stat(path.join(one.root, 'src/deep'))).ino;
      await one.writeFiles([{ path: 'src/deep/a.txt', content: 'changed\n' }]);
      await writeFile(path.join(one.root, 'src/deep/extra.txt'), 'extra\n');
      await chmod(path.join(one.root, 'run.sh'), 0o644);
      await git.removeWorkingCopy({ workspace: one });
      const spares = path.join(repo.dir, '.git', 'goosuke', 'spares', tree);
      if (spareCopiesPerTree === 0) {
        expect(existsSync(spares)).toBe(false);
        continue;
      }
      await waitUntil(
        async () => (await readdir(spares).catch(() => [])).some((name) => name.startsWith('ready-')),
        {
          timeoutMs: 10_000,
        },
      );
      const two = await git.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'two',
        dir: path.join(dir, 'two'),
      });
      expect((await stat(path.join(two.root, 'src/deep'))).ino).toBe(deep);
      expect(await two.listFiles()).toEqual(['run.sh', 'src/deep/a.txt']);
      expect(await two.readFile('src/deep/a.txt')).toBe('a\n');
      expect((await stat(path.join(two.root, 'run.sh'))).mode & 0o777).toBe(0o555);
      expect(await git.diff({ workspace: two, base: 'main' })).toBe('');
    }
  });
});
