/**
 * A small, case-sensitive glob matcher for forbidden paths.
 *
 * - `*` matches any run of characters except `/`; `?` one character except `/`;
 *   `**` as a whole segment matches zero or more segments. Every other character is literal
 *   (no `[...]` classes, no braces, no negation).
 * - A pattern without `/` matches the name of any segment at any depth (`.env*` matches
 *   `app/.env.local`), so, as in `.gitignore`, a matching directory forbids all it contains.
 * - A pattern with `/` is anchored at the root (a leading `/` is ignored) and matches the path or
 *   any of its parent directories (`secrets/**` and `secrets` both forbid `secrets/a/b`).
 */
export function matchesGlob(path: string, pattern: string): boolean {
  const compiled = compile(pattern);
  const segments = path.split('/');
  if (compiled.basename) return segments.some((segment) => compiled.expression.test(segment));
  let prefix = '';
  for (const segment of segments) {
    prefix = prefix === '' ? segment : `${prefix}/${segment}`;
    if (compiled.expression.test(prefix)) return true;
  }
  return false;
}

interface CompiledGlob {
  basename: boolean;
  expression: RegExp;
}

const cache = new Map<string, CompiledGlob>();

function compile(pattern: string): CompiledGlob {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const trimmed = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  const basename = !trimmed.includes('/');
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') source += last ? '.*' : '(?:[^/]*/)*';
    else source += segmentSource(segment) + (last ? '' : '/');
  });
  const compiled = { basename, expression: new RegExp(`^${source}$`, 'u') };
  if (cache.size > 256) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

function segmentSource(segment: string): string {
  let source = '';
  for (const character of segment) {
    if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else source += character.replace(/[\\^$.|+(){}[\]]/g, '\\$&');
  }
  return source;
}
