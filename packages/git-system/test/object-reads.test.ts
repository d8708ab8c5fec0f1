import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, detectSystemGit } from '../src/detect-system-git.ts';
import { createSystemGitBackend } from '../src/index.ts';

// The system backend reads objects through git (`cat-file`, `merge-base`, `merge-tree`), never
// by loading packs itself. Proof: a clone whose objects all live in another repository, reached
// through `objects/info/alternates`, which isomorphic-git does not follow: every read below
// fails when Node reads the objects, and succeeds through git.

let scratch = '';
let shared = '';
let base = '';
let side = '';

async function commitFiles(dir: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await runGit(dir, ['add', '-A']);
  await runGit(dir, ['commit', '-q', '-m', message]);
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-system-objects-'));
  const source = path.join(scratch, 'source');
  await mkdir(source);
  await runGit(source, ['init', '-q', '-b', 'main']);
  const long = Array.from({ length: 40 }, (_, index) => `line ${index}`).join('\n');
  base = await commitFiles(source, { 'src/a.ts': `${long}\n`, 'README.md': 'hello\n' }, 'base');
  await runGit(source, ['tag', '-a', '-m', 'release', 'v1']);
  await runGit(source, ['checkout', '-q', '-b', 'side']);
  // The side branch moves the file; main edits it: git's merge follows the rename.
  await runGit(source, ['mv', 'src/a.ts', 'src/b.ts']);
  side = await commitFiles(source, { 'side.txt': 'side\n' }, 'move a to b');
  await runGit(source, ['checkout', '-q', 'main']);
  await commitFiles(source, { 'src/a.ts': `${long.replace('line 0', 'line zero')}\n` }, 'edit a');
  await runGit(source, ['gc', '-q']);
  shared = path.join(scratch, 'shared');
  await runGit(scratch, ['clone', '-q', '--shared', '--no-checkout', source, shared]);
  for (const branch of ['side']) await runGit(shared, ['branch', '-q', branch, `origin/${branch}`]);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('system git backend object reads', () => {
  it('resolves, reads, diffs and commits in a clone whose objects only git can reach', async () => {
    const backend = createSystemGitBackend();
    const repo = { dir: shared, url: path.join(scratch, 'source') };
    expect(await backend.resolveRef({ repo, ref: 'v1' })).toBe(base);
    expect(await backend.resolveRef({ repo, ref: base.slice(0, 8) })).toBe(base);
    const view = await backend.openCommit({ repo, commit: base });
    expect(await view.readFile('README.md')).toBe('hello\n');
    const workspace = await backend.createWorkingCopy({
      repo,
      baseRef: 'v1',
      branch: 'work',
      dir: path.join(scratch, 'work'),
    });
    await writeFile(path.join(workspace.root, 'README.md'), 'changed\n');
    expect(await backend.diff({ workspace, base })).toContain('-hello\n+changed\n');
    const commit = await backend.commit({
      workspace,
      message: 'change',
      author: { name: 'T', email: 't@example.test' },
    });
    expect(await backend.isAncestor({ repo, ancestor: base, commit })).toBe(true);
    expect(await backend.isAncestor({ repo, ancestor: commit, commit: base })).toBe(false);
    await backend.removeWorkingCopy({ workspace });
  });

  it('merges with git merge-tree where git has it: a rename on one side, an edit on the other', async (context) => {
    const found = await detectSystemGit();
    if (found === undefined || compareVersions(found.version, '2.38.0') < 0) context.skip();
    const backend = createSystemGitBackend();
    const repo = { dir: shared, url: path.join(scratch, 'source') };
    const merged = await backend.mergeIntoBranch({
      repo,
      branch: 'side',
      theirs: 'origin/main',
      message: 'merge main',
      author: { name: 'T', email: 't@example.test' },
    });
    const view = await backend.openCommit({ repo, commit: merged });
    expect(await view.readFile('src/a.ts')).toBeNull();
    expect(await view.readFile('src/b.ts')).toMatch(/^line zero\n/);
    expect(
      (await runGit(shared, ['rev-parse', `${merged}^1`, `${merged}^2`])).split('\n').filter(Boolean),
    ).toEqual([side, await backend.resolveRef({ repo, ref: 'origin/main' })]);
  });
});
