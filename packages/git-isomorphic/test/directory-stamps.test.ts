import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directoryUnchanged,
  freshDirectoryMode,
  readDirectoryStamps,
  type StampedCopyOf,
  stampDirectories,
  writeDirectoryStamps,
} from '../src/directory-stamps.ts';

let scratch = '';
let case_ = 0;
const directories = ['a', 'a/b', 'c'];
const of: StampedCopyOf = { tree: 'e'.repeat(40), snapshotInode: 12345, directoryMode: freshDirectoryMode() };

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-stamps-'));
});

afterAll(async () => {
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
});

/**
 * A root with the directories `a`, `a/b`, `c` and a file in each, made a few clock ticks ago (a
 * tick of the file system's clock is 1-10 ms): stamps written now are not racy.
 */
async function layout(): Promise<string> {
  const root = path.join(scratch, `root-${case_++}`);
  for (const directory of directories) {
    mkdirSync(path.join(root, directory), { recursive: true });
    writeFileSync(path.join(root, directory, 'f.txt'), directory);
  }
  await sleep(50);
  return root;
}

const unchanged = (root: string, stamps: Float64Array) =>
  directories.map((directory, index) => directoryUnchanged(path.join(root, directory), stamps, index));

describe('directory stamps', () => {
  it('tell an untouched directory from one whose entries or mode changed', async () => {
    const root = await layout();
    const stamps = stampDirectories(root, directories);
    const file = path.join(scratch, `stamps-${case_}`);
    writeDirectoryStamps(file, of, stamps);
    const read = readDirectoryStamps(file, of, directories.length)!;
    expect(unchanged(root, read)).toEqual([true, true, true]);

    // A file written in place changes no directory; one added, renamed or removed does.
    writeFileSync(path.join(root, 'a/f.txt'), 'rewritten');
    expect(unchanged(root, read)).toEqual([true, true, true]);
    writeFileSync(path.join(root, 'a/b/new.txt'), 'new');
    renameSync(path.join(root, 'c/f.txt'), path.join(root, 'c/g.txt'));
    expect(unchanged(root, read)).toEqual([true, false, false]);
    chmodSync(path.join(root, 'a'), 0o700);
    expect(unchanged(root, read)).toEqual([false, false, false]);

    // Missing, or a file in its place: not a directory at all.
    rmSync(path.join(root, 'a/b'), { recursive: true });
    writeFileSync(path.join(root, 'a/b'), 'a file');
    rmSync(path.join(root, 'c'), { recursive: true });
    expect(unchanged(root, read)).toEqual([false, undefined, undefined]);
  });

  it('never trusts a directory changed in the clock tick the stamps were written', async () => {
    const root = await layout();
    // `a` changed just now, the others ticks ago.
    writeFileSync(path.join(root, 'a/late.txt'), 'late');
    const stamps = stampDirectories(root, directories);
    const file = path.join(scratch, `stamps-${case_}`);
    writeDirectoryStamps(file, of, stamps);
    expect(unchanged(root, readDirectoryStamps(file, of, directories.length)!).slice(1)).toEqual([
      true,
      true,
    ]);
    // The write time the file holds is what decides: as if written in the tick `a` changed in,
    // `a` could change again unseen (same times), and is never trusted.
    const bytes = readFileSync(file);
    bytes.writeDoubleLE(stamps[2]!, 56);
    writeFileSync(file, bytes);
    expect(unchanged(root, readDirectoryStamps(file, of, directories.length)!)).toEqual([false, true, true]);
    bytes.writeDoubleLE(stamps[2]! + 0.001, 56);
    writeFileSync(file, bytes);
    expect(unchanged(root, readDirectoryStamps(file, of, directories.length)!)).toEqual([true, true, true]);
  });

  it('belong to one tree, snapshot, directory mode and number of directories', async () => {
    const root = await layout();
    const file = path.join(scratch, `stamps-${case_}`);
    writeDirectoryStamps(file, of, stampDirectories(root, directories));
    expect(readDirectoryStamps(file, of, directories.length)).not.toBeNull();
    expect(readDirectoryStamps(file, { ...of, tree: 'f'.repeat(40) }, directories.length)).toBeNull();
    expect(readDirectoryStamps(file, { ...of, snapshotInode: 1 }, directories.length)).toBeNull();
    expect(readDirectoryStamps(file, { ...of, directoryMode: 0o700 }, directories.length)).toBeNull();
    expect(readDirectoryStamps(file, of, directories.length + 1)).toBeNull();
    expect(readDirectoryStamps(path.join(scratch, 'none'), of, directories.length)).toBeNull();
    // A spare's `.git` that is still the gitdir file of the copy it was.
    writeFileSync(file, 'gitdir: /somewhere/.git/worktrees/copy\n');
    expect(readDirectoryStamps(file, of, directories.length)).toBeNull();
  });
});
