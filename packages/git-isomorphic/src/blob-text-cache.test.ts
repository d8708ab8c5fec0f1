import { describe, expect, it } from 'vitest';
import { createBlobTextCache } from './blob-text-cache.ts';

describe('createBlobTextCache', () => {
  it('returns what was set, and undefined for what was not', () => {
    const cache = createBlobTextCache({ maxTotal: 100, maxText: 50 });
    cache.set('a', 'alpha');
    expect(cache.get('a')).toBe('alpha');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(5);
  });

  it('evicts the oldest texts once the total is over the bound', () => {
    const cache = createBlobTextCache({ maxTotal: 10, maxText: 10 });
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    cache.set('c', 'cccc');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('bbbb');
    expect(cache.get('c')).toBe('cccc');
    expect(cache.size).toBe(8);
  });

  it('never holds a text longer than maxText, and keeps the first text of an id', () => {
    const cache = createBlobTextCache({ maxTotal: 100, maxText: 3 });
    cache.set('long', 'four');
    expect(cache.get('long')).toBeUndefined();
    cache.set('x', 'one');
    cache.set('x', 'two');
    expect(cache.get('x')).toBe('one');
    expect(cache.size).toBe(3);
  });

  it('holds nothing with a zero bound', () => {
    const cache = createBlobTextCache({ maxTotal: 0, maxText: 10 });
    cache.set('a', 'text');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
