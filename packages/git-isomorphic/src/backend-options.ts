import type { GitAuthor } from '@goosuke/core';
import type { HttpClient } from 'isomorphic-git';
import type { GitTransport } from './git-transport.ts';

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
  /**
   * Clones, fetches and pushes through this instead of isomorphic-git (default: isomorphic-git's
   * smart-HTTP client, and object copies for local remotes). `http`, `headers` and
   * `defaultUsername` then do not apply to them.
   */
  transport?: GitTransport;
  /** Tree snapshots kept per clone in `'hardlink'` mode (default 2); older ones are deleted. */
  snapshotsPerClone?: number;
  /**
   * Removed working copies kept per tree as spares in `'hardlink'` mode (default 8; 0 keeps
   * none and deletes every removed copy), of each kind: hard-linked copies, and copies made with
   * `inPlaceWrites` (own files copied from the snapshot), which never stand in for one another.
   * A removed copy's directory is renamed to `<clone>/.git/goosuke/spares/<tree id>/`, reset in
   * the background to exactly the tree's snapshot (every file written, added, ignored or deleted
   * since is undone; in an `inPlaceWrites` copy, every file not provably untouched since it was
   * copied is copied again), and the next copy of that tree and kind takes it over by one rename
   * instead of a `mkdir` per directory (and a copy per file); a claimed spare holds the same
   * files, modes and index as a copy made anew. Spares go with their tree's snapshot. An
   * `inPlaceWrites` spare holds a full copy of the tree's files on disk.
   */
  spareCopiesPerTree?: number;
}
