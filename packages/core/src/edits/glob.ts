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

/**
 * Whether `path` matches any of `patterns` (as {@link matchesGlob} reads each), decided with two
 * regular expressions for the whole list (one of its segment-name patterns, one of its anchored
 * ones) instead of one test per pattern: context gathering asks it of every file of a repository
 * (tens of thousands of paths, each against the 18 default patterns). Which pattern matched is
 * left to {@link matchesGlob}, on the rare hit. Lists are compiled once (by identity, else by
 * content; at most 64 kept).
 */
export function matchesAnyGlob(path: string, patterns: readonly string[]): boolean {
  const compiled = compileList(patterns);
  return compiled.basename?.test(path) === true || compiled.anchored?.test(path) === true;
}

interface CompiledGlobList {
  basename: RegExp | null;
  anchored: RegExp | null;
}

const lists = new WeakMap<readonly string[], CompiledGlobList>();
const listsByContent = new Map<string, CompiledGlobList>();

function compileList(patterns: readonly string[]): CompiledGlobList {
  let compiled = lists.get(patterns);
  if (compiled !== undefined) return compiled;
  const key = patterns.join('\0');
  compiled = listsByContent.get(key);
  if (compiled === undefined) {
    const basename: string[] = [];
    const anchored: string[] = [];
    for (const pattern of patterns) {
      const one = compile(pattern);
      (one.basename ? basename : anchored).push(one.expression.source.slice(1, -1));
    }
    // Over the whole path, not its segments or prefixes (no split, no strings built): a name
    // pattern matches between a separator (or the start) and a separator (or the end); an
    // anchored one from the start to a separator or the end. A name pattern's `*` and `?` never
    // match `/`, so a match cannot span segments (`**` alone matches every path either way).
    const either = (sources: string[], start: string) =>
      sources.length === 0 ? null : new RegExp(`${start}(?:${sources.join('|')})(?=/|$)`, 'u');
    compiled = { basename: either(basename, '(?:^|/)'), anchored: either(anchored, '^') };
    if (listsByContent.size >= 64) listsByContent.clear();
    listsByContent.set(key, compiled);
  }
  lists.set(patterns, compiled);
  return compiled;
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
