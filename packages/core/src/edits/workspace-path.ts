import { InvalidInputError } from '../errors/index.ts';

/**
 * Whether a path segment names a `.git` directory, as git itself reads names: in any letter case,
 * and with what Windows and macOS would drop or fold (`.git.`, `.git `, the 8.3 short name
 * `git~1`), since a checkout on such a file system would resolve them to the repository itself.
 */
export function isGitDirectoryName(segment: string): boolean {
  const folded = segment.replace(/[. ]+$/, '').toLowerCase();
  return folded === '.git' || folded === 'git~1';
}

/**
 * The normal form of a path given to a `Workspace`, or an InvalidInputError: the one rule
 * every Workspace implementation applies, to reads and writes alike, before touching anything.
 *
 * - Paths are relative to the workspace root, with forward slashes. `.` segments and repeated
 *   slashes collapse (`./src//a.ts` is `src/a.ts`), as does a trailing slash.
 * - Refused: a value that is not a non-empty string; a NUL byte; a backslash (never read as a
 *   separator here: a workspace path is already normalized, unlike what a model writes, see
 *   `checkEditPath`); an absolute path (`/x`, `C:x`, `C:/x`); any `..` segment, even one that
 *   would stay inside (`a/../b`); a path that names the root itself (`.`, `./`); and a path with a
 *   `.git` segment at any depth (see {@link isGitDirectoryName}): the repository's metadata, or a
 *   nested working copy's `.git` file, is never read or written through a workspace.
 *
 * Pure: symbolic links cannot be seen from here, so an implementation on a real file system must
 * still refuse a path whose real location leaves the root.
 *
 * @throws InvalidInputError for a refused path, with a message naming it.
 */
export function normalizeWorkspacePath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidInputError('a workspace path must be a non-empty string');
  }
  const shown = JSON.stringify(path);
  if (path.includes('\0')) throw new InvalidInputError(`path ${shown} contains a NUL byte`);
  if (path.includes('\\')) {
    throw new InvalidInputError(`path ${shown} contains a backslash; use forward slashes`);
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new InvalidInputError(`path ${shown} is absolute; use a path relative to the workspace root`);
  }
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new InvalidInputError(`path ${shown} contains "..", which could leave the workspace root`);
  }
  if (segments.length === 0) {
    throw new InvalidInputError(`path ${shown} names the workspace root, not a file`);
  }
  if (segments.some(isGitDirectoryName)) {
    throw new InvalidInputError(`path ${shown} is inside a .git directory, which a workspace never touches`);
  }
  return segments.join('/');
}
