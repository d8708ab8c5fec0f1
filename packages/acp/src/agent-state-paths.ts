import { lstat, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

/** What {@link noteAgentStatePaths} found before the agent started. */
export interface AgentStatePaths {
  /**
   * Removes each state path the agent created during the run (one that was not there before it
   * started), and the directories on the way that it created and left empty. Returns the paths
   * removed. Never follows a symbolic link out of the working copy (`rm` removes the link).
   */
  discard(): Promise<string[]>;
}

const exists = (target: string): Promise<boolean> =>
  lstat(target).then(
    () => true,
    () => false,
  );

/**
 * Notes which of `paths` (relative to the working copy `root`, as `AcpAgentOptions.agentStatePaths`
 * validates them) exist now, and which of their parent directories: an agent's own state (Claude
 * Code's `.claude/settings.local.json`) is not the user's change, and must not land in the run's
 * commit, but a file the repository already had is the repository's and is kept.
 */
export async function noteAgentStatePaths(root: string, paths: readonly string[]): Promise<AgentStatePaths> {
  const created: Array<{ file: string; directories: string[] }> = [];
  for (const file of paths) {
    if (await exists(path.join(root, file))) continue;
    // Its parents that are missing now, deepest first: removed afterwards when left empty.
    const directories: string[] = [];
    for (let parent = path.posix.dirname(file); parent !== '.'; parent = path.posix.dirname(parent)) {
      if (await exists(path.join(root, parent))) break;
      directories.push(parent);
    }
    created.push({ file, directories });
  }
  return {
    async discard() {
      const removed: string[] = [];
      for (const { file, directories } of created) {
        const target = path.join(root, file);
        if (!(await exists(target))) continue;
        await rm(target, { recursive: true, force: true });
        removed.push(file);
        for (const directory of directories) {
          // Only an empty one: whatever else the agent put there may be the user's change.
          const emptied = await rmdir(path.join(root, directory)).then(
            () => true,
            () => false,
          );
          if (!emptied) break;
        }
      }
      return removed;
    },
  };
}
