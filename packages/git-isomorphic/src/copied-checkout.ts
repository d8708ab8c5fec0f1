import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import { chmod, copyFile, lstat, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { BackendContext, LinkPlan, WorkingCopy } from './backend-context.ts';
import {
  type CopiedRecord,
  copiedRecordFile,
  emptyRecord,
  recordDirectory,
  recordedEntries,
  recordFile,
  writeCopiedRecord,
} from './copied-records.ts';
import { freshDirectoryMode } from './directory-stamps.ts';
import type { FlatTree, TreeFile } from './git-objects.ts';
import { linkPlanOf } from './working-copy-checkout.ts';
import { childPath } from './working-copy-scan.ts';
import { storeIndex } from './working-copy-state.ts';

// Copies for in-place writers (`inPlaceWrites` in `'hardlink'` mode): every file copied from the
// tree's snapshot (a reflink where the file system has them), writable, its own inode, and what
// each file and directory was right after it was made kept as the copy's record
// (`copied-records.ts`), from which a reset tells the files nobody touched since.

/** The permission bits of a copied copy's file of git mode `mode`: the agent's to change, executable as the tree says. */
export function copiedFileMode(mode: number): number {
  return mode === 0o100755 ? 0o755 : 0o644;
}

/**
 * Makes file `entry` at `file` under `root` from the snapshot (its parent directory must exist,
 * the path must not): a copy with the copied mode, or a symbolic link with the snapshot's
 * target; returns its bigint `lstat`, taken after its last change (the `chmod`).
 */
async function copyOne(root: string, snapshot: string, file: string, entry: TreeFile): Promise<BigIntStats> {
  const target = childPath(root, file);
  const origin = childPath(snapshot, file);
  if (entry.mode === 0o120000) await symlink(await readlink(origin), target);
  else {
    await copyFile(origin, target, fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL);
    // The snapshot's files are read-only; the copy's are the agent's to change.
    await chmod(target, copiedFileMode(entry.mode));
  }
  return lstat(target, { bigint: true });
}

/** {@link copyOne}, synchronous: for a reset nobody waits for, whose work must not keep the process alive. */
function copyOneSync(root: string, snapshot: string, file: string, entry: TreeFile): BigIntStats {
  const target = childPath(root, file);
  const origin = childPath(snapshot, file);
  if (entry.mode === 0o120000) fs.symlinkSync(fs.readlinkSync(origin), target);
  else {
    fs.copyFileSync(origin, target, fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL);
    fs.chmodSync(target, copiedFileMode(entry.mode));
  }
  return fs.lstatSync(target, { bigint: true });
}

/** Options of {@link copyFilesInto}. */
export interface CopyFilesOptions {
  /** Files made at once in the thread pool (a copy, a `chmod` and an `lstat` each). */
  concurrency: number;
  /**
   * Given for a reset nobody waits for: the files are made by synchronous calls, and this is
   * awaited every few of them (its pauses must not keep the process alive: see `SnapshotResetOptions`).
   */
  pause?: () => Promise<void>;
}

/**
 * Makes the files at `positions` of `plan` under `root` from `snapshot` (their directories must
 * exist, their paths must not), recording each in `record` right after it is made.
 */
export async function copyFilesInto(
  root: string,
  snapshot: string,
  plan: LinkPlan,
  positions: ArrayLike<number>,
  record: CopiedRecord,
  { concurrency, pause }: CopyFilesOptions,
): Promise<void> {
  const { files } = plan;
  if (pause !== undefined) {
    for (let index = 0; index < positions.length; index++) {
      if (index % 100 === 99) await pause();
      const position = positions[index]!;
      const [file, entry] = files[position]!;
      recordFile(record, position, copyOneSync(root, snapshot, file, entry));
    }
    return;
  }
  // In the thread pool, several at once: each file is three system calls (copy, chmod, lstat),
  // which the pool's threads overlap (about twice as fast as one after the other here).
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < positions.length) {
      const position = positions[next++]!;
      const [file, entry] = files[position]!;
      recordFile(record, position, await copyOne(root, snapshot, file, entry));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, positions.length) }, worker));
}

/**
 * Copies every file of the snapshot at `snapshot` into `copy`'s root (a reflink where the file
 * system has them), writable (0644, or 0755 for executables), and writes the copy's index from
 * their stat data and its record (`copied-records.ts`, in its git directory): a copy whose
 * files are its own inodes, for tools that write files in place (coding agents), made from the
 * tree's checkout instead of inflating every blob again.
 */
export async function copyFromSnapshot(
  context: BackendContext,
  copy: WorkingCopy,
  flat: FlatTree,
  snapshot: string,
): Promise<void> {
  const { root } = copy;
  const plan = linkPlanOf(context, flat);
  for (const directory of plan.leaves) fs.mkdirSync(childPath(root, directory), { recursive: true });
  const record = emptyRecord(flat.trees.get('')!, freshDirectoryMode(), plan);
  const all = Uint32Array.from(plan.files, (_, position) => position);
  await copyFilesInto(root, snapshot, plan, all, record, { concurrency: context.fileConcurrency });
  // Stamped after every file in them was made: their last change.
  plan.directories.forEach((directory, position) => {
    recordDirectory(record, position, fs.lstatSync(childPath(root, directory), { bigint: true }));
  });
  await writeCopiedRecord(path.join(copy.gitdir, copiedRecordFile), record);
  await storeIndex(context, copy, recordedEntries(record, plan));
}
