/** The current time. Injected so that tests control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The clock's time as the ISO 8601 string stored in entities. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
