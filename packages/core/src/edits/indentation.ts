import { indentationOf, isBlank } from './similarity.ts';

/**
 * How the indentation of a hunk maps onto the file's: add or remove a fixed prefix (the model
 * dropped or added indentation levels), or convert widths (tabs for spaces) with a fixed offset.
 */
export type IndentShift =
  | { kind: 'add'; prefix: string }
  | { kind: 'remove'; prefix: string }
  | { kind: 'width'; tabSize: number; delta: number; useTabs: boolean };

/** One non-blank line's indentation in the file and in the hunk. */
export interface IndentPair {
  file: string;
  sought: string;
}

const tabSizes = [4, 8, 2];

/**
 * The single shift that maps every sought indentation onto the file's, or null when the
 * indentation changes inconsistently (then the lines do not match as a block).
 * An empty `add` prefix is the identity.
 */
export function findIndentShift(pairs: readonly IndentPair[]): IndentShift | null {
  const first = pairs[0];
  if (first === undefined) return { kind: 'add', prefix: '' };
  if (first.file.endsWith(first.sought)) {
    const prefix = first.file.slice(0, first.file.length - first.sought.length);
    if (pairs.every((pair) => pair.file === prefix + pair.sought)) return { kind: 'add', prefix };
  }
  if (first.sought.endsWith(first.file)) {
    const prefix = first.sought.slice(0, first.sought.length - first.file.length);
    if (pairs.every((pair) => pair.sought === prefix + pair.file)) return { kind: 'remove', prefix };
  }
  const useTabs = pairs.some((pair) => pair.file.includes('\t'));
  for (const tabSize of tabSizes) {
    const delta = width(first.file, tabSize) - width(first.sought, tabSize);
    if (pairs.every((pair) => width(pair.file, tabSize) - width(pair.sought, tabSize) === delta)) {
      return { kind: 'width', tabSize, delta, useTabs };
    }
  }
  return null;
}

/** True when the shift changes nothing. */
export function isIdentityShift(shift: IndentShift): boolean {
  return shift.kind !== 'width' ? shift.prefix === '' : false;
}

/**
 * Re-indents one line written in the hunk's indentation into the file's. A blank line only
 * loses the prefix a `remove` shift strips (so a hunk indented as a whole leaves no trailing
 * whitespace); it never gains indentation.
 */
export function shiftIndentation(line: string, shift: IndentShift): string {
  if (isBlank(line) && shift.kind !== 'remove') return line;
  switch (shift.kind) {
    case 'add':
      return shift.prefix + line;
    case 'remove': {
      let index = 0;
      while (index < shift.prefix.length && line[index] === shift.prefix[index]) index++;
      return line.slice(index);
    }
    case 'width': {
      const indentation = indentationOf(line);
      const columns = Math.max(0, width(indentation, shift.tabSize) + shift.delta);
      const rendered = shift.useTabs
        ? '\t'.repeat(Math.floor(columns / shift.tabSize)) + ' '.repeat(columns % shift.tabSize)
        : ' '.repeat(columns);
      return rendered + line.slice(indentation.length);
    }
  }
}

function width(indentation: string, tabSize: number): number {
  let columns = 0;
  for (const character of indentation) {
    columns = character === '\t' ? (Math.floor(columns / tabSize) + 1) * tabSize : columns + 1;
  }
  return columns;
}
