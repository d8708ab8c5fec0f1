import { InvalidInputError, RateLimitedError } from '../errors/index.ts';
import type { Clock } from '../ports/clock.ts';

/** The per-account limit of failed password checks: `limit` failures per `windowMs`. */
export interface AccountLoginLimit {
  /** Failed password checks allowed per account and window; default 10. */
  limit?: number;
  /** The window, in milliseconds, counted from the window's first failure; default 15 minutes. */
  windowMs?: number;
}

/** Default failed password checks per account and window. */
export const defaultAccountLoginLimit = 10;
/** Default window of the per-account limit: 15 minutes (the per-address limit's). */
export const defaultAccountLoginWindowMs = 15 * 60 * 1000;
/** How long a client that signed in to an account stays exempt from that account's lock: 30 days. */
export const knownClientMs = 30 * 24 * 60 * 60 * 1000;

// Bounds the memory an attacker spraying usernames can make the throttle take; oldest go first.
const maximumAccounts = 50_000;
const maximumKnownClientsPerAccount = 16;

/**
 * Counts failed password checks per account (the normalized username), so that guessing one
 * user's password from many addresses is bounded as well as guessing from one address.
 *
 * The rule, chosen so that an attacker cannot lock a user out for good:
 * - failures count per account in a fixed window that starts at the window's first failure;
 *   unknown usernames count alike (a lock says nothing about whether the user exists);
 * - once `limit` failures are counted, the account is locked until its window ends: checks are
 *   refused before any password is verified (RateLimitedError, retry after the window's end),
 *   and refused attempts are not counted, so a lock never outlasts the window that made it;
 * - a client (an address, as the adapter names it) that signed in to the account with its
 *   password within the last 30 days is exempt from the lock (only its per-address limit
 *   applies), so that a user keeps signing in from where they usually do while someone else
 *   keeps their account locked;
 * - a success does not reset the count (else each sign-in of the user would hand the attacker a
 *   fresh allowance).
 * State lives in this process's memory: each server process counts on its own.
 */
export interface LoginThrottle {
  /**
   * Refuses a password check on a locked account, unless `client` is known to it.
   *
   * @throws RateLimitedError with the seconds until the lock ends.
   */
  check(account: string, client?: string): void;
  /** Counts a failed password check. */
  failed(account: string): void;
  /** Records a successful sign-in: `client` becomes known to the account. */
  succeeded(account: string, client?: string): void;
}

function readPositive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive whole number`, [
      { path: [name], message: 'a positive integer' },
    ]);
  }
  return value;
}

/** Builds a {@link LoginThrottle} on `clock`. */
export function createLoginThrottle(clock: Clock, settings: AccountLoginLimit = {}): LoginThrottle {
  const limit = readPositive(settings.limit, defaultAccountLoginLimit, 'limit');
  const windowMs = readPositive(settings.windowMs, defaultAccountLoginWindowMs, 'windowMs');
  const failures = new Map<string, { count: number; resetAt: number }>();
  const known = new Map<string, Map<string, number>>();

  function keep<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    if (map.size >= maximumAccounts) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  function isKnown(account: string, client: string | undefined, now: number): boolean {
    if (client === undefined) return false;
    const at = known.get(account)?.get(client);
    return at !== undefined && now - at < knownClientMs;
  }

  return {
    check(account, client) {
      const now = clock.now();
      const entry = failures.get(account);
      if (entry === undefined || entry.resetAt <= now || entry.count < limit) return;
      if (isKnown(account, client, now)) return;
      throw new RateLimitedError(
        'too many failed sign-ins for this account; retry after the time in Retry-After',
        (entry.resetAt - now) / 1000,
        { limit },
      );
    },
    failed(account) {
      const now = clock.now();
      const entry = failures.get(account);
      if (entry !== undefined && entry.resetAt > now) {
        entry.count += 1;
        return;
      }
      // Full: windows that ended go first, so that spraying usernames does not push out a lock.
      if (failures.size >= maximumAccounts) {
        for (const [key, held] of failures) if (held.resetAt <= now) failures.delete(key);
      }
      keep(failures, account, { count: 1, resetAt: now + windowMs });
    },
    succeeded(account, client) {
      if (client === undefined) return;
      const clients = known.get(account) ?? new Map<string, number>();
      clients.delete(client);
      if (clients.size >= maximumKnownClientsPerAccount) clients.delete(clients.keys().next().value!);
      clients.set(client, clock.now());
      keep(known, account, clients);
    },
  };
}
