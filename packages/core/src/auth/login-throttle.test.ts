import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors/index.ts';
import { createFixedClock } from '../testing/index.ts';
import { createLoginThrottle } from './login-throttle.ts';

const windowMs = 15 * 60_000;

function lockedFor(check: () => void): number | null {
  try {
    check();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(RateLimitedError);
    return (error as RateLimitedError).retryAfterSeconds;
  }
}

describe('the per-account login throttle', () => {
  it('locks an account after `limit` failures until the window of the first one ends', () => {
    const clock = createFixedClock('2026-04-01T08:00:00.000Z');
    const throttle = createLoginThrottle(clock, { limit: 3, windowMs });
    for (let failure = 0; failure < 3; failure++) {
      expect(lockedFor(() => throttle.check('ada', '203.0.113.9'))).toBeNull();
      throttle.failed('ada');
      clock.advance(60_000);
    }
    // Locked from any address, for what is left of the window (15 min from the first failure).
    expect(lockedFor(() => throttle.check('ada', '203.0.113.9'))).toBe(12 * 60);
    expect(lockedFor(() => throttle.check('ada'))).toBe(12 * 60);
    // Another account is not.
    expect(lockedFor(() => throttle.check('bob'))).toBeNull();
    // Refused attempts are not counted: the lock does not outlast its window.
    clock.advance(12 * 60_000 - 1);
    expect(lockedFor(() => throttle.check('ada'))).toBe(1);
    clock.advance(1);
    expect(lockedFor(() => throttle.check('ada'))).toBeNull();
  });

  it('counts unknown usernames alike, so a lock says nothing about who exists', () => {
    const clock = createFixedClock('2026-04-01T08:00:00.000Z');
    const throttle = createLoginThrottle(clock, { limit: 1, windowMs });
    throttle.failed('nobody-here');
    expect(lockedFor(() => throttle.check('nobody-here'))).toBe(15 * 60);
  });

  it('lets a client that signed in to the account before through a lock others caused', () => {
    const clock = createFixedClock('2026-04-01T08:00:00.000Z');
    const throttle = createLoginThrottle(clock, { limit: 2, windowMs });
    throttle.succeeded('ada', '198.51.100.7');
    throttle.failed('ada');
    throttle.failed('ada');
    expect(lockedFor(() => throttle.check('ada', '203.0.113.9'))).not.toBeNull();
    expect(lockedFor(() => throttle.check('ada', '198.51.100.7'))).toBeNull();
    // A success does not reset the count: the attacker gets no fresh allowance from it.
    throttle.succeeded('ada', '198.51.100.7');
    expect(lockedFor(() => throttle.check('ada', '203.0.113.9'))).not.toBeNull();
    // Known for 30 days.
    clock.advance(30 * 86_400_000);
    throttle.failed('ada');
    throttle.failed('ada');
    expect(lockedFor(() => throttle.check('ada', '198.51.100.7'))).not.toBeNull();
  });

  it('refuses settings that are not positive whole numbers', () => {
    const clock = createFixedClock('2026-04-01T08:00:00.000Z');
    expect(() => createLoginThrottle(clock, { limit: 0 })).toThrow(/positive/);
    expect(() => createLoginThrottle(clock, { windowMs: 1.5 })).toThrow(/positive/);
  });
});
