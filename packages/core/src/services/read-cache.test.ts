import { describe, expect, it } from 'vitest';
import { createReadCache, deepFreeze } from './read-cache.ts';

describe('createReadCache', () => {
  it('finds a value only under the token it was kept with, never under null', () => {
    const cache = createReadCache<{ n: number }>(4);
    cache.set('a', 't1', { n: 1 });
    expect(cache.get('a', 't1')).toEqual({ n: 1 });
    expect(cache.get('a', 't2')).toBeUndefined();
    expect(cache.get('a', null)).toBeUndefined();
    cache.set('b', null, { n: 2 });
    expect(cache.get('b', 't1')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently kept', () => {
    const cache = createReadCache<number>(2);
    cache.set('a', 't', 1);
    cache.set('b', 't', 2);
    cache.set('a', 't', 3);
    cache.set('c', 't', 4);
    expect(cache.get('b', 't')).toBeUndefined();
    expect(cache.get('a', 't')).toBe(3);
    expect(cache.get('c', 't')).toBe(4);
  });

  it('freezes what it keeps, deeply, since every caller shares it', () => {
    const cache = createReadCache<{ list: Array<{ x: number }> }>(2);
    const value = { list: [{ x: 1 }] };
    cache.set('k', 't', value);
    expect(Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.list[0])).toBe(
      true,
    );
    expect(() => {
      value.list[0]!.x = 2;
    }).toThrow(TypeError);
  });
});

describe('deepFreeze', () => {
  it('returns primitives and null unchanged', () => {
    expect(deepFreeze(1)).toBe(1);
    expect(deepFreeze(null)).toBeNull();
    expect(deepFreeze('s')).toBe('s');
  });
});
