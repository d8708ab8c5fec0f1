import * as fs from 'node:fs';
import path from 'node:path';
import type { GitBackend } from '@goosuke/core';
import type { HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import type { GitProgressEvent, IsomorphicGitBackendOptions } from './backend-options.ts';
import { type BlobTextCache, createBlobTextCache } from './blob-text-cache.ts';
import type { IndexEntry, IndexSnapshot } from './git-index-file.ts';
import { commitTree, type FlatTree, flattenTree, type TreeFile } from './git-objects.ts';
import { createKeyedMutex, createLimiter, type KeyedMutex, type Limiter } from './keyed-mutex.ts';
import { newScratchName } from './rebase-replay.ts';

/** The options object of the GitBackend method `Method`. */
export type OptionsOf<Method extends keyof GitBackend> = Parameters<GitBackend[Method]>[0];

/** Where a working copy lives and what it belongs to. */
export interface WorkingCopy {
  root: string;
  /** The clone's `.git` directory (holds the objects, refs and config). */
  cloneGitdir: string;
  /** The working copy's own git directory, `<clone>/.git/worktrees/<name>`. */
  gitdir: string;
  /**
   * For a copy hard-linked from a snapshot (`'hardlink'` mode, by this backend): what it was
   * linked from, so that its removal can keep its directories as a spare for the next copy of
   * the same tree (see `spare-copies.ts`). The commit, not the flat tree, is kept: a live copy
   * must not pin a large flat tree in memory; it is read again (usually from the cache) when
   * the copy is removed.
   */
  linkedFrom?: { commit: string; tree: string; snapshot: string };
  /**
   * For a copy whose files were copied from a snapshot (`inPlaceWrites` in `'hardlink'` mode, by
   * this backend), as {@link linkedFrom}: its removal keeps it as a copied spare of its tree.
   * A copy has one of the two at most.
   */
  copiedFrom?: { commit: string; tree: string; snapshot: string };
}

/** What linking a flat tree takes (see `linkPlanOf`). */
export interface LinkPlan {
  /** Every directory of a copy, parents before children. */
  directories: string[];
  /** The directories with no directory below. */
  leaves: string[];
  /** Every entry but submodules: regular files and symbolic links. */
  files: Array<[string, TreeFile]>;
}

/** The index of a copy hard-linked from a snapshot (see `snapshotIndexOf`). */
export interface SnapshotImage {
  /** Every regular file, with the stat data of the snapshot's file. */
  entries: Map<string, IndexEntry>;
  /** `entries` encoded, once a copy needed them. */
  bytes: Buffer | null;
  /**
   * When (`performance.now()`) the last check of the snapshot's files' permission bits began
   * (building the image is one): a `chmod` made before then was repaired.
   */
  modesCheckedAt: number;
  /** The check under way, if any (see `repairSnapshotModes`). */
  modeCheck?: { startedAt: number; done: Promise<void> };
}

/** Total length of the blob texts kept for working-copy reads (UTF-16 code units, about bytes for code). */
const blobTextCacheSize = 32 * 1024 * 1024;
/** Longer files are read from disk every time. */
export const blobTextMaxLength = 256 * 1024;
/** Blobs read from the object store at once by a checkout. */
export const blobReadConcurrency = 8;
/** A full (40 hex digits) object id. */
export const hexId = /^[0-9a-f]{40}$/;

/**
 * The state one backend keeps across calls, shared by all its operations (remote work, working
 * copies, commits, branches): the per-clone queue, the caches and the working copies it knows.
 * Each part of the backend receives it explicitly; nothing of it is module-level, so two
 * backends share nothing but the files they work on.
 */
export interface BackendContext {
  readonly options: IsomorphicGitBackendOptions;
  readonly http: HttpClient;
  /** Files written or read at once by checkouts and scans. */
  readonly fileConcurrency: number;
  /** Clock for commit timestamps. */
  readonly now: () => Date;
  /** Every operation on one clone (keyed by its `.git` directory) runs alone. */
  readonly mutex: KeyedMutex;
  /** Background deletions of removed working copies, two at a time. */
  readonly removals: Limiter;
  /**
   * isomorphic-git's object cache of each clone, by its `.git` directory, least recently used
   * first, with the bytes it may hold (its packs' size: isomorphic-git keeps a pack it reads
   * whole): see {@link cacheFor}.
   */
  readonly caches: Map<string, { cache: object; bytes: number }>;
  /** Flattened trees by tree id, oldest first, with their estimated size (see {@link holdFlatTree}). */
  readonly flatTrees: Map<string, FlatTree>;
  readonly flatTreeBytes: Map<string, number>;
  /** Tree id by commit id, for the commits flattened through the transport (commits never change). */
  readonly commitTrees: Map<string, string>;
  /** Working copies known to this backend, by their absolute root. */
  readonly workingCopies: Map<string, WorkingCopy>;
  /**
   * The last index read of each working copy, by git directory, with the identity of the file
   * it was read from (inode, size, mtime): listing, diffing and committing a copy read its index
   * again only once it has been rewritten. Its snapshot is shared, so never changed.
   */
  readonly indexes: Map<string, { identity: string; snapshot: IndexSnapshot }>;
  /** Texts of blobs read from working copies and commits, shared by every copy. */
  readonly blobTexts: BlobTextCache;
  /** This backend's scratch git directory name for rebases (see `replayCommits`). */
  readonly rebaseScratch: string;
  /** Leaf directories and linkable files of each flat tree: every copy of a commit needs them. */
  readonly linkPlans: WeakMap<FlatTree, LinkPlan>;
  /** The index of a copy hard-linked from a snapshot, by snapshot (see `snapshotIndexOf`). */
  readonly snapshotIndexes: Map<string, SnapshotImage>;
  /** Sorted regular files of each flat tree, for `CommitFiles.listFiles`. */
  readonly regularFiles: WeakMap<FlatTree, string[]>;
  /** Clones whose trash was swept by this backend: leftovers of a process that ended mid-deletion. */
  readonly sweptTrash: Set<string>;
  /** Blob sizes by path of a few commits, as the transport read them (see `GitTransport.readSizes`). */
  readonly commitSizes: Map<string, Promise<Map<string, number>>>;
  /** Snapshots being built by this backend, by path: copies of one tree wait for one build. */
  readonly snapshotBuilds: Map<string, Promise<void>>;
  /** Snapshots copies are being linked from, outside the clone's queue: never pruned meanwhile. */
  readonly snapshotsInUse: Map<string, number>;
  /**
   * Spares this backend moved aside (`<clone>/.git/goosuke/spares/<tree>/dirty-*`) and has not
   * reset yet, by path. A `'queued'` one may still be claimed by this backend itself (its
   * process is alive, so no other process claims it): the claim deletes it from here and the
   * reset, finding it gone, skips. A `dirty-<this pid>-*` spare not in here is a leftover of an
   * ended process that had the same id.
   */
  readonly sparesOwned: Map<string, 'queued' | 'resetting'>;
}

/** A fresh {@link BackendContext} for one backend built with `options`. */
export function createBackendContext(options: IsomorphicGitBackendOptions): BackendContext {
  return {
    options,
    http: options.http ?? nodeHttp,
    fileConcurrency: options.fileConcurrency ?? 32,
    now: options.now ?? (() => new Date()),
    mutex: createKeyedMutex(),
    removals: createLimiter(2),
    caches: new Map(),
    flatTrees: new Map(),
    flatTreeBytes: new Map(),
    commitTrees: new Map(),
    workingCopies: new Map(),
    indexes: new Map(),
    blobTexts: createBlobTextCache({ maxTotal: blobTextCacheSize, maxText: blobTextMaxLength }),
    rebaseScratch: newScratchName(),
    linkPlans: new WeakMap(),
    snapshotIndexes: new Map(),
    regularFiles: new WeakMap(),
    sweptTrash: new Set(),
    commitSizes: new Map(),
    snapshotBuilds: new Map(),
    snapshotsInUse: new Map(),
    sparesOwned: new Map(),
  };
}

/** Bytes of packs the isomorphic-git caches of one backend may hold together (one clone's always). */
const packCacheBytes = 256 * 1024 * 1024;
/** Flat trees kept at most, and their estimated total size. */
const flatTreeCount = 8;
const flatTreeMaxBytes = 64 * 1024 * 1024;

/** The size of the packs of the clone at `gitdir`: what isomorphic-git's cache of it may hold. */
function packBytes(gitdir: string): number {
  const directory = path.join(gitdir, 'objects', 'pack');
  let total = 0;
  try {
    for (const name of fs.readdirSync(directory)) {
      if (name.endsWith('.pack') || name.endsWith('.idx'))
        total += fs.statSync(path.join(directory, name)).size;
    }
  } catch {
    // No packs (yet).
  }
  return total;
}

/**
 * isomorphic-git's object cache for the clone whose `.git` directory is `gitdir`. The caches
 * of the backend's clones are bounded together by the size of their packs ({@link
 * packCacheBytes}): the least recently used are dropped (their packs freed once no read holds
 * them) to make room for another clone's.
 */
export function cacheFor(context: BackendContext, gitdir: string): object {
  const held = context.caches.get(gitdir);
  if (held !== undefined) {
    context.caches.delete(gitdir);
    context.caches.set(gitdir, held);
    return held.cache;
  }
  const entry = { cache: {}, bytes: packBytes(gitdir) };
  let total = entry.bytes;
  for (const other of context.caches.values()) total += other.bytes;
  for (const [oldest, other] of context.caches) {
    if (total <= packCacheBytes) break;
    context.caches.delete(oldest);
    total -= other.bytes;
  }
  context.caches.set(gitdir, entry);
  return entry.cache;
}

/**
 * Keeps `flat` as the flat tree of `treeOid`: at most {@link flatTreeCount} of them and
 * {@link flatTreeMaxBytes} by estimate (paths as UTF-16 plus the map entries), oldest dropped
 * first; a single larger tree is still kept, alone.
 */
function holdFlatTree(context: BackendContext, treeOid: string, flat: FlatTree): void {
  let bytes = 0;
  for (const file of flat.files.keys()) bytes += file.length * 2 + 160;
  for (const directory of flat.trees.keys()) bytes += directory.length * 2 + 120;
  let total = bytes;
  for (const other of context.flatTreeBytes.values()) total += other;
  for (const [oldest, other] of context.flatTreeBytes) {
    if (total <= flatTreeMaxBytes && context.flatTrees.size < flatTreeCount) break;
    context.flatTreeBytes.delete(oldest);
    context.flatTrees.delete(oldest);
    total -= other;
  }
  context.flatTrees.set(treeOid, flat);
  context.flatTreeBytes.set(treeOid, bytes);
}

/** The flattened tree of `commit`, from a small cache keyed by tree id. */
export async function flatTreeOf(context: BackendContext, gitdir: string, commit: string): Promise<FlatTree> {
  const transport = context.options.transport;
  if (transport?.readTree !== undefined) {
    const known = context.commitTrees.get(commit);
    const cached = known === undefined ? undefined : context.flatTrees.get(known);
    if (cached !== undefined) return cached;
    // The system git reads the trees: no object (nor the pack holding it) is loaded here.
    const read = await transport.readTree({ gitdir, commit });
    // Maps are kept as the transport made them (50k entries copied again cost 50 ms and as much
    // garbage on a warm run's way to its model call); a flat tree is never changed.
    const flat: FlatTree = {
      files:
        read.files instanceof Map
          ? (read.files as Map<string, TreeFile>)
          : new Map(
              (read.files as Array<[string, string, number]>).map(([file, oid, mode]) => [
                file,
                { oid, mode },
              ]),
            ),
      trees: read.trees instanceof Map ? (read.trees as Map<string, string>) : new Map(read.trees),
    };
    if (context.commitTrees.size >= 64) context.commitTrees.delete(context.commitTrees.keys().next().value!);
    context.commitTrees.set(commit, read.tree);
    holdFlatTree(context, read.tree, flat);
    return flat;
  }
  const cache = cacheFor(context, gitdir);
  const treeOid = await commitTree(gitdir, commit, cache);
  let flat = context.flatTrees.get(treeOid);
  if (flat === undefined) {
    flat = await flattenTree(gitdir, treeOid, cache);
    // A small cache: runs of one message share their base tree.
    holdFlatTree(context, treeOid, flat);
  }
  return flat;
}

/** An isomorphic-git progress callback that tells `options.onProgress` about `operation`. */
export function progress(
  context: BackendContext,
  operation: GitProgressEvent['operation'],
): (event: { phase: string; loaded: number; total?: number }) => void {
  return (event) => {
    if (context.options.onProgress === undefined) return;
    try {
      context.options.onProgress({
        operation,
        phase: event.phase,
        loaded: event.loaded,
        ...(event.total === undefined ? {} : { total: event.total }),
      });
    } catch {
      // A listener's failure must not break the git operation.
    }
  };
}
