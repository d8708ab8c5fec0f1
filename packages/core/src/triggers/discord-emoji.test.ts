import { describe, expect, it } from 'vitest';
import { emojiKey, emojiMatches } from './discord-emoji.ts';

describe('emojiKey', () => {
  it('strips the variation selectors U+FE0F and U+FE0E (and surrounding spaces)', () => {
    expect(emojiKey('✏\uFE0F')).toBe('✏');
    expect(emojiKey('✏\uFE0E')).toBe('✏');
    expect(emojiKey(' ✏️ ')).toBe('✏');
    expect(emojiKey('📝')).toBe('📝');
    expect(emojiKey('❤️‍🔥')).toBe('❤‍🔥');
    expect(emojiKey('<:pencil:123456789012345678>')).toBe('<:pencil:123456789012345678>');
  });
});

describe('emojiMatches', () => {
  const pencil = ['✏️', '📝'];

  it('matches ✏️ and ✏ either way round, and 📝', () => {
    expect(emojiMatches({ name: '✏', id: null }, pencil)).toBe(true);
    expect(emojiMatches({ name: '✏️', id: null }, pencil)).toBe(true);
    expect(emojiMatches({ name: '✏️', id: null }, ['✏'])).toBe(true);
    expect(emojiMatches({ name: '📝', id: null }, pencil)).toBe(true);
    expect(emojiMatches({ name: '📝', id: null }, ['✏'])).toBe(false);
    expect(emojiMatches({ name: '🔍', id: null }, pencil)).toBe(false);
    expect(emojiMatches({ name: '✏', id: null }, [])).toBe(false);
    expect(emojiMatches({ name: null, id: null }, pencil)).toBe(false);
  });

  it('matches a custom emoji by id, by name and by <:name:id>', () => {
    const custom = { name: 'goose', id: '987654321098765432' };
    expect(emojiMatches(custom, ['987654321098765432'])).toBe(true);
    expect(emojiMatches(custom, ['goose'])).toBe(true);
    expect(emojiMatches(custom, ['<:goose:987654321098765432>'])).toBe(true);
    expect(emojiMatches(custom, ['<:goose:111111111111111111>'])).toBe(false);
    expect(emojiMatches(custom, ['111111111111111111', 'duck', '✏️'])).toBe(false);
    // A unicode emoji's name never matches a custom emoji's id.
    expect(emojiMatches({ name: '✏', id: null }, ['987654321098765432'])).toBe(false);
  });
});
