import { spawn } from 'node:child_process';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';

let scratch = '';
let source = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-hardlink-'));
  source = path.join(scratch, 'source');
  await mkdir(path.join(source, 'bin'), { recursive: true });
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  await writeFile(path.join(source, 'shared.txt'), 'original\n');
  await writeFile(path.join(source, 'bin/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe("'hardlink' checkouts", () => {
  it('give a copy for in-place writers (inPlaceWrites) its own files: writing them in place leaks nowhere', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-in-place') });
    const linked = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'linked',
      dir: path.join(scratch, 'linked'),
    });
    const agent = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'agent',
      dir: path.join(scratch, 'agent'),
      inPlaceWrites: true,
    });
    const linkedFile = await stat(path.join(linked.root, 'shared.txt'));
    const agentFile = await stat(path.join(agent.root, 'shared.txt'));
    expect(agentFile.ino).not.toBe(linkedFile.ino);
    expect(agentFile.nlink).toBe(1);
    expect(agentFile.mode & 0o200).not.toBe(0);
    expect((await stat(path.join(agent.root, 'bin/run.sh'))).mode & 0o111).not.toBe(0);
    // An agent writes in place, as editors do: the other copy and the snapshot keep their bytes.
    await appendFile(path.join(agent.root, 'shared.txt'), 'in place\n');
    expect(await readFile(path.join(linked.root, 'shared.txt'), 'utf8')).toBe('original\n');
    expect(await backend.diff({ workspace: linked, base: 'main' })).toBe('');
    const diff = await backend.diff({ workspace: agent, base: 'main' });
    expect(diff).toContain('+in place');
    const commit = await backend.commit({
      workspace: agent,
      message: 'agent',
      author: { name: 'A', email: 'a@example.test' },
    });
    expect(await runGit(repo.dir, ['show', `${commit}:shared.txt`])).toBe('original\nin place\n');
    await backend.removeWorkingCopy({ workspace: agent });
    await backend.removeWorkingCopy({ workspace: linked });
    // A later hard-linked copy of the tree is untouched by what the agent wrote.
    const later = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'later',
      dir: path.join(scratch, 'later'),
    });
    expect(await readFile(path.join(later.root, 'shared.txt'), 'utf8')).toBe('original\n');
    await backend.removeWorkingCopy({ workspace: later });
  });

  it('share inodes read-only, so Workspace writes replace files and in-place writes fail instead of leaking', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone') });
    const one = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'one',
      dir: path.join(scratch, 'one'),
    });
    const two = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'two',
      dir: path.join(scratch, 'two'),
    });
    const inodeOne = (await stat(path.join(one.root, 'shared.txt'))).ino;
    expect((await stat(path.join(two.root, 'shared.txt'))).ino).toBe(inodeOne);
    expect((await stat(path.join(one.root, 'shared.txt'))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(one.root, 'bin/run.sh'))).mode & 0o111).not.toBe(0);

    // Root ignores file modes: there the invariant rests on writers alone (see the README).
    if (process.getuid?.() !== 0) {
      await expect(appendFile(path.join(one.root, 'shared.txt'), 'in place\n')).rejects.toMatchObject({
        code: 'EACCES',
      });
    }
    await one.writeFiles([{ path: 'shared.txt', content: 'changed in one\n' }]);
    expect(await readFile(path.join(one.root, 'shared.txt'), 'utf8')).toBe('changed in one\n');
    expect(await readFile(path.join(two.root, 'shared.txt'), 'utf8')).toBe('original\n');
    expect((await stat(path.join(one.root, 'shared.txt'))).ino).not.toBe(inodeOne);

    expect(await backend.diff({ workspace: two, base: 'main' })).toBe('');
    const diff = await backend.diff({ workspace: one, base: 'main' });
    expect(diff).toContain('+changed in one');
    expect(diff).not.toContain('bin/run.sh');
    expect((await runGit(one.root, ['status', '--porcelain'])).trim()).toBe('M shared.txt');
    const commit = await backend.commit({
      workspace: one,
      message: 'one',
      author: { name: 'O', email: 'o@example.test' },
    });
    expect((await runGit(repo.dir, ['show', `${commit}:shared.txt`])).trim()).toBe('changed in one');
    expect((await runGit(repo.dir, ['ls-tree', commit, 'bin/run.sh'])).startsWith('100755')).toBe(true);
    await backend.removeWorkingCopy({ workspace: one });
    await backend.removeWorkingCopy({ workspace: two });
  });

  it('gives copies of one snapshot the same index, clean for git, symbolic links included, and a commit by paths changes only its own copy', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-index') });
    const copies = await Promise.all(
      ['three', 'four'].map((name) =>
        backend.createWorkingCopy({ repo, baseRef: 'main', branch: name, dir: path.join(scratch, name) }),
      ),
    );
    const indexOf = async (root: string) =>
      readFile(path.join(root, '.git'), 'utf8').then((text) =>
        readFile(path.join(text.slice('gitdir: '.length).trim(), 'index')),
      );
    const [three, four] = copies as [(typeof copies)[0], (typeof copies)[0]];
    expect((await indexOf(three.root)).equals(await indexOf(four.root))).toBe(true);
    for (const copy of copies) expect(await runGit(copy.root, ['status', '--porcelain'])).toBe('');

    await three.writeFiles([{ path: 'shared.txt', content: 'three\n' }]);
    const commit = await backend.commit({
      workspace: three,
      message: 'three',
      author: { name: 'T', email: 't@example.test' },
      paths: ['shared.txt'],
    });
    expect((await runGit(repo.dir, ['show', `${commit}:shared.txt`])).trim()).toBe('three');
    expect(await runGit(three.root, ['status', '--porcelain'])).toBe('');
    expect(await runGit(four.root, ['status', '--porcelain'])).toBe('');
    expect(await backend.diff({ workspace: four, base: 'main', paths: [] })).toBe('');
    expect(await backend.diff({ workspace: three, base: 'main', paths: [] })).toContain('+three');

    // A repository with a symbolic link: that entry is each copy's own, the rest shared.
    const linked = path.join(scratch, 'linked-source');
    await runGit(scratch, ['init', '-q', '-b', 'main', linked]);
    await writeFile(path.join(linked, 'target.txt'), 'target\n');
    await symlink('target.txt', path.join(linked, 'link'));
    await runGit(linked, ['add', '-A']);
    await runGit(linked, ['commit', '-q', '-m', 'seed']);
    const linkedRepo = await backend.clone({ url: linked, dir: path.join(scratch, 'clone-linked') });
    for (const name of ['five', 'six']) {
      const copy = await backend.createWorkingCopy({
        repo: linkedRepo,
        baseRef: 'main',
        branch: name,
        dir: path.join(scratch, name),
      });
      expect(await runGit(copy.root, ['status', '--porcelain'])).toBe('');
      expect(await runGit(copy.root, ['ls-files', '-s', 'link'])).toMatch(/^120000 /);
      await backend.removeWorkingCopy({ workspace: copy });
    }
    for (const copy of copies) await backend.removeWorkingCopy({ workspace: copy });
  });

  it('sweeps the half-built snapshots of processes that died while building', async () => {
    const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-sweep') });
    const snapshots = path.join(repo.dir, '.git', 'goosuke', 'snapshots');
    // A process id that existed and is gone: a child that has exited.
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    const stale = path.join(snapshots, `${'a'.repeat(40)}.building-${deadPid}`);
    const alive = path.join(snapshots, `${'b'.repeat(40)}.building-${process.ppid}`);
    await mkdir(path.join(stale, 'src'), { recursive: true });
    await mkdir(alive, { recursive: true });

    const copy = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'sweep',
      dir: path.join(scratch, 'sweep-copy'),
    });
    const names = await readdir(snapshots);
    expect(names).not.toContain(path.basename(stale));
    expect(names).toContain(path.basename(alive));
    expect(names.filter((name) => /^[0-9a-f]{40}$/.test(name))).toHaveLength(1);
    await backend.removeWorkingCopy({ workspace: copy });
  });
});
