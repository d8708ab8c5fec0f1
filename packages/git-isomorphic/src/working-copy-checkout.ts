import * as fs from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type BackendContext,
  blobReadConcurrency,
  cacheFor,
  hexId,
  type LinkPlan,
  progress,
  type SnapshotImage,
  type WorkingCopy,
} from './backend-context.ts';
import { checkoutFiles } from './checkout-files.ts';
import { keepCopyStamps, stampDirectories } from './directory-stamps.ts';
import { encodeIndex, type IndexEntry, statFields } from './git-index-file.ts';
import type { FlatTree, TreeFile } from './git-objects.ts';
import { processAlive } from './process-alive.ts';
import { buildSnapshotInWorker } from './snapshot-build.ts';
import { addAncestorDirectories, childPath } from './working-copy-scan.ts';
import { storeIndex } from './working-copy-state.ts';

// The two ways a working copy's files are made (`checkout` option, ADR 0002): `'write'` writes
// every blob (`materialize`); `'hardlink'` links them from a read-only per-tree snapshot of the
// clone (`snapshotOf`, then `linkFromSnapshot`), or, for a copy written in place, copies them
// from there (`copied-checkout.ts`).

/**
 * Writes every file of `flat` under `root` from the clone's object store (`'write'` mode, and
 * the in-process fallback for building a snapshot); returns their index entries.
 */
export async function materialize(
  context: BackendContext,
  root: string,
  flat: FlatTree,
  cloneGitdir: string,
  permissions?: (mode: number) => number,
): Promise<IndexEntry[]> {
  const transport = context.options.transport;
  if (transport?.writeFiles !== undefined) {
    const files = filesOf(flat);
    await transport.writeFiles({
      gitdir: cloneGitdir,
      root,
      files,
      permissions: permissions ?? ((mode) => (mode === 0o100755 ? 0o755 : 0o644)),
    });
    for (const [file, , mode] of files)
      if (mode === 0o160000) fs.mkdirSync(childPath(root, file), { recursive: true });
    return files
      .filter(([, , mode]) => mode !== 0o160000)
      .map(([file, oid, mode]) => ({
        path: file,
        oid,
        mode,
        ...statFields(fs.lstatSync(childPath(root, file), { bigint: true })),
      }));
  }
  return checkoutFiles({
    root,
    gitdir: cloneGitdir,
    flat,
    cache: cacheFor(context, cloneGitdir),
    fileConcurrency: context.fileConcurrency,
    readConcurrency: blobReadConcurrency,
    ...(permissions === undefined ? {} : { permissions }),
    onProgress: progress(context, 'checkout'),
  });
}

/**
 * The read-only checkout of `flat` that hard-linked working copies share; built once per tree.
 * Needs no turn in the clone's queue (it reads immutable objects and writes only its own
 * directory), so a run can have it built while others use the clone; builds of one tree by one
 * backend are shared. Old snapshots are dropped by {@link pruneSnapshots}, in the queue.
 */
export async function snapshotOf(
  context: BackendContext,
  cloneGitdir: string,
  flat: FlatTree,
): Promise<string> {
  const snapshot = path.join(cloneGitdir, 'goosuke', 'snapshots', flat.trees.get('')!);
  if (fs.existsSync(snapshot)) return snapshot;
  let building = context.snapshotBuilds.get(snapshot);
  if (building === undefined) {
    building = buildSnapshot(context, cloneGitdir, flat, snapshot).finally(() =>
      context.snapshotBuilds.delete(snapshot),
    );
    context.snapshotBuilds.set(snapshot, building);
  }
  await building;
  return snapshot;
}

/** Builds the snapshot of `flat` at `snapshot` (see {@link snapshotOf}). */
async function buildSnapshot(
  context: BackendContext,
  cloneGitdir: string,
  flat: FlatTree,
  snapshot: string,
): Promise<void> {
  const snapshots = path.dirname(snapshot);
  const building = `${snapshot}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  // Half-built snapshots of processes that died while building (any tree): nobody finishes them.
  for (const name of await readdir(snapshots).catch(() => [] as string[])) {
    const owner = /\.building-(\d+)$/.exec(name)?.[1];
    if (owner !== undefined && Number(owner) !== process.pid && !processAlive(Number(owner))) {
      await rm(path.join(snapshots, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
  await mkdir(building, { recursive: true });
  const transport = context.options.transport;
  const built =
    transport?.writeFiles === undefined &&
    (await buildSnapshotInWorker({
      root: building,
      gitdir: cloneGitdir,
      flat,
      fileConcurrency: context.fileConcurrency,
      readConcurrency: blobReadConcurrency,
      onProgress: progress(context, 'checkout'),
    }));
  // Through the transport (the system git reads the blobs), or here when the worker could not run.
  if (!built) {
    await mkdir(building, { recursive: true });
    await materialize(context, building, flat, cloneGitdir, readOnlyMode);
  }
  await fs.promises.rename(building, snapshot);
}

/**
 * Drops the oldest snapshots of the clone beyond `snapshotsPerClone` (default 2), never the one
 * of `keep` nor one a copy is being linked from. Run in the clone's queue.
 */
export async function pruneSnapshots(
  context: BackendContext,
  cloneGitdir: string,
  keep: string,
): Promise<void> {
  const snapshots = path.join(cloneGitdir, 'goosuke', 'snapshots');
  const limit = context.options.snapshotsPerClone ?? 2;
  const existing = (await readdir(snapshots).catch(() => [] as string[])).filter(
    (name) => hexId.test(name) && name !== keep && !context.snapshotsInUse.has(path.join(snapshots, name)),
  );
  if (existing.length < limit) return;
  const aged = await Promise.all(
    existing.map(async (name) => ({
      name,
      time: (await fs.promises.stat(path.join(snapshots, name))).mtimeMs,
    })),
  );
  aged.sort((left, right) => left.time - right.time);
  for (const { name } of aged.slice(0, existing.length - limit + 1)) {
    // Files already linked into working copies survive: only this cache's names go.
    await rm(path.join(snapshots, name), { recursive: true, force: true });
  }
}

/**
 * Hard-links every file of the snapshot at `snapshot` into `root` and writes the copy's index.
 * Synchronous calls in batches (yielding between them) beat the thread pool by far for tiny
 * operations.
 */
export async function linkFromSnapshot(
  context: BackendContext,
  copy: WorkingCopy,
  flat: FlatTree,
  snapshot: string,
): Promise<void> {
  const { root } = copy;
  const { leaves, files } = linkPlanOf(context, flat);
  for (const directory of leaves) fs.mkdirSync(childPath(root, directory), { recursive: true });
  const image = snapshotIndexOf(context, snapshot, files);
  // Entries of this copy's own: symbolic links, and files copied instead of linked.
  const own: IndexEntry[] = [];
  const batch = 500;
  for (let start = 0; start < files.length; start += batch) {
    const end = Math.min(start + batch, files.length);
    for (let position = start; position < end; position++) {
      const [file, entry] = files[position]!;
      const made = linkOne(root, snapshot, file, entry);
      if (made !== null) own.push(made);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await storeLinkedIndex(context, copy, image, own);
  // Stamps of its directories (a few milliseconds: one `lstat` each) let the reset that makes
  // it a spare again skip those its run did not touch; not of a copy with copied files, whose
  // inodes are its own (a write in place would not show in any stamp).
  if (copy.linkedFrom !== undefined && own.every((entry) => entry.mode === 0o120000)) {
    const stamps = stampDirectories(root, linkPlanOf(context, flat).directories);
    keepCopyStamps(copy.gitdir, copy.linkedFrom.tree, snapshot, stamps);
  }
}

/**
 * Makes `file` of the tree under `root` from the snapshot: a hard link to the snapshot's file,
 * a copy of it where no link can be made, or a symbolic link with the snapshot's target (its
 * parent directory must exist, the path must not). Returns the index entry of a file that is
 * the copy's own (a symbolic link or a copied file), null for a hard link, whose entry is the
 * snapshot image's.
 */
export function linkOne(root: string, snapshot: string, file: string, entry: TreeFile): IndexEntry | null {
  const target = childPath(root, file);
  const origin = childPath(snapshot, file);
  if (entry.mode === 0o120000) fs.symlinkSync(fs.readlinkSync(origin), target);
  else {
    try {
      fs.linkSync(origin, target);
      return null;
    } catch {
      // Another file system or no hard links: an independent copy is just as correct.
      fs.copyFileSync(origin, target);
    }
  }
  return {
    path: file,
    oid: entry.oid,
    mode: entry.mode,
    ...statFields(fs.lstatSync(target, { bigint: true })),
  };
}

/**
 * Writes the index of a copy linked from a snapshot: the snapshot's image, plus the copy's
 * `own` entries (symbolic links, copied files). Without own entries the image's encoded bytes
 * are shared by every such copy.
 */
export async function storeLinkedIndex(
  context: BackendContext,
  copy: WorkingCopy,
  image: SnapshotImage,
  own: readonly IndexEntry[],
): Promise<void> {
  if (own.length === 0) {
    image.bytes ??= encodeIndex(image.entries.values());
    await storeIndex(context, copy, image.entries, image.bytes);
    return;
  }
  const entries = new Map(image.entries);
  for (const entry of own) entries.set(entry.path, entry);
  await storeIndex(context, copy, entries);
}

/** `[path, blob id, git mode]` of every entry of `flat` (submodules included, as mode 0o160000). */
function filesOf(flat: FlatTree): Array<[string, string, number]> {
  const files: Array<[string, string, number]> = [];
  flat.files.forEach((entry, file) => {
    files.push([file, entry.oid, entry.mode]);
  });
  return files;
}

/**
 * What linking a flat tree takes, computed once per tree: every copy of a commit needs it.
 * `directories` is every directory a copy holds (parents of files, and submodules, which are
 * empty directories), sorted so that a parent comes before its children; `leaves` those with no
 * directory below (a `recursive` mkdir of them makes the rest); `files` every linkable entry
 * (submodules excluded).
 */
export function linkPlanOf(context: BackendContext, flat: FlatTree): LinkPlan {
  let plan = context.linkPlans.get(flat);
  if (plan === undefined) {
    const files: Array<[string, TreeFile]> = [];
    const directories = new Set<string>();
    flat.files.forEach((entry, file) => {
      if (entry.mode === 0o160000) directories.add(file);
      else files.push([file, entry]);
      // Every ancestor: a tree never holds a directory without a file (or submodule) below it.
      addAncestorDirectories(file, directories);
    });
    // A prefix sorts before every path it starts: parents before children.
    const sorted = [...directories].sort();
    const leaves = sorted.filter((directory, index) => !sorted[index + 1]?.startsWith(`${directory}/`));
    plan = { directories: sorted, leaves, files };
    context.linkPlans.set(flat, plan);
  }
  return plan;
}

/**
 * The index of a copy hard-linked from a snapshot, built once per snapshot: a hard link shares
 * its inode, so its size, mtime, inode, device and owner are the snapshot file's (only ctime
 * moves with each new link, and it is not compared). `entries` holds every regular file
 * (symbolic links are per copy) and `bytes` their encoding: most copies write those bytes and
 * share the entries as their read index, instead of an `lstat` and an entry per file each.
 * Keyed by the snapshot's path and its directory's inode, so a snapshot deleted and rebuilt
 * under the same name is read again.
 */
export function snapshotIndexOf(
  context: BackendContext,
  snapshot: string,
  files: ReadonlyArray<[string, TreeFile]>,
): SnapshotImage {
  const key = `${snapshot}\0${fs.statSync(snapshot).ino}`;
  let image = context.snapshotIndexes.get(key);
  if (image === undefined) {
    const modesCheckedAt = performance.now();
    const entries = new Map<string, IndexEntry>();
    for (const [file, entry] of files) {
      if (entry.mode === 0o120000) continue;
      const absolute = childPath(snapshot, file);
      const stats = fs.lstatSync(absolute, { bigint: true });
      // A mode changed through a copy (the inode is shared) is put back on the way.
      restoreReadOnly(absolute, stats, entry.mode);
      entries.set(file, { path: file, oid: entry.oid, mode: entry.mode, ...statFields(stats) });
    }
    image = { entries, bytes: null, modesCheckedAt };
    if (context.snapshotIndexes.size >= 8)
      context.snapshotIndexes.delete(context.snapshotIndexes.keys().next().value!);
    context.snapshotIndexes.set(key, image);
  }
  return image;
}

/** Whether a snapshot file's permission bits are as built: no write bit, executable as its git mode. */
function readOnlyAsWanted(stats: fs.BigIntStats | fs.Stats, mode: number): boolean {
  const bits = Number(stats.mode) & 0o7777;
  return (bits & 0o7222) === 0 && ((bits & 0o100) !== 0) === (mode === 0o100755);
}

/**
 * Gives the snapshot's file at `absolute` (whose `lstat` is `stats`) its read-only mode back
 * when someone `chmod`ed it: through a hard-linked copy, whose inode is the snapshot's.
 */
export function restoreReadOnly(absolute: string, stats: fs.BigIntStats | fs.Stats, mode: number): void {
  if (!readOnlyAsWanted(stats, mode)) fs.chmodSync(absolute, readOnlyMode(mode));
}

/** The permission bits a snapshot's file of git mode `mode` is built with. */
export function readOnlyMode(mode: number): number {
  return mode === 0o100755 ? 0o555 : 0o444;
}
