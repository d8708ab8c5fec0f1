import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';

let scratch = '';
let source = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-removal-'));
  source = path.join(scratch, 'source');
  await mkdir(path.join(source, 'src/deep'), { recursive: true });
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  for (let index = 0; index < 50; index++) {
    await writeFile(path.join(source, 'src/deep', `f${index}.txt`), `${index}\n`);
  }
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('removeWorkingCopy', () => {
  // Hard-linked copies are kept as spares unless `spareCopiesPerTree` is 0 (spare-copies.test.ts).
  it.each(['write', 'hardlink'] as const)(
    "(%s) moves the copy out of its place at once and deletes it in the background, leaving the clone's trash empty",
    async (checkout) => {
      const backend = createIsomorphicGitBackend({ checkout, spareCopiesPerTree: 0 });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-${checkout}`) });
      const dir = path.join(scratch, `copies-${checkout}`, 'run-1');
      const workspace = await backend.createWorkingCopy({ repo, baseRef: 'main', branch: 'run-1', dir });
      await workspace.writeFiles([{ path: 'src/new.txt', content: 'new\n' }]);
      await backend.commit({ workspace, message: 'change', author: { name: 'A', email: 'a@example.test' } });

      await backend.removeWorkingCopy({ workspace });
      expect(existsSync(dir)).toBe(false);
      expect(await runGit(repo.dir, ['worktree', 'list', '--porcelain'])).not.toContain(dir);
      const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
      await waitUntil(async () => (await readdir(trash)).length === 0, { timeoutMs: 10_000 });
      // The branch and its commit stay; the same place can hold a new copy at once.
      expect(await runGit(repo.dir, ['show', 'run-1:src/new.txt'])).toBe('new\n');
      const again = await backend.createWorkingCopy({ repo, baseRef: 'run-1', branch: 'run-2', dir });
      expect(await again.readFile('src/new.txt')).toBe('new\n');
      await backend.removeWorkingCopy({ workspace: again });
      await backend.removeWorkingCopy({ workspace: again });
      expect(existsSync(path.join(repo.dir, '.git', 'goosuke', 'spares'))).toBe(false);
    },
  );

  it("sweeps what a process that ended mid-deletion left in the clone's trash", async () => {
    const first = createIsomorphicGitBackend();
    const repo = await first.clone({ url: source, dir: path.join(scratch, 'clone-sweep') });
    const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
    await mkdir(path.join(trash, 'run-0-999-0', 'src'), { recursive: true });
    await writeFile(path.join(trash, 'run-0-999-0', 'src', 'left.txt'), 'left behind\n', { mode: 0o444 });

    const backend = createIsomorphicGitBackend();
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'sweep',
      dir: path.join(scratch, 'copies-sweep', 'run-1'),
    });
    await backend.removeWorkingCopy({ workspace });
    await waitUntil(async () => (await readdir(trash)).length === 0, { timeoutMs: 10_000 });
  });
});
