import * as fs from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CommitFiles,
  ConflictError,
  type GitAuth,
  type GitAuthor,
  type GitBackend,
  GoosukeError,
  InvalidInputError,
  NotFoundError,
  type RepoCheckout,
  UnsupportedError,
  type Workspace,
} from '@goosuke/core';
import git, { type AuthCallback, type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { createBlobTextCache } from './blob-text-cache.ts';
import { checkoutFiles } from './checkout-files.ts';
import { createDirectoryWorkspace } from './directory-workspace.ts';
import { redact, translateGitError } from './git-errors.ts';
import {
  encodeIndex,
  entryMatchesFields,
  type IndexEntry,
  type IndexSnapshot,
  indexIdentity,
  readIndexFile,
  statFields,
  writeIndexBytes,
} from './git-index-file.ts';
import {
  buildTree,
  commitTree,
  type FlatTree,
  flattenTree,
  formatSignature,
  hashObject,
  type TreeFile,
  writeLooseObject,
} from './git-objects.ts';
import { createKeyedMutex, createLimiter } from './keyed-mutex.ts';
import { copyObjects, findGitdir, readHeads } from './local-transport.ts';
import { processAlive } from './process-alive.ts';
import { readRegularFileSync } from './read-file-sync.ts';
import { commitsToReplay, newScratchName, replayCommits } from './rebase-replay.ts';
import { readRemoteUrl } from './remote-url.ts';
import { buildSnapshotInWorker } from './snapshot-build.ts';
import { type FileChangeRecord, formatFileDiff, isBinaryContent } from './unified-diff.ts';
import {
  childPath,
  forEachLimited,
  listWorkingCopyFiles,
  removeTree,
  removeTreeElsewhere,
  type ScannedFile,
  scanWorkingCopy,
} from './working-copy-scan.ts';
import { branchCheckedOut } from './worktree-heads.ts';

/** A progress report of a network or checkout phase. */
export interface GitProgressEvent {
  operation: 'clone' | 'fetch' | 'push' | 'checkout';
  /** isomorphic-git's phase name (e.g. `Receiving objects`), or `Writing files` for checkouts. */
  phase: string;
  loaded: number;
  /** Known total, or undefined. */
  total?: number;
}

/** Options of {@link createIsomorphicGitBackend}. */
export interface IsomorphicGitBackendOptions {
  /** isomorphic-git HTTP client; defaults to `isomorphic-git/http/node`. */
  http?: HttpClient;
  /** Extra HTTP headers for every request (e.g. a `User-Agent`). Never put credentials here: use `auth`. */
  headers?: Record<string, string>;
  /** Committer identity; defaults to each commit's author. */
  committer?: GitAuthor;
  /** Default username for `auth` without one; `x-access-token` (GitHub App and token convention). */
  defaultUsername?: string;
  /** Told about progress of clones, fetches, pushes and checkouts. Must not throw. */
  onProgress?: (event: GitProgressEvent) => void;
  /**
   * Files written at once by checkouts, and changed files read at once by scans (default 32).
   * A checkout reads at most 8 blobs from the object store at once whatever this is.
   */
  fileConcurrency?: number;
  /** Clock for commit timestamps (default `() => new Date()`). */
  now?: () => Date;
  /**
   * How a working copy's files are made (default `'write'`).
   * - `'write'`: every file is written from its blob; copies share nothing but the object store.
   * - `'hardlink'`: the commit is checked out once into a read-only cache
   *   (`<clone>/.git/goosuke/snapshots/<tree id>`, files mode 0444/0555) and each working copy
   *   hard-links its files from there; several times faster on large trees.
   *   INVARIANT: a file of the working copy shares its inode with the cache and with every other
   *   working copy of that commit, so it must only ever be REPLACED (write a new file and rename
   *   it over, as the Workspace's `writeFiles` does), never written in place. The read-only mode
   *   makes in-place writes fail with EACCES instead of silently changing every copy; do not
   *   chmod them writable, and do not use this mode for tools that write in place (agent CLIs,
   *   editors, `git apply` inside the copy is fine: git replaces files).
   */
  checkout?: 'write' | 'hardlink';
  /** Tree snapshots kept per clone in `'hardlink'` mode (default 2); older ones are deleted. */
  snapshotsPerClone?: number;
}

/** Where a working copy lives and what it belongs to. */
interface WorkingCopy {
  root: string;
  /** The clone's `.git` directory (holds the objects, refs and config). */
  cloneGitdir: string;
  /** The working copy's own git directory, `<clone>/.git/worktrees/<name>`. */
  gitdir: string;
}

/** Total length of the blob texts kept for working-copy reads (UTF-16 code units, about bytes for code). */
const blobTextCacheSize = 32 * 1024 * 1024;
/** Longer files are read from disk every time. */
const blobTextMaxLength = 256 * 1024;
/** Blobs read from the object store at once by a checkout. */
const blobReadConcurrency = 8;

const sharedEntries = ['objects', 'refs', 'packed-refs', 'config', 'info', 'shallow'] as const;
const hexId = /^[0-9a-f]{40}$/;
/** Makes trash names unique within the process. */
let trashCounter = 0;

/** A file as a comparison found it: its index entry when unchanged, else as scanned. */
type FileState = IndexEntry | ScannedFile;

/**
 * A working copy compared with its index: a file not in `changes` is as its index entry in
 * `index` says; a file in `changes` is as scanned there, or absent when null.
 */
interface Comparison {
  index: ReadonlyMap<string, IndexEntry>;
  changes: Map<string, ScannedFile | null>;
}

/** The state of `file` in a comparison; undefined when the working copy does not have it. */
function stateOf(comparison: Comparison, file: string): FileState | undefined {
  if (comparison.changes.has(file)) return comparison.changes.get(file) ?? undefined;
  return comparison.index.get(file);
}

/** Visits every file the working copy has, by a comparison. */
function forEachFile(comparison: Comparison, visit: (file: string, state: FileState) => void): void {
  comparison.index.forEach((entry, file) => {
    if (!comparison.changes.has(file)) visit(file, entry);
  });
  comparison.changes.forEach((scan, file) => {
    if (scan !== null) visit(file, scan);
  });
}

/** The content read while scanning, if it was. */
function contentOf(state: FileState): Buffer | null {
  return 'content' in state ? state.content : null;
}

/**
 * The GitBackend port on isomorphic-git (pure JavaScript, no git binary needed).
 *
 * Contract, beyond the port's:
 * - A clone is `<dir>/.git` with no checked-out files. `https://` and `http://` URLs go through
 *   isomorphic-git's smart-HTTP client; credentials come per call (`auth`) through `onAuth` and
 *   are never written to disk (a URL's user-info is moved into `auth` and stripped from the
 *   stored URL). A local path or `file://` URL is cloned by hard-linking its object files.
 *   After every fetch, a local branch that was level with its remote-tracking branch before
 *   the fetch is fast-forwarded with it, so `main` never lags behind `origin/main` silently.
 * - A working copy is a git worktree of the clone: `<dir>/.git` is a file naming
 *   `<clone>/.git/worktrees/<name>`, which holds the copy's own HEAD and index plus symbolic links
 *   to the clone's object store, refs and config (and `commondir`, so the git CLI sees a normal
 *   worktree). No object is copied per working copy; its branch lives in the clone's refs.
 * - `diff` covers tracked and untracked files minus ignored ones against the base commit:
 *   exact renames (identical content, paired one to one by blob id) become `rename from/to`,
 *   binary files `Binary files a/x and b/x differ` with full blob ids (the new blob is written to
 *   the clone's object store so `git apply` in any worktree of the clone can use it).
 * - `commit` stages everything (additions, modifications, deletions, mode changes) and commits
 *   on the copy's branch; with nothing to commit it makes no commit and returns the branch head.
 * - `push` sends a branch of the clone; a rejected push is a ConflictError unless `force`.
 *   `pushBranch` does the same for a local branch of the clone; a push the remote refuses
 *   outright (a hook, a protected branch) is a ConflictError too.
 * - `mergeIntoBranch` merges in the object store alone (isomorphic-git's merge without a working
 *   directory): no working copy, index or file of the clone is touched, whatever the outcome.
 *   Beyond the port, it refuses (ConflictError) to move a branch a working copy has checked out,
 *   as `setBranch` does, and reports as a ConflictError, branch unchanged, the merges
 *   isomorphic-git cannot do: a file against a directory, several merge bases, no common history.
 * - `rebaseBranch` cherry-picks the branch's own commits (its first-parent line down to the merge
 *   base) in the object store alone, in a scratch git directory `<clone>/.git/goosuke/rebase-*`
 *   with a detached HEAD, removed afterwards: no working copy, index, HEAD or other ref of the
 *   clone changes, and no temporary branch is made. Beyond the port: a commit that becomes empty
 *   (its change is already in `onto`) is dropped, as `git rebase` does; a replay isomorphic-git
 *   cannot merge (a file against a directory, both sides adding one path) or a branch without
 *   common history with `onto` is a ConflictError, branch unchanged.
 * - Every operation on one clone runs alone (a per-clone queue); clones run in parallel.
 * - Errors are GoosukeErrors: NotFoundError (unknown ref or repository), ConflictError (rejected
 *   push, taken branch or directory), `unauthorized` (HTTP 401/403), `storage` (file system and
 *   network), with every credential redacted from messages.
 */
export function createIsomorphicGitBackend(options: IsomorphicGitBackendOptions = {}): GitBackend {
  const http = options.http ?? nodeHttp;
  const fileConcurrency = options.fileConcurrency ?? 32;
  const now = options.now ?? (() => new Date());
  const mutex = createKeyedMutex();
  const removals = createLimiter(2);
  const caches = new Map<string, object>();
  const flatTrees = new Map<string, FlatTree>();
  const workingCopies = new Map<string, WorkingCopy>();
  /** This backend's scratch git directory name for rebases (see `replayCommits`). */
  const rebaseScratch = newScratchName();

  const cacheFor = (gitdir: string): object => {
    let cache = caches.get(gitdir);
    if (cache === undefined) {
      cache = {};
      caches.set(gitdir, cache);
    }
    return cache;
  };

  const flatTreeOf = async (gitdir: string, commit: string): Promise<FlatTree> => {
    const cache = cacheFor(gitdir);
    const treeOid = await commitTree(gitdir, commit, cache);
    let flat = flatTrees.get(treeOid);
    if (flat === undefined) {
      flat = await flattenTree(gitdir, treeOid, cache);
      // A small cache: runs of one message share their base tree.
      if (flatTrees.size >= 8) flatTrees.delete(flatTrees.keys().next().value!);
      flatTrees.set(treeOid, flat);
    }
    return flat;
  };

  const authCallbacks = (auth: GitAuth | undefined): { onAuth?: AuthCallback } =>
    auth === undefined
      ? {}
      : {
          onAuth: () => ({
            username: auth.username ?? options.defaultUsername ?? 'x-access-token',
            password: auth.token,
          }),
        };

  const progress =
    (operation: GitProgressEvent['operation']) =>
    (event: { phase: string; loaded: number; total?: number }): void => {
      if (options.onProgress === undefined) return;
      try {
        options.onProgress({
          operation,
          phase: event.phase,
          loaded: event.loaded,
          ...(event.total === undefined ? {} : { total: event.total }),
        });
      } catch {
        // A listener's failure must not break the git operation.
      }
    };

  const resolveIn = async (gitdir: string, ref: string): Promise<string> => {
    if (typeof ref !== 'string' || ref.length === 0)
      throw new InvalidInputError('a git ref must be a non-empty string');
    const cache = cacheFor(gitdir);
    const peel = async (oid: string): Promise<string> =>
      (await git.readCommit({ fs, gitdir, oid, cache })).oid;
    // A full object id names the object, as in git (a ref spelled like one is not looked for):
    // the usual case for runs, which resolve their base commit again and again.
    if (hexId.test(ref)) {
      try {
        return await peel(ref);
      } catch {
        throw new NotFoundError('git ref', ref);
      }
    }
    const candidates = ref.startsWith('refs/')
      ? [ref]
      : ref === 'HEAD'
        ? ['HEAD']
        : [`refs/heads/${ref}`, `refs/remotes/${ref}`, `refs/tags/${ref}`, `refs/remotes/origin/${ref}`];
    for (const candidate of candidates) {
      let oid: string;
      try {
        oid = await git.resolveRef({ fs, gitdir, ref: candidate });
      } catch {
        continue;
      }
      try {
        return await peel(oid);
      } catch (error) {
        throw translateGitError(error, { operation: `resolving ${ref}` });
      }
    }
    const lower = ref.toLowerCase();
    if (/^[0-9a-f]{4,40}$/.test(lower)) {
      try {
        const full = hexId.test(lower) ? lower : await git.expandOid({ fs, gitdir, oid: lower, cache });
        return await peel(full);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'AmbiguousError') {
          throw new InvalidInputError(`the abbreviated commit id ${ref} is ambiguous; give more digits`);
        }
      }
    }
    throw new NotFoundError('git ref', ref);
  };

  const locate = async (workspace: Workspace): Promise<WorkingCopy | null> => {
    const root = path.resolve(workspace.root);
    const known = workingCopies.get(root);
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
    workingCopies.set(root, copy);
    return copy;
  };

  const requireCopy = async (workspace: Workspace): Promise<WorkingCopy> => {
    const copy = await locate(workspace);
    if (copy === null) throw new NotFoundError('working copy', workspace.root);
    return copy;
  };

  const copyBranch = async (copy: WorkingCopy): Promise<string> => {
    const head = (await readFile(path.join(copy.gitdir, 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref: refs/heads/')) {
      throw new ConflictError(`the working copy ${copy.root} is not on a branch`);
    }
    return head.slice('ref: refs/heads/'.length);
  };

  /**
   * The last index read of each working copy, by git directory, with the identity of the file
   * it was read from (inode, size, mtime): listing, diffing and committing a copy read its index
   * again only once it has been rewritten. Its snapshot is shared, so never changed.
   */
  const indexes = new Map<string, { identity: string; snapshot: IndexSnapshot }>();
  const indexOf = async (copy: WorkingCopy): Promise<IndexSnapshot> => {
    const file = path.join(copy.gitdir, 'index');
    let identity: string;
    try {
      identity = indexIdentity(fs.statSync(file, { bigint: true }));
    } catch {
      return readIndexFile(file);
    }
    const held = indexes.get(copy.gitdir);
    if (held?.identity === identity) return held.snapshot;
    const snapshot = await readIndexFile(file);
    indexes.set(copy.gitdir, { identity, snapshot });
    return snapshot;
  };
  /**
   * Writes a copy's index (encoded `bytes`, else `entries` encoded) and keeps `entries` as its
   * read form, so the copy never reads back what it just wrote. `entries` is shared from then
   * on: the caller must not change it.
   */
  const storeIndex = async (
    copy: WorkingCopy,
    entries: Map<string, IndexEntry>,
    bytes: Buffer = encodeIndex(entries.values()),
  ): Promise<void> => {
    const written = await writeIndexBytes(path.join(copy.gitdir, 'index'), bytes);
    indexes.set(copy.gitdir, {
      identity: written.identity,
      snapshot: { entries, writtenAtNanoseconds: written.writtenAtNanoseconds },
    });
  };

  /** Texts of blobs read from working copies, shared by every copy (see `readUnchanged`). */
  const blobTexts = createBlobTextCache({ maxTotal: blobTextCacheSize, maxText: blobTextMaxLength });

  const workspaceFor = (copy: WorkingCopy): Workspace => {
    const directory = createDirectoryWorkspace({ root: copy.root });
    let index: Promise<IndexSnapshot> | undefined;
    /**
     * The text of `file` when it is a tracked file unchanged since its index entry was written
     * (the stat data git trusts: size, mtime, inode and device match, not racy): then its content
     * is the entry's blob, whose text other working copies may already have read. Copies of one
     * commit (the runs of one message) so read each file from disk once. A text is only cached
     * after its bytes hash to the blob id, so whatever the path resolved to, the text returned is
     * the repository's own. Undefined when unsure: the directory Workspace then reads as usual.
     */
    const readUnchanged = async (file: string): Promise<string | undefined> => {
      // An unreadable index only means no shortcut: every read then goes to the directory.
      index ??= indexOf(copy).catch(() => ({ entries: new Map(), writtenAtNanoseconds: 0n }));
      const snapshot = await index;
      const entry = snapshot.entries.get(file);
      if (entry === undefined || (entry.mode !== 0o100644 && entry.mode !== 0o100755)) return undefined;
      const absolute = childPath(copy.root, file);
      let stats: fs.BigIntStats;
      try {
        stats = fs.lstatSync(absolute, { bigint: true });
      } catch {
        return undefined;
      }
      const fields = statFields(stats);
      if (
        !stats.isFile() ||
        fields.dev !== entry.dev ||
        !entryMatchesFields(entry, fields, stats.mtimeNs, snapshot.writtenAtNanoseconds)
      ) {
        return undefined;
      }
      const held = blobTexts.get(entry.oid);
      if (held !== undefined) return held;
      const bytes = readRegularFileSync(absolute, blobTextMaxLength);
      if (bytes === undefined || hashObject('blob', bytes) !== entry.oid) return undefined;
      const text = bytes.toString('utf8');
      blobTexts.set(entry.oid, text);
      return text;
    };
    return {
      root: directory.root,
      async readFile(file) {
        return (await readUnchanged(file)) ?? directory.readFile(file);
      },
      writeFiles: (changes) => directory.writeFiles(changes),
      async listFiles() {
        const index = await indexOf(copy);
        return listWorkingCopyFiles(copy.root, copy.gitdir, new Set(index.entries.keys()));
      },
    };
  };

  /** Fetches into the clone at `gitdir` and fast-forwards local branches that were level with their remote. */
  const fetchInto = async (gitdir: string, url: string, auth: GitAuth | undefined): Promise<void> => {
    const before = new Map<string, string>();
    const localBefore = await readHeads(gitdir);
    for (const branch of await git.listBranches({ fs, gitdir, remote: 'origin' })) {
      if (branch === 'HEAD') continue;
      before.set(branch, await git.resolveRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` }));
    }
    if (isHttpUrl(url)) {
      await git.fetch({
        fs,
        http,
        gitdir,
        remote: 'origin',
        tags: true,
        prune: true,
        singleBranch: false,
        cache: cacheFor(gitdir),
        onProgress: progress('fetch'),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...authCallbacks(auth),
      });
    } else {
      await fetchLocal(gitdir, url);
    }
    for (const [branch, oid] of localBefore.branches) {
      const remoteBefore = before.get(branch);
      if (remoteBefore === undefined || remoteBefore !== oid) continue;
      const remoteNow = await git
        .resolveRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` })
        .catch(() => undefined);
      if (remoteNow !== undefined && remoteNow !== oid) {
        await git.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: remoteNow, force: true });
      }
    }
  };

  const fetchLocal = async (gitdir: string, url: string): Promise<void> => {
    const sourceGitdir = await findGitdir(localPathOf(url));
    await copyObjects(path.join(sourceGitdir, 'objects'), path.join(gitdir, 'objects'));
    const heads = await readHeads(sourceGitdir);
    for (const [branch, oid] of heads.branches) {
      await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true });
    }
    for (const branch of await git.listBranches({ fs, gitdir, remote: 'origin' })) {
      if (branch !== 'HEAD' && !heads.branches.has(branch)) {
        await git.deleteRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` });
      }
    }
    for (const [tag, oid] of heads.tags) {
      await git.writeRef({ fs, gitdir, ref: `refs/tags/${tag}`, value: oid, force: true });
    }
    if (heads.head !== null) {
      await git.writeRef({
        fs,
        gitdir,
        ref: 'refs/remotes/origin/HEAD',
        value: `refs/remotes/origin/${heads.head}`,
        symbolic: true,
        force: true,
      });
    }
  };

  const remoteUrlOf = async (gitdir: string): Promise<string> => {
    const url = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' });
    if (typeof url !== 'string') throw new NotFoundError('git remote', 'origin');
    return url;
  };

  /** The leaf directories a tree's files need (`recursive` mkdir creates their parents). */
  /** Leaf directories and linkable files of each flat tree: every copy of a commit needs them. */
  const linkPlans = new WeakMap<FlatTree, { leaves: string[]; files: Array<[string, TreeFile]> }>();
  const linkPlanOf = (flat: FlatTree) => {
    let plan = linkPlans.get(flat);
    if (plan === undefined) {
      const files: Array<[string, TreeFile]> = [];
      flat.files.forEach((entry, file) => {
        if (entry.mode !== 0o160000) files.push([file, entry]);
      });
      plan = { leaves: leafDirectories(flat), files };
      linkPlans.set(flat, plan);
    }
    return plan;
  };

  const leafDirectories = (flat: FlatTree): string[] => {
    const directories = new Set<string>();
    flat.files.forEach((entry, file) => {
      if (entry.mode === 0o160000) directories.add(file);
      const slash = file.lastIndexOf('/');
      if (slash > 0) directories.add(file.slice(0, slash));
    });
    const sorted = [...directories].sort();
    return sorted.filter((directory, index) => !sorted[index + 1]?.startsWith(`${directory}/`));
  };

  /**
   * The index of a copy hard-linked from a snapshot, built once per snapshot: a hard link shares
   * its inode, so its size, mtime, inode, device and owner are the snapshot file's (only ctime
   * moves with each new link, and it is not compared). `entries` holds every regular file
   * (symbolic links are per copy) and `bytes` their encoding: most copies write those bytes and
   * share the entries as their read index, instead of an `lstat` and an entry per file each.
   * Keyed by the snapshot's path and its directory's inode, so a snapshot deleted and rebuilt
   * under the same name is read again.
   */
  const snapshotIndexes = new Map<string, { entries: Map<string, IndexEntry>; bytes: Buffer | null }>();
  const snapshotIndexOf = (snapshot: string, files: ReadonlyArray<[string, TreeFile]>) => {
    const key = `${snapshot}\0${fs.statSync(snapshot).ino}`;
    let image = snapshotIndexes.get(key);
    if (image === undefined) {
      const entries = new Map<string, IndexEntry>();
      for (const [file, entry] of files) {
        if (entry.mode === 0o120000) continue;
        const stats = statFields(fs.lstatSync(childPath(snapshot, file), { bigint: true }));
        entries.set(file, { path: file, oid: entry.oid, mode: entry.mode, ...stats });
      }
      image = { entries, bytes: null };
      if (snapshotIndexes.size >= 8) snapshotIndexes.delete(snapshotIndexes.keys().next().value!);
      snapshotIndexes.set(key, image);
    }
    return image;
  };

  /**
   * Hard-links every file of the snapshot at `snapshot` into `root` and writes the copy's index.
   * Synchronous calls in batches (yielding between them) beat the thread pool by far for tiny
   * operations.
   */
  const linkFromSnapshot = async (copy: WorkingCopy, flat: FlatTree, snapshot: string): Promise<void> => {
    const { root } = copy;
    const { leaves, files } = linkPlanOf(flat);
    for (const directory of leaves) fs.mkdirSync(childPath(root, directory), { recursive: true });
    const image = snapshotIndexOf(snapshot, files);
    // Entries of this copy's own: symbolic links, and files copied instead of linked.
    const own: IndexEntry[] = [];
    const batch = 500;
    for (let start = 0; start < files.length; start += batch) {
      const end = Math.min(start + batch, files.length);
      for (let position = start; position < end; position++) {
        const [file, entry] = files[position]!;
        const target = childPath(root, file);
        const origin = childPath(snapshot, file);
        if (entry.mode === 0o120000) fs.symlinkSync(fs.readlinkSync(origin), target);
        else {
          try {
            fs.linkSync(origin, target);
            continue;
          } catch {
            // Another file system or no hard links: an independent copy is just as correct.
            fs.copyFileSync(origin, target);
          }
        }
        own.push({
          path: file,
          oid: entry.oid,
          mode: entry.mode,
          ...statFields(fs.lstatSync(target, { bigint: true })),
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (own.length === 0) {
      image.bytes ??= encodeIndex(image.entries.values());
      await storeIndex(copy, image.entries, image.bytes);
      return;
    }
    const entries = new Map(image.entries);
    for (const entry of own) entries.set(entry.path, entry);
    await storeIndex(copy, entries);
  };

  /** The read-only checkout of `flat` that hard-linked working copies share; built once per tree. */
  const snapshotOf = async (cloneGitdir: string, flat: FlatTree): Promise<string> => {
    const snapshots = path.join(cloneGitdir, 'goosuke', 'snapshots');
    const treeOid = flat.trees.get('')!;
    const snapshot = path.join(snapshots, treeOid);
    if (fs.existsSync(snapshot)) return snapshot;
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
    const built = await buildSnapshotInWorker({
      root: building,
      gitdir: cloneGitdir,
      flat,
      fileConcurrency,
      readConcurrency: blobReadConcurrency,
      onProgress: progress('checkout'),
    });
    if (!built) {
      await mkdir(building, { recursive: true });
      await materialize(building, flat, cloneGitdir, (mode) => (mode === 0o100755 ? 0o555 : 0o444));
    }
    await fs.promises.rename(building, snapshot);
    const keep = options.snapshotsPerClone ?? 2;
    const existing = (await readdir(snapshots)).filter((name) => hexId.test(name) && name !== treeOid);
    if (existing.length >= keep) {
      const aged = await Promise.all(
        existing.map(async (name) => ({
          name,
          time: (await fs.promises.stat(path.join(snapshots, name))).mtimeMs,
        })),
      );
      aged.sort((left, right) => left.time - right.time);
      for (const { name } of aged.slice(0, existing.length - keep + 1)) {
        // Files already linked into working copies survive: only this cache's names go.
        await rm(path.join(snapshots, name), { recursive: true, force: true });
      }
    }
    return snapshot;
  };

  const materialize = async (
    root: string,
    flat: FlatTree,
    cloneGitdir: string,
    permissions?: (mode: number) => number,
  ): Promise<IndexEntry[]> =>
    checkoutFiles({
      root,
      gitdir: cloneGitdir,
      flat,
      cache: cacheFor(cloneGitdir),
      fileConcurrency,
      readConcurrency: blobReadConcurrency,
      ...(permissions === undefined ? {} : { permissions }),
      onProgress: progress('checkout'),
    });

  /**
   * Compares the working copy with its index: a full scan of every file (`tree` adds what the
   * index may lack), or with `paths` (the caller vouches nothing else changed since the index
   * was written) only those, every other file being its index entry. The result costs memory
   * for what was looked at, not for the whole repository.
   */
  const compare = async (
    copy: WorkingCopy,
    tree: FlatTree,
    paths?: readonly string[],
  ): Promise<Comparison> => {
    const index = await indexOf(copy);
    if (paths !== undefined) return compareSome(copy, index, paths);
    const tracked = new Set<string>(index.entries.keys());
    tree.files.forEach((entry, file) => {
      if (entry.mode !== 0o160000) tracked.add(file);
    });
    const files = await listWorkingCopyFiles(copy.root, copy.gitdir, tracked);
    return { index: new Map(), changes: await scanWorkingCopy(copy.root, files, index) };
  };

  /** {@link compare} for the given paths only. */
  const compareSome = async (
    copy: WorkingCopy,
    index: IndexSnapshot,
    paths: readonly string[],
  ): Promise<Comparison> => {
    const changes = new Map<string, ScannedFile | null>();
    for (const file of paths) {
      const normal = path.posix.normalize(file);
      if (
        normal !== file ||
        file.startsWith('../') ||
        path.posix.isAbsolute(file) ||
        file.split('/').includes('.git')
      ) {
        throw new InvalidInputError(
          `paths must be normalized paths inside the working copy, not ${JSON.stringify(file)}`,
        );
      }
      // Absent unless found below.
      changes.set(file, null);
    }
    // Untracked listed files count unless ignored, as in a full scan (directories are not files).
    const present: string[] = [];
    for (const file of changes.keys()) {
      let stats: fs.Stats;
      try {
        stats = fs.lstatSync(childPath(copy.root, file));
      } catch {
        continue;
      }
      if (!stats.isFile() && !stats.isSymbolicLink()) continue;
      if (
        !index.entries.has(file) &&
        (await git.isIgnored({ fs, dir: copy.root, gitdir: copy.gitdir, filepath: file }))
      )
        continue;
      present.push(file);
    }
    const scanned = await scanWorkingCopy(copy.root, present.sort(), index);
    scanned.forEach((scan, file) => {
      changes.set(file, scan);
    });
    return { index: index.entries, changes };
  };

  /** Sorted regular files of each flat tree, for {@link CommitFiles.listFiles}. */
  const regularFiles = new WeakMap<FlatTree, string[]>();

  /**
   * The text of a regular file of `flat`: from the shared blob-text cache, else from the tree's
   * read-only snapshot (hard-linked mode, checked against the blob id), else from the object store.
   */
  const commitText = async (
    cloneGitdir: string,
    flat: FlatTree,
    entry: TreeFile,
    file: string,
  ): Promise<string> => {
    const held = blobTexts.get(entry.oid);
    if (held !== undefined) return held;
    if (options.checkout === 'hardlink') {
      const copy = childPath(path.join(cloneGitdir, 'goosuke', 'snapshots', flat.trees.get('')!), file);
      const bytes = readRegularFileSync(copy, blobTextMaxLength);
      if (bytes !== undefined && hashObject('blob', bytes) === entry.oid) {
        const text = bytes.toString('utf8');
        blobTexts.set(entry.oid, text);
        return text;
      }
    }
    const { blob } = await git.readBlob({
      fs,
      gitdir: cloneGitdir,
      oid: entry.oid,
      cache: cacheFor(cloneGitdir),
    });
    const text = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8');
    blobTexts.set(entry.oid, text);
    return text;
  };

  /** The commit `refs/heads/<branch>` names in the clone, or null when there is no such branch. */
  const headOf = async (gitdir: string, branch: string): Promise<string | null> =>
    git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}`, depth: 2 }).catch(() => null);

  /** Whether `ancestor` is a proper ancestor of `oid` (the whole history is walked, breadth first). */
  const descends = (gitdir: string, oid: string, ancestor: string): Promise<boolean> =>
    git.isDescendent({ fs, gitdir, oid, ancestor, depth: -1, cache: cacheFor(gitdir) });

  const backend: GitBackend = {
    async clone({ url, dir, auth, signal }) {
      signal?.throwIfAborted();
      const target = path.resolve(dir);
      const { cleanUrl, effectiveAuth, secrets } = splitCredentials(url, auth);
      const gitdir = path.join(target, '.git');
      return mutex.run(gitdir, async () => {
        try {
          if (fs.existsSync(gitdir)) {
            const existing = await remoteUrlOf(gitdir);
            if (existing !== cleanUrl) {
              throw new ConflictError(
                `${target} already holds a clone of ${redact(existing, secrets)}, not of ${redact(cleanUrl, secrets)}`,
              );
            }
            await fetchInto(gitdir, cleanUrl, effectiveAuth);
            return { dir: target, url: cleanUrl } satisfies RepoCheckout;
          }
          const entries = await readdir(target).catch(() => []);
          if (entries.length > 0) throw new ConflictError(`${target} exists and is not empty`);
          try {
            if (isHttpUrl(cleanUrl)) {
              await git.clone({
                fs,
                http,
                dir: target,
                url: cleanUrl,
                noCheckout: true,
                cache: cacheFor(gitdir),
                onProgress: progress('clone'),
                ...(options.headers === undefined ? {} : { headers: options.headers }),
                ...authCallbacks(effectiveAuth),
              });
            } else {
              await cloneLocal(gitdir, cleanUrl);
            }
          } catch (error) {
            await rm(target, { recursive: true, force: true });
            throw error;
          }
          signal?.throwIfAborted();
          return { dir: target, url: cleanUrl } satisfies RepoCheckout;
        } catch (error) {
          throw translateGitError(error, { operation: `cloning ${redact(cleanUrl, secrets)}`, secrets });
        }
      });
    },

    async fetch({ repo, auth, signal }) {
      signal?.throwIfAborted();
      const gitdir = path.join(path.resolve(repo.dir), '.git');
      const secrets = [auth?.token];
      await mutex.run(gitdir, async () => {
        try {
          await fetchInto(gitdir, await remoteUrlOf(gitdir), auth);
        } catch (error) {
          throw translateGitError(error, { operation: `fetching into ${repo.dir}`, secrets });
        }
      });
    },

    remoteUrl: readRemoteUrl,
    async resolveRef({ repo, ref }) {
      const gitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(gitdir, () => resolveIn(gitdir, ref));
    },

    async listBranches({ repo }) {
      const gitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(gitdir, async () => {
        try {
          const local = await git.listBranches({ fs, gitdir });
          const remote = (await git.listBranches({ fs, gitdir, remote: 'origin' }))
            .filter((branch) => branch !== 'HEAD')
            .map((branch) => `origin/${branch}`);
          return [...local, ...remote].sort();
        } catch (error) {
          throw translateGitError(error, { operation: `listing branches of ${repo.dir}` });
        }
      });
    },

    async createWorkingCopy({ repo, baseRef, branch, dir, signal }) {
      signal?.throwIfAborted();
      await checkBranchName(branch);
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      const root = path.resolve(dir);
      return mutex.run(cloneGitdir, async () => {
        const base = await resolveIn(cloneGitdir, baseRef);
        if (
          await git.resolveRef({ fs, gitdir: cloneGitdir, ref: `refs/heads/${branch}` }).catch(() => null)
        ) {
          throw new ConflictError(`branch ${branch} already exists in ${repo.dir}`);
        }
        const existing = await readdir(root).catch(() => null);
        if (existing !== null && existing.length > 0)
          throw new ConflictError(`${root} exists and is not empty`);
        const flat = await flatTreeOf(cloneGitdir, base);
        const worktrees = path.join(cloneGitdir, 'worktrees');
        const baseName = path.basename(root).replace(/[^A-Za-z0-9._-]/g, '_') || 'copy';
        let name = baseName;
        for (let suffix = 1; fs.existsSync(path.join(worktrees, name)); suffix++)
          name = `${baseName}-${suffix}`;
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
          await mkdir(root, { recursive: true });
          await writeFile(path.join(root, '.git'), `gitdir: ${gitdir}\n`);
          if (options.checkout === 'hardlink') {
            const snapshot = await snapshotOf(cloneGitdir, flat);
            signal?.throwIfAborted();
            await linkFromSnapshot(copy, flat, snapshot);
          } else {
            const entries = await materialize(root, flat, cloneGitdir);
            signal?.throwIfAborted();
            await storeIndex(copy, new Map(entries.map((entry) => [entry.path, entry])));
          }
        } catch (error) {
          await rm(root, { recursive: true, force: true }).catch(() => undefined);
          await rm(gitdir, { recursive: true, force: true }).catch(() => undefined);
          if (branchCreated) {
            await git
              .deleteRef({ fs, gitdir: cloneGitdir, ref: `refs/heads/${branch}` })
              .catch(() => undefined);
          }
          throw translateGitError(error, { operation: `creating the working copy ${root}` });
        }
        workingCopies.set(root, copy);
        return workspaceFor(copy);
      });
    },

    async openCommit({ repo, commit }) {
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      const read = async () => {
        try {
          const resolved = await resolveIn(cloneGitdir, commit);
          return { revision: resolved, flat: await flatTreeOf(cloneGitdir, resolved) };
        } catch (error) {
          throw translateGitError(error, { operation: `reading the commit ${commit}` });
        }
      };
      // A commit id names immutable objects: reading them needs no turn in the clone's queue
      // (where a working copy being made may hold it for a while). A ref name is read in turn.
      const { revision, flat } = hexId.test(commit) ? await read() : await mutex.run(cloneGitdir, read);
      const view: CommitFiles = {
        revision,
        async listFiles() {
          let files = regularFiles.get(flat);
          if (files === undefined) {
            files = [];
            for (const [file, entry] of flat.files) {
              if (entry.mode === 0o100644 || entry.mode === 0o100755) files.push(file);
            }
            files.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
            regularFiles.set(flat, files);
          }
          return [...files];
        },
        async readFile(file) {
          const entry = flat.files.get(file);
          if (entry === undefined || (entry.mode !== 0o100644 && entry.mode !== 0o100755)) return null;
          try {
            return await commitText(cloneGitdir, flat, entry, file);
          } catch (error) {
            throw translateGitError(error, { operation: `reading ${file} at ${revision}` });
          }
        },
      };
      return view;
    },

    async diff({ workspace, base, paths }) {
      const copy = await requireCopy(workspace);
      return mutex.run(copy.cloneGitdir, async () => {
        try {
          const cache = cacheFor(copy.cloneGitdir);
          const baseCommit = await resolveIn(copy.cloneGitdir, base);
          const tree = await flatTreeOf(copy.cloneGitdir, baseCommit);
          const comparison = await compare(copy, tree, paths);
          const added: string[] = [];
          const deleted: string[] = [];
          const modified: string[] = [];
          tree.files.forEach((entry, file) => {
            if (entry.mode === 0o160000) return;
            const now = stateOf(comparison, file);
            if (now === undefined) deleted.push(file);
            else if (now.oid !== entry.oid || now.mode !== entry.mode) modified.push(file);
          });
          forEachFile(comparison, (file) => {
            if (!tree.files.has(file)) added.push(file);
          });
          const emptyBlob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
          const deletedByOid = new Map<string, string[]>();
          for (const file of deleted) {
            const oid = tree.files.get(file)!.oid;
            if (oid === emptyBlob) continue;
            deletedByOid.set(oid, [...(deletedByOid.get(oid) ?? []), file]);
          }
          const renames = new Map<string, string>();
          for (const file of added) {
            const candidates = deletedByOid.get(stateOf(comparison, file)!.oid);
            const from = candidates?.shift();
            if (from !== undefined) renames.set(file, from);
          }
          const renamedFrom = new Set(renames.values());
          const baseSide = async (file: string) => {
            const entry = tree.files.get(file)!;
            const { blob } = await git.readBlob({ fs, gitdir: copy.cloneGitdir, oid: entry.oid, cache });
            return { path: file, oid: entry.oid, mode: entry.mode, content: blob };
          };
          const copySide = async (file: string) => {
            const scan = stateOf(comparison, file)!;
            const content =
              contentOf(scan) ??
              (scan.mode === 0o120000
                ? Buffer.from(await fs.promises.readlink(path.join(copy.root, file)), 'utf8')
                : await readFile(path.join(copy.root, file)));
            if (isBinaryContent(content)) {
              await writeLooseObject(path.join(copy.cloneGitdir, 'objects'), 'blob', content);
            }
            return { path: file, oid: scan.oid, mode: scan.mode, content };
          };
          const records: Array<{ sortKey: string; record: Promise<FileChangeRecord> }> = [];
          for (const file of modified) {
            records.push({
              sortKey: file,
              record: (async () => ({
                kind: 'modify',
                before: await baseSide(file),
                after: await copySide(file),
              }))(),
            });
          }
          for (const file of deleted) {
            if (renamedFrom.has(file)) continue;
            records.push({
              sortKey: file,
              record: (async () => ({ kind: 'delete', before: await baseSide(file) }))(),
            });
          }
          for (const file of added) {
            const from = renames.get(file);
            records.push({
              sortKey: file,
              record: (async () =>
                from === undefined
                  ? { kind: 'add', after: await copySide(file) }
                  : { kind: 'rename', before: await baseSide(from), after: await copySide(file) })(),
            });
          }
          records.sort((left, right) =>
            left.sortKey < right.sortKey ? -1 : left.sortKey > right.sortKey ? 1 : 0,
          );
          const resolved = await Promise.all(records.map((entry) => entry.record));
          return resolved.map((record) => formatFileDiff(record)).join('');
        } catch (error) {
          throw translateGitError(error, { operation: `diffing ${copy.root}` });
        }
      });
    },

    async commit({ workspace, message, author, paths }) {
      const copy = await requireCopy(workspace);
      if (typeof message !== 'string' || message.trim().length === 0) {
        throw new InvalidInputError('a commit message must not be empty');
      }
      return mutex.run(copy.cloneGitdir, async () => {
        try {
          const branch = await copyBranch(copy);
          const parent = await git.resolveRef({ fs, gitdir: copy.cloneGitdir, ref: `refs/heads/${branch}` });
          const cache = cacheFor(copy.cloneGitdir);
          const parentTreeOid = await commitTree(copy.cloneGitdir, parent, cache);
          const tree = await flatTreeOf(copy.cloneGitdir, parent);
          const comparison = await compare(copy, tree, paths);
          // The new index: the old one's entries, shared, with the changes applied.
          const index = new Map<string, IndexEntry>(comparison.index);
          comparison.changes.forEach((scan, file) => {
            if (scan === null) index.delete(file);
            else index.set(file, { path: file, oid: scan.oid, mode: scan.mode, ...scan.stats });
          });
          const objects = path.join(copy.cloneGitdir, 'objects');
          // Submodule entries are not in the index: they keep the parent's commit.
          let files: Map<string, TreeFile> = index;
          tree.files.forEach((entry, file) => {
            if (entry.mode !== 0o160000 || index.has(file)) return;
            if (files === index) files = new Map(index);
            files.set(file, entry);
          });
          // Only files whose blob the parent lacks are read and written; the rest keep their entry.
          const changed: Array<[string, FileState]> = [];
          forEachFile(comparison, (file, scan) => {
            if (tree.files.get(file)?.oid !== scan.oid) changed.push([file, scan]);
          });
          await forEachLimited(changed, fileConcurrency, async ([file, scan]) => {
            const content =
              contentOf(scan) ??
              (scan.mode === 0o120000
                ? Buffer.from(await fs.promises.readlink(path.join(copy.root, file)), 'utf8')
                : await readFile(path.join(copy.root, file)));
            await writeLooseObject(objects, 'blob', content);
          });
          const treeOid = await buildTree(objects, files, tree);
          if (treeOid === parentTreeOid) {
            await storeIndex(copy, index);
            return parent;
          }
          const committer = options.committer ?? author;
          const date = now();
          const text = message.endsWith('\n') ? message : `${message}\n`;
          const body = Buffer.from(
            `tree ${treeOid}\nparent ${parent}\nauthor ${formatSignature(author, date)}\ncommitter ${formatSignature(committer, date)}\n\n${text}`,
            'utf8',
          );
          const commitOid = await writeLooseObject(objects, 'commit', body);
          await git.writeRef({
            fs,
            gitdir: copy.cloneGitdir,
            ref: `refs/heads/${branch}`,
            value: commitOid,
            force: true,
          });
          await storeIndex(copy, index);
          return commitOid;
        } catch (error) {
          throw translateGitError(error, { operation: `committing in ${copy.root}` });
        }
      });
    },

    async push({ workspace, branch, auth, force, signal }) {
      signal?.throwIfAborted();
      const copy = await requireCopy(workspace);
      const secrets = [auth?.token];
      await mutex.run(copy.cloneGitdir, async () => {
        try {
          const url = await remoteUrlOf(copy.cloneGitdir);
          if (!isHttpUrl(url)) {
            await pushLocal(copy.cloneGitdir, url, branch, force === true);
            return;
          }
          const result = await git.push({
            fs,
            http,
            gitdir: copy.cloneGitdir,
            remote: 'origin',
            ref: `refs/heads/${branch}`,
            remoteRef: `refs/heads/${branch}`,
            force: force === true,
            cache: cacheFor(copy.cloneGitdir),
            onProgress: progress('push'),
            ...(signal === undefined ? {} : { signal }),
            ...(options.headers === undefined ? {} : { headers: options.headers }),
            ...authCallbacks(auth),
          });
          if (!result.ok) {
            const reasons = Object.values(result.refs ?? {})
              .map((entry) => entry.error)
              .filter(Boolean)
              .join('; ');
            throw new ConflictError(
              `pushing ${branch} was rejected by the remote: ${redact(reasons, secrets)}`,
            );
          }
        } catch (error) {
          throw translateGitError(error, { operation: `pushing ${branch}`, secrets });
        }
      });
    },

    async setBranch({ repo, branch, commit, force }) {
      await checkBranchName(branch);
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      await mutex.run(cloneGitdir, async () => {
        const target = await resolveIn(cloneGitdir, commit);
        const ref = `refs/heads/${branch}`;
        try {
          // A copy's index and files describe its branch's commit: moving the branch under it
          // would make its next commit silently undo the move.
          if (await branchCheckedOut(cloneGitdir, branch)) {
            throw new ConflictError(
              `branch ${branch} is checked out in a working copy; remove that copy before moving the branch`,
            );
          }
          const current = await headOf(cloneGitdir, branch);
          if (current === target) return;
          if (current !== null && force !== true && !(await descends(cloneGitdir, target, current))) {
            throw new ConflictError(
              `moving branch ${branch} from ${current} to ${target} is not a fast-forward; pass force to move it anyway`,
            );
          }
          await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: target, force: true });
        } catch (error) {
          throw translateGitError(error, { operation: `setting the branch ${branch}` });
        }
      });
    },

    async pushBranch({ repo, branch, auth, force, signal }) {
      signal?.throwIfAborted();
      await checkBranchName(branch);
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      const secrets = [auth?.token];
      await mutex.run(cloneGitdir, async () => {
        try {
          const oid = await headOf(cloneGitdir, branch);
          if (oid === null) throw new NotFoundError('git branch', branch);
          const url = await remoteUrlOf(cloneGitdir);
          if (!isHttpUrl(url)) {
            await pushLocal(cloneGitdir, url, branch, force === true);
            return;
          }
          try {
            // Credentials reach isomorphic-git only through onAuth, per request: nothing is stored.
            await git.push({
              fs,
              http,
              gitdir: cloneGitdir,
              remote: 'origin',
              ref: `refs/heads/${branch}`,
              remoteRef: `refs/heads/${branch}`,
              force: force === true,
              cache: cacheFor(cloneGitdir),
              onProgress: progress('push'),
              ...(signal === undefined ? {} : { signal }),
              ...(options.headers === undefined ? {} : { headers: options.headers }),
              ...authCallbacks(auth),
            });
          } catch (error) {
            // The remote answered but refused the ref (a hook, a protected branch, a race).
            if ((error as { code?: string }).code === 'GitPushError') {
              throw new ConflictError(
                `pushing ${branch} was rejected by the remote: ${redact(errorText(error), secrets)}`,
              );
            }
            throw error;
          }
          // isomorphic-git updates it too; written here so the port's promise does not rest on that.
          await git.writeRef({
            fs,
            gitdir: cloneGitdir,
            ref: `refs/remotes/origin/${branch}`,
            value: oid,
            force: true,
          });
        } catch (error) {
          throw translateGitError(error, { operation: `pushing ${branch}`, secrets });
        }
      });
    },

    async isAncestor({ repo, ancestor, commit }) {
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(cloneGitdir, async () => {
        const older = await resolveIn(cloneGitdir, ancestor);
        const newer = await resolveIn(cloneGitdir, commit);
        try {
          return older === newer || (await descends(cloneGitdir, newer, older));
        } catch (error) {
          throw translateGitError(error, { operation: `comparing ${ancestor} with ${commit}` });
        }
      });
    },

    async mergeIntoBranch({ repo, branch, theirs, message, author }) {
      await checkBranchName(branch);
      if (typeof message !== 'string' || message.trim().length === 0) {
        throw new InvalidInputError('a merge commit message must not be empty');
      }
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(cloneGitdir, async () => {
        const ref = `refs/heads/${branch}`;
        const ours = await headOf(cloneGitdir, branch);
        if (ours === null) throw new NotFoundError('git branch', branch);
        const theirOid = await resolveIn(cloneGitdir, theirs);
        try {
          if (ours === theirOid || (await descends(cloneGitdir, ours, theirOid))) return ours;
          if (await branchCheckedOut(cloneGitdir, branch)) {
            throw new ConflictError(
              `branch ${branch} is checked out in a working copy; remove that copy before merging into the branch`,
            );
          }
          if (await descends(cloneGitdir, theirOid, ours)) {
            await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: theirOid, force: true });
            return theirOid;
          }
          const date = now();
          const signature = (person: GitAuthor) => ({
            name: person.name,
            email: person.email,
            timestamp: Math.floor(date.getTime() / 1000),
            timezoneOffset: date.getTimezoneOffset(),
          });
          let merged: string;
          try {
            // No `dir`: isomorphic-git merges trees in the object store alone and, with
            // abortOnConflict, neither writes conflict markers anywhere nor touches an index.
            // noUpdateBranch: the branch moves below, once the commit exists.
            const result = await git.merge({
              fs,
              gitdir: cloneGitdir,
              cache: cacheFor(cloneGitdir),
              ours: ref,
              theirs: theirOid,
              fastForward: false,
              abortOnConflict: true,
              noUpdateBranch: true,
              message: message.endsWith('\n') ? message : `${message}\n`,
              author: signature(author),
              committer: signature(options.committer ?? author),
            });
            merged = result.oid ?? '';
          } catch (error) {
            throw mergeError(error, branch, theirs);
          }
          if (!hexId.test(merged)) {
            throw new GoosukeError('storage', `merging ${theirs} into ${branch} made no commit`);
          }
          await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: merged, force: true });
          return merged;
        } catch (error) {
          throw translateGitError(error, { operation: `merging ${theirs} into ${branch}` });
        }
      });
    },

    async rebaseBranch({ repo, branch, onto, committer }) {
      await checkBranchName(branch);
      const signer = checkPerson(committer, 'committer');
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(cloneGitdir, async () => {
        const ref = `refs/heads/${branch}`;
        const tip = await headOf(cloneGitdir, branch);
        if (tip === null) throw new NotFoundError('git branch', branch);
        const target = await resolveIn(cloneGitdir, onto);
        const describe = `rebasing ${branch} onto ${onto}`;
        try {
          // As for setBranch: a copy's index describes its branch's commit.
          if (await branchCheckedOut(cloneGitdir, branch)) {
            throw new ConflictError(
              `branch ${branch} is checked out in a working copy; remove that copy before rebasing the branch`,
            );
          }
          if (tip === target) return tip;
          const cache = cacheFor(cloneGitdir);
          const bases = new Set(
            await git.findMergeBase({ fs, gitdir: cloneGitdir, oids: [tip, target], cache }),
          );
          if (bases.has(target)) return tip;
          if (bases.has(tip)) {
            await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: target, force: true });
            return target;
          }
          const commits = await commitsToReplay({ gitdir: cloneGitdir, tip, bases, cache, describe });
          const date = now();
          const rebased = await replayCommits({
            cloneGitdir,
            onto: target,
            commits,
            committer: {
              ...signer,
              timestamp: Math.floor(date.getTime() / 1000),
              timezoneOffset: date.getTimezoneOffset(),
            },
            cache,
            scratch: rebaseScratch,
            describe,
          });
          await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: rebased, force: true });
          return rebased;
        } catch (error) {
          throw translateGitError(error, { operation: describe });
        }
      });
    },

    async deleteBranch({ repo, branch }) {
      await checkBranchName(branch);
      const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
      return mutex.run(cloneGitdir, async () => {
        const ref = `refs/heads/${branch}`;
        const exists = await git.resolveRef({ fs, gitdir: cloneGitdir, ref, depth: 1 }).catch(() => null);
        if (exists === null) return false;
        // Deleting a branch under a working copy would orphan the copy.
        if (await branchCheckedOut(cloneGitdir, branch)) {
          throw new ConflictError(`branch ${branch} is checked out in a working copy; remove that first`);
        }
        try {
          await git.deleteRef({ fs, gitdir: cloneGitdir, ref });
        } catch (error) {
          throw translateGitError(error, { operation: `deleting the branch ${branch}` });
        }
        return true;
      });
    },

    async removeWorkingCopy({ workspace }) {
      const copy = await locate(workspace);
      if (copy === null) {
        await rm(path.resolve(workspace.root), { recursive: true, force: true }).catch(() => undefined);
        return;
      }
      try {
        // The copy is moved out of the way at once (one rename into the clone's trash) and its
        // files are deleted in the background, so that whoever waits for the removal does not
        // wait for thousands of unlinks. Where no rename is possible (another file system), the
        // files are deleted here. The copy's files are its own: deleting them needs no lock on
        // the clone. Two deletions at a time: more would only interleave their batches.
        const trash = await moveToTrash(copy);
        if (trash === null) await removals.run(() => removeTree(copy.root));
        else void removals.run(() => removeTreeElsewhere(trash)).catch(() => undefined);
      } catch (error) {
        throw translateGitError(error, { operation: `removing the working copy ${copy.root}` });
      }
      await mutex.run(copy.cloneGitdir, async () => {
        try {
          // A handful of small files and links: synchronous calls beat the thread pool's hops.
          await removeTree(copy.gitdir);
          workingCopies.delete(copy.root);
          indexes.delete(copy.gitdir);
        } catch (error) {
          throw translateGitError(error, { operation: `removing the working copy ${copy.root}` });
        }
      });
    },
  };

  /** Clones whose trash was swept by this backend: leftovers of a process that ended mid-deletion. */
  const sweptTrash = new Set<string>();

  /**
   * Renames the copy's directory into `<clone>/.git/goosuke/trash/`; returns its new path, or
   * null when it cannot be renamed there (it is then still in place) or is already gone.
   */
  const moveToTrash = async (copy: WorkingCopy): Promise<string | null> => {
    const trashDir = path.join(copy.cloneGitdir, 'goosuke', 'trash');
    if (!sweptTrash.has(copy.cloneGitdir)) {
      sweptTrash.add(copy.cloneGitdir);
      for (const name of await readdir(trashDir).catch(() => [] as string[]))
        void removals.run(() => removeTreeElsewhere(path.join(trashDir, name))).catch(() => undefined);
    }
    const target = path.join(trashDir, `${path.basename(copy.root)}-${process.pid}-${trashCounter++}`);
    try {
      fs.mkdirSync(trashDir, { recursive: true });
      fs.renameSync(copy.root, target);
      return target;
    } catch {
      // Gone already, or not renamable there (EXDEV, EPERM): the caller deletes in place.
      return null;
    }
  };

  const cloneLocal = async (gitdir: string, url: string): Promise<void> => {
    const sourceGitdir = await findGitdir(localPathOf(url));
    const heads = await readHeads(sourceGitdir);
    const target = path.dirname(gitdir);
    await git.init({ fs, dir: target, defaultBranch: heads.head ?? 'main' });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url });
    await git.setConfig({
      fs,
      gitdir,
      path: 'remote.origin.fetch',
      value: '+refs/heads/*:refs/remotes/origin/*',
    });
    await fetchLocal(gitdir, url);
    const defaultBranch = heads.head ?? [...heads.branches.keys()][0];
    if (defaultBranch !== undefined) {
      const oid = heads.branches.get(defaultBranch);
      if (oid !== undefined)
        await git.writeRef({ fs, gitdir, ref: `refs/heads/${defaultBranch}`, value: oid });
      await git.writeRef({
        fs,
        gitdir,
        ref: 'HEAD',
        value: `refs/heads/${defaultBranch}`,
        symbolic: true,
        force: true,
      });
    }
  };

  const pushLocal = async (gitdir: string, url: string, branch: string, force: boolean): Promise<void> => {
    const remoteGitdir = await findGitdir(localPathOf(url));
    const oid = await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
    await copyObjects(path.join(gitdir, 'objects'), path.join(remoteGitdir, 'objects'));
    const current = await git
      .resolveRef({ fs, gitdir: remoteGitdir, ref: `refs/heads/${branch}` })
      .catch(() => null);
    if (current !== null && current !== oid && !force) {
      const fastForward = await git.isDescendent({
        fs,
        gitdir: remoteGitdir,
        oid,
        ancestor: current,
        depth: -1,
      });
      if (!fastForward)
        throw new ConflictError(`pushing ${branch} was rejected: not a fast-forward of the remote branch`);
    }
    await git.writeRef({ fs, gitdir: remoteGitdir, ref: `refs/heads/${branch}`, value: oid, force: true });
    await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true });
  };

  return backend;
}

/** The directory a local remote (path or `file:` URL) names. */
function localPathOf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : path.resolve(url);
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Moves a URL's user-info into auth, so credentials never reach `.git/config`. */
function splitCredentials(
  url: string,
  auth: GitAuth | undefined,
): { cleanUrl: string; effectiveAuth: GitAuth | undefined; secrets: (string | undefined)[] } {
  if (typeof url !== 'string' || url.length === 0)
    throw new InvalidInputError('a clone URL must be a non-empty string');
  if (!isHttpUrl(url)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file:')) {
      throw new UnsupportedError(
        `only http(s) URLs, file URLs and local paths can be cloned, not ${url.split(':')[0]}:`,
      );
    }
    return { cleanUrl: url, effectiveAuth: auth, secrets: [auth?.token] };
  }
  const parsed = new URL(url);
  const embeddedPassword = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const embeddedUser = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  parsed.username = '';
  parsed.password = '';
  const cleanUrl = parsed.toString();
  let effectiveAuth = auth;
  if (effectiveAuth === undefined && (embeddedPassword !== undefined || embeddedUser !== undefined)) {
    effectiveAuth =
      embeddedPassword === undefined
        ? { token: embeddedUser! }
        : { ...(embeddedUser === undefined ? {} : { username: embeddedUser }), token: embeddedPassword };
  }
  return { cleanUrl, effectiveAuth, secrets: [auth?.token, embeddedPassword, embeddedUser] };
}

/** The rules of `git check-ref-format --branch`, enough to keep a branch name a safe path. */
async function checkBranchName(branch: string): Promise<void> {
  const bad =
    typeof branch !== 'string' ||
    branch.length === 0 ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    branch === '@' ||
    branch === 'HEAD' ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git forbids control characters in ref names
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.'));
  if (bad) throw new InvalidInputError(`${JSON.stringify(branch)} is not a valid branch name`);
}

/**
 * A commit identity git can write: name and email without `<`, `>` or line breaks (removed, as
 * `formatSignature` does), the name not empty. InvalidInputError otherwise.
 */
function checkPerson(person: GitAuthor, role: string): GitAuthor {
  const clean = (value: unknown): string =>
    typeof value === 'string' ? value.replace(/[<>\n]/g, '').trim() : '';
  const name = clean(person?.name);
  if (name.length === 0) throw new InvalidInputError(`a ${role} needs a non-empty name`);
  return { name, email: clean(person?.email) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A failed isomorphic-git merge as a GoosukeError. A conflict names every conflicting path; a
 * merge isomorphic-git cannot do at all (a file against a directory, both sides adding one path
 * as different kinds, several merge bases, no common history) is a conflict too: the branch is
 * unchanged and only a person can merge it.
 */
function mergeError(error: unknown, branch: string, theirs: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'MergeConflictError') {
    const data = (error as { data?: { filepaths?: string[] } }).data;
    const paths = [...new Set(data?.filepaths ?? [])].sort();
    return new ConflictError(
      `merging ${theirs} into ${branch} conflicts in ${paths.length} ${paths.length === 1 ? 'path' : 'paths'}: ${paths.join(', ')}; the branch is unchanged, resolve the conflicts by hand`,
    );
  }
  if (code === 'MergeNotSupportedError') {
    return new ConflictError(
      `${theirs} cannot be merged into ${branch} automatically (a file/directory conflict, several merge bases or no common history); the branch is unchanged, merge it by hand`,
    );
  }
  return error;
}
