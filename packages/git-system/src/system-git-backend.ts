import type { GitBackend } from '@goosuke/core';
import { createIsomorphicGitBackend, type IsomorphicGitBackendOptions } from '@goosuke/git-isomorphic';
import { createSystemGitTransport, type SystemGitTransportOptions } from './system-git-transport.ts';

/** Options of {@link createSystemGitBackend}. */
export interface SystemGitBackendOptions extends SystemGitTransportOptions {
  /** Committer identity; defaults to each commit's author. */
  committer?: IsomorphicGitBackendOptions['committer'];
  /** Clock for commit timestamps (default `() => new Date()`). */
  now?: () => Date;
  /** Files written or read at once by checkouts and scans (default 32). */
  fileConcurrency?: number;
  /**
   * How a working copy's files are made (default `'write'`), as in `@goosuke/git-isomorphic`.
   * `'hardlink'` copies share inodes with each other and a read-only snapshot: only for tools
   * that replace files (Goosuke's own edit agent, through the Workspace), never for one that
   * writes in place (agent CLIs, editors), which must get `'write'`.
   */
  checkout?: 'write' | 'hardlink';
  /** Tree snapshots kept per clone in `'hardlink'` mode (default 2). */
  snapshotsPerClone?: number;
  /** Removed working copies kept per tree as spares in `'hardlink'` mode (default 8; 0: none), as in `@goosuke/git-isomorphic`. */
  spareCopiesPerTree?: number;
}

/**
 * The GitBackend port with the system git (>= 2.30, see `detectSystemGit`) doing what it does
 * best: cloning, fetching and pushing (object transfer, packs, ref negotiation), checkouts,
 * object reads (long-lived `git cat-file` children per clone), ancestry and merges
 * (`merge-tree --write-tree`, git >= 2.38) run as `git` child processes, while the
 * working-copy layout, diffs, commits and rebases are `@goosuke/git-isomorphic`'s, on the same
 * clone (one on-disk format, one per-clone lock). No pack is loaded into Node except by a rebase.
 *
 * Contract, beyond the port's and `createIsomorphicGitBackend`'s (which it otherwise keeps):
 * - git runs without a shell, with an argument array (`--` before URLs and paths), a clean
 *   environment (no inherited `GIT_*`, no system or global configuration, a private empty
 *   HOME, no prompts, no credential helpers), a timeout and the caller's AbortSignal.
 * - Credentials (`auth`, or user-info in an http(s) URL) reach git only as an
 *   `Authorization` header configured through the child's environment for that child alone:
 *   never in argv (visible in `ps`), a URL, `.git/config`, a log or an error message.
 * - A clone of a local path hard-links the source's objects (`git clone --local`); the source
 *   is only read, never written. Alternates (`--shared`) are not used: isomorphic-git, which
 *   reads the clone for working copies and diffs, does not follow them.
 * - Reusing a clone compares the remote's refs (`git ls-remote`) with the clone's first: when
 *   they are level, nothing else runs and nothing is written.
 * - The git executable is checked (version) on first use; without git >= 2.30 every remote
 *   operation rejects with UnsupportedError.
 */
export function createSystemGitBackend(options: SystemGitBackendOptions = {}): GitBackend {
  const {
    committer,
    now,
    fileConcurrency,
    checkout,
    snapshotsPerClone,
    spareCopiesPerTree,
    ...transportOptions
  } = options;
  return createIsomorphicGitBackend({
    transport: createSystemGitTransport(transportOptions),
    ...(committer === undefined ? {} : { committer }),
    ...(now === undefined ? {} : { now }),
    ...(fileConcurrency === undefined ? {} : { fileConcurrency }),
    ...(checkout === undefined ? {} : { checkout }),
    ...(snapshotsPerClone === undefined ? {} : { snapshotsPerClone }),
    ...(spareCopiesPerTree === undefined ? {} : { spareCopiesPerTree }),
  });
}
