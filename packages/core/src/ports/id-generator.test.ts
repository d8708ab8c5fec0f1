import { describe, expect, it } from 'vitest';
import { randomIdGenerator } from './id-generator.ts';

describe('randomIdGenerator', () => {
  it('makes ids that sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => randomIdGenerator.next('run'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^run_[0-9a-f]{32}$/);
  });

  it('starts with the creation time in milliseconds', () => {
    const before = Date.now();
    const id = randomIdGenerator.next();
    const time = Number.parseInt(id.slice(0, 12), 16);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now() + 1);
  });
});
