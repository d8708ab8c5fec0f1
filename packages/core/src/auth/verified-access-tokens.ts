import type { AccessToken } from '../domain/index.ts';

/**
 * What authentication keeps of a personal access token it found valid: the token's hash (fixed
 * for the token, so reading its record again costs no hashing) and the parts of its record that
 * are checked, as read under `changeToken` (`Store.changeToken`, taken before the read).
 */
export interface VerifiedAccessToken {
  readonly hash: string;
  /** The change token the record was read under; null: never reused without reading again. */
  readonly changeToken: string | null;
  readonly id: string;
  readonly userId: string;
  readonly createdAt: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Epoch milliseconds of the `lastUsedAt` last read or written, or null. */
  lastUsedAt: number | null;
}

/**
 * Personal access tokens seen valid, by the token itself, at most `maxEntries`, the least
 * recently verified going first.
 *
 * Keyed by the token's own text, as the JWT codec's verified-token cache is: a hit needs the
 * exact string that was verified, and no digest core could compute without a thread-pool round
 * trip (core imports no `node:crypto`; Web Crypto's digest is asynchronous) would be
 * collision-resistant. What that exposes: the plaintext of up to `maxEntries` tokens in use stays
 * in the process's heap while they are among the most recent (a heap or core dump would show
 * them, as it shows the `Authorization` header of any request in flight), where the store keeps
 * only their hashes. Callers keep only tokens found valid and drop one found unknown, revoked
 * or expired.
 */
export interface VerifiedAccessTokens {
  /** What is kept for `token`, whatever change token it was read under; undefined if nothing. */
  get(token: string): VerifiedAccessToken | undefined;
  /** Keeps `entry` for `token`, as the most recent. */
  set(token: string, entry: VerifiedAccessToken): void;
  /** Forgets `token`. */
  delete(token: string): void;
}

/** A {@link VerifiedAccessTokens} of at most `maxEntries` tokens. */
export function createVerifiedAccessTokens(maxEntries: number): VerifiedAccessTokens {
  const entries = new Map<string, VerifiedAccessToken>();
  return {
    get: (token) => entries.get(token),
    set(token, entry) {
      entries.delete(token);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(token, entry);
    },
    delete(token) {
      entries.delete(token);
    },
  };
}

/** The entry for `record`, read under `changeToken`, whose token hashes to `hash`. */
export function verifiedAccessToken(
  record: AccessToken,
  hash: string,
  changeToken: string | null,
): VerifiedAccessToken {
  return {
    hash,
    changeToken,
    id: record.id,
    userId: record.userId,
    createdAt: record.createdAt,
    expiresAt: Date.parse(record.expiresAt),
    lastUsedAt: record.lastUsedAt === null ? null : Date.parse(record.lastUsedAt),
  };
}
