import { z } from 'zod';
import { generateOpaqueToken, hashOpaqueToken, opaqueTokenPrefixes } from '../auth/opaque-token.ts';
import { type AccessToken, accessTokenSchema } from '../domain/index.ts';
import { ForbiddenError, NotFoundError } from '../errors/index.ts';
import type { ListOptions, Page } from '../ports/store.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';
import { maximumPasswordLength } from './user-service.ts';

/** How long a personal access token lives when its creator says nothing: 90 days. */
export const defaultAccessTokenExpiryDays = 90;
/** The longest a personal access token may live: one year. */
export const maximumAccessTokenExpiryDays = 365;

/** Characters of a token kept in its record (`gsk_` and 8 more) to tell tokens apart. */
const visiblePrefixLength = 12;

/** Input of {@link AccessTokenService.create}. */
export const createAccessTokenInputSchema = z
  .object({
    /** What the token is for, e.g. `CI deploy`. */
    name: z.string().trim().min(1).max(100),
    /** Days until the token expires: 1 to 365, default 90. */
    expiresInDays: z.number().int().min(1).max(maximumAccessTokenExpiryDays).optional(),
    /**
     * The creator's password, checked again: needed unless their session signed in with its
     * password within the last 10 minutes. Never stored.
     */
    currentPassword: z.string().min(1).max(maximumPasswordLength).optional(),
  })
  .strict()
  .meta({ id: 'CreateAccessTokenInput' });
/** Input to create a personal access token. */
export type CreateAccessTokenInput = z.input<typeof createAccessTokenInputSchema>;

/** A newly created personal access token: the token itself, shown this once, and its record. */
export const createdAccessTokenSchema = z
  .object({
    /** The token (`gsk_…`). It is not stored and cannot be shown again. */
    token: z.string(),
    record: accessTokenSchema,
  })
  .meta({ id: 'CreatedAccessToken' });
/** A newly created personal access token. */
export type CreatedAccessToken = z.infer<typeof createdAccessTokenSchema>;

/**
 * Personal access tokens, for CI and scripts: sent as `Authorization: Bearer gsk_…`, they
 * authenticate wherever a JWT does, as the user who made them. Only their SHA-256 hash is
 * stored; every token expires (90 days by default, a year at most) and can be revoked.
 *
 * This is the trusted system view: it acts for any user. Who may create, list and revoke whose
 * tokens is the access policy's (`goosuke.as(actor).tokens`).
 */
export interface AccessTokenService {
  /**
   * Creates a token for user `userId` (`currentPassword` is ignored: this trusted view checks
   * nothing). ForbiddenError when the user is disabled or gone.
   */
  create(userId: string, input: CreateAccessTokenInput): Promise<CreatedAccessToken>;
  /** A token's record. NotFoundError when missing. */
  get(id: string): Promise<AccessToken>;
  /** The tokens of `userId`, revoked and expired ones included, newest first. */
  list(options: ListOptions & { userId: string }): Promise<Page<AccessToken>>;
  /** Revokes a token and returns its record; revoking twice keeps the first time. NotFoundError when missing. */
  revoke(id: string): Promise<AccessToken>;
}

/** Builds the personal access token service on the given ports. */
export function createAccessTokenService(context: ServiceContext): AccessTokenService {
  const { store, clock, ids } = context;

  async function get(id: string): Promise<AccessToken> {
    const token = await store.accessTokens.get(id);
    if (!token) throw new NotFoundError('access token', id);
    return token;
  }

  return {
    async create(userId, raw) {
      const input = parseInput(createAccessTokenInputSchema, raw, 'access token');
      const user = await store.users.get(userId);
      if (!user || user.disabled) throw new ForbiddenError('a disabled user cannot create access tokens');
      const token = generateOpaqueToken(opaqueTokenPrefixes.accessToken);
      const now = clock.now();
      const days = input.expiresInDays ?? defaultAccessTokenExpiryDays;
      const record: AccessToken = {
        id: ids.next('token'),
        userId: user.id,
        name: input.name,
        prefix: token.slice(0, visiblePrefixLength),
        expiresAt: new Date(now + days * 86_400_000).toISOString(),
        lastUsedAt: null,
        revokedAt: null,
        createdAt: new Date(now).toISOString(),
      };
      return { token, record: await store.accessTokens.insert(record, await hashOpaqueToken(token)) };
    },

    get,

    list(options) {
      return store.accessTokens.list(options);
    },

    async revoke(id) {
      await get(id);
      return store.accessTokens.revoke(id, new Date(clock.now()).toISOString());
    },
  };
}
