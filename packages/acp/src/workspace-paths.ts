import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The absolute locations of one working copy's root as an agent may spell them: as given and,
 * when it differs, through symbolic links resolved (an agent that calls `realpath` on its cwd,
 * e.g. under a linked temporary directory, reports paths under the real one).
 */
export interface WorkspaceRoots {
  /** The root as the session's cwd: absolute, normalized. */
  readonly root: string;
  readonly spellings: readonly string[];
}

/** Finds the spellings of `root`; a root that cannot be resolved keeps only its given spelling. */
export async function workspaceRootsOf(root: string): Promise<WorkspaceRoots> {
  const given = path.resolve(root);
  const real = await realpath(given).catch(() => given);
  return { root: given, spellings: real === given ? [given] : [given, real] };
}

/**
 * The workspace-relative path (forward slashes) of an absolute path inside the working copy, or
 * null for anything else: a relative path, the root itself, a path outside every spelling of the
 * root, or one with a `.git` segment (git metadata is never the agent's to touch). Symbolic links
 * inside the copy are not resolved here: the Workspace refuses a link that leads outside.
 */
export function workspacePathOf(roots: WorkspaceRoots, absolutePath: string): string | null {
  if (typeof absolutePath !== 'string' || !path.isAbsolute(absolutePath) || absolutePath.includes('\0')) {
    return null;
  }
  const target = path.resolve(absolutePath);
  for (const root of roots.spellings) {
    const relative = path.relative(root, target);
    if (relative === '' || path.isAbsolute(relative)) continue;
    const segments = relative.split(path.sep);
    if (segments[0] === '..') continue;
    if (segments.some((segment) => segment.toLowerCase() === '.git')) return null;
    return segments.join('/');
  }
  return null;
}
