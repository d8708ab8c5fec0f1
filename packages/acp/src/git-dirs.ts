import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The git directories a linked worktree's git commands read, real paths. */
export interface LinkedGitDirs {
  /** The worktree's own git directory (`<clone>/.git/worktrees/<name>`: its HEAD and index). */
  readonly gitDir: string;
  /** The common git directory (the clone's `.git`: objects, refs, config); `gitDir` when it has no `commondir`. */
  readonly commonDir: string;
}

/** A `.git` file or `commondir` larger than this is not one git wrote: nothing is read from it. */
const maxFileBytes = 64 * 1024;
const gitFilePrefix = 'gitdir: ';

/**
 * The git directory a `.git` file names, as git reads it (`read_gitfile_gently`): the whole file,
 * trailing CR and LF removed, must be `gitdir: <path>`; a relative path is relative to `dir`,
 * the directory holding the `.git` file. Null for anything else (no prefix, an empty path, more
 * than one line, a NUL), never a guess.
 */
export function parseGitFile(content: string, dir: string): string | null {
  const text = content.replace(/[\r\n]+$/, '');
  if (!text.startsWith(gitFilePrefix)) return null;
  const target = text.slice(gitFilePrefix.length);
  if (target === '' || /[\r\n\0]/.test(target)) return null;
  return path.resolve(dir, target);
}

/**
 * The common git directory a worktree's `commondir` file names, as git reads it (trailing
 * whitespace removed; a relative path is relative to the worktree's git directory `gitDir`).
 * Null for an empty or multi-line content, or a NUL.
 */
export function parseCommonDir(content: string, gitDir: string): string | null {
  const text = content.replace(/\s+$/, '');
  if (text === '' || /[\r\n\0]/.test(text)) return null;
  return path.resolve(gitDir, text);
}

/**
 * When the working copy `copy` (absolute, real) is a linked worktree (its `.git` is a FILE
 * naming a git directory, as `git worktree add` and `@goosuke/git-isomorphic` make them), that
 * git directory and its common directory, so that a sandbox hiding the clone can still show
 * them to `git status`, `git diff` and `git log` in the copy. Null when `.git` is missing, a
 * directory, a symbolic link, or a file that does not name a git directory (such as a spare
 * copy's stamps); and when what it names is not a git directory: the worktree's must hold
 * `HEAD`, the common one `objects/`, so that a forged `.git` file cannot have a hidden directory
 * of any other kind shown. A `commondir` that names nothing usable gives null too (git would
 * fail in that copy anyway). Never rejects.
 */
export async function linkedGitDirs(copy: string): Promise<LinkedGitDirs | null> {
  const named = await readSmallFile(path.join(copy, '.git'));
  const target = named === null ? null : parseGitFile(named, copy);
  if (target === null) return null;
  const gitDir = await realDirectory(target);
  if (gitDir === null || !(await isFile(path.join(gitDir, 'HEAD')))) return null;
  let commonDir = gitDir;
  const commonFile = path.join(gitDir, 'commondir');
  if ((await lstat(commonFile).catch(() => null)) !== null) {
    const content = await readSmallFile(commonFile);
    const common = content === null ? null : parseCommonDir(content, gitDir);
    const real = common === null ? null : await realDirectory(common);
    if (real === null) return null;
    commonDir = real;
  }
  if (!(await isDirectory(path.join(commonDir, 'objects')))) return null;
  return { gitDir, commonDir };
}

/** The UTF-8 content of a regular file (not followed when a link) of at most {@link maxFileBytes}, or null. */
async function readSmallFile(file: string): Promise<string | null> {
  const info = await lstat(file).catch(() => null);
  if (info === null || !info.isFile() || info.size > maxFileBytes) return null;
  return await readFile(file, 'utf8').catch(() => null);
}

async function realDirectory(dir: string): Promise<string | null> {
  const real = await realpath(dir).catch(() => null);
  return real !== null && (await isDirectory(real)) ? real : null;
}

async function isDirectory(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isDirectory() ?? false;
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}
