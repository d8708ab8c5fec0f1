import { describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import { isoNow } from '../ports/index.ts';
import { createFixedClock, defaultFixedClockStart } from './fixed-clock.ts';

describe('createFixedClock', () => {
  it('starts at the given instant, or the default one, and stands still', () => {
    expect(isoNow(createFixedClock())).toBe(defaultFixedClockStart);
    const clock = createFixedClock('2026-01-02T03:04:05.678Z');
    expect(isoNow(clock)).toBe('2026-01-02T03:04:05.678Z');
    expect(clock.now()).toBe(clock.now());
    expect(createFixedClock(0).now()).toBe(0);
  });

  it('moves only through advance and set', () => {
    const clock = createFixedClock('2026-01-01T00:00:00.000Z');
    clock.advance(1500);
    expect(isoNow(clock)).toBe('2026-01-01T00:00:01.500Z');
    clock.advance(0);
    expect(isoNow(clock)).toBe('2026-01-01T00:00:01.500Z');
    clock.set('2025-06-01T00:00:00.000Z');
    expect(isoNow(clock)).toBe('2025-06-01T00:00:00.000Z');
    clock.set(Date.UTC(2027, 0, 1));
    expect(isoNow(clock)).toBe('2027-01-01T00:00:00.000Z');
  });

  it('refuses unparseable instants and negative or non-finite advances', () => {
    expect(() => createFixedClock('not a date')).toThrow(GoosukeError);
    const clock = createFixedClock();
    expect(() => clock.set('yesterday')).toThrow(GoosukeError);
    expect(() => clock.set(Number.NaN)).toThrow(GoosukeError);
    expect(() => clock.advance(-1)).toThrow(GoosukeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(GoosukeError);
    expect(isoNow(clock)).toBe(defaultFixedClockStart);
  });
});
