import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../testing/seeded-random.ts';
import { diffLines } from './index.ts';
import { alignLines, countChanges, maxLineEdits } from './line-diff.ts';

function render(a: readonly string[], b: readonly string[]): string[] {
  return diffLines(a, b).map((line) => `${line.kind}${line.kind === '+' ? b[line.bIndex] : a[line.aIndex]}`);
}

describe('diffLines', () => {
  it('keeps the common lines and puts removals before additions within a change', () => {
    expect(render(['a', 'b', 'c', 'd'], ['a', 'x', 'y', 'c', 'e'])).toEqual([
      ' a',
      '-b',
      '+x',
      '+y',
      ' c',
      '-d',
      '+e',
    ]);
    expect(render([], ['n'])).toEqual(['+n']);
    expect(render(['o'], [])).toEqual(['-o']);
    expect(diffLines([], [])).toEqual([]);
  });

  it('covers every line of both sides once, in order, keeping exactly what alignLines keeps', () => {
    const random = createSeededRandom(5);
    const alphabet = ['a', 'b', 'c', '', '}'];
    const pick = () =>
      Array.from(
        { length: Math.floor(random() * 25) },
        () => alphabet[Math.floor(random() * alphabet.length)]!,
      );
    for (let round = 0; round < 1000; round++) {
      const a = pick();
      const b = pick();
      const script = diffLines(a, b);
      expect(script.filter((line) => line.kind !== '+').map((line) => line.aIndex)).toEqual(
        a.map((_, i) => i),
      );
      expect(script.filter((line) => line.kind !== '-').map((line) => line.bIndex)).toEqual(
        b.map((_, i) => i),
      );
      const alignment = alignLines(a, b);
      for (const line of script) {
        if (line.kind === ' ') expect(alignment[line.aIndex]).toBe(line.bIndex);
        if (line.kind === '-') expect(alignment[line.aIndex]).toBe(-1);
      }
    }
  });

  it('past the edit cap, replaces the differing middle wholesale and keeps the common ends', () => {
    // Keeping the 50 shared lines in the middle needs 2 × (2 × 600) = 2400 edits, over the cap.
    const lines = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => `${prefix} ${i}`);
    const shared = lines('shared', 50);
    const a = ['head', ...lines('old', 600), ...shared, ...lines('old tail', 600), 'tail'];
    const b = ['head', ...lines('new', 600), ...shared, ...lines('new tail', 600), 'tail'];
    expect(2 * 1200).toBeGreaterThan(maxLineEdits);
    const script = diffLines(a, b);
    expect(script[0]).toEqual({ kind: ' ', aIndex: 0, bIndex: 0 });
    expect(script.at(-1)).toEqual({ kind: ' ', aIndex: a.length - 1, bIndex: b.length - 1 });
    expect(countChanges(a, b)).toEqual({ added: 1250, removed: 1250 });
    // The same shape within the cap keeps the shared lines.
    const small = (prefix: string) => [
      'head',
      ...lines(prefix, 6),
      ...shared,
      ...lines(`${prefix} tail`, 6),
      'tail',
    ];
    expect(countChanges(small('old'), small('new'))).toEqual({ added: 12, removed: 12 });
  });
});
