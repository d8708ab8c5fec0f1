import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';
import { userRoleSchema, userSchema } from './user.ts';

/**
 * A personal access token (for CI and scripts): the record of it, not the secret. The token
 * itself is shown once when it is made; only its SHA-256 hash is stored, beside the record and
 * never inside it. A token is usable while `revokedAt` is null and `expiresAt` is in the future.
 */
export const accessTokenSchema = z
  .object({
    id: idSchema,
    /** The user the token acts as. */
    userId: idSchema,
    /** What the token is for, as its owner named it (e.g. `CI deploy`). */
    name: z.string().min(1).max(100),
    /** The first characters of the token (`gsk_` and a few more), shown to tell tokens apart. */
    prefix: z.string().min(1).max(32),
    /** When the token stops working. Every token expires. */
    expiresAt: timestampSchema,
    /** When the token was last used, to the minute; null when never. */
    lastUsedAt: timestampSchema.nullable(),
    /** When the token was revoked; null while it is not. */
    revokedAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: 'AccessToken' });
/** A personal access token's record. */
export type AccessToken = z.infer<typeof accessTokenSchema>;

/**
 * A refresh token's record. Refresh tokens rotate: each is used once to get a new pair, and
 * every token descending from one sign-in shares a `familyId`, so that presenting a token
 * twice (a sign it was stolen) revokes the whole family. Only the SHA-256 hash of the token
 * is stored, beside the record.
 */
export const refreshTokenSchema = z
  .object({
    id: idSchema,
    userId: idSchema,
    /** Shared by every token rotated from the same sign-in. */
    familyId: idSchema,
    expiresAt: timestampSchema,
    /** When the token was exchanged for a new pair; null while unused. */
    usedAt: timestampSchema.nullable(),
    /** When the token (with its family) was revoked; null while it is not. */
    revokedAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    /**
     * When the family's user signed in with their password: the first token's `createdAt`, carried
     * unchanged through every rotation (a refresh is not a sign-in).
     */
    authenticatedAt: timestampSchema,
  })
  .meta({ id: 'RefreshToken' });
/** A refresh token's record. */
export type RefreshToken = z.infer<typeof refreshTokenSchema>;

/** How a caller proved who they are: a signed access token (JWT) or a personal access token. */
export const authenticationMethodSchema = z.enum(['jwt', 'token']).meta({ id: 'AuthenticationMethod' });
/** An authentication method. */
export type AuthenticationMethod = z.infer<typeof authenticationMethodSchema>;

/**
 * Who is calling, as established by authentication. `role` is read from the store on every
 * authentication, never trusted from a token, so that a demotion takes effect at once.
 */
export const principalSchema = z
  .object({
    userId: idSchema,
    username: userSchema.shape.username,
    role: userRoleSchema,
    via: authenticationMethodSchema,
    /**
     * When the user last proved who they are: for an access JWT, the password sign-in its session
     * started with (a refreshed token keeps it: the `auth_time` claim); for a personal access
     * token, its creation. Absent where the authenticator does not know.
     */
    authenticatedAt: timestampSchema.optional(),
    /**
     * The session (refresh-token family) an access JWT belongs to; absent for personal access
     * tokens. Signing the session out ends its access tokens too.
     */
    sessionId: idSchema.optional(),
  })
  .meta({ id: 'Principal' });
/** An authenticated caller. */
export type Principal = z.infer<typeof principalSchema>;
