import * as fs from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '@goosuke/core';
import git from 'isomorphic-git';
import { processAlive } from './process-alive.ts';

/** A committer as isomorphic-git writes it. */
export interface ReplaySignature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes, as `Date.getTimezoneOffset` gives them. */
  timezoneOffset: number;
}

/** What the scratch git directory shares with the clone, as a working copy's does. */
const sharedEntries = ['objects', 'refs', 'packed-refs', 'config', 'info', 'shallow'] as const;
const scratchName = /^rebase-(\d+)-\d+$/;

/**
 * The commits of the branch at `tip` that are not in `bases` (the merge bases of the branch and
 * the commit it is rebased onto), oldest first, found by walking first parents from `tip`.
 * Only a linear run of commits can be replayed one by one: a merge commit among them is a
 * ConflictError, and so is a branch that reaches a root commit without meeting `bases` (no
 * common history with the target).
 */
export async function commitsToReplay(options: {
  gitdir: string;
  tip: string;
  bases: ReadonlySet<string>;
  cache: object;
  describe: string;
}): Promise<string[]> {
  const { gitdir, tip, bases, cache, describe } = options;
  const commits: string[] = [];
  let oid = tip;
  while (!bases.has(oid)) {
    const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
    if (commit.parent.length > 1) {
      throw new ConflictError(
        `${describe}: commit ${oid} is a merge commit, which cannot be replayed; the branch is unchanged, merge instead of rebasing`,
      );
    }
    commits.push(oid);
    const parent = commit.parent[0];
    if (parent === undefined) {
      throw new ConflictError(
        `${describe}: the branch shares no history with its target; the branch is unchanged`,
      );
    }
    oid = parent;
  }
  return commits.reverse();
}

/** Tells apart scratch directories of one backend instance from those of others in the process. */
let scratchCounter = 0;

/** A reserved scratch name for one backend instance (its `replayCommits` calls run one at a time per clone). */
export function newScratchName(): string {
  return `rebase-${process.pid}-${scratchCounter++}`;
}

/**
 * Replays `commits` (oldest first, each with a single parent) on top of `onto` in the object
 * store of the clone at `cloneGitdir`, and returns the last commit made (`onto` when every
 * commit became empty). No ref, index, HEAD or file of the clone changes: the picks run in a
 * scratch git directory `<clone>/.git/goosuke/<scratch>` whose detached HEAD follows the
 * replay, removed afterwards whatever happens. Each commit keeps its message and author;
 * `committer` commits it. A commit whose changes are already in `onto` (it becomes empty) is
 * dropped, as `git rebase` does; a commit that was empty to begin with is kept.
 * When a commit does not apply, ConflictError naming it and the conflicting paths.
 *
 * The caller must hold the clone's lock, and give each backend instance its own `scratch`
 * name: isomorphic-git keeps the (never written) index of that directory in `cache` by path.
 */
export async function replayCommits(options: {
  cloneGitdir: string;
  onto: string;
  commits: readonly string[];
  committer: ReplaySignature;
  cache: object;
  scratch: string;
  describe: string;
}): Promise<string> {
  const { cloneGitdir, onto, commits, committer, cache, scratch, describe } = options;
  const parent = path.join(cloneGitdir, 'goosuke');
  await sweepDeadScratches(parent);
  const gitdir = path.join(parent, scratch);
  await rm(gitdir, { recursive: true, force: true });
  try {
    await mkdir(gitdir, { recursive: true });
    await writeFile(path.join(gitdir, 'HEAD'), `${onto}\n`);
    await writeFile(path.join(gitdir, 'commondir'), '../..\n');
    for (const entry of sharedEntries) await symlink(path.join('..', '..', entry), path.join(gitdir, entry));
    let head = onto;
    let headTree = (await git.readCommit({ fs, gitdir, oid: onto, cache })).commit.tree;
    for (const oid of commits) {
      const original = await git.readCommit({ fs, gitdir, oid, cache });
      let picked: string;
      try {
        // No `dir`: the three-way merge runs on trees alone. With abortOnConflict it neither
        // writes conflict markers nor stages anything, so the scratch index is never written.
        // noUpdateBranch: HEAD is moved below, once the pick is known not to be empty.
        picked = await git.cherryPick({
          fs,
          gitdir,
          oid,
          cache,
          committer,
          abortOnConflict: true,
          noUpdateBranch: true,
        });
      } catch (error) {
        throw pickError(error, oid, original.commit.message, describe);
      }
      const pickedTree = (await git.readCommit({ fs, gitdir, oid: picked, cache })).commit.tree;
      const parentTree = (await git.readCommit({ fs, gitdir, oid: original.commit.parent[0] ?? oid, cache }))
        .commit.tree;
      if (pickedTree === headTree && original.commit.tree !== parentTree) continue;
      head = picked;
      headTree = pickedTree;
      await writeFile(path.join(gitdir, 'HEAD'), `${head}\n`);
    }
    return head;
  } finally {
    await rm(gitdir, { recursive: true, force: true });
  }
}

/** A failed pick as a ConflictError naming the commit, or the error itself. */
function pickError(error: unknown, oid: string, message: string, describe: string): unknown {
  const code = (error as { code?: string }).code;
  const subject = JSON.stringify(message.split('\n')[0] ?? '');
  if (code === 'MergeConflictError') {
    const data = (error as { data?: { filepaths?: string[] } }).data;
    const paths = [...new Set(data?.filepaths ?? [])].sort();
    return new ConflictError(
      `${describe}: commit ${oid} (${subject}) conflicts in ${paths.length} ${paths.length === 1 ? 'path' : 'paths'}: ${paths.join(', ')}; the branch is unchanged, resolve the conflicts by hand or merge instead`,
    );
  }
  if (code === 'MergeNotSupportedError') {
    return new ConflictError(
      `${describe}: commit ${oid} (${subject}) cannot be replayed automatically (a file/directory conflict, or both sides adding one path differently); the branch is unchanged, rebase it by hand`,
    );
  }
  return error;
}

/** Removes scratch directories left by processes that died while replaying. */
async function sweepDeadScratches(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const owner = scratchName.exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid || processAlive(Number(owner))) continue;
    await rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
