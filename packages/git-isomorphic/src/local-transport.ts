import * as fs from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '@goosuke/core';
import git from 'isomorphic-git';

/** The git directory of a repository at `location` (a checkout with `.git`, a `.git` file, or a bare repository). */
export async function findGitdir(location: string): Promise<string> {
  const dotGit = path.join(location, '.git');
  const dotGitStats = await stat(dotGit).catch(() => null);
  if (dotGitStats?.isDirectory()) return dotGit;
  if (dotGitStats?.isFile()) {
    const text = await readFile(dotGit, 'utf8');
    const match = /^gitdir: (.*)$/m.exec(text);
    if (match !== null) return path.resolve(location, match[1]!.trim());
  }
  const head = await stat(path.join(location, 'HEAD')).catch(() => null);
  const objects = await stat(path.join(location, 'objects')).catch(() => null);
  if (head?.isFile() && objects?.isDirectory()) return location;
  throw new NotFoundError('git repository', location);
}

async function listObjectFiles(objects: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (prefix === '' && entry.name === 'info') continue;
      if (entry.isDirectory()) await walk(path.join(directory, entry.name), relative);
      else if (entry.isFile() && !entry.name.endsWith('.tmp') && !entry.name.startsWith('tmp_'))
        found.push(relative);
    }
  };
  await walk(objects, '');
  // A pack's index is what makes it visible: copy it after its pack.
  return found.sort((left, right) => Number(left.endsWith('.idx')) - Number(right.endsWith('.idx')));
}

/**
 * Copies the object files (loose objects and packs) `to` lacks from one object directory to
 * another, hard-linking where the file system allows (as `git clone --local` does; object
 * files are immutable) and copying otherwise.
 */
export async function copyObjects(fromObjects: string, toObjects: string): Promise<void> {
  for (const relative of await listObjectFiles(fromObjects)) {
    const target = path.join(toObjects, relative);
    if (fs.existsSync(target)) continue;
    await mkdir(path.dirname(target), { recursive: true });
    const source = path.join(fromObjects, relative);
    await link(source, target).catch(async (error: unknown) => {
      if ((error as { code?: string }).code === 'EEXIST') return;
      await copyFile(source, target);
    });
  }
}

/** Branch and tag heads of a repository, and the branch its HEAD names (null when detached). */
export interface RepositoryHeads {
  branches: Map<string, string>;
  tags: Map<string, string>;
  head: string | null;
}

/** Reads the branches, tags and HEAD branch of the repository at `gitdir`. */
export async function readHeads(gitdir: string): Promise<RepositoryHeads> {
  const branches = new Map<string, string>();
  for (const branch of await git.listBranches({ fs, gitdir })) {
    branches.set(branch, await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` }));
  }
  const tags = new Map<string, string>();
  for (const tag of await git.listTags({ fs, gitdir })) {
    tags.set(tag, await git.resolveRef({ fs, gitdir, ref: `refs/tags/${tag}` }));
  }
  const head = (await git.currentBranch({ fs, gitdir, fullname: false }).catch(() => undefined)) ?? null;
  return { branches, tags, head };
}
