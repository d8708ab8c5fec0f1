import { InvalidInputError } from '../errors/index.ts';
import { matchesAnyGlob, matchesGlob } from './glob.ts';
import { isGitDirectoryName } from './workspace-path.ts';

/**
 * Paths an edit may never touch unless the caller passes its own list. Globs as understood by
 * {@link checkEditPath}: a pattern without `/` matches a file or directory name at any depth.
 *
 * - `.git`, `.git/**`: the repository itself (hooks and config run code); any depth, so nested
 *   repositories and submodules too.
 * - `.env*`: environment files (`.env`, `.env.local`, `.env.production`, ...).
 * - `*.key`, `*.secret`, `*.pem`, `*.p12`, `*.pfx`, `*.jks`, `*.keystore`: private keys and keystores.
 * - `credentials.*`: credential files (`credentials.json`, ...).
 * - `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519`, `.ssh`: SSH private keys and directories.
 * - `.netrc`, `.htpasswd`: stored passwords.
 */
export const defaultForbiddenPaths: readonly string[] = Object.freeze([
  '.git',
  '.git/**',
  '.env*',
  '*.key',
  '*.secret',
  'credentials.*',
  '*.pem',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '.ssh',
  '.netrc',
  '.htpasswd',
]);

/** The outcome of {@link checkEditPath}. */
export type CheckEditPathResult =
  | { ok: true; path: string }
  | { ok: false; reason: 'path-escape' | 'forbidden-path'; message: string };

/**
 * Checks and normalizes a path an edit wants to write, relative to the workspace root.
 *
 * - Backslashes are read as separators (`src\\a.ts` is `src/a.ts`): models copy Windows paths, and
 *   a real file name with a backslash is too rare to be worth the ambiguity.
 * - `.` segments and repeated slashes collapse; `..` is resolved lexically and refused when it
 *   climbs above the root (`a/../b` is `b`; `a/../../x` is refused).
 * - Refused as `path-escape`: the empty path (also after normalization, e.g. `.`), absolute paths
 *   (`/x`, `//server/x`, `\\\\server\\x`, `C:\\x`, `C:x`), and any control character (NUL, newline, ...).
 * - Refused as `forbidden-path`: a match of any of `forbiddenPaths` (globs: `*`, `**`, `?`,
 *   case-sensitive; a pattern without `/` matches any segment's name; see {@link matchesGlob}).
 *   Segments that Windows or macOS would read as `.git` (`.GIT`, `.git.`, `git~1`) are matched as
 *   `.git` too, as git itself does.
 * - `a/` and `b/` diff prefixes are not stripped here: that is the parser's job.
 *
 * Symbolic links cannot be seen from core: the Workspace implementation must refuse a path whose
 * real location leaves the root.
 *
 * @throws InvalidInputError when `path` is not a string (a programmer error).
 */
export function checkEditPath(path: string, forbiddenPaths: readonly string[]): CheckEditPathResult {
  if (typeof path !== 'string') throw new InvalidInputError('an edit path must be a string');
  // Most paths checked (every file of a repository, for its context) are already in normal form:
  // they skip the normalization below.
  let normalized = path;
  if (needsNormalizing.test(path)) {
    // Only a refusal shows the path; most paths checked are fine.
    const shown = () => JSON.stringify(path);
    if (path === '') return refuseEscape('the path is empty');
    if (controlCharacter.test(path)) return refuseEscape(`the path ${shown()} contains a control character`);
    const slashed = path.replaceAll('\\', '/');
    if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
      return refuseEscape(`the path ${shown()} is absolute; use a path relative to the workspace root`);
    }
    const segments: string[] = [];
    for (const segment of slashed.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (segments.length === 0) return refuseEscape(`the path ${shown()} leaves the workspace root`);
        segments.pop();
        continue;
      }
      segments.push(segment);
    }
    if (segments.length === 0) return refuseEscape(`the path ${shown()} names no file`);
    normalized = segments.join('/');
  }
  const alias = mayAliasGit.test(normalized) ? normalized.split('/').map(gitAlias).join('/') : normalized;
  // One test of the whole list first: a path is rarely forbidden, and naming the pattern needs the loop.
  if (
    !matchesAnyGlob(normalized, forbiddenPaths) &&
    (alias === normalized || !matchesAnyGlob(alias, forbiddenPaths))
  ) {
    return { ok: true, path: normalized };
  }
  for (const pattern of forbiddenPaths) {
    if (matchesGlob(normalized, pattern) || (alias !== normalized && matchesGlob(alias, pattern))) {
      return {
        ok: false,
        reason: 'forbidden-path',
        message: `the path ${JSON.stringify(normalized)} is forbidden (matches ${JSON.stringify(pattern)})`,
      };
    }
  }
  return { ok: true, path: normalized };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const controlCharacter = /[\u0000-\u001f\u007f]/;

/**
 * A path the slow way must read: empty, a control character, a backslash, absolute or with a
 * drive, or an empty, `.` or `..` segment (a leading, trailing or doubled slash included).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const needsNormalizing = /^$|[\u0000-\u001f\u007f\\]|^[A-Za-z]:|^\/|\/$|\/\/|(?:^|\/)\.{1,2}(?:\/|$)/;

/** A path that may hold a segment git reads as `.git` (see isGitDirectoryName): `.git`, `git~1`. */
const mayAliasGit = /git/i;

function refuseEscape(message: string): CheckEditPathResult {
  return { ok: false, reason: 'path-escape', message };
}

function gitAlias(segment: string): string {
  return isGitDirectoryName(segment) ? '.git' : segment;
}
