import { checkEditPath } from '../edits/index.ts';
import type { Workspace } from '../ports/index.ts';

/**
 * A rough token count for budgeting: one token per four characters, rounded up. Close enough
 * for code and English with every provider's tokenizer, and the same on every machine.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Tokens a file costs in the prompt: its path line, the fence lines and its content. */
export function fileTokens(path: string, content: string): number {
  return estimateTokens(content) + estimateTokens(path) + 6;
}

// biome-ignore format: one category per line reads better than one extension per line
const binaryExtensions = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'tif', 'tiff', 'psd', 'heic', 'xcf',
  // archives and packages
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'tar', 'jar', 'war', 'ear', 'whl', 'egg', 'nupkg',
  'deb', 'rpm', 'apk', 'ipa', 'dmg', 'iso', 'crx', 'vsix',
  // fonts
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'epub',
  // compiled code and libraries
  'wasm', 'so', 'dylib', 'dll', 'exe', 'bin', 'o', 'a', 'obj', 'lib', 'class', 'pyc', 'pyo', 'pyd',
  'node', 'dex', 'elf',
  // media
  'mp3', 'mp4', 'm4a', 'wav', 'flac', 'ogg', 'oga', 'opus', 'webm', 'mov', 'avi', 'mkv', 'wmv',
  // data stores and other opaque files
  'sqlite', 'sqlite3', 'db', 'mdb', 'parquet', 'npy', 'npz', 'pkl', 'pickle', 'onnx', 'pt', 'pth',
  'safetensors', 'h5', 'tflite', 'lockb', 'blend', 'fbx', 'glb',
]);

/** True for paths whose extension names a well-known binary format (images, archives, fonts, ...). */
export function isBinaryPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && binaryExtensions.has(name.slice(dot + 1).toLowerCase());
}

/** True when the text has a NUL character in its first 8,000 characters, as git decides "binary". */
export function looksBinary(content: string): boolean {
  return content.slice(0, 8_000).includes('\0');
}

const lockfileNames = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'deno.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'composer.lock',
  'go.sum',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'flake.lock',
  'packages.lock.json',
  'gradle.lockfile',
  'Package.resolved',
]);

/**
 * True for generated files that are rarely worth reading: lockfiles, minified bundles and
 * source maps. They rank below every other file unless the conversation names them.
 */
export function isLowPriorityPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return lockfileNames.has(name) || /\.min\.(?:js|mjs|css)$/.test(name) || /\.(?:js|css)\.map$/.test(name);
}

/** Where a piece of conversation came from: the current instruction weighs more than earlier turns. */
export interface WeightedText {
  text: string;
  /** 1 for the current instruction; less for earlier messages. */
  weight: number;
}

/** What {@link extractQueryTerms} reads from the conversation. */
export interface QueryTerms {
  /** Path-like tokens (`src/a.ts`, `a.ts`, `lib/x`), without `./` and trailing punctuation, with their weight. */
  paths: Map<string, number>;
  /** Identifiers (camelCase, PascalCase, snake_case, kebab-case, `code spans`), case kept, with their weight. */
  identifiers: Map<string, number>;
  /** Quoted strings (2 to 80 characters), matched as plain text, with their weight. */
  quoted: Map<string, number>;
  /** Lower-cased words of three or more letters (stop words removed), for path segment matches. */
  words: Map<string, number>;
}

const stopWords = new Set(
  (
    'the and for are but not you all any can had her was one our out has have him his how its may new now ' +
    'old see two way who did get let put say she too use that this with from they will would there their ' +
    'what when where which while into than then them these those been being some such only also just like ' +
    'make made more most much must need should could over very your about after again below above other ' +
    'each few same both here why does doing done please file files code change changes add adds added ' +
    'remove update fix fixes use used using instead sure want able should thing things way ones'
  ).split(' '),
);

function setMax(map: Map<string, number>, key: string, weight: number): void {
  map.set(key, Math.max(map.get(key) ?? 0, weight));
}

const pathTokenPattern = /[\w.@+\-~/]+/g;

/**
 * Reads the terms that point at files: path-like tokens, identifiers, quoted strings and plain
 * words. Pure; each term keeps the highest weight of the texts it appears in.
 */
export function extractQueryTerms(texts: readonly WeightedText[]): QueryTerms {
  const terms: QueryTerms = { paths: new Map(), identifiers: new Map(), quoted: new Map(), words: new Map() };
  for (const { text, weight } of texts) {
    for (const match of text.matchAll(pathTokenPattern)) {
      const token = match[0].replace(/[.\-~]+$/, '').replace(/^(?:\.\/)+/, '');
      if (token.length >= 3 && /[A-Za-z]/.test(token) && (token.includes('/') || token.includes('.'))) {
        setMax(terms.paths, token.replace(/\/+$/, ''), weight);
      }
    }
    for (const match of text.matchAll(/`([^`\n]{1,80})`/g)) {
      const inner = match[1]!.trim();
      if (/^[A-Za-z_$][\w$]*(?:-[\w$]+)*$/.test(inner) && inner.length >= 3) {
        setMax(terms.identifiers, inner, weight);
      } else if (inner.length >= 2) setMax(terms.quoted, inner, weight);
    }
    for (const match of text.matchAll(/(?<![\w'])(["'])([^"'\n]{2,80})\1(?![\w'])/g)) {
      setMax(terms.quoted, match[2]!, weight);
    }
    // Words inside quotes and code spans are taken whole above; blanking them keeps `"Out of stock"` from giving `Out`.
    const unquoted = text.replace(/`[^`\n]*`|(?<![\w'])(["'])[^"'\n]{2,80}\1(?![\w'])/g, (quote) =>
      ' '.repeat(quote.length),
    );
    for (const match of unquoted.matchAll(/[A-Za-z_$][\w$]*(?:-[A-Za-z0-9_$]+)*/g)) {
      if (match[0].length >= 3 && isIdentifierLike(match[0], unquoted, match.index)) {
        setMax(terms.identifiers, match[0], weight);
      }
    }
    for (const match of text.matchAll(/[A-Za-z_$][\w$]*/g)) {
      for (const part of splitWords(match[0])) {
        if (part.length < 3 || stopWords.has(part) || !/[a-z]/.test(part)) continue;
        setMax(terms.words, part, weight);
        const singular = singularOf(part);
        if (singular !== part) setMax(terms.words, singular, weight);
      }
    }
  }
  return terms;
}

/** `invoices` -> `invoice`, `entries` -> `entry`; other words as they are. */
function singularOf(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** camelCase, PascalCase (not the first word of a sentence), snake_case, kebab-case, CONSTANT_CASE. */
function isIdentifierLike(word: string, text: string, index: number): boolean {
  if (/[a-z][A-Z]/.test(word) || /[A-Z]{2}[a-z]/.test(word)) return true;
  if (/[A-Za-z0-9]_[A-Za-z0-9]/.test(word) || /[A-Za-z0-9]-[A-Za-z]/.test(word)) return true;
  if (/^[A-Z][a-z0-9]+$/.test(word)) {
    // Mid-sentence capitals name things (`Cart`); a sentence's or a list item's first word does not.
    const before = text.slice(0, index).replace(/[ \t"'`(]+$/, '');
    return before !== '' && !/[.!?:\n>*#-]$/.test(before);
  }
  return false;
}

/** Lower-cased parts of a name: `formatPrice` -> format, price; `cart-item.ts` -> cart, item, ts. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part !== '');
}

/** A file that may be shown: its text was read and is neither binary nor too large. */
export interface ContextCandidate {
  path: string;
  content: string;
}

/** A candidate's place in the ranking. */
export interface RankedFile {
  path: string;
  score: number;
  /** Why it ranks where it does, for the run log: `path mentioned`, `contains formatPrice`, ... */
  reason: string;
  /** A lockfile or other generated file the conversation does not name. */
  lowPriority: boolean;
  tokens: number;
}

const mentionScore = 1_000;
const basenameScore = 300;

/**
 * Ranks files by relevance to the conversation, most relevant first; ties go by path.
 * - A full path mentioned (or a path suffix with a `/`, such as `lib/a.ts` for `src/lib/a.ts`) ranks highest, then a file name.
 * - Identifiers and quoted strings count where they occur in the content (more occurrences
 *   count more, with diminishing returns) and weigh more when few files contain them (like idf);
 *   an identifier that is a file's name (`CartService` and `cart-service.ts`) counts a lot.
 * - Words of the text that are path segments (`cart` and `src/cart/total.ts`) add a little.
 * - Low-priority files (lockfiles, minified bundles, source maps) come after every other file
 *   unless their path or name is mentioned.
 */
export function rankFiles(files: readonly ContextCandidate[], terms: QueryTerms): RankedFile[] {
  return rankFeatures(
    files.map((file) => featuresOf(file, terms)),
    terms,
  );
}

/** What ranking needs of a file: its matches and size, not its text (which may then be let go). */
interface FileFeatures {
  path: string;
  identifierCounts: ReadonlyMap<string, number>;
  quotedCounts: ReadonlyMap<string, number>;
  tokens: number;
}

function featuresOf(file: ContextCandidate, terms: QueryTerms): FileFeatures {
  return {
    path: file.path,
    identifierCounts: countIdentifiers(file.content, terms),
    quotedCounts: countQuoted(file.content, terms),
    tokens: fileTokens(file.path, file.content),
  };
}

/** {@link rankFiles} on features. */
function rankFeatures(files: readonly FileFeatures[], terms: QueryTerms): RankedFile[] {
  const total = Math.max(1, files.length);
  const identifierCounts = files.map((file) => file.identifierCounts);
  const quotedCounts = files.map((file) => file.quotedCounts);
  // File names are compared with identifiers lower-cased and without `-` and `_`.
  const nameTerms = [...terms.identifiers]
    .map(([term, weight]) => ({ term, weight, normalized: term.toLowerCase().replace(/[-_]/g, '') }))
    .filter((each) => each.normalized.length >= 3);
  const segments = new Map<string, SegmentParts>();
  const stemsWanted = new Set(nameTerms.map((each) => each.normalized));
  const pathWords = files.map((file) => pathParts(file.path, segments, terms.words, stemsWanted));
  const documentFrequency = new Map<string, number>();
  const noteDocument = (key: string): void => {
    documentFrequency.set(key, (documentFrequency.get(key) ?? 0) + 1);
  };
  files.forEach((_, index) => {
    for (const term of identifierCounts[index]!.keys()) noteDocument(`id:${term}`);
    for (const term of quotedCounts[index]!.keys()) noteDocument(`q:${term}`);
    for (const word of pathWords[index]!.words) noteDocument(`w:${word}`);
  });
  const idfs = new Map<string, number>();
  const idf = (key: string): number => {
    let value = idfs.get(key);
    if (value === undefined) {
      value = Math.log(1 + total / Math.max(1, documentFrequency.get(key) ?? 1));
      idfs.set(key, value);
    }
    return value;
  };

  const ranked = files.map((file, index): RankedFile => {
    const mention = pathMention(file.path, terms);
    const contributions: Array<{ label: string; score: number }> = [];
    for (const [term, count] of identifierCounts[index]!) {
      const weight = terms.identifiers.get(term)!;
      contributions.push({ label: term, score: weight * idf(`id:${term}`) * (1 + Math.log2(count)) });
    }
    for (const [term, count] of quotedCounts[index]!) {
      const weight = terms.quoted.get(term)!;
      contributions.push({
        label: JSON.stringify(term),
        score: weight * idf(`q:${term}`) * (1 + Math.log2(count)),
      });
    }
    let nameScore = 0;
    let nameLabel: string | null = null;
    for (const { term, weight, normalized } of nameTerms) {
      if (pathWords[index]!.stems.includes(normalized)) {
        const score = weight * 8 * idf(`id:${term}`);
        if (score > nameScore) [nameScore, nameLabel] = [score, term];
      }
    }
    let segmentScore = 0;
    const segmentWords: string[] = [];
    for (const word of pathWords[index]!.words) {
      const weight = terms.words.get(word)!;
      segmentScore += weight * 2 * idf(`w:${word}`);
      segmentWords.push(word);
    }
    contributions.sort((left, right) => right.score - left.score || compare(left.label, right.label));
    const contentScore = contributions.reduce((sum, each) => sum + each.score, 0);
    const score = mention.score + nameScore + contentScore + segmentScore;
    const reason =
      mention.reason ??
      (nameLabel !== null && nameScore >= contentScore
        ? `file name matches ${nameLabel}`
        : contributions.length > 0
          ? `contains ${contributions
              .slice(0, 3)
              .map((each) => each.label)
              .join(', ')}`
          : segmentWords.length > 0
            ? `path matches ${segmentWords.slice(0, 3).join(', ')}`
            : 'unrelated');
    const lowPriority = isLowPriorityPath(file.path) && mention.score === 0;
    return { path: file.path, score, reason, lowPriority, tokens: file.tokens };
  });
  return ranked.sort(
    (left, right) =>
      Number(left.lowPriority) - Number(right.lowPriority) ||
      right.score - left.score ||
      compare(left.path, right.path),
  );
}

function pathMention(path: string, terms: QueryTerms): { score: number; reason: string | null } {
  const name = path.slice(path.lastIndexOf('/') + 1);
  let best = { score: 0, reason: null as string | null };
  for (const [token, weight] of terms.paths) {
    if (token === path || (token.includes('/') && path.endsWith(`/${token}`))) {
      if (mentionScore * weight > best.score)
        best = { score: mentionScore * weight, reason: 'path mentioned' };
    } else if (token === name && name.length >= 3) {
      if (basenameScore * weight > best.score)
        best = { score: basenameScore * weight, reason: 'file name mentioned' };
    }
  }
  return best;
}

/** The wanted words (each followed by its singular when wanted) and the stem of one path segment. */
interface SegmentParts {
  words: string[];
  stem: string;
}

/** Shared by the (many) paths that match nothing: one less array each. */
const noMatches: readonly string[] = [];

/**
 * The words of a path (`src/cart-item.ts` -> src, cart, item, ts, each with its singular) that
 * are in `wantedWords`, once each in order of appearance, and its name stems (`cartitem`, `src`)
 * that are in `wantedStems`. Only the matches are kept: this runs for every file of a workspace.
 * `cache` holds the parts of segments already split: directory names repeat across files.
 */
function pathParts(
  path: string,
  cache: Map<string, SegmentParts>,
  wantedWords: ReadonlyMap<string, number>,
  wantedStems: ReadonlySet<string>,
): { words: readonly string[]; stems: readonly string[] } {
  let words: string[] | undefined;
  let stems: string[] | undefined;
  let start = 0;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    const segment = path.slice(start, end);
    start = end + 1;
    let parts = cache.get(segment);
    if (parts === undefined) {
      const segmentWords: string[] = [];
      for (const word of splitWords(segment)) segmentWords.push(word, singularOf(word));
      const dot = segment.indexOf('.', 1);
      parts = {
        words: segmentWords.filter((word) => wantedWords.has(word)),
        stem: (dot > 0 ? segment.slice(0, dot) : segment).toLowerCase().replace(/[-_]/g, ''),
      };
      cache.set(segment, parts);
    }
    for (const word of parts.words) {
      words ??= [];
      if (!words.includes(word)) words.push(word);
    }
    if (wantedStems.has(parts.stem)) {
      stems ??= [];
      stems.push(parts.stem);
    }
  }
  return { words: words ?? noMatches, stems: stems ?? noMatches };
}

/** Shared by every file that holds none of the terms (most files): one less Map each. */
const noCounts: ReadonlyMap<string, number> = new Map();

/**
 * How often each wanted identifier occurs as a whole token in the content (case-sensitive), where
 * a token is a letter, `_` or `$` followed by letters, digits, `_` and `$` (so `9abc` holds the
 * token `abc`, and `a9abc` is one token). Few terms are searched for one by one, many are counted
 * in one pass over the tokens; both ways count the same.
 */
export function countIdentifiers(content: string, terms: QueryTerms): ReadonlyMap<string, number> {
  if (terms.identifiers.size === 0) return noCounts;
  let counts: Map<string, number> | undefined;
  const plain: string[] = [];
  for (const term of terms.identifiers.keys()) {
    if (term.includes('-')) {
      const count = countOccurrences(content, term, true);
      if (count > 0) {
        counts ??= new Map();
        counts.set(term, count);
      }
    } else if (identifierPattern.test(term)) plain.push(term);
  }
  if (plain.length <= searchedTermsLimit) {
    // A few terms (the usual case): searching for each is many times faster than splitting
    // every file of the workspace into tokens.
    for (const term of plain) {
      const count = countTokens(content, term);
      if (count > 0) {
        counts ??= new Map();
        counts.set(term, count);
      }
    }
    return counts ?? noCounts;
  }
  for (const match of content.matchAll(/[A-Za-z_$][\w$]*/g)) {
    if (terms.identifiers.has(match[0])) {
      counts ??= new Map();
      counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
    }
  }
  return counts ?? noCounts;
}

/** A whole token as `countIdentifiers` splits content: anything else never equals one. */
const identifierPattern = /^[A-Za-z_$][\w$]*$/;

/** Up to this many identifiers are searched for one by one; more are counted in one pass over the tokens. */
const searchedTermsLimit = 10;

/** `[\w$]`: a character that continues a token. */
function isTokenCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 36
  );
}

/**
 * How often `term` (a `[A-Za-z_$][\w$]*` identifier) is a whole token of `content` as
 * `/[A-Za-z_$][\w$]*\/g` splits it: not followed by a token character, and not preceded by one
 * either, except by digits that do not themselves follow a letter, `_` or `$` (the split skips
 * leading digits: `9abc` holds the token `abc`, `a9abc` does not).
 */
function countTokens(content: string, term: string): number {
  let count = 0;
  for (let at = content.indexOf(term); at >= 0; at = content.indexOf(term, at + 1)) {
    if (isTokenCharacter(content.charCodeAt(at + term.length))) continue;
    let before = at - 1;
    while (before >= 0 && content.charCodeAt(before) >= 48 && content.charCodeAt(before) <= 57) before--;
    if (before >= 0 && isTokenCharacter(content.charCodeAt(before))) continue;
    count++;
  }
  return count;
}

function countQuoted(content: string, terms: QueryTerms): ReadonlyMap<string, number> {
  let counts: Map<string, number> | undefined;
  for (const term of terms.quoted.keys()) {
    const count = countOccurrences(content, term, false);
    if (count > 0) {
      counts ??= new Map();
      counts.set(term, count);
    }
  }
  return counts ?? noCounts;
}

function countOccurrences(content: string, term: string, wholeToken: boolean): number {
  let count = 0;
  for (let at = content.indexOf(term); at >= 0; at = content.indexOf(term, at + term.length)) {
    if (wholeToken) {
      const before = content[at - 1];
      const after = content[at + term.length];
      if ((before !== undefined && /[\w$-]/.test(before)) || (after !== undefined && /[\w$-]/.test(after)))
        continue;
    }
    count++;
  }
  return count;
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Default size of the file tree: it is collapsed until it fits. */
export const defaultTreeTokens = 4_000;

interface TreeNode {
  files: string[];
  dirs: Map<string, TreeNode>;
  count: number;
}

/**
 * A compact listing of `paths`, one line per directory: `src/: a.ts, b.ts` (the root is `./`).
 * When the listing is longer than `maxTokens`, directories below a depth are collapsed into
 * `dir/ (N files)` lines, from the deepest level up, and as a last resort the longest lines are
 * cut with `... (N more)`. Deterministic: entries in code-unit order. Empty for no paths.
 */
export function buildFileTree(paths: readonly string[], maxTokens: number = defaultTreeTokens): string {
  if (paths.length === 0) return '';
  const root: TreeNode = { files: [], dirs: new Map(), count: 0 };
  let maxDepth = 0;
  for (const path of paths) {
    const segments = path.split('/');
    maxDepth = Math.max(maxDepth, segments.length - 1);
    let node = root;
    node.count++;
    for (const segment of segments.slice(0, -1)) {
      let child = node.dirs.get(segment);
      if (child === undefined) {
        child = { files: [], dirs: new Map(), count: 0 };
        node.dirs.set(segment, child);
      }
      child.count++;
      node = child;
    }
    node.files.push(segments.at(-1)!);
  }
  // Directories at depth `collapseAt` (1 for `src/`) and below show as counts; maxDepth + 1 shows all.
  let lines: string[] = [];
  for (let collapseAt = maxDepth + 1; collapseAt >= 1; collapseAt--) {
    lines = renderTree(root, '', 0, collapseAt);
    if (estimateTokens(lines.join('\n')) <= maxTokens) return lines.join('\n');
  }
  return cutLines(lines, maxTokens).join('\n');
}

function renderTree(node: TreeNode, prefix: string, depth: number, collapseAt: number): string[] {
  const lines: string[] = [];
  const dirNames = [...node.dirs.keys()].sort(compare);
  const files = [...node.files].sort(compare);
  if (files.length > 0) lines.push(`${prefix === '' ? './' : prefix}: ${files.join(', ')}`);
  for (const name of dirNames) {
    const child = node.dirs.get(name)!;
    const childPrefix = `${prefix}${name}/`;
    if (depth + 1 >= collapseAt) {
      lines.push(`${childPrefix} (${child.count} ${child.count === 1 ? 'file' : 'files'})`);
    } else lines.push(...renderTree(child, childPrefix, depth + 1, collapseAt));
  }
  return lines;
}

/** Shortens the longest lines (file lists) until the whole fits, then drops trailing lines. */
function cutLines(lines: readonly string[], maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const out = lines.map((line) => {
    const perLine = Math.max(200, Math.floor(maxChars / Math.max(1, lines.length)));
    if (line.length <= perLine) return line;
    const colon = line.indexOf(': ');
    const names = line.slice(colon + 2).split(', ');
    let kept = line.slice(0, colon + 2);
    let shown = 0;
    while (shown < names.length && kept.length + names[shown]!.length + 24 < perLine) {
      kept += `${shown > 0 ? ', ' : ''}${names[shown]}`;
      shown++;
    }
    return `${kept}${shown > 0 ? ', ' : ''}... (${names.length - shown} more)`;
  });
  let length = out.reduce((sum, line) => sum + line.length + 1, 0);
  let dropped = 0;
  while (out.length > 1 && length > maxChars - 40) {
    length -= out.pop()!.length + 1;
    dropped++;
  }
  if (dropped > 0) out.push(`... (${dropped} more directories)`);
  return out;
}

/** Files of the workspace that were never candidates, by why. */
export interface SkippedFiles {
  binary: string[];
  tooLarge: string[];
  /** Forbidden paths (such as `.env`): their content never goes to a model. */
  forbidden: string[];
}

/** Options of {@link selectContext}. */
export interface SelectContextOptions {
  candidates: readonly ContextCandidate[];
  skipped: SkippedFiles;
  /** The instruction and earlier messages, weighted. */
  texts: readonly WeightedText[];
  /** Tokens the included file contents may take in total. */
  contextTokens: number;
  /** Size limit of the tree of other files; default {@link defaultTreeTokens}. */
  treeTokens?: number;
}

/** A file shown to the model in full. */
export interface IncludedFile {
  path: string;
  content: string;
  reason: string;
}

/** The run-log record of a context selection. A type alias, so that it is a JsonObject. */
export type ContextReport = {
  included: Array<{ path: string; reason: string }>;
  /** Readable files left out (they appear in the tree). */
  omitted: number;
  skipped: { binary: number; tooLarge: number; forbidden: number };
};

/** What goes into the prompt, and the run-log record of it. */
export interface GatheredContext {
  /** Files shown in full, most relevant first. */
  files: IncludedFile[];
  /** Every other file of the workspace (see {@link buildFileTree}); empty when there is none. */
  tree: string;
  /** For a run-log event. */
  report: ContextReport;
}

/**
 * Chooses the files to show in full. When every candidate (low-priority files aside) fits in
 * `contextTokens`, all of them are shown (a small project is best seen whole); otherwise the
 * relevant files (score above zero) are taken in rank order while they fit, a file too large
 * for what is left being passed over for smaller ones below it. Every other file, including
 * skipped ones, goes into the tree. Pure and deterministic.
 */
export function selectContext(options: SelectContextOptions): GatheredContext {
  const terms = extractQueryTerms(options.texts);
  const byPath = new Map(options.candidates.map((file) => [file.path, file.content]));
  const chosen = chooseFiles(
    options.candidates.map((file) => featuresOf(file, terms)),
    terms,
    options.contextTokens,
  );
  return assembleContext(
    chosen.map((file) => ({ ...file, content: byPath.get(file.path)! })),
    options.candidates.map((file) => file.path),
    options.skipped,
    options.treeTokens,
  );
}

/** The files {@link selectContext} shows, in order, with why. */
function chooseFiles(
  features: readonly FileFeatures[],
  terms: QueryTerms,
  contextTokens: number,
): Array<{ path: string; reason: string }> {
  return chooseRanked(rankFeatures(features, terms), contextTokens);
}

/** {@link chooseFiles} on files already ranked. */
function chooseRanked(
  ranked: readonly RankedFile[],
  contextTokens: number,
): Array<{ path: string; reason: string }> {
  const regular = ranked.filter((file) => !file.lowPriority);
  const everything = regular.reduce((sum, file) => sum + file.tokens, 0);
  const smallProject = everything <= contextTokens;
  let left = Math.max(0, contextTokens);
  const chosen: Array<{ path: string; reason: string }> = [];
  for (const file of ranked) {
    const wanted = file.score > 0 && !file.lowPriority;
    const filler = smallProject && !file.lowPriority;
    if (!(wanted || filler) || file.tokens > left) continue;
    left -= file.tokens;
    chosen.push({ path: file.path, reason: file.score > 0 ? file.reason : 'small project: every file fits' });
  }
  return chosen;
}

/** The context from the files shown; every other candidate and skipped file goes into the tree. */
function assembleContext(
  files: IncludedFile[],
  candidatePaths: readonly string[],
  skipped: SkippedFiles,
  treeTokens: number | undefined,
): GatheredContext {
  const shown = new Set(files.map((file) => file.path));
  const rest = [
    ...candidatePaths.filter((path) => !shown.has(path)),
    ...skipped.binary,
    ...skipped.tooLarge,
    ...skipped.forbidden,
  ].sort(compare);
  return {
    files,
    tree: buildFileTree(rest, treeTokens ?? defaultTreeTokens),
    report: {
      included: files.map((file) => ({ path: file.path, reason: file.reason })),
      omitted: candidatePaths.length - files.length,
      skipped: {
        binary: skipped.binary.length,
        tooLarge: skipped.tooLarge.length,
        forbidden: skipped.forbidden.length,
      },
    },
  };
}

/** Options of {@link gatherContext}. */
export interface GatherContextOptions {
  workspace: Workspace;
  texts: readonly WeightedText[];
  contextTokens: number;
  maxFileBytes: number;
  forbiddenPaths: readonly string[];
  signal?: AbortSignal;
  /**
   * Where rankings are shared: for a workspace with a `revision`, reading and ranking happen
   * once per revision, texts, size limit and forbidden paths, and callers with other token
   * budgets (the runs of one message on several models) choose from the same ranking.
   */
  cache?: ContextCache;
}

/** A workspace read and ranked, before any token budget applies. */
interface RankedWorkspace {
  ranked: RankedFile[];
  /** Every readable text file, in listing order. */
  candidatePaths: string[];
  skipped: SkippedFiles;
  /** Contexts assembled from this ranking by token budget, when the ranking is shared. */
  assembled?: Map<number, Promise<GatheredContext>>;
}

/**
 * Rankings of workspaces by revision, for {@link gatherContext}: the runs of one message read
 * the same commit with the same conversation, so one reading and ranking serves them all.
 * Holds the last few rankings only (a ranking is a few hundred bytes per file).
 */
export interface ContextCache {
  /** Rankings held (including ones being computed). */
  readonly size: number;
  clear(): void;
}

const cacheEntries = new WeakMap<
  ContextCache,
  { max: number; entries: Map<string, Promise<RankedWorkspace>> }
>();

/** A {@link ContextCache} holding at most `maxEntries` rankings (default 4), oldest dropped first. */
export function createContextCache(options: { maxEntries?: number } = {}): ContextCache {
  const entries = new Map<string, Promise<RankedWorkspace>>();
  const cache: ContextCache = {
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
  cacheEntries.set(cache, { max: Math.max(1, options.maxEntries ?? 4), entries });
  return cache;
}

/** Settles like `promise`, or rejects with the signal's reason once it aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** Reads and ranks the workspace: the budget-independent part of {@link gatherContext}. */
async function rankWorkspace(
  options: Omit<GatherContextOptions, 'contextTokens' | 'cache'>,
  terms: QueryTerms,
): Promise<RankedWorkspace> {
  const paths = await options.workspace.listFiles(options.signal ? { signal: options.signal } : undefined);
  // Each file is ranked from its features, taken as it is read; its text is let go at once and
  // the few files shown are read again at the end. Holding every text until the selection is
  // made would cost a run the size of the whole repository in memory (and in GC time).
  const features: FileFeatures[] = [];
  const skipped: SkippedFiles = { binary: [], tooLarge: [], forbidden: [] };
  const isAllowed = allowedPathsOf(options.forbiddenPaths);
  for (const path of paths) {
    options.signal?.throwIfAborted();
    if (!isAllowed(path)) {
      skipped.forbidden.push(path);
      continue;
    }
    if (isBinaryPath(path)) {
      skipped.binary.push(path);
      continue;
    }
    const content = await options.workspace.readFile(path);
    if (content === null) continue;
    if (looksBinary(content)) skipped.binary.push(path);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most files are known to fit without counting.
    else if (
      content.length * 3 > options.maxFileBytes &&
      utf8Length(content, options.maxFileBytes) > options.maxFileBytes
    )
      skipped.tooLarge.push(path);
    else features.push(featuresOf({ path, content }, terms));
  }
  return {
    ranked: rankFeatures(features, terms),
    candidatePaths: features.map((file) => file.path),
    skipped,
  };
}

/** The ranking of the workspace, from `cache` when its revision was ranked the same way before. */
function rankingOf(options: GatherContextOptions, terms: QueryTerms): Promise<RankedWorkspace> {
  const revision = options.workspace.revision;
  const held = options.cache === undefined ? undefined : cacheEntries.get(options.cache);
  if (revision === undefined || held === undefined) return rankWorkspace(options, terms);
  const key = JSON.stringify([
    revision,
    options.texts.map((text) => [text.weight, text.text]),
    options.maxFileBytes,
    options.forbiddenPaths,
  ]);
  let ranking = held.entries.get(key);
  if (ranking === undefined) {
    // Shared, so computed without this caller's signal: another caller may still want it.
    const { signal: _, ...shared } = options;
    ranking = rankWorkspace(shared, terms).then((ranked) => ({ ...ranked, assembled: new Map() }));
    held.entries.set(key, ranking);
    ranking.catch(() => {
      if (held.entries.get(key) === ranking) held.entries.delete(key);
    });
    while (held.entries.size > held.max) held.entries.delete(held.entries.keys().next().value!);
  }
  return unlessAborted(ranking, options.signal);
}

/**
 * Reads the workspace and selects the context as {@link selectContext} does. Files with a binary
 * extension are not read; files whose text holds a NUL or is larger than `maxFileBytes`
 * (UTF-8) are skipped; forbidden paths (`.env`, keys) are never read, so their content never
 * reaches a model. Only these reads touch the workspace; the files shown are read twice (once
 * to rank, once to show), so that no more than their text is held at once. With a `cache` and a
 * workspace that has a `revision`, the reading and ranking are shared (see {@link ContextCache}),
 * and so is the result among callers with the same `contextTokens`: treat it as read-only.
 */
export async function gatherContext(options: GatherContextOptions): Promise<GatheredContext> {
  const terms = extractQueryTerms(options.texts);
  const ranking = await rankingOf(options, terms);
  const { assembled } = ranking;
  if (assembled === undefined) return assembleFrom(ranking, options);
  // Shared ranking: callers with the same budget share the very context (and its strings).
  let context = assembled.get(options.contextTokens);
  if (context === undefined) {
    const { signal: _, ...shared } = options;
    context = assembleFrom(ranking, shared);
    assembled.set(options.contextTokens, context);
    context.catch(() => {
      if (assembled.get(options.contextTokens) === context) assembled.delete(options.contextTokens);
    });
  }
  return unlessAborted(context, options.signal);
}

/** Reads the files a budget shows and assembles the context. */
async function assembleFrom(
  ranking: RankedWorkspace,
  options: Pick<GatherContextOptions, 'workspace' | 'contextTokens' | 'signal'>,
): Promise<GatheredContext> {
  const files: IncludedFile[] = [];
  for (const file of chooseRanked(ranking.ranked, options.contextTokens)) {
    options.signal?.throwIfAborted();
    const content = await options.workspace.readFile(file.path);
    // Changed under the run since the first read (it is the run's own copy: it should not be).
    if (content === null || looksBinary(content)) continue;
    files.push({ ...file, content });
  }
  return assembleContext(files, ranking.candidatePaths, ranking.skipped, undefined);
}

/** Verdicts of `checkEditPath` by forbidden-path list, then by path; see {@link allowedPathsOf}. */
const allowedPaths = new Map<string, Map<string, boolean>>();

/**
 * `checkEditPath(path, forbiddenPaths).ok`, remembered: every run of a repository asks it of
 * the same thousands of paths, and glob matching is a good part of reading a workspace.
 * Bounded: a list's verdicts are dropped past 100,000 paths, and lists past 8.
 */
function allowedPathsOf(forbiddenPaths: readonly string[]): (path: string) => boolean {
  const key = forbiddenPaths.join('\0');
  let verdicts = allowedPaths.get(key);
  if (verdicts === undefined) {
    if (allowedPaths.size >= 8) allowedPaths.clear();
    verdicts = new Map();
    allowedPaths.set(key, verdicts);
  }
  const known = verdicts;
  return (path) => {
    let allowed = known.get(path);
    if (allowed === undefined) {
      allowed = checkEditPath(path, forbiddenPaths).ok;
      if (known.size >= 100_000) known.clear();
      known.set(path, allowed);
    }
    return allowed;
  };
}

/** UTF-8 length of `text`, counting no further than just past `limit`. */
function utf8Length(text: string, limit: number): number {
  if (text.length > limit) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length && bytes <= limit; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}
