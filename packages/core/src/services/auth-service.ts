import { z } from 'zod';
import type { PasswordHashingLimits } from '../auth/bounded-password-hasher.ts';
import type { JwtCodec } from '../auth/hmac-jwt-codec.ts';
import { type AccountLoginLimit, createLoginThrottle, type LoginThrottle } from '../auth/login-throttle.ts';
import {
  generateOpaqueToken,
  hashOpaqueToken,
  isOpaqueToken,
  opaqueTokenPrefixes,
} from '../auth/opaque-token.ts';
import { createVerifiedAccessTokens, verifiedAccessToken } from '../auth/verified-access-tokens.ts';
import {
  type Principal,
  type RefreshToken,
  timestampSchema,
  type User,
  userSchema,
} from '../domain/index.ts';
import { InvalidInputError, UnauthorizedError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import { toBase64Url } from '../secrets/base64url.ts';
import { parseInput } from './parse-input.ts';
import { createReadCache } from './read-cache.ts';
import type { ServiceContext } from './service-context.ts';
import { maximumPasswordLength } from './user-service.ts';

/** How long access JWTs live unless configured: 24 hours. */
export const defaultAccessTokenTtlSeconds = 24 * 60 * 60;
/** How long refresh tokens live unless configured: 30 days. */
export const defaultRefreshTokenTtlSeconds = 30 * 24 * 60 * 60;
/** How long a stream ticket lives: 60 seconds. */
export const streamTicketTtlSeconds = 60;

/** Lifetimes of what the auth service issues. */
export interface AuthSettings {
  /** Lifetime of an access JWT, in seconds; default 24 h. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of a refresh token, in seconds, counted again at each rotation; default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Failed password checks allowed per account (see `LoginThrottle`); default 10 per 15 minutes. */
  accountLoginLimit?: AccountLoginLimit;
  /**
   * How many password hashes run at once and may wait (see `createBoundedPasswordHasher`);
   * default 2 at once, 64 waiting. Applied by `createGoosuke` to every use of the hasher.
   */
  passwordHashing?: PasswordHashingLimits;
}

/** Where a sign-in comes from, as the adapter knows it. */
export interface LoginContext {
  /**
   * The client's address (or another stable name of the client): a client that signed in to an
   * account before is not locked out of it by others' failed attempts.
   */
  client?: string;
}

/** Input of {@link AuthService.login}. Usernames compare case-insensitively (they are stored lower-case). */
export const loginInputSchema = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(maximumPasswordLength),
  })
  .strict()
  .meta({ id: 'LoginInput' });
/** Input to sign in. */
export type LoginInput = z.input<typeof loginInputSchema>;

/** What a sign-in or a refresh returns. */
export const authTokensSchema = z
  .object({
    /** A JWT to send as `Authorization: Bearer`. */
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    /** Seconds until `accessToken` expires. */
    expiresIn: z.number().int().positive(),
    /** An opaque `gsr_` token, usable once, to get the next pair. */
    refreshToken: z.string(),
    refreshTokenExpiresAt: timestampSchema,
    user: userSchema,
  })
  .meta({ id: 'AuthTokens' });
/** A fresh access token and refresh token. */
export type AuthTokens = z.infer<typeof authTokensSchema>;

/**
 * A ticket that authenticates one event stream (SSE), where browsers cannot send headers: the
 * stream it first opens, which may reconnect with it for its 60 seconds.
 */
export const streamTicketSchema = z
  .object({
    /** An opaque `gst_` token, for the `ticket` query parameter of a stream URL. */
    ticket: z.string(),
    expiresAt: timestampSchema,
    /** Seconds until the ticket expires. */
    expiresIn: z.number().int().positive(),
  })
  .meta({ id: 'StreamTicket' });
/** A stream ticket. */
export type StreamTicket = z.infer<typeof streamTicketSchema>;

/**
 * Sign-in, token rotation and authentication of requests. Every failure is an
 * UnauthorizedError with one of two fixed messages ("wrong username or password", "invalid
 * or expired token"); none says which check failed.
 */
export interface AuthService {
  /**
   * Signs a user in. An unknown user, a wrong password and a disabled user give the same error
   * after the same work (a password is verified against a dummy hash when there is no user).
   * When the hasher says the stored hash was made with old parameters, it is replaced.
   * Failed attempts count per account: past the limit the account is locked for the rest of the
   * window (RateLimitedError, no password verified) except for clients that signed in to it
   * before (see `LoginThrottle` for the rule).
   */
  login(input: LoginInput, context?: LoginContext): Promise<AuthTokens>;
  /**
   * Checks a signed-in user's password again (before what needs a recent sign-in). Failures
   * count against the account's sign-in limit.
   *
   * @throws InvalidInputError naming `currentPassword` when it is wrong; RateLimitedError when
   *   the account is locked; UnauthorizedError when the user is gone or disabled.
   */
  confirmPassword(userId: string, password: string): Promise<void>;
  /**
   * Exchanges a refresh token for a new pair and marks it used. A token presented a second
   * time (it was stolen, or a client replayed it) revokes its whole family, so the thief and
   * the user are both signed out, and fails. Fails too for a revoked or expired token or a
   * disabled user.
   */
  refresh(refreshToken: string): Promise<AuthTokens>;
  /**
   * Revokes the family of a refresh token (signs that session out). UnauthorizedError for an
   * unknown token, or one of another user than `options.userId` when it is given.
   */
  logout(refreshToken: string, options?: { userId?: string }): Promise<void>;
  /**
   * Revokes every refresh-token family of the user (signs out every session). The sessions'
   * access JWTs are refused from then on (authentication checks that their session is live);
   * personal access tokens are untouched.
   */
  signOutEverywhere(userId: string): Promise<void>;
  /**
   * Who is calling, from the credential of an `Authorization: Bearer` header (without the
   * scheme): an access JWT, or a personal access token (`gsk_`) that is neither revoked nor
   * expired. The user must exist and be enabled; the role is read from the store. A personal
   * access token's `lastUsedAt` is updated at most once a minute.
   */
  authenticate(token: string): Promise<Principal>;
  /**
   * A ticket valid for 60 seconds, standing for `principal` on a stream request (one use, or one
   * stream when redeemed with `stream`; see `redeemStreamTicket`).
   * Tickets live in this process's memory: with several server processes, the ticket must be
   * redeemed by the process that made it (or sessions must be sticky).
   */
  createStreamTicket(principal: Principal): Promise<StreamTicket>;
  /**
   * The principal a ticket stands for, with the role read again from the store. Without `stream`
   * the ticket is used up. With `stream` (what the ticket opens, e.g. the request path) the first
   * use binds the ticket to that stream, and within its 60 seconds it may open that stream again
   * (a browser EventSource reconnecting) but no other.
   */
  redeemStreamTicket(ticket: string, stream?: string): Promise<Principal>;
}

/** What the auth service is built from. */
export interface AuthServiceContext extends ServiceContext {
  passwordHasher: PasswordHasher;
  jwt: JwtCodec;
  settings?: AuthSettings;
  /**
   * Told of every principal `authenticate` and `redeemStreamTicket` return, with the user they
   * read for it (enabled, as the store had it then): the actor-scoped facade need not read that
   * user again for the call made right after (see `createActorResolver`).
   */
  onAuthenticated?: (principal: Principal, user: User) => void;
  /** Counts failed password checks per account; shared with the user service. Default: a new one. */
  loginThrottle?: LoginThrottle;
}

// Bounds the memory live tickets can take; the oldest go first.
const maximumLiveTickets = 10_000;
// A personal access token's `lastUsedAt` is written at most this often: every write moves the
// store's change token, which sends every cached read back to the database.
const lastUseResolutionMs = 60_000;
/**
 * How many personal access tokens authentication keeps as verified (see
 * `createVerifiedAccessTokens`, which says why they are keyed by the token itself). Without them
 * every request with a token hashed it (Web Crypto's SHA-256, a thread-pool round trip) and read
 * its record: 0.37x bare Express, against 0.54x with a login JWT (bench/http-api.bench.ts).
 */
const accessTokenCacheSize = 1_024;
/** How many users authentication keeps for reuse (see createReadCache). */
const userCacheSize = 1_024;
/** How many sessions' liveness authentication keeps for reuse. */
const sessionCacheSize = 4_096;
const accessTokenUse = 'access';

function readTtl(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 60) {
    throw new InvalidInputError(`${name} must be a whole number of seconds, at least 60`, [
      { path: [name], message: 'an integer of at least 60' },
    ]);
  }
  return value;
}

function credentialsError(cause?: string): UnauthorizedError {
  return new UnauthorizedError('credentials', cause === undefined ? {} : { cause: new Error(cause) });
}

function tokenError(cause: string): UnauthorizedError {
  return new UnauthorizedError('token', { cause: new Error(cause) });
}

/** Builds the auth service on the given ports. */
export function createAuthService(context: AuthServiceContext): AuthService {
  const { store, clock, ids, passwordHasher, jwt } = context;
  const accessTtl = readTtl(
    context.settings?.accessTokenTtlSeconds,
    defaultAccessTokenTtlSeconds,
    'accessTokenTtlSeconds',
  );
  const refreshTtl = readTtl(
    context.settings?.refreshTokenTtlSeconds,
    defaultRefreshTokenTtlSeconds,
    'refreshTokenTtlSeconds',
  );
  const tickets = new Map<string, { principal: Principal; expiresAt: number; stream?: string }>();
  const throttle = context.loginThrottle ?? createLoginThrottle(clock, context.settings?.accountLoginLimit);

  let dummyHash: Promise<string> | null = null;
  // A hash of a random password nobody knows, made with the hasher's current parameters, so that
  // verifying against it costs what a real check costs.
  function dummy(): Promise<string> {
    dummyHash ??= passwordHasher
      .hash(toBase64Url(crypto.getRandomValues(new Uint8Array(32))))
      .catch((error) => {
        dummyHash = null;
        throw error;
      });
    return dummyHash;
  }

  async function issue(
    user: User,
    familyId: string,
    authenticatedAt: string | null,
  ): Promise<{ tokens: Omit<AuthTokens, 'accessToken'>; record: RefreshToken; hash: string }> {
    const refreshToken = generateOpaqueToken(opaqueTokenPrefixes.refreshToken);
    const now = clock.now();
    const record: RefreshToken = {
      id: ids.next('refresh'),
      userId: user.id,
      familyId,
      expiresAt: new Date(now + refreshTtl * 1000).toISOString(),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(now).toISOString(),
      authenticatedAt: authenticatedAt ?? new Date(now).toISOString(),
    };
    return {
      tokens: {
        tokenType: 'Bearer',
        expiresIn: accessTtl,
        refreshToken,
        refreshTokenExpiresAt: record.expiresAt,
        user,
      },
      record,
      hash: await hashOpaqueToken(refreshToken),
    };
  }

  // `sid` names the session (refresh family) whose sign-out ends the token; `auth_time` is when
  // the session's user signed in with their password (OpenID Connect's claim), kept by refreshes.
  async function accessTokenFor(user: User, session: RefreshToken): Promise<string> {
    return jwt.sign(
      {
        sub: user.id,
        token_use: accessTokenUse,
        sid: session.familyId,
        auth_time: Math.floor(Date.parse(session.authenticatedAt) / 1000),
      },
      { expiresInSeconds: accessTtl },
    );
  }

  function principalOf(
    user: User,
    via: Principal['via'],
    authenticatedAt?: string,
    sessionId?: string,
  ): Principal {
    const principal: Principal = {
      userId: user.id,
      username: user.username,
      role: user.role,
      via,
      ...(authenticatedAt === undefined ? {} : { authenticatedAt }),
      ...(sessionId === undefined ? {} : { sessionId }),
    };
    context.onAuthenticated?.(principal, user);
    return principal;
  }

  // Every authenticated request reads its user: reused while the store's change token holds.
  const users = createReadCache<User>(userCacheSize);
  // `token`: a change token taken before this read (one taken for several reads will do).
  async function activeUser(id: string, token: string | null = null): Promise<User> {
    token ??= await store.changeToken();
    let user = users.get(id, token) ?? null;
    if (user === null) {
      user = await store.users.get(id);
      if (user !== null) users.set(id, token, user);
    }
    if (!user) throw tokenError('the user no longer exists');
    if (user.disabled) throw tokenError('the user is disabled');
    return user;
  }

  // Reused while the store's change token holds, like users and sessions: revoking a token,
  // disabling its user, a password change and a sign-out everywhere are writes, which move it.
  const accessTokens = createVerifiedAccessTokens(accessTokenCacheSize);
  async function authenticateAccessToken(token: string): Promise<Principal> {
    // Taken before the record and the user are read: it stands for both.
    const changeToken = await store.changeToken();
    let known = accessTokens.get(token);
    if (known === undefined || changeToken === null || known.changeToken !== changeToken) {
      const hash = known?.hash ?? (await hashOpaqueToken(token));
      const record = await store.accessTokens.findByHash(hash);
      accessTokens.delete(token);
      if (!record) throw tokenError('unknown personal access token');
      if (record.revokedAt !== null) throw tokenError('revoked personal access token');
      known = verifiedAccessToken(record, hash, changeToken);
      accessTokens.set(token, known);
    }
    // Expiry is checked on every use, the record read again or not.
    const now = clock.now();
    if (!(known.expiresAt > now)) {
      accessTokens.delete(token);
      throw tokenError('expired personal access token');
    }
    const user = await activeUser(known.userId, changeToken);
    const lastUsedAt = known.lastUsedAt;
    if (lastUsedAt === null || now - lastUsedAt >= lastUseResolutionMs) {
      // Noted before the write, so that concurrent requests with the token write it once. The
      // write moves the change token: the next request reads the record again (not the hash).
      known.lastUsedAt = now;
      try {
        await store.accessTokens.setLastUsedAt(known.id, new Date(now).toISOString());
      } catch (error) {
        known.lastUsedAt = lastUsedAt;
        throw error;
      }
    }
    return principalOf(user, 'token', known.createdAt);
  }

  // Whether each session is live, reused while the store's change token holds: ending a session
  // is a write, which moves the token, so a reused answer is the one the store would give. An
  // idle store costs no query beyond the change token that reading the user takes anyway.
  const sessions = createReadCache<boolean>(sessionCacheSize);
  async function assertLiveSession(sessionId: string, token: string | null): Promise<void> {
    let live = sessions.get(sessionId, token);
    if (live === undefined) {
      live = await store.refreshTokens.isFamilyLive(sessionId);
      sessions.set(sessionId, token, live);
    }
    if (!live) throw tokenError('the session was signed out');
  }

  async function authenticateJwt(token: string): Promise<Principal> {
    const claims = await jwt.verify(token);
    if (claims.token_use !== accessTokenUse) throw tokenError('not an access token');
    const { sid, auth_time: authTime } = claims;
    // Tokens made before sessions were named cannot be ended by a sign-out: refused (the client
    // refreshes, and gets one that can).
    if (typeof sid !== 'string' || sid === '') throw tokenError('an access token without a session');
    if (typeof authTime !== 'number' || !Number.isSafeInteger(authTime) || authTime > claims.iat) {
      throw tokenError('an access token without a valid auth_time');
    }
    // One change token, taken before both reads, stands for both.
    const changeToken = await store.changeToken();
    const user = await activeUser(claims.sub, changeToken);
    await assertLiveSession(sid, changeToken);
    return principalOf(user, 'jwt', new Date(authTime * 1000).toISOString(), sid);
  }

  return {
    async login(raw, from = {}) {
      const input = parseInput(loginInputSchema, raw, 'sign-in');
      const account = input.username.trim().toLowerCase();
      throttle.check(account, from.client);
      // Asked for before the lookup, so that making it (once per process) delays every first
      // sign-in alike, not only those of unknown users.
      const fallback = dummy();
      const user = await store.users.getByUsername(account);
      const storedHash = user === null ? null : await store.users.getPasswordHash(user.id);
      if (storedHash !== null) fallback.catch(() => undefined);
      // Verify even without a user or hash, so that the answer takes as long either way.
      const matches = await passwordHasher.verify(input.password, storedHash ?? (await fallback));
      if (user === null || storedHash === null || !matches) {
        throttle.failed(account);
        throw credentialsError();
      }
      if (user.disabled) throw credentialsError('the user is disabled');
      throttle.succeeded(account, from.client);
      const rehashed =
        passwordHasher.needsRehash?.(storedHash) === true ? await passwordHasher.hash(input.password) : null;
      const { tokens, record, hash } = await issue(user, ids.next('session'), null);
      // The session starts only if the password checked is still the user's and the user still
      // enabled: a password change or a disabling that committed meanwhile (revoking every
      // session) must not be outlived by a session made from the old password.
      const started = await store.transaction(async (tx) => {
        const current = await tx.users.get(user.id);
        if (current === null || current.disabled) return false;
        if ((await tx.users.getPasswordHash(user.id)) !== storedHash) return false;
        if (rehashed !== null) await tx.users.setPasswordHash(user.id, rehashed);
        await tx.refreshTokens.insert(record, hash);
        return true;
      });
      if (!started) throw credentialsError('the password or the user changed during sign-in');
      return { accessToken: await accessTokenFor(user, record), ...tokens };
    },

    async refresh(refreshToken) {
      if (!isOpaqueToken(refreshToken, opaqueTokenPrefixes.refreshToken)) {
        throw tokenError('not a refresh token');
      }
      const hash = await hashOpaqueToken(refreshToken);
      const found = await store.refreshTokens.findByHash(hash);
      if (!found) throw tokenError('unknown refresh token');
      const user = await store.users.get(found.userId);
      if (!user) throw tokenError('the user no longer exists');
      const next = await issue(user, found.familyId, found.authenticatedAt);
      const now = isoNow(clock);
      // The outcome is returned, not thrown, so that revoking the family on reuse commits.
      const outcome = await store.transaction(async (tx) => {
        const current = await tx.refreshTokens.findByHash(hash);
        if (!current || current.revokedAt !== null) return 'invalid' as const;
        if (current.usedAt !== null) return 'reused' as const;
        if (Date.parse(current.expiresAt) <= clock.now()) return 'invalid' as const;
        const owner = await tx.users.get(current.userId);
        if (!owner || owner.disabled) return 'invalid' as const;
        if (!(await tx.refreshTokens.markUsed(current.id, now))) return 'reused' as const;
        await tx.refreshTokens.insert(next.record, next.hash);
        return owner;
      });
      if (outcome === 'reused') {
        await store.refreshTokens.revokeFamily(found.familyId, now);
        throw tokenError('a used refresh token came back: its family is revoked');
      }
      if (outcome === 'invalid') throw tokenError('revoked or expired refresh token, or disabled user');
      return { accessToken: await accessTokenFor(outcome, next.record), ...next.tokens, user: outcome };
    },

    async logout(refreshToken, options = {}) {
      if (!isOpaqueToken(refreshToken, opaqueTokenPrefixes.refreshToken)) {
        throw tokenError('not a refresh token');
      }
      const found = await store.refreshTokens.findByHash(await hashOpaqueToken(refreshToken));
      if (!found) throw tokenError('unknown refresh token');
      // Answered like an unknown token: another user's sessions are neither confirmed nor ended.
      if (options.userId !== undefined && found.userId !== options.userId) {
        throw tokenError("another user's refresh token");
      }
      await store.refreshTokens.revokeFamily(found.familyId, isoNow(clock));
    },

    async signOutEverywhere(userId) {
      await store.refreshTokens.revokeAllOfUser(userId, isoNow(clock));
    },

    async confirmPassword(userId, password) {
      const user = await activeUser(userId);
      throttle.check(user.username);
      const storedHash = await store.users.getPasswordHash(user.id);
      const matches =
        typeof password === 'string' &&
        password !== '' &&
        password.length <= maximumPasswordLength &&
        storedHash !== null &&
        (await passwordHasher.verify(password, storedHash));
      if (!matches) {
        throttle.failed(user.username);
        throw new InvalidInputError('the current password is wrong', [
          { path: ['currentPassword'], message: 'wrong password' },
        ]);
      }
    },

    async authenticate(token) {
      if (typeof token !== 'string' || token === '') throw tokenError('no token');
      if (token.startsWith(opaqueTokenPrefixes.accessToken)) {
        if (!isOpaqueToken(token, opaqueTokenPrefixes.accessToken)) {
          throw tokenError('malformed personal access token');
        }
        return authenticateAccessToken(token);
      }
      return authenticateJwt(token);
    },

    async createStreamTicket(principal) {
      const now = clock.now();
      for (const [ticket, entry] of tickets) {
        if (entry.expiresAt > now && tickets.size < maximumLiveTickets) break;
        tickets.delete(ticket);
      }
      const ticket = generateOpaqueToken(opaqueTokenPrefixes.streamTicket);
      const expiresAt = now + streamTicketTtlSeconds * 1000;
      tickets.set(ticket, { principal: { ...principal }, expiresAt });
      return { ticket, expiresAt: new Date(expiresAt).toISOString(), expiresIn: streamTicketTtlSeconds };
    },

    async redeemStreamTicket(ticket, stream) {
      if (!isOpaqueToken(ticket, opaqueTokenPrefixes.streamTicket)) throw tokenError('not a stream ticket');
      const entry = tickets.get(ticket);
      if (entry === undefined) throw tokenError('unknown or used stream ticket');
      if (entry.expiresAt <= clock.now()) {
        tickets.delete(ticket);
        throw tokenError('expired stream ticket');
      }
      if (entry.stream !== undefined && entry.stream !== stream) {
        throw tokenError('stream ticket used for another stream');
      }
      const changeToken = await store.changeToken();
      const user = await activeUser(entry.principal.userId, changeToken);
      // A ticket made by a session ends with it.
      if (entry.principal.sessionId !== undefined) {
        await assertLiveSession(entry.principal.sessionId, changeToken);
      }
      if (stream === undefined) tickets.delete(ticket);
      else entry.stream = stream;
      return principalOf(
        user,
        entry.principal.via,
        entry.principal.authenticatedAt,
        entry.principal.sessionId,
      );
    },
  };
}
