/** File names without an extension that are still clearly files. */
const extensionlessNames = new Set([
  'Makefile',
  'GNUmakefile',
  'Dockerfile',
  'Containerfile',
  'Jenkinsfile',
  'Vagrantfile',
  'Procfile',
  'Gemfile',
  'Rakefile',
  'Brewfile',
  'Justfile',
  'justfile',
  'LICENSE',
  'README',
  'CHANGELOG',
  'CODEOWNERS',
  'BUILD',
  'WORKSPACE',
]);

/**
 * True when a token reads as a relative file path: no whitespace, path characters only, at
 * least one letter, and either a `/`, an extension with a letter (`a.ts`, `.env`) or a
 * well-known extensionless name (`Makefile`). Language names (`ts`, `python`) are not paths.
 */
function isPathLike(token: string): boolean {
  if (token.length === 0 || token.length > 400) return false;
  if (!/^[\w.@+\-~/\\[\]()$%#!,&']+$/.test(token)) return false;
  if (!/[A-Za-z]/.test(token) || token.endsWith('/') || token.startsWith('-')) return false;
  const name = token.slice(token.lastIndexOf('/') + 1);
  if (extensionlessNames.has(name)) return true;
  const extension = /\.([\w-]+)$/.exec(name);
  if (extension !== null && /[A-Za-z]/.test(extension[1]!)) return true;
  return token.includes('/') && /[A-Za-z]/.test(name);
}

/**
 * The path a fence's info string names: `path=src/a.ts` (also `file=`, `filename=`, `title=`,
 * quoted or not), or any path-like token (```` ```src/a.ts ````, ```` ```ts src/a.ts ````).
 */
export function pathFromInfoString(info: string): string | null {
  const tokens = info.trim().split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const assignment = /^(?:path|file|filename|title)=(.+)$/i.exec(token);
    if (assignment !== null) {
      const value = unquote(assignment[1]!);
      if (value !== '') return value;
    }
  }
  const quoted = /(?:path|file|filename|title)=(["'])(.+?)\1/i.exec(info);
  if (quoted !== null) return quoted[2]!;
  for (const token of tokens) if (isPathLike(token)) return token;
  return null;
}

/**
 * The path a line names when the line is nothing but a path, possibly decorated:
 * `src/a.ts`, `src/a.ts:`, `**src/a.ts**`, `` `src/a.ts` ``, `### src/a.ts`, `File: src/a.ts`,
 * `**File:** `src/a.ts``. Prose that mentions a path is not a path line.
 */
export function pathFromLine(line: string): string | null {
  let text = line.trim();
  if (text === '' || text.length > 500) return null;
  text = text.replace(/^#{1,6}\s+/, '').replace(/^(?:[-*+]|\d+[.)])\s+/, '');
  for (let round = 0; round < 4; round++) {
    const before = text;
    text = text
      .trim()
      .replace(/:$/, '')
      .replace(/^(?:\*\*|__)?(?:file(?:name)?|path)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*/i, '')
      .replace(/^(\*\*|__|\*|_|`|'|")(.+)\1$/, '$2')
      .trim();
    if (text === before) break;
  }
  return isPathLike(text) ? text : null;
}

/**
 * The path a prose line mentions in backticks when it mentions exactly one
 * ("Update `src/a.ts` as follows:"). Used only where the content is verified anyway
 * (SEARCH/REPLACE), never for whole files.
 */
export function pathFromProse(line: string): string | null {
  const found = new Set<string>();
  for (const match of line.matchAll(/`([^`\s]+)`/g)) if (isPathLike(match[1]!)) found.add(match[1]!);
  return found.size === 1 ? [...found][0]! : null;
}

function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/.exec(value);
  return match === null ? value : match[2]!;
}
