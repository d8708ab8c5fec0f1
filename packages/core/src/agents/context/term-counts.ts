import type { QueryTerms } from './query-terms.ts';

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

/** How often each quoted string of the conversation occurs in the content, as plain text. */
export function countQuoted(content: string, terms: QueryTerms): ReadonlyMap<string, number> {
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

/** Occurrences of `term` in `content`, not overlapping; with `wholeToken`, only those not inside a longer name. */
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
