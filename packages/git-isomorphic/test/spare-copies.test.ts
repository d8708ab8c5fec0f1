import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitBackend, RepoCheckout, Workspace } from '@goosuke/core';
import { waitUntil } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendContext, flatTreeOf } from '../src/backend-context.ts';
import {
  directoryStampsFile,
  readDirectoryStamps,
  stampDirectories,
  stampedCopyOf,
  writeDirectoryStamps,
} from '../src/directory-stamps.ts';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { resetToSnapshot } from '../src/snapshot-reset.ts';
import { linkPlanOf, snapshotIndexOf } from '../src/working-copy-checkout.ts';
import { contentOf } from './copy-content.ts';
import { runGit } from './git-cli.ts';

let scratch = '';
let source = '';
/** Root tree ids of the source's `main` and `next`. */
let mainTree = '';
let nextTree = '';
/** The commit of `next`. */
let nextCommit = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-spares-'));
  source = path.join(scratch, 'source');
  await mkdir(path.join(source, 'src/a/b'), { recursive: true });
  await mkdir(path.join(source, 'bin'), { recursive: true });
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  await writeFile(path.join(source, '.gitignore'), 'node_modules/\ndist/\n');
  await writeFile(path.join(source, 'shared.txt'), 'original\n');
  await writeFile(path.join(source, 'src/a/b/c.txt'), 'c\n');
  for (let index = 0; index < 20; index++)
    await writeFile(path.join(source, 'src/a', `f${index}.txt`), `${index}\n`);
  await writeFile(path.join(source, 'bin/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  await symlink('shared.txt', path.join(source, 'link'));
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
  await runGit(source, ['checkout', '-q', '-b', 'next']);
  await writeFile(path.join(source, 'shared.txt'), 'next\n');
  await runGit(source, ['commit', '-q', '-am', 'next']);
  await runGit(source, ['checkout', '-q', 'main']);
  mainTree = (await runGit(source, ['rev-parse', 'main^{tree}'])).trim();
  nextTree = (await runGit(source, ['rev-parse', 'next^{tree}'])).trim();
  nextCommit = (await runGit(source, ['rev-parse', 'next'])).trim();
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

const sparesOf = (repo: RepoCheckout, tree: string) => path.join(repo.dir, '.git', 'goosuke', 'spares', tree);
const snapshotOf = (repo: RepoCheckout, tree: string) =>
  path.join(repo.dir, '.git', 'goosuke', 'snapshots', tree);

/** The git directory of the working copy `copy` of the clone `repo` (named after its root). */
const gitdirOf = (repo: RepoCheckout, copy: Workspace) =>
  path.join(repo.dir, '.git', 'worktrees', path.basename(copy.root));

/** Spare names of `tree` in the clone (none when its directory is missing). */
async function sparesNamed(repo: RepoCheckout, tree: string): Promise<string[]> {
  return readdir(sparesOf(repo, tree)).catch(() => []);
}

async function waitForReadySpare(repo: RepoCheckout, tree: string): Promise<void> {
  await waitUntil(async () => (await sparesNamed(repo, tree)).some((name) => name.startsWith('ready-')), {
    timeoutMs: 10_000,
    message: 'a ready spare',
  });
}

/** Changes every kind of thing in a copy: what a spare made from it must not keep. */
async function dirty(copy: Workspace): Promise<void> {
  await copy.writeFiles([
    { path: 'shared.txt', content: 'changed\n' },
    { path: 'src/new.txt', content: 'added\n' },
    { path: 'extra/dir/x.txt', content: 'new directory\n' },
  ]);
  await mkdir(path.join(copy.root, 'node_modules/pkg'), { recursive: true });
  await writeFile(path.join(copy.root, 'node_modules/pkg/index.js'), 'ignored\n');
  await writeFile(path.join(copy.root, 'dist.log'), 'untracked\n');
  await unlink(path.join(copy.root, 'src/a/b/c.txt'));
  await rm(path.join(copy.root, 'src/a/f3.txt'));
  // A path of the tree that became a directory, and a directory that became a file.
  await unlink(path.join(copy.root, 'src/a/f4.txt'));
  await mkdir(path.join(copy.root, 'src/a/f4.txt/inside'), { recursive: true });
  await rm(path.join(copy.root, 'src/a/b'), { recursive: true });
  await writeFile(path.join(copy.root, 'src/a/b'), 'file in place of a directory\n');
  // The linked file's inode is the snapshot's: this chmod changes the snapshot's file too.
  await chmod(path.join(copy.root, 'bin/run.sh'), 0o644);
  await chmod(path.join(copy.root, 'src'), 0o700);
  await unlink(path.join(copy.root, 'link'));
  await symlink('src/a/f1.txt', path.join(copy.root, 'link'));
}

/**
 * A clone of the source by `backend` (in `clone-<name>`) with one ready spare of main: a copy of
 * main made and removed; returns the clone and the copy's root inode (the spare's).
 */
async function cloneWithReadySpare(
  backend: GitBackend,
  name: string,
): Promise<{ repo: RepoCheckout; spareInode: number }> {
  const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-${name}`) });
  const one = await backend.createWorkingCopy({
    repo,
    baseRef: 'main',
    branch: 'one',
    dir: path.join(scratch, 'copies', `${name}-one`),
  });
  const spareInode = (await stat(one.root)).ino;
  await backend.removeWorkingCopy({ workspace: one });
  await waitForReadySpare(repo, mainTree);
  return { repo, spareInode };
}

/** A copy made anew (spares off), what a claimed spare must be indistinguishable from. */
async function freshCopy(repo: RepoCheckout, baseRef: string, name: string): Promise<Workspace> {
  const fresh = createIsomorphicGitBackend({ checkout: 'hardlink', spareCopiesPerTree: 0 });
  return fresh.createWorkingCopy({ repo, baseRef, branch: name, dir: path.join(scratch, 'copies', name) });
}

/** Asserts that `copy` is exactly a fresh copy of `baseRef`: files, modes, index, status, diff. */
async function expectFresh(backend: GitBackend, repo: RepoCheckout, copy: Workspace, baseRef: string) {
  const reference = await freshCopy(repo, baseRef, `${path.basename(copy.root)}-reference`);
  expect(await contentOf(copy.root)).toEqual(await contentOf(reference.root));
  expect(await runGit(copy.root, ['ls-files', '-s'])).toBe(await runGit(reference.root, ['ls-files', '-s']));
  expect(await copy.listFiles()).toEqual(await reference.listFiles());
  expect(await backend.diff({ workspace: copy, base: baseRef })).toBe('');
  expect(await runGit(copy.root, ['status', '--porcelain', '--ignored', '--untracked-files=all'])).toBe('');
  expect((await stat(path.join(copy.root, 'bin/run.sh'))).mode & 0o777).toBe(0o555);
  expect((await stat(path.join(copy.root, 'shared.txt'))).mode & 0o777).toBe(0o444);
}

describe('spare working copies (hardlink)', () => {
  it('claims the directories of a removed copy, reset to the tree, for the next copy of that tree', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-reuse') });
    const one = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'one',
      dir: path.join(scratch, 'copies', 'one'),
    });
    const directories = {
      root: (await stat(one.root)).ino,
      deep: (await stat(path.join(one.root, 'src/a'))).ino,
    };
    await dirty(one);
    await backend.removeWorkingCopy({ workspace: one });
    expect(existsSync(one.root)).toBe(false);
    await waitForReadySpare(repo, mainTree);

    const two = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'two',
      dir: path.join(scratch, 'copies', 'two'),
    });
    // No mkdir: the directories are the removed copy's own.
    expect((await stat(two.root)).ino).toBe(directories.root);
    expect((await stat(path.join(two.root, 'src/a'))).ino).toBe(directories.deep);
    expect(await sparesNamed(repo, mainTree)).toEqual([]);
    // Its files are the snapshot's (hard links), as in a copy linked anew.
    const linked = (file: string) =>
      stat(path.join(snapshotOf(repo, mainTree), file)).then((stats) => stats.ino);
    expect((await stat(path.join(two.root, 'shared.txt'))).ino).toBe(await linked('shared.txt'));
    expect((await stat(path.join(two.root, 'src/a/b/c.txt'))).ino).toBe(await linked('src/a/b/c.txt'));
    await expectFresh(backend, repo, two, 'main');
    expect(await two.readFile('shared.txt')).toBe('original\n');

    // It works as any copy: a change is committed on its own branch.
    await two.writeFiles([{ path: 'src/a/f1.txt', content: 'two\n' }]);
    const commit = await backend.commit({
      workspace: two,
      message: 'two',
      author: { name: 'T', email: 't@x.test' },
    });
    expect(await runGit(repo.dir, ['diff', '--name-only', 'main', commit])).toBe('src/a/f1.txt\n');
    await backend.removeWorkingCopy({ workspace: two });
  });

  it('does not use a spare of another tree', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const { repo, spareInode: rootInode } = await cloneWithReadySpare(backend, 'other-tree');

    const two = await backend.createWorkingCopy({
      repo,
      baseRef: nextCommit,
      branch: 'two',
      dir: path.join(scratch, 'copies', 'other-two'),
    });
    expect((await stat(two.root)).ino).not.toBe(rootInode);
    expect(await two.readFile('shared.txt')).toBe('next\n');
    expect((await sparesNamed(repo, mainTree)).filter((name) => name.startsWith('ready-'))).toHaveLength(1);
    await expectFresh(backend, repo, two, nextCommit);
  });

  it.each([
    ['with the stamps of its directories', true],
    ['without stamps (a spare kept by an earlier version)', false],
  ])(
    "resets and claims a dirty spare left by a process that ended, never a live process's, %s",
    async (_, stamped) => {
      const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-dirty-${stamped}`) });
      // A process id that existed and is gone (a child that has exited), and a live one.
      const child = spawn(process.execPath, ['-e', '0']);
      const deadPid = child.pid!;
      await new Promise((resolve) => child.once('exit', resolve));
      const spares = sparesOf(repo, mainTree);
      await mkdir(spares, { recursive: true });
      // What a removal leaves when its process exits before the reset: the dirty copy, renamed.
      const leave = async (name: string, owner: number) => {
        const copy = await backend.createWorkingCopy({
          repo,
          baseRef: 'main',
          branch: name,
          dir: path.join(scratch, 'copies', `${name}-${stamped}`),
        });
        await dirty(copy);
        const spare = path.join(spares, `dirty-${owner}-0`);
        await rename(copy.root, spare);
        // As the removal does: the stamps taken when the copy was made become the spare's `.git`.
        const stamps = path.join(gitdirOf(repo, copy), directoryStampsFile);
        if (stamped) await rename(stamps, path.join(spare, '.git'));
        return { spare, inode: (await stat(spare)).ino };
      };
      const live = await leave('live', process.ppid);
      const dead = await leave('dead', deadPid);
      // A file the dirtying left alone: still the snapshot's, it is kept, not unlinked and linked
      // again (which would change its inode's ctime, its link count having moved).
      const untouched = path.join(dead.spare, 'src/a/f1.txt');
      const before = await stat(untouched, { bigint: true });

      const claimed = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'claimed',
        dir: path.join(scratch, 'copies', `claimed-${stamped}`),
      });
      expect((await stat(claimed.root)).ino).toBe(dead.inode);
      // Before the reference copy of expectFresh, whose links to the same inode move its ctime.
      const after = await stat(path.join(claimed.root, 'src/a/f1.txt'), { bigint: true });
      expect([after.ino, after.ctimeNs]).toEqual([before.ino, before.ctimeNs]);
      await expectFresh(backend, repo, claimed, 'main');

      // The live owner's spare is left as it was, and the next copy is made anew.
      const other = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'other',
        dir: path.join(scratch, 'copies', `dirty-other-${stamped}`),
      });
      expect((await stat(other.root)).ino).not.toBe(live.inode);
      expect(await sparesNamed(repo, mainTree)).toEqual([path.basename(live.spare)]);
      expect(await readFile(path.join(live.spare, 'node_modules/pkg/index.js'), 'utf8')).toBe('ignored\n');
    },
  );

  it('lets a process end without resetting its spares, leaving them dirty for the next process to reset and claim', async () => {
    // A tree large enough to be reset in the background (over 1,000 entries).
    const large = path.join(scratch, 'large-source');
    await runGit(scratch, ['init', '-q', '-b', 'main', large]);
    for (let directory = 0; directory < 30; directory++) {
      await mkdir(path.join(large, `d${directory}`));
      for (let file = 0; file < 50; file++)
        await writeFile(path.join(large, `d${directory}`, `f${file}.txt`), `${file}\n`);
    }
    await runGit(large, ['add', '-A']);
    await runGit(large, ['commit', '-q', '-m', 'seed']);
    const tree = (await runGit(large, ['rev-parse', 'main^{tree}'])).trim();
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: large, dir: path.join(scratch, 'clone-process') });

    const script = path.join(import.meta.dirname, 'spare-copy-process.ts');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@goosuke/source',
        script,
        repo.dir,
        repo.url,
        path.join(scratch, 'copies', 'process-one'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let errors = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      errors += chunk;
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(errors).toBe('');
    expect(code).toBe(0);
    // It did not wait to reset its spare: the spare is still dirty, and its owner is gone.
    expect(await sparesNamed(repo, tree)).toEqual([`dirty-${child.pid}-0`]);
    // Not even begun (a reset's first step is the root's mode).
    expect((await stat(path.join(sparesOf(repo, tree), `dirty-${child.pid}-0`))).mode & 0o777).toBe(0o700);

    const copy = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'after-process',
      dir: path.join(scratch, 'copies', 'process-two'),
    });
    expect(String((await stat(copy.root)).ino)).toBe(output.trim());
    const freshMode = await mkdtemp(path.join(scratch, 'mode-')).then(async (probe) => {
      await rm(probe, { recursive: true });
      await mkdir(probe);
      return (await stat(probe)).mode & 0o777;
    });
    expect((await stat(copy.root)).mode & 0o777).toBe(freshMode);
    expect(await sparesNamed(repo, tree)).toEqual([]);
    expect(existsSync(path.join(copy.root, 'changed-by-the-process.txt'))).toBe(false);
    expect(await copy.listFiles()).toHaveLength(1500);
    expect(await backend.diff({ workspace: copy, base: 'main' })).toBe('');
    expect(await runGit(copy.root, ['status', '--porcelain', '--ignored'])).toBe('');

    // In a process that goes on (a server), the background reset makes the spare ready.
    const inode = (await stat(copy.root)).ino;
    await copy.writeFiles([{ path: 'd0/f0.txt', content: 'changed\n' }]);
    await backend.removeWorkingCopy({ workspace: copy });
    expect((await sparesNamed(repo, tree))[0]).toMatch(/^dirty-/);
    await waitForReadySpare(repo, tree);
    const again = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'after-ready',
      dir: path.join(scratch, 'copies', 'process-three'),
    });
    expect((await stat(again.root)).ino).toBe(inode);
    expect(await again.readFile('d0/f0.txt')).toBe('0\n');
    expect(await backend.diff({ workspace: again, base: 'main' })).toBe('');
  });

  it("resets a spare by its directories' stamps: reads only the directories changed since, repairs a chmod in the others", async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-stamps') });
    const copy = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'stamped',
      dir: path.join(scratch, 'copies', 'stamped'),
    });
    // Another backend, as the next process: its image of the snapshot is built before the chmod.
    const context = createBackendContext({ checkout: 'hardlink' });
    const cloneGitdir = path.join(repo.dir, '.git');
    const flat = await flatTreeOf(context, cloneGitdir, (await runGit(source, ['rev-parse', 'main'])).trim());
    const snapshot = snapshotOf(repo, mainTree);
    const plan = linkPlanOf(context, flat);
    snapshotIndexOf(context, snapshot, plan.files);
    expect(plan.directories).toEqual(['bin', 'src', 'src/a', 'src/a/b']);
    // The copy's own stamps may be racy where its directories were made in the clock tick its
    // stamps were written in (then those are read anyway): taken again a few ticks later, none is.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stampsFile = path.join(gitdirOf(repo, copy), directoryStampsFile);
    writeDirectoryStamps(
      stampsFile,
      stampedCopyOf(mainTree, snapshot),
      stampDirectories(copy.root, plan.directories),
    );

    // Changed: the root, and `src/a` (a file rewritten: written aside and renamed over it).
    // Untouched: `src`, `src/a/b`, and `bin`, whose file's mode changed (its inode is the snapshot's).
    await copy.writeFiles([{ path: 'src/a/f1.txt', content: 'changed\n' }]);
    await writeFile(path.join(copy.root, 'untracked.txt'), 'untracked\n');
    await chmod(path.join(copy.root, 'bin/run.sh'), 0o644);
    const stamps = readDirectoryStamps(
      stampsFile,
      stampedCopyOf(mainTree, snapshot),
      plan.directories.length,
    );
    expect(stamps).not.toBeNull();
    const reset = await resetToSnapshot(context, copy.root, flat, snapshot, { stamps });
    expect(reset.trusted).toBe(3);
    expect(reset.copied).toBe(0);
    // Its new stamps describe it as reset: every directory is as they say.
    const again = await resetToSnapshot(context, copy.root, flat, snapshot, { stamps: reset.stamps });
    expect(again.trusted).toBe(4);
    // Without stamps every directory is read: the same result.
    expect((await resetToSnapshot(context, copy.root, flat, snapshot)).trusted).toBe(0);

    const reference = await freshCopy(repo, 'main', 'stamped-reference');
    expect(await contentOf(copy.root)).toEqual(await contentOf(reference.root));
    expect((await stat(path.join(copy.root, 'bin/run.sh'))).mode & 0o777).toBe(0o555);
  });

  it("carries a copy's stamps into its spare and from the spare into the copy that claims it", async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-carry') });
    const of = (snapshotDirectory: string) => stampedCopyOf(mainTree, snapshotDirectory);
    const one = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'carry-one',
      dir: path.join(scratch, 'copies', 'carry-one'),
    });
    const snapshot = snapshotOf(repo, mainTree);
    expect(
      readDirectoryStamps(path.join(gitdirOf(repo, one), directoryStampsFile), of(snapshot), 4),
    ).not.toBeNull();
    await dirty(one);
    await backend.removeWorkingCopy({ workspace: one });
    await waitForReadySpare(repo, mainTree);
    const [ready] = await sparesNamed(repo, mainTree);
    expect(
      readDirectoryStamps(path.join(sparesOf(repo, mainTree), ready!, '.git'), of(snapshot), 4),
    ).not.toBeNull();

    const two = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'carry-two',
      dir: path.join(scratch, 'copies', 'carry-two'),
    });
    expect(await readFile(path.join(two.root, '.git'), 'utf8')).toBe(`gitdir: ${gitdirOf(repo, two)}\n`);
    const stamps = readDirectoryStamps(path.join(gitdirOf(repo, two), directoryStampsFile), of(snapshot), 4);
    expect(stamps).not.toBeNull();
    await expectFresh(backend, repo, two, 'main');
  });

  it('hands one spare to one of two backends claiming it at once', async () => {
    const first = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const { repo, spareInode } = await cloneWithReadySpare(first, 'race');

    const backends = [
      createIsomorphicGitBackend({ checkout: 'hardlink' }),
      createIsomorphicGitBackend({ checkout: 'hardlink' }),
    ];
    const copies = await Promise.all(
      backends.map((backend, index) =>
        backend.createWorkingCopy({
          repo,
          baseRef: 'main',
          branch: `race-${index}`,
          dir: path.join(scratch, 'copies', `race-${index}`),
        }),
      ),
    );
    const inodes = await Promise.all(copies.map(async (copy) => (await stat(copy.root)).ino));
    expect(inodes.filter((inode) => inode === spareInode)).toHaveLength(1);
    const deep = await Promise.all(
      copies.map(async (copy) => (await stat(path.join(copy.root, 'src/a'))).ino),
    );
    expect(deep[0]).not.toBe(deep[1]);
    for (const [index, copy] of copies.entries()) await expectFresh(backends[index]!, repo, copy, 'main');
  });

  it('keeps at most spareCopiesPerTree spares of a tree, and none at 0', async () => {
    for (const limit of [1, 0]) {
      const backend = createIsomorphicGitBackend({ checkout: 'hardlink', spareCopiesPerTree: limit });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-limit-${limit}`) });
      const copies = await Promise.all(
        ['a', 'b'].map((name) =>
          backend.createWorkingCopy({
            repo,
            baseRef: 'main',
            branch: name,
            dir: path.join(scratch, 'copies', `limit-${limit}-${name}`),
          }),
        ),
      );
      const first = (await stat(copies[0]!.root)).ino;
      for (const copy of copies) await backend.removeWorkingCopy({ workspace: copy });
      const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
      await waitUntil(async () => (await readdir(trash).catch(() => [])).length === 0, { timeoutMs: 10_000 });
      if (limit === 1) {
        await waitForReadySpare(repo, mainTree);
        expect(await sparesNamed(repo, mainTree)).toHaveLength(1);
      } else expect(existsSync(path.join(repo.dir, '.git', 'goosuke', 'spares'))).toBe(false);
      const again = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'again',
        dir: path.join(scratch, 'copies', `limit-${limit}-again`),
      });
      // Without spares the inode may be reused by the new copy: only the spare's is checked.
      if (limit === 1) expect((await stat(again.root)).ino).toBe(first);
    }
  });

  it("moves a tree's spares to the trash with its snapshot", async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink', snapshotsPerClone: 1 });
    const { repo } = await cloneWithReadySpare(backend, 'prune');
    // A spare of a tree whose snapshot is gone (pruned by another process) goes too.
    const orphan = path.join(repo.dir, '.git', 'goosuke', 'spares', 'c'.repeat(40), 'ready-1-0');
    await mkdir(orphan, { recursive: true });

    // A copy of another tree: with one snapshot kept, main's is dropped, and its spares.
    await backend.createWorkingCopy({
      repo,
      baseRef: nextCommit,
      branch: 'two',
      dir: path.join(scratch, 'copies', 'prune-two'),
    });
    expect(existsSync(snapshotOf(repo, mainTree))).toBe(false);
    expect(existsSync(sparesOf(repo, mainTree))).toBe(false);
    expect(existsSync(path.dirname(orphan))).toBe(false);
    const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
    await waitUntil(async () => (await readdir(trash).catch(() => [])).length === 0, { timeoutMs: 10_000 });
    expect(nextTree).not.toBe(mainTree);
  });
});
