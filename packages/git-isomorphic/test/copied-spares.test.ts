import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  appendFile,
  chmod,
  link,
  lstat,
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
import { promisify } from 'node:util';
import type { GitBackend, RepoCheckout, Workspace } from '@goosuke/core';
import { waitUntil } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendContext, flatTreeOf } from '../src/backend-context.ts';
import {
  copiedRecordFile,
  emptyRecord,
  readCopiedRecord,
  recordDirectory,
  recordFile,
  writeCopiedRecord,
} from '../src/copied-records.ts';
import { resetCopiedCopy } from '../src/copied-reset.ts';
import { carryRecordInto } from '../src/copied-spares.ts';
import { freshDirectoryMode } from '../src/directory-stamps.ts';
import { readIndexFile, statFields } from '../src/git-index-file.ts';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { linkPlanOf } from '../src/working-copy-checkout.ts';
import { contentOf } from './copy-content.ts';
import { runGit } from './git-cli.ts';

// Spares of in-place-writes copies (an agent's: every file its own inode). The previous
// occupant of a spare is an untrusted agent that could do anything in it: every test here
// ends with the claimed copy compared, whole, with a copy made anew, its files checked to be
// its own (one link, no inode of the snapshot) and its index exact.

let scratch = '';
let source = '';
/** Root tree ids of the source's `main` and `next`, and the commit of `next`. */
let mainTree = '';
let nextTree = '';
let nextCommit = '';
/** A process id that existed and is gone. */
let deadPid = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-copied-spares-'));
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
  const child = spawn(process.execPath, ['-e', '0']);
  deadPid = child.pid!;
  await new Promise((resolve) => child.once('exit', resolve));
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

const sparesOf = (repo: RepoCheckout, tree: string) => path.join(repo.dir, '.git', 'goosuke', 'spares', tree);
const snapshotOf = (repo: RepoCheckout, tree: string) =>
  path.join(repo.dir, '.git', 'goosuke', 'snapshots', tree);
const gitdirOf = (repo: RepoCheckout, copy: Workspace) =>
  path.join(repo.dir, '.git', 'worktrees', path.basename(copy.root));
const inodeOf = async (file: string) => (await lstat(file)).ino;
/** A file's inode and ctime: a file deleted and made again may get the same inode number, never the same ctime. */
const identityOf = async (file: string) => {
  const stats = await lstat(file, { bigint: true });
  return `${stats.ino}/${stats.ctimeNs}`;
};

/** Spare names of `tree` in the clone (none when its directory is missing). */
async function sparesNamed(repo: RepoCheckout, tree: string): Promise<string[]> {
  return (await readdir(sparesOf(repo, tree)).catch(() => [] as string[])).sort();
}

/** An agent's copy: files written in place, so its own. */
function agentCopy(
  backend: GitBackend,
  repo: RepoCheckout,
  name: string,
  baseRef = 'main',
): Promise<Workspace> {
  return backend.createWorkingCopy({
    repo,
    baseRef,
    branch: name,
    dir: path.join(scratch, 'copies', name),
    inPlaceWrites: true,
  });
}

/** A model run's copy: hard-linked from the snapshot. */
function linkedCopy(backend: GitBackend, repo: RepoCheckout, name: string): Promise<Workspace> {
  return backend.createWorkingCopy({
    repo,
    baseRef: 'main',
    branch: name,
    dir: path.join(scratch, 'copies', name),
  });
}

/** Relative paths of every regular file under `root` but its `.git`. */
async function regularFilesOf(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    for (const dirent of await readdir(directory, { withFileTypes: true })) {
      const relative = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
      if (relative === '.git') continue;
      if (dirent.isDirectory()) await walk(path.join(directory, dirent.name), relative);
      else if (dirent.isFile()) files.push(relative);
    }
  };
  await walk(root, '');
  return files.sort();
}

/** The inode of every regular file of the snapshot of `tree`. */
async function snapshotInodes(repo: RepoCheckout, tree: string): Promise<Set<number>> {
  const snapshot = snapshotOf(repo, tree);
  return new Set(
    await Promise.all((await regularFilesOf(snapshot)).map((file) => inodeOf(path.join(snapshot, file)))),
  );
}

/**
 * Asserts that the agent copy `copy` is exactly an agent copy of `baseRef` made anew: the same
 * paths, contents, modes and symbolic links (no more), index, status and diff; every file its
 * own (one link, none of the snapshot's inodes: nothing else can write to it), and its index's
 * stat data those of its files (a claimed spare's index comes from its record).
 */
async function expectFresh(backend: GitBackend, repo: RepoCheckout, copy: Workspace, baseRef = 'main') {
  const fresh = createIsomorphicGitBackend({ checkout: 'hardlink', spareCopiesPerTree: 0 });
  const reference = await agentCopy(fresh, repo, `${path.basename(copy.root)}-reference`, baseRef);
  expect(await contentOf(copy.root)).toEqual(await contentOf(reference.root));
  expect(await runGit(copy.root, ['ls-files', '-s'])).toBe(await runGit(reference.root, ['ls-files', '-s']));
  expect(await copy.listFiles()).toEqual(await reference.listFiles());
  expect(await backend.diff({ workspace: copy, base: baseRef })).toBe('');
  expect(await runGit(copy.root, ['status', '--porcelain', '--ignored', '--untracked-files=all'])).toBe('');
  expect((await stat(path.join(copy.root, 'bin/run.sh'))).mode & 0o777).toBe(0o755);
  expect((await stat(path.join(copy.root, 'shared.txt'))).mode & 0o777).toBe(0o644);
  const tree = (await runGit(source, ['rev-parse', `${baseRef}^{tree}`])).trim();
  const snapshot = await snapshotInodes(repo, tree);
  const index = await readIndexFile(path.join(gitdirOf(repo, copy), 'index'));
  const files = await regularFilesOf(copy.root);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const stats = await lstat(path.join(copy.root, file), { bigint: true });
    expect({ file, nlink: stats.nlink, snapshot: snapshot.has(Number(stats.ino)) }).toEqual({
      file,
      nlink: 1n,
      snapshot: false,
    });
    const { path: _, oid: __, mode: ___, ...fields } = index.entries.get(file)!;
    expect({ file, ...fields }).toEqual({ file, ...statFields(stats) });
  }
  await fresh.removeWorkingCopy({ workspace: reference });
}

/**
 * Leaves `copy` as the removal of a process that ended before resetting it does: its record in
 * place of its `.git`, then renamed to a dirty copied spare of its tree owned by a dead process.
 * Returns the spare's root inode.
 */
async function leaveDirty(repo: RepoCheckout, copy: Workspace, tree = mainTree): Promise<number> {
  const context = createBackendContext({ checkout: 'hardlink' });
  const cloneGitdir = path.join(repo.dir, '.git');
  const working = { root: copy.root, cloneGitdir, gitdir: gitdirOf(repo, copy) };
  expect(await carryRecordInto(context, working, copy.root)).toBe(true);
  await mkdir(sparesOf(repo, tree), { recursive: true });
  const spare = path.join(sparesOf(repo, tree), `copied-dirty-${deadPid}-0`);
  await rename(copy.root, spare);
  return inodeOf(spare);
}

/** Sets the mtime of `file` back to `stats`' to the nanosecond (Node's `utimes` rounds to a double). */
async function restoreMtime(file: string, stats: { mtimeNs: bigint }): Promise<void> {
  const seconds = stats.mtimeNs / 1_000_000_000n;
  const nanoseconds = String(stats.mtimeNs % 1_000_000_000n).padStart(9, '0');
  await promisify(execFile)('touch', ['-m', '-d', `@${seconds}.${nanoseconds}`, file]);
}

/** A thing an agent may do to its copy, and what to check of the copy that claims its spare. */
interface Tampering {
  name: string;
  /** Done in the agent's copy at `root`; `outside` is a directory of its own elsewhere. */
  tamper(root: string, outside: string): Promise<void>;
  /** Checked in the copy that claimed the spare. */
  check?(root: string, outside: string): Promise<void>;
}

const tamperings: Tampering[] = [
  {
    name: 'a file written in place at the same size, its mtime set back',
    async tamper(root) {
      const file = path.join(root, 'src/a/f1.txt');
      const before = await lstat(file, { bigint: true });
      await writeFile(file, 'X\n');
      await restoreMtime(file, before);
      const after = await lstat(file, { bigint: true });
      // Only its ctime tells.
      expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
      expect(after.ctimeNs).not.toBe(before.ctimeNs);
    },
  },
  {
    name: 'a hard link to a file from outside, and a file replaced by a hard link to one outside',
    async tamper(root, outside) {
      await link(path.join(root, 'src/a/f2.txt'), path.join(outside, 'kept-link'));
      await writeFile(path.join(outside, 'planted'), '3\n');
      await rm(path.join(root, 'src/a/f3.txt'));
      await link(path.join(outside, 'planted'), path.join(root, 'src/a/f3.txt'));
    },
    async check(root, outside) {
      expect(await inodeOf(path.join(root, 'src/a/f2.txt'))).not.toBe(
        await inodeOf(path.join(outside, 'kept-link')),
      );
      expect(await inodeOf(path.join(root, 'src/a/f3.txt'))).not.toBe(
        await inodeOf(path.join(outside, 'planted')),
      );
      // What the agent kept can write nowhere in the copy.
      await appendFile(path.join(outside, 'kept-link'), 'through\n');
      await appendFile(path.join(outside, 'planted'), 'through\n');
      expect(await readFile(path.join(root, 'src/a/f2.txt'), 'utf8')).toBe('2\n');
      expect(await readFile(path.join(root, 'src/a/f3.txt'), 'utf8')).toBe('3\n');
    },
  },
  {
    name: 'files replaced by symbolic links to outside, and a symbolic link retargeted',
    async tamper(root, outside) {
      await writeFile(path.join(outside, 'target.txt'), 'original\n');
      await rm(path.join(root, 'shared.txt'));
      await symlink(path.join(outside, 'target.txt'), path.join(root, 'shared.txt'));
      await rm(path.join(root, 'src/a/f5.txt'));
      await symlink('../../shared.txt', path.join(root, 'src/a/f5.txt'));
      await unlink(path.join(root, 'link'));
      await symlink(path.join(outside, 'target.txt'), path.join(root, 'link'));
    },
  },
  {
    name: 'a file made executable, another read-only, an executable made plain',
    async tamper(root) {
      await chmod(path.join(root, 'src/a/f6.txt'), 0o755);
      await chmod(path.join(root, 'src/a/f7.txt'), 0o444);
      await chmod(path.join(root, 'bin/run.sh'), 0o644);
    },
  },
  {
    name: 'a new file, a new directory of many files, an ignored node_modules',
    async tamper(root) {
      await writeFile(path.join(root, 'src/new.txt'), 'new\n');
      await mkdir(path.join(root, 'generated/deep/er'), { recursive: true });
      for (let index = 0; index < 300; index++)
        await writeFile(path.join(root, 'generated/deep/er', `g${index}.txt`), `${index}\n`);
      await mkdir(path.join(root, 'node_modules/pkg'), { recursive: true });
      await writeFile(path.join(root, 'node_modules/pkg/index.js'), 'ignored\n');
    },
  },
  {
    name: 'a directory replaced by a symbolic link to one outside, another by a file, a file by a directory',
    async tamper(root, outside) {
      await mkdir(path.join(outside, 'b'));
      await writeFile(path.join(outside, 'b/c.txt'), 'c\n');
      await rm(path.join(root, 'src/a/b'), { recursive: true });
      await symlink(path.join(outside, 'b'), path.join(root, 'src/a/b'));
      await rm(path.join(root, 'bin'), { recursive: true });
      await writeFile(path.join(root, 'bin'), 'a file now\n');
      await rm(path.join(root, 'src/a/f8.txt'));
      await mkdir(path.join(root, 'src/a/f8.txt/inside'), { recursive: true });
    },
    async check(root, outside) {
      expect((await lstat(path.join(root, 'src/a/b'))).isDirectory()).toBe(true);
      await appendFile(path.join(outside, 'b/c.txt'), 'through\n');
      expect(await readFile(path.join(root, 'src/a/b/c.txt'), 'utf8')).toBe('c\n');
    },
  },
  {
    name: 'a file and a directory deleted',
    async tamper(root) {
      await rm(path.join(root, 'src/a/f9.txt'));
      await rm(path.join(root, 'src/a/b'), { recursive: true });
    },
  },
  {
    name: 'directories made unwritable or unreadable, with files read-only in them',
    async tamper(root) {
      await chmod(path.join(root, 'src/a/b/c.txt'), 0o444);
      await chmod(path.join(root, 'src/a/b'), 0o500);
      await chmod(path.join(root, 'src'), 0o500);
      await mkdir(path.join(root, 'locked/inner'), { recursive: true });
      await writeFile(path.join(root, 'locked/inner/x.txt'), 'x\n', { mode: 0o444 });
      await chmod(path.join(root, 'locked/inner'), 0o500);
      await chmod(path.join(root, 'locked'), 0o000);
      await chmod(root, 0o500);
    },
  },
  {
    name: 'a file written in place, and its .git replaced by a record vouching for it',
    async tamper(root) {
      await appendFile(path.join(root, 'src/a/f10.txt'), 'in place\n');
      await forgeRecord(root, path.join(root, '.git'));
    },
  },
  {
    name: 'its .git replaced by a directory',
    async tamper(root) {
      await appendFile(path.join(root, 'src/a/f11.txt'), 'in place\n');
      await rm(path.join(root, '.git'));
      await mkdir(path.join(root, '.git/objects'), { recursive: true });
      await writeFile(path.join(root, '.git/objects/x'), 'x\n');
    },
  },
];

/** Writes to `file` a record (`copied-records.ts`) of the copy at `root` of main as it is now. */
async function forgeRecord(root: string, file: string): Promise<void> {
  const context = createBackendContext({ checkout: 'hardlink' });
  const commit = (await runGit(source, ['rev-parse', 'main'])).trim();
  const flat = await flatTreeOf(context, path.join(source, '.git'), commit);
  const plan = linkPlanOf(context, flat);
  const record = emptyRecord(mainTree, freshDirectoryMode(), plan);
  for (const [position, [entry]] of plan.files.entries())
    recordFile(record, position, await lstat(path.join(root, entry), { bigint: true }));
  for (const [position, directory] of plan.directories.entries())
    recordDirectory(record, position, await lstat(path.join(root, directory), { bigint: true }));
  await rm(file, { recursive: true, force: true });
  await writeCopiedRecord(file, record);
}

describe('copied spares (in-place-writes copies)', () => {
  it('keeps a removed agent copy as a spare, reset to the tree, for the next agent copy of that tree', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-reuse') });
    const one = await agentCopy(backend, repo, 'reuse-one');
    const inodes = {
      root: await inodeOf(one.root),
      deep: await inodeOf(path.join(one.root, 'src/a')),
      untouched: await identityOf(path.join(one.root, 'src/a/f12.txt')),
    };
    // What an agent does: a file written in place, one added, dependencies installed.
    await appendFile(path.join(one.root, 'shared.txt'), 'in place\n');
    await writeFile(path.join(one.root, 'src/added.txt'), 'added\n');
    await mkdir(path.join(one.root, 'node_modules/pkg'), { recursive: true });
    await writeFile(path.join(one.root, 'node_modules/pkg/index.js'), 'ignored\n');
    await backend.removeWorkingCopy({ workspace: one });
    expect(existsSync(one.root)).toBe(false);
    // A small tree's spare is reset before the removal resolves.
    expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^copied-ready-\d+-\d+$/)]);

    const two = await agentCopy(backend, repo, 'reuse-two');
    // No mkdir, and no copy of an untouched file: the spare's own.
    expect(await inodeOf(two.root)).toBe(inodes.root);
    expect(await inodeOf(path.join(two.root, 'src/a'))).toBe(inodes.deep);
    expect(await identityOf(path.join(two.root, 'src/a/f12.txt'))).toBe(inodes.untouched);
    expect(await sparesNamed(repo, mainTree)).toEqual([]);
    expect(await readFile(path.join(two.root, 'shared.txt'), 'utf8')).toBe('original\n');
    await expectFresh(backend, repo, two);

    // It works as any agent copy: written in place, committed on its own branch.
    await appendFile(path.join(two.root, 'src/a/f1.txt'), 'two\n');
    const commit = await backend.commit({
      workspace: two,
      message: 'two',
      author: { name: 'T', email: 't@x.test' },
    });
    expect(await runGit(repo.dir, ['diff', '--name-only', 'main', commit])).toBe('src/a/f1.txt\n');
    // Committed, its index describes the file written: its record, not its index, is what counts.
    await backend.removeWorkingCopy({ workspace: two });
    const three = await agentCopy(backend, repo, 'reuse-three');
    expect(await inodeOf(three.root)).toBe(inodes.root);
    expect(await readFile(path.join(three.root, 'src/a/f1.txt'), 'utf8')).toBe('1\n');
    await expectFresh(backend, repo, three);
  });

  it.each(tamperings.map((tampering, index) => [tampering.name, index] as const))(
    'undoes %s: in the spare reset on removal, and in a dirty spare a process left',
    async (_, index) => {
      const { tamper, check } = tamperings[index]!;
      const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-tamper-${index}`) });
      const one = await agentCopy(backend, repo, `tamper-${index}-one`);
      // A file no tampering touches: kept by every reset (not all copied again on a doubt).
      const untouched = 'src/a/f19.txt';
      const untouchedIdentity = await identityOf(path.join(one.root, untouched));
      const outside = await mkdtemp(path.join(scratch, 'outside-'));
      await tamper(one.root, outside);
      const rootInode = await inodeOf(one.root);
      await backend.removeWorkingCopy({ workspace: one });
      expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^copied-ready-/)]);
      const two = await agentCopy(backend, repo, `tamper-${index}-two`);
      expect(await inodeOf(two.root)).toBe(rootInode);
      expect(await identityOf(path.join(two.root, untouched))).toBe(untouchedIdentity);
      await check?.(two.root, outside);
      await expectFresh(backend, repo, two);

      // The same, left dirty by a process that ended: reset in place by the copy that claims it.
      const elsewhere = await mkdtemp(path.join(scratch, 'outside-'));
      await tamper(two.root, elsewhere);
      const spareInode = await leaveDirty(repo, two);
      const three = await agentCopy(backend, repo, `tamper-${index}-three`);
      expect(await inodeOf(three.root)).toBe(spareInode);
      expect(await identityOf(path.join(three.root, untouched))).toBe(untouchedIdentity);
      expect(await sparesNamed(repo, mainTree)).toEqual([]);
      await check?.(three.root, elsewhere);
      await expectFresh(backend, repo, three);
      const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
      await waitUntil(async () => (await readdir(trash).catch(() => [])).length === 0, { timeoutMs: 10_000 });
    },
  );

  it('copies every file again when the copy has no record, whatever its .git says', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-no-record') });
    const one = await agentCopy(backend, repo, 'no-record-one');
    const untouched = await identityOf(path.join(one.root, 'src/a/f12.txt'));
    await appendFile(path.join(one.root, 'src/a/f1.txt'), 'in place\n');
    // A record that vouches for every file as it is now, and none of Goosuke's.
    await forgeRecord(one.root, path.join(one.root, '.git'));
    await rm(path.join(gitdirOf(repo, one), copiedRecordFile));
    await backend.removeWorkingCopy({ workspace: one });
    const two = await agentCopy(backend, repo, 'no-record-two');
    expect(await readFile(path.join(two.root, 'src/a/f1.txt'), 'utf8')).toBe('1\n');
    // Nothing was kept on the forged record's word.
    expect(await identityOf(path.join(two.root, 'src/a/f12.txt'))).not.toBe(untouched);
    await expectFresh(backend, repo, two);
  });

  it('trusts a directory by its record (not read), and still finds a file written in place in it', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-trusted') });
    const copy = await agentCopy(backend, repo, 'trusted');
    const context = createBackendContext({ checkout: 'hardlink' });
    const flat = await flatTreeOf(
      context,
      path.join(repo.dir, '.git'),
      (await runGit(source, ['rev-parse', 'main'])).trim(),
    );
    const plan = linkPlanOf(context, flat);
    expect(plan.directories).toEqual(['bin', 'src', 'src/a', 'src/a/b']);
    // Its record was written once the file-system clock had moved past its files: none is racy.
    const record = readCopiedRecord(path.join(gitdirOf(repo, copy), copiedRecordFile), mainTree, plan);
    expect(record).not.toBeNull();

    const file = path.join(copy.root, 'src/a/f4.txt');
    const before = await lstat(file, { bigint: true });
    await writeFile(file, 'Y\n');
    await restoreMtime(file, before);
    const untouched = await identityOf(path.join(copy.root, 'src/a/f13.txt'));
    const reset = await resetCopiedCopy(context, copy.root, flat, snapshotOf(repo, mainTree), { record });
    // Every directory trusted (none read); the file written in place copied again, everything
    // else kept.
    expect(reset.trusted).toBe(4);
    expect(reset.copied).toBe(1);
    expect(reset.kept).toBe(plan.files.length - 1);
    // Its `.git` file is left for the caller to replace (in a spare, the record the reset read).
    expect(await readFile(path.join(copy.root, '.git'), 'utf8')).toMatch(/^gitdir: /);
    expect(await readFile(file, 'utf8')).toBe('4\n');
    expect(await identityOf(path.join(copy.root, 'src/a/f13.txt'))).toBe(untouched);
    // Without a record, every file is copied again: the same result.
    const again = await resetCopiedCopy(context, copy.root, flat, snapshotOf(repo, mainTree), {
      record: null,
    });
    expect([again.trusted, again.kept, again.copied]).toEqual([0, 1, plan.files.length - 1]);
    const fresh = createIsomorphicGitBackend({ checkout: 'hardlink', spareCopiesPerTree: 0 });
    const reference = await agentCopy(fresh, repo, 'trusted-reference');
    expect(await contentOf(copy.root)).toEqual(await contentOf(reference.root));
  });

  it('keeps no file with a second link or another mode, even when its record matches', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-defence') });
    const copy = await agentCopy(backend, repo, 'defence');
    const outside = await mkdtemp(path.join(scratch, 'outside-'));
    await link(path.join(copy.root, 'src/a/f2.txt'), path.join(outside, 'second-link'));
    await chmod(path.join(copy.root, 'src/a/f6.txt'), 0o755);
    await chmod(path.join(copy.root, 'src/a/f7.txt'), 0o4644);
    // A record taken after those changes: their ctimes match it; the link count and modes do not.
    const recordPath = path.join(gitdirOf(repo, copy), copiedRecordFile);
    await forgeRecord(copy.root, recordPath);
    const context = createBackendContext({ checkout: 'hardlink' });
    const flat = await flatTreeOf(
      context,
      path.join(repo.dir, '.git'),
      (await runGit(source, ['rev-parse', 'main'])).trim(),
    );
    const plan = linkPlanOf(context, flat);
    const record = readCopiedRecord(recordPath, mainTree, plan);
    const reset = await resetCopiedCopy(context, copy.root, flat, snapshotOf(repo, mainTree), { record });
    expect([reset.copied, reset.kept]).toEqual([3, plan.files.length - 3]);
    expect((await lstat(path.join(copy.root, 'src/a/f2.txt'))).nlink).toBe(1);
    expect((await lstat(path.join(copy.root, 'src/a/f6.txt'))).mode & 0o7777).toBe(0o644);
    expect((await lstat(path.join(copy.root, 'src/a/f7.txt'))).mode & 0o7777).toBe(0o644);
  });

  it('lets a process end without resetting its spare, for the next process to reset in place and claim', async () => {
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
        'in-place',
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
    // It did not wait to reset its spare: dirty, its reset not begun (the root's mode is the first step).
    const spare = path.join(sparesOf(repo, tree), `copied-dirty-${child.pid}-0`);
    expect(await sparesNamed(repo, tree)).toEqual([path.basename(spare)]);
    expect((await stat(spare)).mode & 0o777).toBe(0o700);

    const copy = await agentCopy(backend, repo, 'after-process');
    expect(String(await inodeOf(copy.root))).toBe(output.trim());
    expect(await sparesNamed(repo, tree)).toEqual([]);
    expect(existsSync(path.join(copy.root, 'changed-by-the-process.txt'))).toBe(false);
    expect(await readFile(path.join(copy.root, 'd0/f1.txt'), 'utf8')).toBe('1\n');
    expect(await copy.listFiles()).toHaveLength(1500);
    expect(await backend.diff({ workspace: copy, base: 'main' })).toBe('');
    expect(await runGit(copy.root, ['status', '--porcelain', '--ignored'])).toBe('');
    expect((await lstat(path.join(copy.root, 'd0/f1.txt'))).nlink).toBe(1);

    // In a process that goes on (a server), the background reset makes the spare ready.
    const inode = await inodeOf(copy.root);
    await appendFile(path.join(copy.root, 'd0/f0.txt'), 'in place\n');
    await backend.removeWorkingCopy({ workspace: copy });
    expect((await sparesNamed(repo, tree))[0]).toMatch(/^copied-dirty-/);
    await waitUntil(
      async () => (await sparesNamed(repo, tree)).some((name) => name.startsWith('copied-ready-')),
      {
        timeoutMs: 10_000,
        message: 'a ready copied spare',
      },
    );
    const again = await agentCopy(backend, repo, 'after-ready');
    expect(await inodeOf(again.root)).toBe(inode);
    expect(await readFile(path.join(again.root, 'd0/f0.txt'), 'utf8')).toBe('0\n');
    expect(await backend.diff({ workspace: again, base: 'main' })).toBe('');
    expect(await runGit(again.root, ['status', '--porcelain', '--ignored'])).toBe('');
  });

  it('never hands a linked spare to an agent copy, nor a copied spare to a linked copy', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-kinds') });
    const agent = await agentCopy(backend, repo, 'kinds-agent');
    const agentRoot = await inodeOf(agent.root);
    await backend.removeWorkingCopy({ workspace: agent });
    expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^copied-ready-/)]);

    // A model run's copy after the agent's: linked anew, the copied spare left alone.
    const model = await linkedCopy(backend, repo, 'kinds-model');
    const modelRoot = await inodeOf(model.root);
    expect(modelRoot).not.toBe(agentRoot);
    const linkedInodes = await snapshotInodes(repo, mainTree);
    expect(linkedInodes.has(await inodeOf(path.join(model.root, 'shared.txt')))).toBe(true);
    expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^copied-ready-/)]);
    await backend.removeWorkingCopy({ workspace: model });
    const both = await sparesNamed(repo, mainTree);
    expect(both).toHaveLength(2);
    expect(both.some((name) => name.startsWith('ready-'))).toBe(true);

    // An agent copy takes the copied spare; the next one finds only the linked spare, and copies anew.
    const second = await agentCopy(backend, repo, 'kinds-agent-two');
    expect(await inodeOf(second.root)).toBe(agentRoot);
    await expectFresh(backend, repo, second);
    const third = await agentCopy(backend, repo, 'kinds-agent-three');
    expect(await inodeOf(third.root)).not.toBe(modelRoot);
    await expectFresh(backend, repo, third);
    expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^ready-/)]);
    // Left dirty by an ended process, a copied spare is still not a linked copy's.
    const dirtyInode = await leaveDirty(repo, third);
    const linkedAgain = await linkedCopy(backend, repo, 'kinds-model-two');
    expect(await inodeOf(linkedAgain.root)).toBe(modelRoot);
    const linkedThird = await linkedCopy(backend, repo, 'kinds-model-three');
    expect(await inodeOf(linkedThird.root)).not.toBe(dirtyInode);
    expect(linkedInodes.has(await inodeOf(path.join(linkedThird.root, 'shared.txt')))).toBe(true);
    expect(await sparesNamed(repo, mainTree)).toEqual([`copied-dirty-${deadPid}-0`]);
  });

  it('keeps at most spareCopiesPerTree copied spares of a tree, beside the linked ones, and none at 0', async () => {
    for (const limit of [1, 0]) {
      const backend = createIsomorphicGitBackend({ checkout: 'hardlink', spareCopiesPerTree: limit });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-limit-${limit}`) });
      const copies = await Promise.all([
        agentCopy(backend, repo, `limit-${limit}-a`),
        agentCopy(backend, repo, `limit-${limit}-b`),
        linkedCopy(backend, repo, `limit-${limit}-linked`),
      ]);
      const first = await inodeOf(copies[0]!.root);
      for (const copy of copies) await backend.removeWorkingCopy({ workspace: copy });
      const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
      await waitUntil(async () => (await readdir(trash).catch(() => [])).length === 0, { timeoutMs: 10_000 });
      if (limit === 1) {
        const names = await sparesNamed(repo, mainTree);
        expect(names).toEqual([expect.stringMatching(/^copied-ready-/), expect.stringMatching(/^ready-/)]);
        const again = await agentCopy(backend, repo, `limit-${limit}-again`);
        expect(await inodeOf(again.root)).toBe(first);
      } else expect(existsSync(path.join(repo.dir, '.git', 'goosuke', 'spares'))).toBe(false);
    }
  });

  it("moves a tree's copied spares to the trash with its snapshot", async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink', snapshotsPerClone: 1 });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-prune') });
    const one = await agentCopy(backend, repo, 'prune-one');
    await backend.removeWorkingCopy({ workspace: one });
    expect(await sparesNamed(repo, mainTree)).toEqual([expect.stringMatching(/^copied-ready-/)]);

    // A copy of another tree: with one snapshot kept, main's is dropped, and its spares.
    const two = await agentCopy(backend, repo, 'prune-two', nextCommit);
    expect(existsSync(snapshotOf(repo, mainTree))).toBe(false);
    expect(existsSync(sparesOf(repo, mainTree))).toBe(false);
    const trash = path.join(repo.dir, '.git', 'goosuke', 'trash');
    await waitUntil(async () => (await readdir(trash).catch(() => [])).length === 0, { timeoutMs: 10_000 });
    await expectFresh(backend, repo, two, nextCommit);
    expect(nextTree).not.toBe(mainTree);
  });
});
