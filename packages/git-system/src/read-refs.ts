import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const objectId = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The refs under `prefixes` (e.g. `refs/heads/`) of the repository whose common git directory
 * is `gitdir`, read from its files (`packed-refs`, then loose refs, which win): a ref comparison
 * without starting a process. Symbolic refs are left out. Null when the repository keeps its
 * refs in a form this does not read (reftable), so that the caller asks git instead.
 */
export async function readRefFiles(
  gitdir: string,
  prefixes: readonly string[],
): Promise<Map<string, string> | null> {
  if ((await stat(path.join(gitdir, 'reftable')).catch(() => null)) !== null) return null;
  const refs = new Map<string, string>();
  const packed = await readFile(path.join(gitdir, 'packed-refs'), 'utf8').catch(
    (error: { code?: string }) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const ref = line.slice(space + 1);
    if (space > 0 && prefixes.some((prefix) => ref.startsWith(prefix))) refs.set(ref, line.slice(0, space));
  }
  for (const prefix of prefixes) {
    const directory = path.join(gitdir, prefix);
    const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.lock')) continue;
      const file = path.join(entry.parentPath, entry.name);
      const value = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (objectId.test(value))
        refs.set(`${prefix}${path.relative(directory, file).split(path.sep).join('/')}`, value);
    }
  }
  return refs;
}

/** Where a repository keeps its files: its own git directory (HEAD) and the common one (refs, objects). */
export interface GitDirectories {
  gitdir: string;
  common: string;
}

/**
 * The git directories of the repository at `location` (a checkout with a `.git` directory, a
 * linked worktree or submodule whose `.git` is a file, a bare repository), or null.
 */
export async function gitDirectoriesOf(location: string): Promise<GitDirectories | null> {
  let gitdir: string | null = null;
  const dotGit = path.join(location, '.git');
  const dotGitStats = await stat(dotGit).catch(() => null);
  if (dotGitStats?.isDirectory()) gitdir = dotGit;
  else if (dotGitStats?.isFile()) {
    const match = /^gitdir: (.*)$/m.exec(await readFile(dotGit, 'utf8'));
    if (match !== null) gitdir = path.resolve(location, match[1]!.trim());
  } else if ((await stat(path.join(location, 'objects')).catch(() => null))?.isDirectory()) gitdir = location;
  if (gitdir === null) return null;
  const common = (await readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => '')).trim();
  return { gitdir, common: common === '' ? gitdir : path.resolve(gitdir, common) };
}

/** The commit a detached HEAD names in the git directory `gitdir`; undefined when HEAD names a branch. */
export async function detachedHeadOf(gitdir: string): Promise<string | undefined> {
  const head = (await readFile(path.join(gitdir, 'HEAD'), 'utf8').catch(() => '')).trim();
  return objectId.test(head) ? head : undefined;
}
