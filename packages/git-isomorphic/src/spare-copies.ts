import * as fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BackendContext, flatTreeOf, hexId, type WorkingCopy } from './backend-context.ts';
import { discardInto, moveToTrash } from './clone-trash.ts';
import { carryRecordInto, resetCopiedSpare } from './copied-spares.ts';
import {
  type DirectoryStamps,
  directoryStampsFile,
  keepCopyStamps,
  readDirectoryStamps,
  stampedCopyOf,
  writeDirectoryStamps,
} from './directory-stamps.ts';
import { type IndexEntry, statFields } from './git-index-file.ts';
import type { FlatTree } from './git-objects.ts';
import { processAlive } from './process-alive.ts';
import { resetToSnapshot } from './snapshot-reset.ts';
import { linkFromSnapshot, linkPlanOf, snapshotIndexOf, storeLinkedIndex } from './working-copy-checkout.ts';
import { childPath, removeTree, removeTreeElsewhere } from './working-copy-scan.ts';

// Spare working copies (`'hardlink'` mode). Making a hard-linked copy costs a `mkdir` per
// directory (170-650 µs each on ext4) far more than a `link` per file (7 µs): thousands of
// directories take seconds of the main thread. So a removed copy is not deleted but kept, its
// directories and most of its links intact, as a spare for the next copy of the same tree:
//
//   <clone>/.git/goosuke/spares/<tree id>/dirty-<pid>-<n>   moved there by the removal (a rename)
//   <clone>/.git/goosuke/spares/<tree id>/ready-<pid>-<n>   reset to the snapshot's exact content
//
// The removing backend resets a dirty spare in the background (`resetToSnapshot`) and renames
// it ready; a copy of that tree claims a ready spare by renaming it to its root, or else a dirty
// one whose owner process ended (a `goosuke run` exits as soon as its runs end), which it resets
// in place. A rename is atomic: of several backends or processes, one gets a spare, the others
// ENOENT and try the next. Spares go to the trash with their tree's snapshot (`pruneSpares`),
// and there are at most `spareCopiesPerTree` of a tree (more removals go to the trash), so they
// cannot pile up across processes.
//
// Copies for in-place writers (`inPlaceWrites`: an agent's, each file its own inode copied from
// the snapshot) are kept the same way as spares of another kind, `copied-dirty-…` and
// `copied-ready-…` beside the linked ones (see `copied-spares.ts` for their reset). The two kinds
// never mix: a linked copy claiming a copied spare would hold writable files of its own where
// the snapshot's read-only links belong, and a copied copy claiming a linked spare would hand an
// agent the snapshot's own inodes to write through. Each kind has its own `spareCopiesPerTree`.

/** Makes spare names unique within the process (two backends of one process share its id). */
let spareCounter = 0;

/** Trees of at most this many files and directories are reset before the removal resolves. */
const smallTreeEntries = 1_000;

/**
 * How long after a removal a large tree's spare is reset, in the background, on a timer that
 * does not keep the process alive: a process whose work is done (a `goosuke run`, which removes
 * its copies as its runs end) exits at once instead of resetting first (each of its last awaits
 * would wait for a batch of the reset), its spares left dirty for the next process to reset in
 * place while its runs wait for their models. A server resets them here.
 */
const spareResetDelayMs = 1_000;

/** How a new copy's directory was had: a spare, reset already or not, or none (made anew). */
export type SpareClaim = 'ready' | 'dirty' | null;

/** The kind of a spare: of hard-linked copies, or of copied (in-place-writes) ones. */
export type SpareKind = 'linked' | 'copied';

/** What a spare's name starts with, before `ready-` or `dirty-`, by kind. */
const namePrefix: Record<SpareKind, string> = { linked: '', copied: 'copied-' };

/** The kind of the spare named `name`; null for anything else. */
function kindOf(name: string): SpareKind | null {
  if (name.startsWith('copied-ready-') || name.startsWith('copied-dirty-')) return 'copied';
  if (name.startsWith('ready-') || name.startsWith('dirty-')) return 'linked';
  return null;
}

/** Spares of the tree `tree` of the clone at `cloneGitdir`. */
function sparesOf(cloneGitdir: string, tree: string): string {
  return path.join(cloneGitdir, 'goosuke', 'spares', tree);
}

/** Spare copies kept per tree (option `spareCopiesPerTree`, default 8; 0 keeps none). */
function spareLimit(context: BackendContext): number {
  return context.options.checkout === 'hardlink' ? (context.options.spareCopiesPerTree ?? 8) : 0;
}

/** Keeps this backend from pruning `snapshot` until {@link releaseSnapshot}. */
export function holdSnapshot(context: BackendContext, snapshot: string): void {
  context.snapshotsInUse.set(snapshot, (context.snapshotsInUse.get(snapshot) ?? 0) + 1);
}

/** Releases a hold of {@link holdSnapshot}: the snapshot may be pruned once nobody holds it. */
export function releaseSnapshot(context: BackendContext, snapshot: string): void {
  const users = (context.snapshotsInUse.get(snapshot) ?? 1) - 1;
  if (users > 0) context.snapshotsInUse.set(snapshot, users);
  else context.snapshotsInUse.delete(snapshot);
}

/**
 * Keeps the removed copy's directory as a dirty spare of its tree and kind (one rename) and has
 * it reset to a ready spare; resolves true once it is a spare, false (the copy in its place,
 * perhaps without its `.git`) when it cannot be one: it was not made from a snapshot by this
 * backend, spares are off, its tree has `spareCopiesPerTree` of its kind already, its snapshot
 * is gone, a copied copy's record cannot be put in place of its `.git`, or it cannot be renamed
 * there (another file system). The reset of a small tree (milliseconds) is done before this
 * resolves; a large tree's is done in the background (see {@link spareResetDelayMs}).
 */
export async function keepAsSpare(context: BackendContext, copy: WorkingCopy): Promise<boolean> {
  const limit = spareLimit(context);
  const kind: SpareKind = copy.linkedFrom !== undefined ? 'linked' : 'copied';
  const from = copy.linkedFrom ?? copy.copiedFrom;
  if (from === undefined || limit <= 0 || !fs.existsSync(from.snapshot)) return false;
  const directory = sparesOf(copy.cloneGitdir, from.tree);
  let present: string[] = [];
  try {
    present = fs.readdirSync(directory);
  } catch {
    // None yet.
  }
  if (present.filter((name) => kindOf(name) === kind).length >= limit) return false;
  // A copied copy's record (what its files were when made) replaces its `.git`, before the
  // rename: its reset must never read a `.git` the agent wrote as the record.
  if (kind === 'copied' && !(await carryRecordInto(context, copy, copy.root))) return false;
  const name = `${process.pid}-${spareCounter++}`;
  const dirty = path.join(directory, `${namePrefix[kind]}dirty-${name}`);
  const requestedAt = performance.now();
  try {
    fs.mkdirSync(directory, { recursive: true });
    fs.renameSync(copy.root, dirty);
  } catch {
    return false;
  }
  // The stamps of its directories go with it, as its `.git` (no tree holds that name; the
  // gitdir file it replaces is of no use to a spare). Without them the reset reads everything.
  if (kind === 'linked') {
    try {
      fs.renameSync(path.join(copy.gitdir, directoryStampsFile), path.join(dirty, '.git'));
    } catch {
      // None (files were copied into it), or it went with its git directory.
    }
  }
  context.sparesOwned.set(dirty, 'queued');
  // Held until the reset ends: this backend does not prune the snapshot the spare is reset to.
  holdSnapshot(context, from.snapshot);
  const ready = path.join(directory, `${namePrefix[kind]}ready-${name}`);
  const reset = (interruptible: boolean) =>
    recycle(context, copy.cloneGitdir, kind, from, dirty, ready, interruptible, requestedAt).finally(() =>
      releaseSnapshot(context, from.snapshot),
    );
  // A reset makes directories and links in the clone: done in the background, it races with
  // whoever deletes the clone as soon as the removal resolves (a test's cleanup; `rm -r`
  // then fails with ENOTEMPTY). Where it costs little, it is done before resolving instead.
  const flat = context.flatTrees.get(from.tree);
  if (flat !== undefined && flat.files.size + flat.trees.size <= smallTreeEntries) {
    await reset(false);
    return true;
  }
  const start = setTimeout(() => {
    void context.removals.run(() => reset(true)).catch(() => undefined);
  }, spareResetDelayMs);
  start.unref();
  return true;
}

/**
 * Resets the dirty spare `dirty` and renames it `ready`; to the trash if that fails.
 * `interruptible`: see `SnapshotResetOptions` (never for a reset someone awaits).
 */
async function recycle(
  context: BackendContext,
  cloneGitdir: string,
  kind: SpareKind,
  from: NonNullable<WorkingCopy['linkedFrom']>,
  dirty: string,
  ready: string,
  interruptible: boolean,
  requestedAt: number,
): Promise<void> {
  // Claimed by a copy of this backend while it waited (that copy resets it), or gone with the
  // clone or its tree's spares.
  if (context.sparesOwned.get(dirty) !== 'queued' || !fs.existsSync(dirty)) {
    context.sparesOwned.delete(dirty);
    return;
  }
  context.sparesOwned.set(dirty, 'resetting');
  try {
    const flat = await flatTreeOf(context, cloneGitdir, from.commit);
    if (kind === 'copied') {
      await resetCopiedSpare(context, cloneGitdir, dirty, flat, from.snapshot, { interruptible });
      fs.renameSync(dirty, ready);
      return;
    }
    // In the background, interruptible: a process whose work is done is neither kept alive
    // nor slowed in its last steps by the reset; it leaves the spare dirty, and the next
    // process claims and resets it in place (its owner is dead).
    const stampsFile = path.join(dirty, '.git');
    const { copied, stamps } = await resetToSnapshot(context, dirty, flat, from.snapshot, {
      discard: discardInto(context, cloneGitdir),
      interruptible,
      stamps: readStamps(context, stampsFile, flat, from),
      requestedAt,
    });
    // Where files must be copied (no hard links), a spare saves nothing and would hold a
    // writable file a ready claim's index does not describe: it is not kept.
    if (copied > 0 || stamps === null) throw new Error('files were copied: no spare kept');
    writeDirectoryStamps(stampsFile, stampedCopyOf(from.tree, from.snapshot), stamps);
    fs.renameSync(dirty, ready);
  } catch {
    // Half reset, or its tree's spares were moved to the trash meanwhile (then it is gone).
    if ((await moveToTrash(context, cloneGitdir, dirty)) === null) await removeTreeElsewhere(dirty);
  } finally {
    context.sparesOwned.delete(dirty);
  }
}

/** The stamps in `file` of a copy of `flat` linked as `from` says, if it holds them (see directory-stamps.ts). */
function readStamps(
  context: BackendContext,
  file: string,
  flat: FlatTree,
  from: NonNullable<WorkingCopy['linkedFrom']>,
): DirectoryStamps | null {
  const count = linkPlanOf(context, flat).directories.length;
  return readDirectoryStamps(file, stampedCopyOf(from.tree, from.snapshot), count);
}

/**
 * Claims a spare of `tree` of kind `kind` (never of the other) as the directory `root`
 * (missing, or an empty directory), by one rename: a ready one if any, else a dirty one nobody
 * is resetting (its owner process ended, or it waits in this backend's own queue), which the
 * caller must reset ({@link fillCopy}, `fillCopiedCopy`). A rename that fails with ENOENT lost
 * the spare to another claimer: the next is tried. Null when none could be had (the caller
 * makes `root` anew). Run in the clone's queue.
 */
export function claimSpare(
  context: BackendContext,
  cloneGitdir: string,
  tree: string,
  root: string,
  kind: SpareKind,
): SpareClaim {
  if (spareLimit(context) <= 0) return null;
  const directory = sparesOf(cloneGitdir, tree);
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  fs.mkdirSync(path.dirname(root), { recursive: true });
  const take = (name: string): 'taken' | 'lost' | 'stop' => {
    try {
      fs.renameSync(path.join(directory, name), root);
      return 'taken';
    } catch (error) {
      // Another file system, `root` not empty: no spare can be had for this root.
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'lost' : 'stop';
    }
  };
  const prefix = namePrefix[kind];
  const dirtyName = new RegExp(`^${prefix}dirty-(\\d+)-`);
  for (const name of names) {
    if (!name.startsWith(`${prefix}ready-`)) continue;
    const outcome = take(name);
    if (outcome === 'taken') return 'ready';
    if (outcome === 'stop') return null;
  }
  for (const name of names) {
    const owner = dirtyName.exec(name)?.[1];
    if (owner === undefined) continue;
    const spare = path.join(directory, name);
    const pid = Number(owner);
    // A live owner is resetting it (or will): never touched. This process's own spares are
    // known by path, since another backend of this process may own one.
    if (pid === process.pid ? context.sparesOwned.get(spare) !== 'queued' : processAlive(pid)) continue;
    const outcome = take(name);
    if (outcome === 'taken') {
      context.sparesOwned.delete(spare);
      return 'dirty';
    }
    if (outcome === 'stop') return null;
  }
  return null;
}

/**
 * Fills the new hard-linked copy `copy` of `flat` and writes its index and `.git` file
 * (`claim` says how its root was had, see {@link claimSpare}): a ready spare needs only its
 * index; a dirty one is reset in place, or, when that fails, thrown away and the copy linked
 * anew; no spare, it is linked from the snapshot. The result is the same in every case; the
 * stamps of its directories are kept in its git directory for its removal (see
 * {@link keepAsSpare}). `requestedAt`: when the copy was asked for (see `resetToSnapshot`).
 */
export async function fillCopy(
  context: BackendContext,
  copy: WorkingCopy,
  flat: FlatTree,
  snapshot: string,
  claim: SpareClaim,
  requestedAt: number = performance.now(),
): Promise<void> {
  const gitFile = (): Promise<void> => writeFile(path.join(copy.root, '.git'), `gitdir: ${copy.gitdir}\n`);
  if (claim === null) {
    await linkFromSnapshot(context, copy, flat, snapshot);
    return;
  }
  const { files } = linkPlanOf(context, flat);
  const image = snapshotIndexOf(context, snapshot, files);
  if (claim === 'ready') {
    // Reset already: its symbolic links (entries of its own) are the only stat data to read.
    const own = files
      .filter(([, entry]) => entry.mode === 0o120000)
      .map(([file, entry]) => ({
        path: file,
        oid: entry.oid,
        mode: entry.mode,
        ...statFields(fs.lstatSync(childPath(copy.root, file), { bigint: true })),
      }));
    // Its stamps, as its reset left them, are its `.git` until the gitdir file replaces it.
    try {
      fs.renameSync(path.join(copy.root, '.git'), path.join(copy.gitdir, directoryStampsFile));
    } catch {
      // A spare kept before stamps were.
    }
    await gitFile();
    await storeLinkedIndex(context, copy, image, own);
    return;
  }
  let own: IndexEntry[];
  let stamps: DirectoryStamps | null;
  try {
    ({ own, stamps } = await resetToSnapshot(context, copy.root, flat, snapshot, {
      discard: discardInto(context, copy.cloneGitdir),
      stamps:
        copy.linkedFrom === undefined
          ? null
          : readStamps(context, path.join(copy.root, '.git'), flat, copy.linkedFrom),
      requestedAt,
    }));
  } catch {
    // Whatever stopped the reset (a file it may not delete), a copy linked anew has no part of it.
    if ((await moveToTrash(context, copy.cloneGitdir, copy.root)) === null) await removeTree(copy.root);
    fs.mkdirSync(copy.root, { recursive: true });
    await gitFile();
    await linkFromSnapshot(context, copy, flat, snapshot);
    return;
  }
  if (stamps !== null && copy.linkedFrom !== undefined) {
    keepCopyStamps(copy.gitdir, copy.linkedFrom.tree, snapshot, stamps);
  }
  await gitFile();
  await storeLinkedIndex(context, copy, image, own);
}

/**
 * Moves to the trash the spares (of both kinds) of every tree of the clone whose snapshot is
 * gone (pruned here or by another process) but `keep`'s: they could only be reset by making
 * every file anew.
 * Run in the clone's queue, after `pruneSnapshots`.
 */
export async function pruneSpares(context: BackendContext, cloneGitdir: string, keep: string): Promise<void> {
  const spares = path.join(cloneGitdir, 'goosuke', 'spares');
  let names: string[];
  try {
    names = fs.readdirSync(spares);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === keep || !hexId.test(name)) continue;
    if (fs.existsSync(path.join(cloneGitdir, 'goosuke', 'snapshots', name))) continue;
    const directory = path.join(spares, name);
    if ((await moveToTrash(context, cloneGitdir, directory)) === null)
      void context.removals.run(() => removeTreeElsewhere(directory)).catch(() => undefined);
  }
}
