import { describe, expect, it } from 'vitest';
import { plural } from './plural.ts';

describe('plural', () => {
  it('says "1 model" and "0 models", "2 models"', () => {
    expect(plural(1, 'model')).toBe('1 model');
    expect(plural(0, 'model')).toBe('0 models');
    expect(plural(2, 'model')).toBe('2 models');
  });
});
