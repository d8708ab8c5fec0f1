import { describe, expect, it } from 'vitest';
import { defaultMaxJsonDepth, exceedsJsonDepth } from './json-depth.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('exceedsJsonDepth', () => {
  it('allows the default 64 levels and refuses 65, objects and arrays alike', () => {
    expect(defaultMaxJsonDepth).toBe(64);
    expect(exceedsJsonDepth(nested(64))).toBe(false);
    expect(exceedsJsonDepth(nested(65))).toBe(true);
    expect(exceedsJsonDepth(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`)).toBe(true);
    expect(exceedsJsonDepth(`${'{"a":'.repeat(3)}[1]${'}'.repeat(3)}`, 4)).toBe(false);
    expect(exceedsJsonDepth(`${'{"a":'.repeat(3)}[[1]]${'}'.repeat(3)}`, 4)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ a: '[[[[[[[[[[' }), 2)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ a: 'say \\"[[[[[[\\" \\\\', b: ['x'] }), 2)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ a: '\\', b: [[['x']]] }), 3)).toBe(true);
  });

  it('scans 5,000 levels (and a million) without recursion', () => {
    expect(exceedsJsonDepth(nested(5_000))).toBe(true);
    expect(exceedsJsonDepth(nested(1_000_000), 2_000_000)).toBe(false);
  });
});
