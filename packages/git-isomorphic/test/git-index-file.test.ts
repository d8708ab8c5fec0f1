import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIndex, type IndexEntry, readIndexFile, writeIndexFile } from '../src/git-index-file.ts';
import { runGit } from './git-cli.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'goosuke-index-file-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const blob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'; // the empty blob

function entry(file: string, ino: number): IndexEntry {
  return {
    path: file,
    oid: blob,
    mode: 0o100644,
    ctimeSeconds: 1,
    ctimeNanoseconds: 2,
    mtimeSeconds: 3,
    mtimeNanoseconds: 4,
    dev: 5,
    ino,
    uid: 6,
    gid: 7,
    size: 0,
  };
}

/** Paths in the order git keeps them: by UTF-8 bytes. */
function byBytes(paths: string[]): string[] {
  return [...paths].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
}

describe('encodeIndex', () => {
  it.each([
    [
      'ASCII paths only (the engine compares)',
      ['src/z.ts', 'src/a-b.ts', 'src/a/b.ts', 'README.md', 'a0', 'a/b'],
    ],
    [
      'paths beyond U+D800 (code points compared)',
      ['x/\uE000.txt', 'x/😀.txt', 'x/é.txt', 'x/z.txt', 'ünïcode/a'],
    ],
  ])('writes entries in git order, which git itself reads back: %s', async (_, paths) => {
    const entries = paths.map((file, index) => entry(file, index + 1));
    const bytes = encodeIndex(entries.reverse());
    const repository = await mkdtemp(path.join(directory, 'repo-'));
    await runGit(repository, ['init', '-q']);
    await writeIndexFile(path.join(repository, '.git', 'index'), entries);
    const listed = (await runGit(repository, ['ls-files', '-z', '--stage'])).split('\0').filter(Boolean);
    expect(listed.map((line) => line.slice(line.indexOf('\t') + 1))).toEqual(byBytes(paths));
    // The same bytes, and what reading them gives back.
    const read = await readIndexFile(path.join(repository, '.git', 'index'));
    expect([...read.entries.keys()]).toEqual(byBytes(paths));
    expect(encodeIndex(read.entries.values()).equals(bytes)).toBe(true);
  });
});
