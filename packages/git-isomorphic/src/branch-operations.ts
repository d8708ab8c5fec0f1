import * as fs from 'node:fs';
import path from 'node:path';
import { ConflictError, type GitAuthor, GoosukeError, InvalidInputError, NotFoundError } from '@goosuke/core';
import git from 'isomorphic-git';
import { type BackendContext, cacheFor, hexId, type OptionsOf } from './backend-context.ts';
import { translateGitError } from './git-errors.ts';
import { formatSignature, writeLooseObject } from './git-objects.ts';
import { checkBranchName, checkPerson, descends, headOf, resolveIn } from './git-refs.ts';
import { commitsToReplay, replayCommits } from './rebase-replay.ts';
import { branchCheckedOut } from './worktree-heads.ts';

// The clone's refs: resolving and listing them, and moving local branches in the object store
// alone (set, merge, rebase, delete), never under a working copy that has the branch checked out.

/** GitBackend.resolveRef. */
export async function resolveRef(
  context: BackendContext,
  { repo, ref }: OptionsOf<'resolveRef'>,
): Promise<string> {
  const gitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(gitdir, () => resolveIn(context, gitdir, ref));
}

/** GitBackend.listBranches. */
export async function listBranches(
  context: BackendContext,
  { repo }: OptionsOf<'listBranches'>,
): Promise<string[]> {
  const gitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(gitdir, async () => {
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
}

/** GitBackend.listTags. */
export async function listTags(context: BackendContext, { repo }: OptionsOf<'listTags'>): Promise<string[]> {
  const gitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(gitdir, async () => {
    try {
      return (await git.listTags({ fs, gitdir })).sort();
    } catch (error) {
      throw translateGitError(error, { operation: `listing tags of ${repo.dir}` });
    }
  });
}

/** GitBackend.setBranch. */
export async function setBranch(
  context: BackendContext,
  { repo, branch, commit, force }: OptionsOf<'setBranch'>,
): Promise<void> {
  await checkBranchName(branch);
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  await context.mutex.run(cloneGitdir, async () => {
    const target = await resolveIn(context, cloneGitdir, commit);
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
      if (current !== null && force !== true && !(await descends(context, cloneGitdir, target, current))) {
        throw new ConflictError(
          `moving branch ${branch} from ${current} to ${target} is not a fast-forward; pass force to move it anyway`,
        );
      }
      await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: target, force: true });
    } catch (error) {
      throw translateGitError(error, { operation: `setting the branch ${branch}` });
    }
  });
}

/** GitBackend.isAncestor. */
export async function isAncestor(
  context: BackendContext,
  { repo, ancestor, commit }: OptionsOf<'isAncestor'>,
): Promise<boolean> {
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(cloneGitdir, async () => {
    const older = await resolveIn(context, cloneGitdir, ancestor);
    const newer = await resolveIn(context, cloneGitdir, commit);
    try {
      return older === newer || (await descends(context, cloneGitdir, newer, older));
    } catch (error) {
      throw translateGitError(error, { operation: `comparing ${ancestor} with ${commit}` });
    }
  });
}

/** GitBackend.mergeIntoBranch. */
export async function mergeIntoBranch(
  context: BackendContext,
  { repo, branch, theirs, message, author }: OptionsOf<'mergeIntoBranch'>,
): Promise<string> {
  await checkBranchName(branch);
  if (typeof message !== 'string' || message.trim().length === 0) {
    throw new InvalidInputError('a merge commit message must not be empty');
  }
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(cloneGitdir, async () => {
    const ref = `refs/heads/${branch}`;
    const ours = await headOf(cloneGitdir, branch);
    if (ours === null) throw new NotFoundError('git branch', branch);
    const theirOid = await resolveIn(context, cloneGitdir, theirs);
    try {
      if (ours === theirOid || (await descends(context, cloneGitdir, ours, theirOid))) return ours;
      if (await branchCheckedOut(cloneGitdir, branch)) {
        throw new ConflictError(
          `branch ${branch} is checked out in a working copy; remove that copy before merging into the branch`,
        );
      }
      if (await descends(context, cloneGitdir, theirOid, ours)) {
        await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: theirOid, force: true });
        return theirOid;
      }
      const date = context.now();
      const signature = (person: GitAuthor) => ({
        name: person.name,
        email: person.email,
        timestamp: Math.floor(date.getTime() / 1000),
        timezoneOffset: date.getTimezoneOffset(),
      });
      let merged: string;
      const viaGit = await context.options.transport?.mergeTrees?.({
        gitdir: cloneGitdir,
        ours,
        theirs: theirOid,
      });
      if (viaGit === 'unrelated') throw mergeError({ code: 'MergeNotSupportedError' }, branch, theirs);
      if (viaGit !== undefined && viaGit !== null) {
        // The system git merged the trees (reading objects at their offsets): only the commit is ours.
        if (viaGit.conflicts.length > 0) {
          throw mergeError(
            { code: 'MergeConflictError', data: { filepaths: viaGit.conflicts } },
            branch,
            theirs,
          );
        }
        const text = message.endsWith('\n') ? message : `${message}\n`;
        const body = Buffer.from(
          `tree ${viaGit.tree}\nparent ${ours}\nparent ${theirOid}\nauthor ${formatSignature(author, date)}\ncommitter ${formatSignature(context.options.committer ?? author, date)}\n\n${text}`,
          'utf8',
        );
        merged = await writeLooseObject(path.join(cloneGitdir, 'objects'), 'commit', body);
      } else
        try {
          // No `dir`: isomorphic-git merges trees in the object store alone and, with
          // abortOnConflict, neither writes conflict markers anywhere nor touches an index.
          // noUpdateBranch: the branch moves below, once the commit exists.
          const result = await git.merge({
            fs,
            gitdir: cloneGitdir,
            cache: cacheFor(context, cloneGitdir),
            ours: ref,
            theirs: theirOid,
            fastForward: false,
            abortOnConflict: true,
            noUpdateBranch: true,
            message: message.endsWith('\n') ? message : `${message}\n`,
            author: signature(author),
            committer: signature(context.options.committer ?? author),
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
}

/** GitBackend.rebaseBranch. */
export async function rebaseBranch(
  context: BackendContext,
  { repo, branch, onto, committer }: OptionsOf<'rebaseBranch'>,
): Promise<string> {
  await checkBranchName(branch);
  const signer = checkPerson(committer, 'committer');
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(cloneGitdir, async () => {
    const ref = `refs/heads/${branch}`;
    const tip = await headOf(cloneGitdir, branch);
    if (tip === null) throw new NotFoundError('git branch', branch);
    const target = await resolveIn(context, cloneGitdir, onto);
    const describe = `rebasing ${branch} onto ${onto}`;
    try {
      // As for setBranch: a copy's index describes its branch's commit.
      if (await branchCheckedOut(cloneGitdir, branch)) {
        throw new ConflictError(
          `branch ${branch} is checked out in a working copy; remove that copy before rebasing the branch`,
        );
      }
      if (tip === target) return tip;
      const cache = cacheFor(context, cloneGitdir);
      const bases = new Set(await git.findMergeBase({ fs, gitdir: cloneGitdir, oids: [tip, target], cache }));
      if (bases.has(target)) return tip;
      if (bases.has(tip)) {
        await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: target, force: true });
        return target;
      }
      const commits = await commitsToReplay({ gitdir: cloneGitdir, tip, bases, cache, describe });
      const date = context.now();
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
        scratch: context.rebaseScratch,
        describe,
      });
      await git.writeRef({ fs, gitdir: cloneGitdir, ref, value: rebased, force: true });
      return rebased;
    } catch (error) {
      throw translateGitError(error, { operation: describe });
    }
  });
}

/** GitBackend.deleteBranch. */
export async function deleteBranch(
  context: BackendContext,
  { repo, branch }: OptionsOf<'deleteBranch'>,
): Promise<boolean> {
  await checkBranchName(branch);
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  return context.mutex.run(cloneGitdir, async () => {
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
