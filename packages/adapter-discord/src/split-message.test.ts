import { createSeededRandom } from '@goosuke/core/testing';
import { describe, expect, it } from 'vitest';
import { discordMessageLimit, splitMessage } from './split-message.ts';

const fenceLine = /^\s*(```|~~~)/;

function fenceCount(part: string): number {
  return part.split('\n').filter((line) => fenceLine.test(line)).length;
}

function nonWhitespace(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The text without its fence lines, so added close/reopen lines do not count as content. */
function withoutFences(text: string): string {
  return text
    .split('\n')
    .filter((line) => !fenceLine.test(line))
    .join('\n');
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

const alphabet = ['a', 'b', 'x', 'Z', '9', 'é', 'あ', '😀', '👍🏽', '✏️', '𝒳', '-', '.'];

function generateText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const word = (): string => {
    // Mostly short words, sometimes one longer than any limit used, to force hard cuts.
    const length = random() < 0.03 ? 150 + Math.floor(random() * 300) : 1 + Math.floor(random() * 12);
    let out = '';
    for (let i = 0; i < length; i++) out += pick(alphabet);
    return out;
  };
  const blocks: string[] = [];
  const count = 1 + Math.floor(random() * 30);
  for (let b = 0; b < count; b++) {
    if (random() < 0.2) {
      const lines: string[] = [];
      const n = 1 + Math.floor(random() * 25);
      for (let l = 0; l < n; l++)
        lines.push(`  ${Array.from({ length: 1 + Math.floor(random() * 8) }, word).join(' ')}`);
      blocks.push([`\`\`\`${pick(['ts', 'js', 'python', ''])}`, ...lines, '```'].join('\n'));
    } else {
      const n = 1 + Math.floor(random() * 60);
      let paragraph = '';
      for (let w = 0; w < n; w++) {
        paragraph += word();
        if (w < n - 1) paragraph += random() < 0.1 ? '\n' : ' ';
      }
      blocks.push(paragraph);
    }
  }
  return blocks.join(random() < 0.5 ? '\n\n' : '\n');
}

describe('splitMessage', () => {
  it('keeps a short text as one (trimmed) part and uses Discord’s 2000 by default', () => {
    expect(splitMessage('hello world')).toEqual(['hello world']);
    expect(splitMessage('  hello  \n')).toEqual(['hello']);
    const exact = 'x'.repeat(discordMessageLimit);
    expect(splitMessage(exact)).toEqual([exact]);
    expect(discordMessageLimit).toBe(2000);
    expect(splitMessage('')).toEqual([]);
  });

  it('splits a long text into parts of at most the limit, the default being 2000', () => {
    const text = Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ');
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    expect(parts.join(' ')).toBe(text);
  });

  it('prefers the last blank line that fits over later line breaks and spaces', () => {
    const first = `${'a'.repeat(40)}\n${'b'.repeat(20)}`;
    const second = `${'c'.repeat(30)}\n${'d d d d d d d d d d'}`;
    const parts = splitMessage(`${first}\n\n${second} ${'e '.repeat(40)}`, 100);
    expect(parts[0]).toBe(first);
    expect(parts[1]?.startsWith('ccc')).toBe(true);
  });

  it('falls back to the last line break, then the last space', () => {
    const lines = `${'a'.repeat(30)} ${'b'.repeat(30)}\n${'c'.repeat(20)} ${'d'.repeat(50)}`;
    expect(splitMessage(lines, 100)).toEqual([
      `${'a'.repeat(30)} ${'b'.repeat(30)}`,
      `${'c'.repeat(20)} ${'d'.repeat(50)}`,
    ]);
    const words = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' ');
    const parts = splitMessage(words, 100);
    expect(parts.length).toBe(2);
    // The cut is at a space: no word is broken.
    for (const part of parts) expect(part).toMatch(/^(w\d{3})( w\d{3})*$/);
    expect(parts.join(' ')).toBe(words);
  });

  it('ignores a separator in the first quarter, which would make a tiny part', () => {
    const text = `ab\n\n${'x'.repeat(50)} ${'y'.repeat(80)}`;
    const parts = splitMessage(text, 100);
    expect(parts[0]).toBe(`ab\n\n${'x'.repeat(50)}`);
  });

  it('cuts a word longer than the limit hard, losing nothing', () => {
    const word = 'q'.repeat(350);
    const parts = splitMessage(`start ${word} end`, 100);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
    expect(parts.some((part) => part.length >= 90 && /^q+$/.test(part))).toBe(true);
    expect(nonWhitespace(parts.join(''))).toBe(nonWhitespace(`start ${word} end`));
  });

  it('never splits a surrogate pair in emoji-heavy text', () => {
    // Odd offsets shift the pairs so a naive cut at the limit would land inside one.
    for (const lead of ['', 'a', 'ab', 'abc']) {
      const text = lead + '😀👍🏽𝒳'.repeat(120);
      const parts = splitMessage(text, 101);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(101);
        expect(hasLoneSurrogate(part)).toBe(false);
      }
      expect(parts.join('')).toBe(text);
    }
  });

  it('closes a cut code block at the end of a part and reopens it with its language', () => {
    const code = Array.from({ length: 30 }, (_, i) => `const value${i} = ${i};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nAnd that was it.`;
    const parts = splitMessage(text, 200);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(200);
      expect(fenceCount(part) % 2).toBe(0);
    }
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      if (part.includes('const value') && !parts[i + 1]!.startsWith('And')) {
        expect(part.endsWith('\n```')).toBe(true);
        expect(parts[i + 1]!.startsWith('```ts\n')).toBe(true);
      }
    }
    const inner = parts.filter((part) => part.includes('const value'));
    expect(inner.length).toBeGreaterThan(1);
    for (const part of inner.slice(1)) expect(part.startsWith('```ts\n')).toBe(true);
    expect(parts.at(-1)!.endsWith('And that was it.')).toBe(true);
    expect(nonWhitespace(withoutFences(parts.join('\n')))).toBe(nonWhitespace(withoutFences(text)));
  });

  it('throws for a limit under 100', () => {
    expect(() => splitMessage('hello', 99)).toThrow(RangeError);
    expect(() => splitMessage('hello', 0)).toThrow(RangeError);
    expect(splitMessage('hello', 100)).toEqual(['hello']);
  });

  it('holds its contract over a few hundred generated texts', () => {
    const random = createSeededRandom(20240601);
    for (let run = 0; run < 300; run++) {
      const text = generateText(random);
      const limit = [100, 137, 250, 500, 2000][run % 5]!;
      const parts = splitMessage(text, limit);
      const context = `run ${run}, limit ${limit}`;
      for (const part of parts) {
        expect(part.length, context).toBeLessThanOrEqual(limit);
        expect(part.length, context).toBeGreaterThan(0);
        expect(hasLoneSurrogate(part), context).toBe(false);
        expect(fenceCount(part) % 2, context).toBe(0);
      }
      expect(nonWhitespace(withoutFences(parts.join('\n'))), context).toBe(
        nonWhitespace(withoutFences(text)),
      );
      if (text.trim().length <= limit) expect(parts, context).toEqual([text.trim()]);
    }
  });

  // A long info string is not repeated on reopening: it would leave no room for the code.
  it('keeps every part within the limit when a code block has a long info string', () => {
    const text = `\`\`\`${'a'.repeat(150)}\n${'code line\n'.repeat(50)}\`\`\``;
    for (const part of splitMessage(text, 100)) expect(part.length).toBeLessThanOrEqual(100);
  });

  // A ~~~ block is closed with ~~~: ``` would not close it.
  it('closes a cut ~~~ block with ~~~', () => {
    const text = `~~~py\n${'print(1)\n'.repeat(50)}~~~`;
    const parts = splitMessage(text, 100);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n~~~')).toBe(true);
  });
});
