import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whether a working copy of the clone at `cloneGitdir` has `branch` checked out: each working
 * copy is a worktree whose `HEAD` file (`<clone>/.git/worktrees/<name>/HEAD`) names its branch.
 * Reading the files, not the backend's memory, also sees copies made by another process or an
 * earlier run of this one. A worktree whose directory is gone (a process died, and its copy was
 * deleted without the backend) is stale, as `git worktree prune` would see it, and holds nothing.
 */
export async function branchCheckedOut(cloneGitdir: string, branch: string): Promise<boolean> {
  const ref = `ref: refs/heads/${branch}`;
  const worktrees = path.join(cloneGitdir, 'worktrees');
  for (const name of await readdir(worktrees).catch(() => [] as string[])) {
    const head = await readFile(path.join(worktrees, name, 'HEAD'), 'utf8').catch(() => '');
    if (head.trim() !== ref) continue;
    // `gitdir` names the copy's `.git` file; without it the worktree is not a live copy.
    const pointer = (await readFile(path.join(worktrees, name, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (pointer !== '' && existsSync(pointer)) return true;
  }
  return false;
}
