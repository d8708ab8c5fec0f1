import { z } from 'zod';
import { generateOpaqueToken, hashOpaqueToken, opaqueTokenPrefixes } from '../auth/opaque-token.ts';
import { type AccessToken, accessTokenSchema, type Principal } from '../domain/index.ts';
import { ForbiddenError, NotFoundError } from '../errors/index.ts';
import type { ListOptions, Page } from '../ports/store.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

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
 * Authorization rule (the acting principal is a parameter): a user creates tokens for
 * themselves only and lists and revokes their own; an admin may also list and revoke any
 * user's. Asking for another user's token without being admin is a NotFoundError, as for a
 * token that does not exist, so that token ids of others are not confirmed.
 */
export interface AccessTokenService {
  /** Creates a token for `actor`. ForbiddenError when the actor's user is disabled or gone. */
  create(actor: Principal, input: CreateAccessTokenInput): Promise<CreatedAccessToken>;
  /**
   * The tokens of `userId` (default: the actor's own), revoked and expired ones included.
   * ForbiddenError when a non-admin asks for another user's.
   */
  list(actor: Principal, options?: ListOptions & { userId?: string }): Promise<Page<AccessToken>>;
  /**
   * Revokes a token and returns its record; revoking twice keeps the first time. NotFoundError
   * when it does not exist or belongs to someone else and the actor is not admin.
   */
  revoke(actor: Principal, id: string): Promise<AccessToken>;
}

/** Builds the personal access token service on the given ports. */
export function createAccessTokenService(context: ServiceContext): AccessTokenService {
  const { store, clock, ids } = context;

  return {
    async create(actor, raw) {
      const input = parseInput(createAccessTokenInputSchema, raw, 'access token');
      // A leaked token must not be able to mint its own long-lived replacement: only a signed-in
      // session (a JWT from a password login) creates tokens.
      if (actor.via !== 'jwt')
        throw new ForbiddenError('create access tokens from a signed-in session, not with a token');
      const user = await store.users.get(actor.userId);
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

    async list(actor, options = {}) {
      const { userId = actor.userId, ...page } = options;
      if (userId !== actor.userId && actor.role !== 'admin') {
        throw new ForbiddenError("only an admin may list another user's access tokens");
      }
      return store.accessTokens.list({ ...page, userId });
    },

    async revoke(actor, id) {
      const token = await store.accessTokens.get(id);
      if (!token || (token.userId !== actor.userId && actor.role !== 'admin')) {
        throw new NotFoundError('access token', id);
      }
      return store.accessTokens.revoke(id, new Date(clock.now()).toISOString());
    },
  };
}
