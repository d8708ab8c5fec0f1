import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What one grant allows: one channel (or thread) of one guild, for one run. */
export interface DiscordToolScope {
  /** The guild the channel must belong to. */
  guildId: string;
  /** The channel or thread (a thread is a channel in Discord) the tools read and post in. */
  channelId: string;
  /** The run the grant is for; named in log lines, never used for access. */
  runId: string;
  /** When the token stops working; absent: until revoked or the server closes. */
  expiresAt?: Date;
}

/** Per-grant limits on what a model may do with the tools; see `discordToolDefaults`. */
export interface DiscordToolLimits {
  /** `post_message` calls per grant in any 60-second window. */
  postsPerMinute: number;
  /** `post_message` calls per grant over its whole life. */
  postsPerGrant: number;
  /** `read_channel_history` calls per grant in any 60-second window. */
  readsPerMinute: number;
  /** Messages `read_channel_history` may return per grant over its whole life. */
  maxHistory: number;
}

/** The live state of one grant, shared by every request made with its token. */
export interface DiscordToolGrantState {
  readonly scope: Readonly<Required<Pick<DiscordToolScope, 'guildId' | 'channelId' | 'runId'>>>;
  readonly expiresAt: number | null;
  /** SHA-256 of the token: the token itself is never kept. */
  readonly tokenHash: Buffer;
  revoked: boolean;
  /** Times (ms) of recent posts and reads, for the sliding windows. */
  readonly postTimes: number[];
  readonly readTimes: number[];
  postsTotal: number;
  historyRead: number;
  /** Posts of one grant run one after another, so that the parts of two posts never interleave. */
  postQueue: Promise<unknown>;
}

/** Whether the grant may still be used at `now`. */
export function grantIsActive(grant: DiscordToolGrantState, now: number): boolean {
  return !grant.revoked && (grant.expiresAt === null || now < grant.expiresAt);
}

const windowMs = 60_000;

/**
 * Takes one slot of a sliding 60-second window of at most `limit` events (recording `now` when
 * granted), or says how long until one frees up.
 */
export function takeSlot(
  times: number[],
  limit: number,
  now: number,
): { ok: true } | { ok: false; retryAfterMs: number } {
  while (times.length > 0 && times[0]! <= now - windowMs) times.shift();
  if (times.length >= limit) return { ok: false, retryAfterMs: times[0]! + windowMs - now };
  times.push(now);
  return { ok: true };
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** 32 random bytes (256 bits), base64url: unguessable, and safe in an HTTP header. */
const tokenBytes = 32;
/** Longer `Authorization` values are refused before hashing: no token of ours is that long. */
const maxAuthorizationLength = 256;

/**
 * The in-memory registry of grants: issues tokens, finds the grant of a presented token, forgets
 * revoked and expired ones. Only hashes are kept, so a heap dump or a log of this state never
 * holds a usable token.
 */
export interface DiscordToolGrantRegistry {
  /** Issues a fresh token for `scope`; the token is returned once and never kept. */
  issue(scope: DiscordToolScope): { token: string; grant: DiscordToolGrantState };
  /** The active grant of an `Authorization: Bearer <token>` header value, or null. */
  authenticate(authorization: string | undefined): DiscordToolGrantState | null;
  /** Revokes one grant (idempotent). */
  revoke(grant: DiscordToolGrantState): void;
  /** Revokes every grant. */
  revokeAll(): void;
}

/** A registry of grants on the wall clock `now`. */
export function createDiscordToolGrantRegistry(now: () => number = Date.now): DiscordToolGrantRegistry {
  // Keyed by the hex SHA-256 of the token: finding a grant needs the token, not just its prefix.
  const grants = new Map<string, DiscordToolGrantState>();

  const forgetStale = (): void => {
    const at = now();
    for (const [key, grant] of grants) if (!grantIsActive(grant, at)) grants.delete(key);
  };

  return {
    issue(scope) {
      forgetStale();
      const token = randomBytes(tokenBytes).toString('base64url');
      const tokenHash = sha256(token);
      const grant: DiscordToolGrantState = {
        scope: { guildId: scope.guildId, channelId: scope.channelId, runId: scope.runId },
        expiresAt: scope.expiresAt ? scope.expiresAt.getTime() : null,
        tokenHash,
        revoked: false,
        postTimes: [],
        readTimes: [],
        postsTotal: 0,
        historyRead: 0,
        postQueue: Promise.resolve(),
      };
      grants.set(tokenHash.toString('hex'), grant);
      return { token, grant };
    },
    authenticate(authorization) {
      if (authorization === undefined || authorization.length > maxAuthorizationLength) return null;
      const match = /^Bearer +([A-Za-z0-9_-]+) *$/i.exec(authorization);
      if (!match) return null;
      const presented = sha256(match[1]!);
      const grant = grants.get(presented.toString('hex'));
      // The map lookup already needs the full hash; the constant-time compare keeps the check
      // itself free of timing differences whatever the map does.
      if (!grant || !timingSafeEqual(grant.tokenHash, presented)) return null;
      if (!grantIsActive(grant, now())) {
        grants.delete(presented.toString('hex'));
        return null;
      }
      return grant;
    },
    revoke(grant) {
      grant.revoked = true;
      grants.delete(grant.tokenHash.toString('hex'));
    },
    revokeAll() {
      for (const grant of grants.values()) grant.revoked = true;
      grants.clear();
    },
  };
}
