import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIndex, type IndexEntry, readIndexFile } from '../src/git-index-file.ts';
import { patchIndex } from '../src/git-index-patch.ts';
import { createIsomorphicGitBackend } from '../src/index.ts';
import { runGit } from './git-cli.ts';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const names = ['a', 'a-b', 'a.b', 'a0', 'b', 'src', 'é', 'z', '😀', '\uE000', 'README.md', 'index.ts'];

function entry(path: string, seed: number): IndexEntry {
  return {
    path,
    oid: ((seed * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(5),
    mode: seed % 3 === 0 ? 0o100755 : 0o100644,
    ctimeSeconds: seed,
    ctimeNanoseconds: seed * 3,
    mtimeSeconds: seed + 1,
    mtimeNanoseconds: seed * 5,
    dev: 7,
    ino: seed * 11,
    uid: 1000,
    gid: 1000,
    size: seed * 13,
  };
}

function randomPath(next: () => number): string {
  const depth = 1 + Math.floor(next() * 3);
  return Array.from({ length: depth }, () => names[Math.floor(next() * names.length)]!).join('/');
}

describe('patchIndex', () => {
  it('gives byte for byte what encodeIndex gives for the changed entries (adds, removals, replacements anywhere)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const base = new Map<string, IndexEntry>();
      const size = Math.floor(next() * 40);
      for (let index = 0; index < size; index++) {
        const path = randomPath(next);
        base.set(path, entry(path, index + 1));
      }
      const changes = new Map<string, IndexEntry | null>();
      const known = [...base.keys()];
      const changeCount = Math.floor(next() * 8);
      for (let index = 0; index < changeCount; index++) {
        const roll = next();
        const path =
          roll < 0.5 && known.length > 0 ? known[Math.floor(next() * known.length)]! : randomPath(next);
        changes.set(path, roll < 0.25 && base.has(path) ? null : entry(path, 1000 + seed * 10 + index));
      }
      const after = new Map(base);
      changes.forEach((value, path) => {
        if (value === null) after.delete(path);
        else after.set(path, value);
      });
      const patched = patchIndex(encodeIndex(base.values()), changes);
      expect(patched, `seed ${seed}`).not.toBeNull();
      expect(patched!.equals(encodeIndex(after.values())), `seed ${seed}`).toBe(true);
    }
  });

  it('handles paths of 4095 bytes and more (their length is found by their NUL)', () => {
    const long = `${'d/'.repeat(2100)}file.txt`;
    const base = new Map([
      ['a', entry('a', 1)],
      [long, entry(long, 2)],
      ['z', entry('z', 3)],
    ]);
    const changes = new Map<string, IndexEntry | null>([
      [long, entry(long, 4)],
      [`${long}x`, entry(`${long}x`, 5)],
      ['a', null],
    ]);
    const after = new Map(base);
    after.delete('a');
    after.set(long, entry(long, 4));
    after.set(`${long}x`, entry(`${long}x`, 5));
    expect(patchIndex(encodeIndex(base.values()), changes)!.equals(encodeIndex(after.values()))).toBe(true);
  });

  it('declines what it would copy blindly: other versions, extended flags, conflict stages, extensions', () => {
    const plain = encodeIndex([entry('a', 1), entry('b', 2)]);
    const change = new Map([['c', entry('c', 3)]]);
    expect(patchIndex(plain, change)).not.toBeNull();
    const version3 = Buffer.from(plain);
    version3.writeUInt32BE(3, 4);
    expect(patchIndex(version3, change)).toBeNull();
    const extended = Buffer.from(plain);
    extended.writeUInt16BE(extended.readUInt16BE(12 + 60) | 0x4000, 12 + 60);
    expect(patchIndex(extended, change)).toBeNull();
    const staged = Buffer.from(plain);
    staged.writeUInt16BE(staged.readUInt16BE(12 + 60) | 0x1000, 12 + 60);
    expect(patchIndex(staged, change)).toBeNull();
    // A TREE extension (a cache tree) between the entries and the checksum.
    const withExtension = Buffer.concat([
      plain.subarray(0, plain.length - 20),
      Buffer.from('TREE'),
      Buffer.from([0, 0, 0, 0]),
      plain.subarray(plain.length - 20),
    ]);
    expect(patchIndex(withExtension, change)).toBeNull();
    expect(patchIndex(Buffer.from('not an index at all, clearly'), change)).toBeNull();
  });
});

/** A repository at `source` with one commit on main holding `files` (each holds its own name). */
async function seedRepository(scratch: string, source: string, files: readonly string[]): Promise<void> {
  await runGit(scratch, ['init', '-q', '-b', 'main', source]);
  for (const name of files) {
    await mkdir(path.dirname(path.join(source, name)), { recursive: true });
    await writeFile(path.join(source, name), `${name}\n`);
  }
  await runGit(source, ['add', '-A']);
  await runGit(source, ['commit', '-q', '-m', 'seed']);
}

describe('a commit told its paths', () => {
  let scratch = '';
  afterAll(async () => {
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  it.each(['hardlink', 'write'] as const)(
    'leaves an index that real git reads as the new commit, with no staged or unstaged change (%s checkout)',
    async (checkout) => {
      scratch ||= await mkdtemp(path.join(tmpdir(), 'goosuke-index-patch-'));
      const source = path.join(scratch, `source-${checkout}`);
      await seedRepository(scratch, source, ['a.txt', 'src/b.ts', 'src/c.ts', 'z.md']);
      const backend = createIsomorphicGitBackend({ checkout });
      const repo = await backend.clone({ url: source, dir: path.join(scratch, `clone-${checkout}`) });
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'run',
        dir: path.join(scratch, `copy-${checkout}`),
      });
      const author = { name: 'Run', email: 'run@example.test' };
      for (const [round, changes] of [
        [
          { path: 'src/b.ts', content: 'changed\n' },
          { path: 'src/a-new.ts', content: 'added\n' },
          { path: 'z.md', content: null },
        ],
        [
          { path: '0-first.txt', content: 'sorts first\n' },
          { path: 'src/c.ts', content: null },
          { path: 'src/b.ts', content: 'changed again\n' },
        ],
      ].entries()) {
        await workspace.writeFiles(changes);
        const commit = await backend.commit({
          workspace,
          message: `round ${round}`,
          author,
          paths: changes.map((change) => change.path),
        });
        expect((await runGit(workspace.root, ['rev-parse', 'HEAD'])).trim()).toBe(commit);
        expect(await runGit(workspace.root, ['status', '--porcelain'])).toBe('');
        expect(await runGit(workspace.root, ['diff', '--cached', '--name-only', 'HEAD'])).toBe('');
        // The index holds exactly the commit's files, in git's order, as encodeIndex writes them.
        const indexFile = (await runGit(workspace.root, ['rev-parse', '--git-path', 'index'])).trim();
        const read = await readIndexFile(path.resolve(workspace.root, indexFile));
        expect([...read.entries.keys()]).toEqual(
          (await runGit(workspace.root, ['ls-tree', '-r', '--name-only', 'HEAD'])).trim().split('\n'),
        );
        expect(
          encodeIndex(read.entries.values()).equals(await readFile(path.resolve(workspace.root, indexFile))),
        ).toBe(true);
      }
      await backend.removeWorkingCopy({ workspace });
    },
  );
});

describe('a commit told its paths, on an index that already differs from its parent', () => {
  let scratch = '';
  afterAll(async () => {
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  it('commits what the index held beyond the told paths too, as a full look would', async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-index-differs-'));
    const source = path.join(scratch, 'source');
    await seedRepository(scratch, source, ['a.txt', 'b.txt', 'c.txt']);
    const backend = createIsomorphicGitBackend({ checkout: 'write' });
    const repo = await backend.clone({ url: source, dir: path.join(scratch, 'clone') });
    const trees: string[] = [];
    for (const told of [true, false]) {
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: `run-${told}`,
        dir: path.join(scratch, `copy-${told}`),
      });
      // Another tool staged a change and a new file: the index differs from the parent there.
      await writeFile(path.join(workspace.root, 'b.txt'), 'staged elsewhere\n');
      await writeFile(path.join(workspace.root, 'new.txt'), 'staged new file\n');
      await runGit(workspace.root, ['add', 'b.txt', 'new.txt']);
      await workspace.writeFiles([{ path: 'a.txt', content: 'told\n' }]);
      const commit = await backend.commit({
        workspace,
        message: 'run',
        author: { name: 'Run', email: 'run@example.test' },
        ...(told ? { paths: ['a.txt'] } : {}),
      });
      trees.push((await runGit(workspace.root, ['rev-parse', `${commit}^{tree}`])).trim());
      expect(await runGit(workspace.root, ['show', `${commit}:b.txt`])).toBe('staged elsewhere\n');
      expect(await runGit(workspace.root, ['show', `${commit}:new.txt`])).toBe('staged new file\n');
      expect(await runGit(workspace.root, ['status', '--porcelain'])).toBe('');
      await backend.removeWorkingCopy({ workspace });
    }
    expect(trees[0]).toBe(trees[1]);
  });
});
