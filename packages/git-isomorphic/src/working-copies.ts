import * as fs from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, type Workspace } from '@goosuke/core';
import { unlessAborted } from '@goosuke/core/implementing';
import git from 'isomorphic-git';
import {
  type BackendContext,
  flatTreeOf,
  hexId,
  type OptionsOf,
  type WorkingCopy,
} from './backend-context.ts';
import { moveToTrash } from './clone-trash.ts';
import { fillCopiedCopy } from './copied-spares.ts';
import { translateGitError } from './git-errors.ts';
import { checkBranchName, resolveIn } from './git-refs.ts';
import {
  claimSpare,
  fillCopy,
  holdSnapshot,
  keepAsSpare,
  pruneSpares,
  releaseSnapshot,
} from './spare-copies.ts';
import { materialize, pruneSnapshots, snapshotOf } from './working-copy-checkout.ts';
import { removeTree } from './working-copy-scan.ts';
import { locate, storeIndex } from './working-copy-state.ts';
import { workspaceFor } from './working-copy-workspace.ts';

// Making and removing working copies: a git worktree of the clone whose git directory links the
// clone's object store, refs and config (ADR 0002), checked out in `'write'` or `'hardlink'` mode.

/** Entries of the clone's git directory a working copy's git directory links to. */
const sharedEntries = ['objects', 'refs', 'packed-refs', 'config', 'info', 'shallow'] as const;

/** GitBackend.createWorkingCopy. */
export async function createWorkingCopy(
  context: BackendContext,
  { repo, baseRef, branch, dir, signal, inPlaceWrites }: OptionsOf<'createWorkingCopy'>,
): Promise<Workspace> {
  // A copy whose files something writes in place (an agent) must not share inodes with the
  // snapshot: in `'hardlink'` mode it is copied file by file from the snapshot (which is built,
  // or reused, as for linked copies), never linked, and kept as a spare of the copied kind only
  // (copied-spares.ts), whose reset trusts no file it cannot prove untouched.
  const snapshots = context.options.checkout === 'hardlink';
  const hardlink = snapshots && inPlaceWrites !== true;
  signal?.throwIfAborted();
  // A permission bit changed in the snapshot (through another copy) before now is repaired.
  const requestedAt = performance.now();
  await checkBranchName(branch);
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  const root = path.resolve(dir);
  if (snapshots && hexId.test(baseRef)) {
    // A commit id names immutable objects: its snapshot (seconds for a large tree the first
    // time) is built before taking the clone's queue, so that other runs' work on the clone
    // (resolving their base, their copies of a snapshot already built) does not wait for it.
    try {
      const building = snapshotOf(context, cloneGitdir, await flatTreeOf(context, cloneGitdir, baseRef));
      // An abort does not wait for the build: it goes on for the next copy of this tree.
      building.catch(() => undefined);
      await unlessAborted(building, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw translateGitError(error, { operation: `creating the working copy ${root}` });
    }
  }
  const undo = async (copy: WorkingCopy, branchCreated: boolean) => {
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
    await rm(copy.gitdir, { recursive: true, force: true }).catch(() => undefined);
    if (branchCreated) {
      await git.deleteRef({ fs, gitdir: cloneGitdir, ref: `refs/heads/${branch}` }).catch(() => undefined);
    }
  };
  // In the clone's queue: the branch, the copy's git directory, and (`'write'`) its files. A
  // hard-linked copy's files are linked after it, outside the queue (thousands of `link` calls
  // on a large tree): they touch only the copy's own directories, and its snapshot is kept from
  // pruning meanwhile.
  const made = await context.mutex.run(cloneGitdir, async () => {
    const base = await resolveIn(context, cloneGitdir, baseRef);
    if (await git.resolveRef({ fs, gitdir: cloneGitdir, ref: `refs/heads/${branch}` }).catch(() => null)) {
      throw new ConflictError(`branch ${branch} already exists in ${repo.dir}`);
    }
    const existing = await readdir(root).catch(() => null);
    if (existing !== null && existing.length > 0) throw new ConflictError(`${root} exists and is not empty`);
    const flat = await flatTreeOf(context, cloneGitdir, base);
    const worktrees = path.join(cloneGitdir, 'worktrees');
    const baseName = path.basename(root).replace(/[^A-Za-z0-9._-]/g, '_') || 'copy';
    let name = baseName;
    for (let suffix = 1; fs.existsSync(path.join(worktrees, name)); suffix++) name = `${baseName}-${suffix}`;
    const gitdir = path.join(worktrees, name);
    const copy: WorkingCopy = { root, cloneGitdir, gitdir };
    let branchCreated = false;
    try {
      await mkdir(gitdir, { recursive: true });
      await writeFile(path.join(gitdir, 'HEAD'), `ref: refs/heads/${branch}\n`);
      await writeFile(path.join(gitdir, 'commondir'), '../..\n');
      await writeFile(path.join(gitdir, 'gitdir'), `${path.join(root, '.git')}\n`);
      // isomorphic-git knows neither `commondir` nor alternates: these links make the clone's
      // objects, refs and config appear inside the copy's git directory.
      for (const entry of sharedEntries)
        await symlink(path.join('..', '..', entry), path.join(gitdir, entry));
      await git.writeRef({ fs, gitdir: cloneGitdir, ref: `refs/heads/${branch}`, value: base });
      branchCreated = true;
      if (snapshots) {
        const snapshot = await snapshotOf(context, cloneGitdir, flat);
        const tree = flat.trees.get('')!;
        await pruneSnapshots(context, cloneGitdir, tree);
        await pruneSpares(context, cloneGitdir, tree);
        // The removal keeps the copy's directories as a spare of this tree (spare-copies.ts),
        // and this copy may be such a spare, of its own kind: a rename instead of a mkdir per
        // directory (and, copied, of a copy per file).
        if (hardlink) copy.linkedFrom = { commit: base, tree, snapshot };
        else copy.copiedFrom = { commit: base, tree, snapshot };
        const claim = claimSpare(context, cloneGitdir, tree, root, hardlink ? 'linked' : 'copied');
        if (claim === null) {
          await mkdir(root, { recursive: true });
          await writeFile(path.join(root, '.git'), `gitdir: ${gitdir}\n`);
        }
        holdSnapshot(context, snapshot);
        return { copy, flat, snapshot, claim, copied: !hardlink };
      }
      await mkdir(root, { recursive: true });
      await writeFile(path.join(root, '.git'), `gitdir: ${gitdir}\n`);
      const entries = await materialize(context, root, flat, cloneGitdir);
      signal?.throwIfAborted();
      await storeIndex(context, copy, new Map(entries.map((entry) => [entry.path, entry])));
      return { copy, flat, snapshot: null, claim: null, copied: false };
    } catch (error) {
      await undo(copy, branchCreated);
      throw translateGitError(error, { operation: `creating the working copy ${root}` });
    }
  });
  const { copy, flat, snapshot, claim, copied } = made;
  if (snapshot !== null) {
    try {
      signal?.throwIfAborted();
      // The files are made outside the queue (thousands of calls on a large tree): they touch
      // only the copy's own directories, and its snapshot is held from pruning meanwhile.
      if (copied) await fillCopiedCopy(context, copy, flat, snapshot, claim);
      else await fillCopy(context, copy, flat, snapshot, claim, requestedAt);
    } catch (error) {
      await context.mutex.run(cloneGitdir, () => undo(copy, true));
      throw translateGitError(error, { operation: `creating the working copy ${root}` });
    } finally {
      releaseSnapshot(context, snapshot);
    }
  }
  context.workingCopies.set(root, copy);
  return workspaceFor(context, copy);
}

/** GitBackend.removeWorkingCopy. */
export async function removeWorkingCopy(
  context: BackendContext,
  { workspace }: OptionsOf<'removeWorkingCopy'>,
): Promise<void> {
  const copy = await locate(context, workspace);
  if (copy === null) {
    await rm(path.resolve(workspace.root), { recursive: true, force: true }).catch(() => undefined);
    return;
  }
  try {
    // The copy is moved out of the way at once (one rename): kept as a spare of its tree for
    // the next copy of its kind (see spare-copies.ts), else into the clone's trash, its
    // files deleted in the background, so that whoever waits for the removal does not wait for
    // thousands of unlinks. Where no rename is possible (another file system), the files are
    // deleted here. The copy's files are its own: deleting them needs no lock on the clone.
    // Two deletions at a time: more would only interleave their batches.
    if (!(await keepAsSpare(context, copy))) {
      const trash = await moveToTrash(context, copy.cloneGitdir, copy.root);
      if (trash === null) await context.removals.run(() => removeTree(copy.root));
    }
  } catch (error) {
    throw translateGitError(error, { operation: `removing the working copy ${copy.root}` });
  }
  await context.mutex.run(copy.cloneGitdir, async () => {
    try {
      // A handful of small files and links: synchronous calls beat the thread pool's hops.
      await removeTree(copy.gitdir);
      context.workingCopies.delete(copy.root);
      context.indexes.delete(copy.gitdir);
    } catch (error) {
      throw translateGitError(error, { operation: `removing the working copy ${copy.root}` });
    }
  });
}
