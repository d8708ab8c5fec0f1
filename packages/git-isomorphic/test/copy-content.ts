import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Everything a copy holds but its `.git` file, one line per path: directories and files with
 * their permission bits, files with a hash of their content, symbolic links with their target.
 * Two copies with equal lines hold the same tree the same way.
 */
export async function contentOf(root: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(directory)).sort()) {
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      if (relative === '.git') continue;
      const absolute = path.join(directory, name);
      const stats = await lstat(absolute);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        lines.push(`${relative}/ ${mode}`);
        await walk(absolute, relative);
      } else if (stats.isSymbolicLink()) lines.push(`${relative} -> ${await readlink(absolute)}`);
      else {
        const digest = createHash('sha1')
          .update(await readFile(absolute))
          .digest('hex');
        lines.push(`${relative} ${mode} ${digest}`);
      }
    }
  };
  lines.push(`/ ${((await lstat(root)).mode & 0o7777).toString(8)}`);
  await walk(root, '');
  return lines;
}
