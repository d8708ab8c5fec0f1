import type { FileChange } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { joinText, splitText, type TextLines } from './text-lines.ts';

/**
 * The files edits have read and changed so far, in memory. Each path is read through the
 * caller's `readFile` at most once; later edits of the same path see the evolving content.
 */
export interface VirtualTree {
  /** The current content of a (checked) path, or null when it does not exist. */
  read(path: string): Promise<TextLines | null>;
  /** Replaces a path's current content; null deletes it. The path must have been read first. */
  write(path: string, text: TextLines | null): void;
  /** Every path whose final content differs from its original, in order of first access. */
  changes(): FileChange[];
}

/** Builds a {@link VirtualTree} over `readFile`. */
export function createVirtualTree(readFile: (path: string) => Promise<string | null>): VirtualTree {
  const originals = new Map<string, string | null>();
  const current = new Map<string, TextLines | null>();
  const written = new Set<string>();
  return {
    async read(path) {
      if (current.has(path)) return current.get(path) ?? null;
      const original = await readFile(path);
      if (original !== null && typeof original !== 'string') {
        throw new InvalidInputError(`readFile(${JSON.stringify(path)}) must return a string or null`);
      }
      originals.set(path, original);
      const text = original === null ? null : splitText(original);
      current.set(path, text);
      return text;
    },
    write(path, text) {
      current.set(path, text);
      written.add(path);
    },
    changes() {
      const changes: FileChange[] = [];
      for (const [path, text] of current) {
        if (!written.has(path)) continue;
        const original = originals.get(path) ?? null;
        if (text === null) {
          if (original !== null) changes.push({ path, content: null });
          continue;
        }
        const content = joinText(text);
        if (content !== original) changes.push({ path, content });
      }
      return changes;
    },
  };
}
