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
  /** isomorphic-git's object cache of each clone, by its `.git` directory. */
  readonly caches: Map<string, object>;
  /** Flattened trees by tree id (a few: runs of one message share their base tree). */
  readonly flatTrees: Map<string, FlatTree>;
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
  readonly linkPlans: WeakMap<FlatTree, { leaves: string[]; files: Array<[string, TreeFile]> }>;
  /** The index of a copy hard-linked from a snapshot, by snapshot (see `snapshotIndexOf`). */
  readonly snapshotIndexes: Map<string, { entries: Map<string, IndexEntry>; bytes: Buffer | null }>;
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
  };
}

/** isomorphic-git's object cache for the clone whose `.git` directory is `gitdir`. */
export function cacheFor(context: BackendContext, gitdir: string): object {
  let cache = context.caches.get(gitdir);
  if (cache === undefined) {
    cache = {};
    context.caches.set(gitdir, cache);
  }
  return cache;
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
    const flat: FlatTree = {
      files: new Map(read.files.map(([file, oid, mode]) => [file, { oid, mode }])),
      trees: new Map(read.trees),
    };
    if (context.commitTrees.size >= 64) context.commitTrees.delete(context.commitTrees.keys().next().value!);
    context.commitTrees.set(commit, read.tree);
    if (context.flatTrees.size >= 8) context.flatTrees.delete(context.flatTrees.keys().next().value!);
    context.flatTrees.set(read.tree, flat);
    return flat;
  }
  const cache = cacheFor(context, gitdir);
  const treeOid = await commitTree(gitdir, commit, cache);
  let flat = context.flatTrees.get(treeOid);
  if (flat === undefined) {
    flat = await flattenTree(gitdir, treeOid, cache);
    // A small cache: runs of one message share their base tree.
    if (context.flatTrees.size >= 8) context.flatTrees.delete(context.flatTrees.keys().next().value!);
    context.flatTrees.set(treeOid, flat);
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
