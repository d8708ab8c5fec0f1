import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemGitBackend } from '../src/index.ts';
import { subcommand, writeRecordingGit } from './recording-git.ts';

let scratch = '';
let source = '';

/** Every file and directory under `directory` with its size, mtime and content hash: any write changes it. */
async function treeState(directory: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const stats = await stat(file);
    const hash = entry.isFile()
      ? createHash('sha1')
          .update(await readFile(file))
          .digest('hex')
      : 'dir';
    state.set(path.relative(directory, file), `${stats.size} ${stats.mtimeMs} ${stats.mode} ${hash}`);
  }
  return state;
}

/** Inodes of the object files (loose objects and packs) of the repository at `gitdir`. */
async function objectInodes(gitdir: string): Promise<Set<number>> {
  const objects = path.join(gitdir, 'objects');
  const inodes = new Set<number>();
  for (const entry of await readdir(objects, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) inodes.add((await stat(path.join(entry.parentPath, entry.name))).ino);
  }
  return inodes;
}

async function commitFile(dir: string, name: string, content: string): Promise<string> {
  await writeFile(path.join(dir, name), content);
  await runGit(dir, ['add', '-A']);
  await runGit(dir, ['commit', '-q', '-m', `write ${name}`]);
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-system-local-'));
  // A source with history, tags, a branch and a pack, as a CI checkout has.
  source = path.join(scratch, 'source');
  await mkdir(source);
  await runGit(source, ['init', '-q', '-b', 'main']);
  for (let index = 0; index < 12; index++) {
    await commitFile(source, `file-${index % 4}.txt`, `version ${index}\n`);
    if (index % 4 === 0) await runGit(source, ['tag', `v${index}`]);
  }
  await runGit(source, ['branch', 'feature']);
  await runGit(source, ['gc', '-q']);
  await commitFile(source, 'loose.txt', 'a loose object after the pack\n');
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

describe('system git backend on a local source repository (the CI case)', () => {
  it("shares the source's object files instead of copying them, and never writes the source", async () => {
    const binDir = path.join(scratch, 'bin');
    await mkdir(binDir);
    const recorder = await writeRecordingGit(binDir);
    const backend = createSystemGitBackend({ git: recorder.git, checkout: 'hardlink' });
    const before = await treeState(source);
    const head = (await runGit(source, ['rev-parse', 'HEAD'])).trim();

    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone') });
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(head);
    expect(await backend.resolveRef({ repo, ref: 'origin/feature' })).toBeTruthy();
    expect(await backend.resolveRef({ repo, ref: 'v8' })).toBeTruthy();
    // Every object file of the source is the same inode in the clone: nothing was copied.
    const sourceInodes = await objectInodes(path.join(source, '.git'));
    const cloneInodes = await objectInodes(path.join(repo.dir, '.git'));
    for (const inode of sourceInodes) expect(cloneInodes.has(inode)).toBe(true);

    // Runs: working copies, edits, commits, all in the clone.
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'goosuke/run-1',
      dir: path.join(scratch, 'copy'),
    });
    await workspace.writeFiles([{ path: 'file-0.txt', content: 'edited by a run\n' }]);
    await backend.commit({ workspace, message: 'run', author: { name: 'Run', email: 'run@example.test' } });
    await backend.removeWorkingCopy({ workspace });

    // The next run on an unchanged source compares refs and does nothing else.
    await writeFile(path.join(binDir, 'invocations.log'), '');
    await backend.clone({ url: source, dir: repo.dir });
    // Both sides' refs are read from their files: not even a git process starts.
    expect((await recorder.invocations()).map(subcommand)).toEqual([]);
    expect(await treeState(source)).toEqual(before);
  });

  it('fetches a new source commit without writing the source, whether its refs are loose, packed or deleted', async () => {
    const backend = createSystemGitBackend({ checkout: 'hardlink' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-2') });
    // Enough new objects that git keeps them as a pack (not loose): the working copy reads it.
    await mkdir(path.join(source, 'many'));
    for (let index = 0; index < 150; index++)
      await writeFile(path.join(source, 'many', `${index}.txt`), `${index}\n`);
    const later = await commitFile(source, 'later.txt', 'later\n');
    const before = await treeState(source);
    await backend.clone({ url: source, dir: repo.dir });
    expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(later);
    expect(await treeState(source)).toEqual(before);
    expect((await readdir(path.join(repo.dir, '.git', 'objects', 'pack'))).length).toBeGreaterThan(2);
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'goosuke/after-fetch',
      dir: path.join(scratch, 'copy-after-fetch'),
    });
    expect(await workspace.readFile('many/149.txt')).toBe('149\n');
    await backend.removeWorkingCopy({ workspace });
    // Packed refs, a new tag and a deleted branch are seen as changes too.
    await runGit(source, ['tag', 'packed-later']);
    await runGit(source, ['pack-refs', '--all']);
    await runGit(source, ['branch', '-D', 'feature']);
    await backend.clone({ url: source, dir: repo.dir });
    expect(await backend.resolveRef({ repo, ref: 'packed-later' })).toBe(later);
    expect(await backend.listBranches({ repo })).not.toContain('origin/feature');
  });

  it("fetches a detached HEAD's commit (a CI checkout of a merge ref), and then sees no change", async () => {
    const binDir = path.join(scratch, 'bin-detached');
    await mkdir(binDir);
    const recorder = await writeRecordingGit(binDir);
    const backend = createSystemGitBackend({ git: recorder.git });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone-3') });
    const detached = await commitFile(source, 'detached.txt', 'on no branch\n');
    await runGit(source, ['checkout', '-q', '--detach', detached]);
    await runGit(source, ['branch', '-f', 'main', 'HEAD~1']);
    try {
      const before = await treeState(source);
      await backend.clone({ url: source, dir: repo.dir });
      expect(await backend.resolveRef({ repo, ref: detached })).toBe(detached);
      expect(await treeState(source)).toEqual(before);
      await writeFile(path.join(binDir, 'invocations.log'), '');
      await backend.clone({ url: source, dir: repo.dir });
      expect((await recorder.invocations()).map(subcommand)).toEqual([]);
    } finally {
      await runGit(source, ['checkout', '-q', 'main']);
    }
  });

  it('clones CI-shaped sources: shallow, and borrowing objects through alternates', async () => {
    const backend = createSystemGitBackend({ checkout: 'hardlink' });
    const head = (await runGit(source, ['rev-parse', 'main'])).trim();
    const shallow = path.join(scratch, 'shallow-source');
    await runGit(scratch, ['clone', '-q', '--depth', '1', `file://${source}`, shallow]);
    const borrowing = path.join(scratch, 'borrowing-source');
    await runGit(scratch, ['clone', '-q', '--shared', source, borrowing]);
    for (const [name, location] of [
      ['shallow', shallow],
      ['borrowing', borrowing],
    ] as const) {
      const repo = await backend.clone({ url: location, dir: path.join(scratch, `clone-${name}`) });
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(head);
      // isomorphic-git, which reads the clone, does not follow alternates: the clone has its own objects.
      await expect(stat(path.join(repo.dir, '.git', 'objects', 'info', 'alternates'))).rejects.toThrow();
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: `goosuke/${name}`,
        dir: path.join(scratch, `copy-${name}`),
      });
      expect(await workspace.readFile('loose.txt')).toBe('a loose object after the pack\n');
      await backend.removeWorkingCopy({ workspace });
    }
  });
});

describe('a detection given by the caller', () => {
  it('is used instead of asking git its version again; one below the minimum is not', async () => {
    const recording = await writeRecordingGit(await mkdtemp(path.join(scratch, 'recording-')));
    const versionChecks = async () =>
      (await recording.invocations()).filter((invocation) => invocation.args.includes('--version')).length;
    const version = (await runGit(scratch, ['--version'])).trim().split(' ')[2]!;
    const backend = createSystemGitBackend({
      git: recording.git,
      detected: { path: recording.git, version },
    });
    await backend.clone({ url: source, dir: path.join(scratch, 'detected-clone') });
    expect(await versionChecks()).toBe(0);
    const old = createSystemGitBackend({
      git: recording.git,
      detected: { path: recording.git, version: '2.20.0' },
    });
    await old.clone({ url: source, dir: path.join(scratch, 'asked-clone') });
    expect(await versionChecks()).toBe(1);
  });
});
