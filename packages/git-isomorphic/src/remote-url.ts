import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { translateGitError } from './git-errors.ts';
import { findGitdir } from './local-transport.ts';

/**
 * The git directory that holds the repository's `config`: the one `.git` names, or for a linked
 * worktree (whose own git directory holds only its HEAD and index) the common directory its
 * `commondir` file points to. isomorphic-git follows a `.git` file but not `commondir`.
 */
async function configGitdir(dir: string): Promise<string> {
  const gitdir = await findGitdir(path.resolve(dir));
  const common = (await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => null))?.trim();
  return common === undefined || common === '' ? gitdir : path.resolve(gitdir, common);
}

/**
 * A remote URL without credentials: the password always, and for http(s) the user name too (a
 * token often rides there, as in `https://x-access-token:TOKEN@host/…` or `https://TOKEN@host/…`);
 * an ssh user name (`ssh://git@host/…`) is kept. A value that is no URL (scp-like `git@host:path`,
 * a local path) is returned as it is: it has no password field.
 */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password === '' && (parsed.username === '' || !/^https?:$/.test(parsed.protocol))) return url;
  parsed.password = '';
  if (/^https?:$/.test(parsed.protocol)) parsed.username = '';
  return parsed.toString();
}

/**
 * `GitBackend.remoteUrl`: the URL of `remote` (default `origin`) in the repository at `dir`, read
 * from its config with isomorphic-git, credentials removed; null when the remote is not
 * configured. NotFoundError when `dir` holds no repository.
 */
export async function readRemoteUrl(options: { dir: string; remote?: string }): Promise<string | null> {
  const remote = options.remote ?? 'origin';
  const gitdir = await configGitdir(options.dir);
  let url: unknown;
  try {
    url = await git.getConfig({ fs, gitdir, path: `remote.${remote}.url` });
  } catch (error) {
    throw translateGitError(error, { operation: `reading the ${remote} remote of ${options.dir}` });
  }
  if (typeof url !== 'string' || url.trim() === '') return null;
  return withoutCredentials(url.trim());
}
