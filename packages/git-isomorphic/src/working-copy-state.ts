import * as fs from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, NotFoundError, type Workspace } from '@goosuke/core';
import type { BackendContext, WorkingCopy } from './backend-context.ts';
import {
  encodeIndex,
  type IndexEntry,
  type IndexSnapshot,
  indexIdentity,
  readIndexFile,
  writeIndexBytes,
} from './git-index-file.ts';

/**
 * The working copy a Workspace's root holds (known to this backend, or found through its `.git`
 * file and `commondir`), or null when the root is not a working copy.
 */
export async function locate(context: BackendContext, workspace: Workspace): Promise<WorkingCopy | null> {
  const root = path.resolve(workspace.root);
  const known = context.workingCopies.get(root);
  if (known !== undefined) return known;
  let text: string;
  try {
    text = await readFile(path.join(root, '.git'), 'utf8');
  } catch {
    return null;
  }
  const match = /^gitdir: (.*)$/m.exec(text);
  if (match === null) return null;
  const gitdir = path.resolve(root, match[1]!.trim());
  const commondir = (await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => null))?.trim();
  if (commondir === undefined) return null;
  const copy = { root, gitdir, cloneGitdir: path.resolve(gitdir, commondir) };
  context.workingCopies.set(root, copy);
  return copy;
}

/** {@link locate}, with NotFoundError when the Workspace is not a working copy. */
export async function requireCopy(context: BackendContext, workspace: Workspace): Promise<WorkingCopy> {
  const copy = await locate(context, workspace);
  if (copy === null) throw new NotFoundError('working copy', workspace.root);
  return copy;
}

/** The branch the copy has checked out; ConflictError when its HEAD is detached. */
export async function copyBranch(copy: WorkingCopy): Promise<string> {
  const head = (await readFile(path.join(copy.gitdir, 'HEAD'), 'utf8')).trim();
  if (!head.startsWith('ref: refs/heads/')) {
    throw new ConflictError(`the working copy ${copy.root} is not on a branch`);
  }
  return head.slice('ref: refs/heads/'.length);
}

/** The copy's index, read again only when its file changed since the last read or write. */
export async function indexOf(context: BackendContext, copy: WorkingCopy): Promise<IndexSnapshot> {
  const file = path.join(copy.gitdir, 'index');
  let identity: string;
  try {
    identity = indexIdentity(fs.statSync(file, { bigint: true }));
  } catch {
    return readIndexFile(file);
  }
  const held = context.indexes.get(copy.gitdir);
  if (held?.identity === identity) return held.snapshot;
  const snapshot = await readIndexFile(file);
  context.indexes.set(copy.gitdir, { identity, snapshot });
  return snapshot;
}

/**
 * Writes a copy's index (encoded `bytes`, else `entries` encoded) and keeps `entries` as its
 * read form, so the copy never reads back what it just wrote. `entries` is shared from then
 * on: the caller must not change it.
 */
export async function storeIndex(
  context: BackendContext,
  copy: WorkingCopy,
  entries: Map<string, IndexEntry>,
  bytes: Buffer = encodeIndex(entries.values()),
): Promise<void> {
  const written = await writeIndexBytes(path.join(copy.gitdir, 'index'), bytes);
  context.indexes.set(copy.gitdir, {
    identity: written.identity,
    snapshot: { entries, writtenAtNanoseconds: written.writtenAtNanoseconds },
  });
}

/**
 * The bytes of the copy's index file when it is still the one whose entries `entries` are (as
 * last read or written by this backend), else null.
 */
export async function heldIndexBytes(
  context: BackendContext,
  copy: WorkingCopy,
  entries: ReadonlyMap<string, IndexEntry>,
): Promise<Buffer | null> {
  const held = context.indexes.get(copy.gitdir);
  if (held === undefined || held.snapshot.entries !== entries) return null;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path.join(copy.gitdir, 'index'), 'r');
    // The identity of the file read, not of whatever the path names a moment later.
    if (indexIdentity(await handle.stat({ bigint: true })) !== held.identity) return null;
    return await handle.readFile();
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
