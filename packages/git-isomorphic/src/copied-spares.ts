import * as fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackendContext, WorkingCopy } from './backend-context.ts';
import { discardInto, moveToTrash } from './clone-trash.ts';
import { copyFromSnapshot } from './copied-checkout.ts';
import {
  type CopiedRecord,
  copiedRecordFile,
  readCopiedRecord,
  recordedEntries,
  writeCopiedRecord,
} from './copied-records.ts';
import { resetCopiedCopy } from './copied-reset.ts';
import type { FlatTree } from './git-objects.ts';
import { linkPlanOf } from './working-copy-checkout.ts';
import { removeTree } from './working-copy-scan.ts';
import { storeIndex } from './working-copy-state.ts';

// Spare in-place-writes ("copied") working copies: the copied kind of `spare-copies.ts`'s spares
// (`<clone>/.git/goosuke/spares/<tree id>/copied-dirty-…`, `copied-ready-…`), kept, claimed and
// pruned as the linked kind is, never mixed with it. What differs is how one is made exact again
// (`resetCopiedCopy`: every file checked against the record of what it was when made, anything
// unproven copied anew) and where that record travels: the copy's git directory, the spare's
// root `.git` (put there by the removal, in place of whatever the agent left), the git directory
// of the copy that claims it.

/** Where `copy`'s record is kept while it is a live copy. */
function recordPathOf(copy: WorkingCopy): string {
  return path.join(copy.gitdir, copiedRecordFile);
}

/**
 * Moves the record of the removed copied copy `copy` (its git directory's) into `directory`
 * (its root, about to become a spare) as its `.git`. What the agent left there (a forged
 * record, a directory) must never be read as the record: when the rename fails it is deleted,
 * and the rename tried again; resolves false when `.git` could be neither Goosuke's record nor
 * absent (the copy must then not be kept as a spare). A copy without a record leaves no `.git`
 * (its reset then copies every file again).
 */
export async function carryRecordInto(
  context: BackendContext,
  copy: WorkingCopy,
  directory: string,
): Promise<boolean> {
  const target = path.join(directory, '.git');
  const source = recordPathOf(copy);
  try {
    // The agent may have taken its own write permission on the root away (the reset gives the
    // root a fresh directory's mode back in any case).
    const stats = fs.lstatSync(directory);
    if (!stats.isDirectory()) return false;
    if ((stats.mode & 0o700) !== 0o700) fs.chmodSync(directory, (stats.mode & 0o7777) | 0o700);
  } catch {
    return false;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (fs.existsSync(source)) fs.renameSync(source, target);
      else fs.rmSync(target, { force: true });
      return true;
    } catch {
      // `.git` is a directory (or something else a rename cannot replace): out of the way.
      try {
        if ((await moveToTrash(context, copy.cloneGitdir, target)) === null) await removeTree(target);
      } catch {
        return false;
      }
    }
  }
  return false;
}

/** Options of {@link resetCopiedSpare}. */
export interface CopiedSpareReset {
  interruptible: boolean;
}

/**
 * Resets the dirty copied spare `dirty` of `flat` (its record, if any, its `.git`) and leaves
 * its new record as its `.git`: a ready spare but for its name. Throws when it cannot (the
 * caller throws it away).
 */
export async function resetCopiedSpare(
  context: BackendContext,
  cloneGitdir: string,
  dirty: string,
  flat: FlatTree,
  snapshot: string,
  { interruptible }: CopiedSpareReset,
): Promise<void> {
  const recordFile = path.join(dirty, '.git');
  const tree = flat.trees.get('')!;
  const { record } = await resetCopiedCopy(context, dirty, flat, snapshot, {
    record: readCopiedRecord(recordFile, tree, linkPlanOf(context, flat)),
    discard: discardInto(context, cloneGitdir),
    interruptible,
  });
  await writeCopiedRecord(recordFile, record, { interruptible });
}

/**
 * Fills the new copied copy `copy` of `flat` and writes its index, its record and its `.git`
 * file (`claim` says how its root was had, see `claimSpare`): a ready copied spare needs only
 * its record moved and its index written from it; a dirty one is reset in place, or, when that
 * fails, thrown away and the copy made anew; no spare, it is copied from the snapshot. The
 * result is the same in every case.
 */
export async function fillCopiedCopy(
  context: BackendContext,
  copy: WorkingCopy,
  flat: FlatTree,
  snapshot: string,
  claim: 'ready' | 'dirty' | null,
): Promise<void> {
  const gitFile = (): Promise<void> => writeFile(path.join(copy.root, '.git'), `gitdir: ${copy.gitdir}\n`);
  if (claim === null) {
    await copyFromSnapshot(context, copy, flat, snapshot);
    return;
  }
  const plan = linkPlanOf(context, flat);
  const tree = flat.trees.get('')!;
  const recordFile = path.join(copy.root, '.git');
  let record: CopiedRecord | null = null;
  if (claim === 'ready') {
    // Reset already, its record as its `.git`: it becomes the copy's.
    try {
      fs.renameSync(recordFile, recordPathOf(copy));
      record = readCopiedRecord(recordPathOf(copy), tree, plan);
    } catch {
      // None: reset below, which copies every file again.
    }
    if (record !== null) {
      await gitFile();
      await storeIndex(context, copy, recordedEntries(record, plan));
      return;
    }
  }
  try {
    ({ record } = await resetCopiedCopy(context, copy.root, flat, snapshot, {
      record: readCopiedRecord(recordFile, tree, plan),
      discard: discardInto(context, copy.cloneGitdir),
    }));
  } catch {
    // Whatever stopped the reset (a file it may not delete), a copy made anew has no part of it.
    if ((await moveToTrash(context, copy.cloneGitdir, copy.root)) === null) await removeTree(copy.root);
    fs.mkdirSync(copy.root, { recursive: true });
    await gitFile();
    await copyFromSnapshot(context, copy, flat, snapshot);
    return;
  }
  await writeCopiedRecord(recordPathOf(copy), record);
  // The spare's record, left by the reset: replaced, not written through.
  fs.rmSync(recordFile, { force: true });
  await gitFile();
  await storeIndex(context, copy, recordedEntries(record, plan));
}
