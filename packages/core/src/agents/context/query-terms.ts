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
export function singularOf(word: string): string {
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
