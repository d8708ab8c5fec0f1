import { toBase64Url, toHex } from '../secrets/base64url.ts';

/**
 * The kinds of opaque token Goosuke hands out, by prefix: `gsk_` personal access tokens,
 * `gsr_` refresh tokens, `gst_` stream tickets. The prefix makes a leaked token easy to
 * recognise (secret scanners) and tells `authenticate` which kind it holds.
 */
export const opaqueTokenPrefixes = {
  accessToken: 'gsk_',
  refreshToken: 'gsr_',
  streamTicket: 'gst_',
} as const;

/** One of {@link opaqueTokenPrefixes}. */
export type OpaqueTokenPrefix = (typeof opaqueTokenPrefixes)[keyof typeof opaqueTokenPrefixes];

const randomBytes = 32;
// 32 bytes are 43 unpadded base64url characters.
const bodyPattern = /^[A-Za-z0-9_-]{43}$/;

/** A new token: `prefix` and 256 random bits (Web Crypto) as unpadded base64url. */
export function generateOpaqueToken(prefix: OpaqueTokenPrefix): string {
  return prefix + toBase64Url(crypto.getRandomValues(new Uint8Array(randomBytes)));
}

/** Whether `token` has the shape {@link generateOpaqueToken} gives for `prefix` (not whether it exists). */
export function isOpaqueToken(token: unknown, prefix: OpaqueTokenPrefix): token is string {
  return (
    typeof token === 'string' && token.startsWith(prefix) && bodyPattern.test(token.slice(prefix.length))
  );
}

/**
 * The SHA-256 of a token as 64 lower-case hex digits: what stores keep instead of the token.
 * A fast hash is right here (unlike for passwords): the tokens carry 256 random bits, so there
 * is nothing to guess, and stores find a token by looking its hash up. Web Crypto's digest is a
 * thread-pool round trip: authentication keeps the hash of a personal access token it verified
 * rather than hashing it on every request (see `createVerifiedAccessTokens`).
 */
export async function hashOpaqueToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return toHex(digest);
}
