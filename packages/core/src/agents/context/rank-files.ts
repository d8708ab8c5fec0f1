import { compare } from './code-unit-order.ts';
import { isLowPriorityPath } from './file-kinds.ts';
import { type QueryTerms, singularOf, splitWords } from './query-terms.ts';
import { countIdentifiers, countQuoted } from './term-counts.ts';
import { fileTokens } from './token-estimate.ts';

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
export interface FileFeatures {
  path: string;
  identifierCounts: ReadonlyMap<string, number>;
  quotedCounts: ReadonlyMap<string, number>;
  tokens: number;
}

export function featuresOf(file: ContextCandidate, terms: QueryTerms): FileFeatures {
  return {
    path: file.path,
    identifierCounts: countIdentifiers(file.content, terms),
    quotedCounts: countQuoted(file.content, terms),
    tokens: fileTokens(file.path, file.content),
  };
}

/** {@link rankFiles} on features. */
export function rankFeatures(files: readonly FileFeatures[], terms: QueryTerms): RankedFile[] {
  const total = Math.max(1, files.length);
  const identifierCounts = files.map((file) => file.identifierCounts);
  const quotedCounts = files.map((file) => file.quotedCounts);
  // File names are compared with identifiers lower-cased and without `-` and `_`.
  const nameTerms = [...terms.identifiers]
    .map(([term, weight]) => ({ term, weight, normalized: term.toLowerCase().replace(/[-_]/g, '') }))
    .filter((each) => each.normalized.length >= 3);
  const matching = pathMatching(terms.words, new Set(nameTerms.map((each) => each.normalized)));
  const pathWords = files.map((file) => pathParts(file.path, matching));
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
    const mention = terms.paths.size === 0 ? noMention : pathMention(file.path, terms);
    const parts = pathWords[index]!;
    if (
      identifierCounts[index]!.size === 0 &&
      quotedCounts[index]!.size === 0 &&
      parts.words.length === 0 &&
      parts.stems.length === 0
    ) {
      // Nothing of the query in it (most files of a large repository): what the general case
      // below comes to, without its arrays.
      const lowPriority = mention.score === 0 && isLowPriorityPath(file.path);
      return {
        path: file.path,
        score: mention.score,
        reason: mention.reason ?? 'unrelated',
        lowPriority,
        tokens: file.tokens,
      };
    }
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

const noMention: { score: number; reason: string | null } = { score: 0, reason: null };

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
  readonly words: readonly string[];
  readonly stem: string;
}

/**
 * Every word of a path segment (each followed by its singular) and its name stem, by segment,
 * kept across calls: each message to a repository ranks the same tens of thousands of paths,
 * whose segments' splitting (regular expressions) was most of the ranking's time. Bounded.
 */
const segmentSplits = new Map<string, SegmentParts>();
const segmentSplitsLimit = 100_000;

function splitSegment(segment: string): SegmentParts {
  let split = segmentSplits.get(segment);
  if (split === undefined) {
    const words: string[] = [];
    for (const word of splitWords(segment)) words.push(word, singularOf(word));
    split = { words, stem: stemOf(segment) };
    if (segmentSplits.size >= segmentSplitsLimit) segmentSplits.clear();
    segmentSplits.set(segment, split);
  }
  return split;
}

/** A name's stem as file names are compared with identifiers: `cart-item.ts` -> `cartitem`. */
function stemOf(segment: string): string {
  const dot = segment.indexOf('.', 1);
  return (dot > 0 ? segment.slice(0, dot) : segment).toLowerCase().replace(/[-_]/g, '');
}

/** Shared by the (many) paths that match nothing: one less array each. */
const noMatches: readonly string[] = [];

/** What {@link pathParts} finds in a path, or in a directory (then shared by its files). */
interface PathMatches {
  readonly words: readonly string[];
  readonly stems: readonly string[];
}

const noPathMatches: PathMatches = { words: noMatches, stems: noMatches };

/** What one ranking looks for in paths, and what it has found in segments and directories so far. */
interface PathMatching {
  readonly wantedWords: ReadonlyMap<string, number>;
  readonly wantedStems: ReadonlySet<string>;
  /**
   * Tests a lower-cased segment for what every wanted word leaves in any name that holds it, or
   * its plural: the word less its last letter (`entry` in `entries`). A segment without it cannot
   * hold a wanted word, and is not split into words at all (most of a large repository's names).
   */
  readonly mayHoldWanted: RegExp | null;
  readonly segments: Map<string, SegmentParts>;
  readonly directories: Map<string, PathMatches>;
}

function pathMatching(
  wantedWords: ReadonlyMap<string, number>,
  wantedStems: ReadonlySet<string>,
): PathMatching {
  const cores = [...wantedWords.keys()].map((word) =>
    word.slice(0, Math.max(0, word.length - 1)).replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'),
  );
  return {
    wantedWords,
    wantedStems,
    mayHoldWanted: cores.length === 0 ? null : new RegExp(cores.join('|')),
    segments: new Map(),
    directories: new Map(),
  };
}

/**
 * The words of a path (`src/cart-item.ts` -> src, cart, item, ts, each with its singular) that
 * are wanted, once each in order of appearance, and its name stems (`cartitem`, `src`) that are
 * wanted. Only the matches are kept: this runs for every file of a workspace. Files share their
 * directories, so a path costs one lookup and its name.
 */
function pathParts(path: string, matching: PathMatching): PathMatches {
  const slash = path.lastIndexOf('/');
  const inDirectory = slash < 0 ? noPathMatches : directoryParts(path.slice(0, slash), matching);
  const name = segmentParts(slash < 0 ? path : path.slice(slash + 1), matching);
  const stemWanted = matching.wantedStems.has(name.stem);
  if (name.words.length === 0 && !stemWanted) return inDirectory;
  const words = inDirectory.words.length === 0 ? [] : [...inDirectory.words];
  for (const word of name.words) if (!words.includes(word)) words.push(word);
  const stems = stemWanted ? [...inDirectory.stems, name.stem] : inDirectory.stems;
  return { words: words.length === 0 ? noMatches : words, stems };
}

/** {@link pathParts} of a directory, kept for the ranking. */
function directoryParts(directory: string, matching: PathMatching): PathMatches {
  let parts = matching.directories.get(directory);
  if (parts === undefined) {
    parts = pathParts(directory, matching);
    matching.directories.set(directory, parts);
  }
  return parts;
}

/** The wanted words and the stem of one segment, kept for the ranking. */
function segmentParts(segment: string, matching: PathMatching): SegmentParts {
  let parts = matching.segments.get(segment);
  if (parts === undefined) {
    if (matching.mayHoldWanted === null || !matching.mayHoldWanted.test(segment.toLowerCase())) {
      parts = { words: noMatches, stem: stemOf(segment) };
    } else {
      const split = splitSegment(segment);
      const words = split.words.filter((word) => matching.wantedWords.has(word));
      parts = { words: words.length === 0 ? noMatches : words, stem: split.stem };
    }
    matching.segments.set(segment, parts);
  }
  return parts;
}
