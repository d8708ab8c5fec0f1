import { InvalidInputError } from '../errors/index.ts';
import type { Clock } from '../ports/index.ts';

/** A Clock that stands still until a test moves it. */
export interface FixedClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds (a finite number, at least 0). */
  advance(ms: number): void;
  /** Sets the clock to an instant: an ISO 8601 string or milliseconds since the epoch. */
  set(at: string | number): void;
}

/** The instant a {@link createFixedClock} shows when given none. */
export const defaultFixedClockStart = '2026-01-01T00:00:00.000Z';

function toMilliseconds(at: string | number): number {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) {
    throw new InvalidInputError(`not a valid instant: ${JSON.stringify(at)}`, [
      { path: [], message: 'an ISO 8601 string or milliseconds since the epoch' },
    ]);
  }
  return ms;
}

/**
 * A Clock fixed at `start` (ISO 8601 string or epoch milliseconds; default
 * 2026-01-01T00:00:00.000Z) that changes only through `advance` and `set`.
 * Throws InvalidInputError for an unparseable instant or a negative or non-finite advance.
 */
export function createFixedClock(start: string | number = defaultFixedClockStart): FixedClock {
  let now = toMilliseconds(start);
  return {
    now: () => now,
    advance: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new InvalidInputError(`advance takes a finite number of milliseconds, at least 0, got ${ms}`, [
          { path: ['ms'], message: 'a finite number, at least 0' },
        ]);
      }
      now = toMilliseconds(now + ms);
    },
    set: (at) => {
      now = toMilliseconds(at);
    },
  };
}
