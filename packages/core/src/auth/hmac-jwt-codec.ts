import type { JsonValue } from '../domain/index.ts';
import { InvalidInputError, UnauthorizedError } from '../errors/index.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { fromBase64Url, toBase64Url } from '../secrets/base64url.ts';
import { assertStrongSecret } from '../secrets/web-crypto-secret-box.ts';

/** Options of {@link createHmacJwtCodec}. */
export interface HmacJwtCodecOptions {
  /**
   * The signing secret (`GOOSUKE_JWT_SECRET` in the adapters): at least 32 characters, not
   * trivially repetitive, and not the SecretBox key.
   */
  secret: string;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Written as `iss` by `sign` and required to match by `verify`, when given. */
  issuer?: string;
  /** Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds. Default 30. */
  leewaySeconds?: number;
}

/** The claims of a verified token: the registered ones the codec manages, and the caller's. */
export interface JwtClaims {
  /** Subject: whom the token is about (a user id). */
  sub: string;
  /** Issued at, in seconds since the epoch. */
  iat: number;
  /** Expires at, in seconds since the epoch. */
  exp: number;
  /** Not valid before, in seconds since the epoch, when present. */
  nbf?: number;
  iss?: string;
  /** A random id that makes every token unique (always set by `sign`). */
  jti?: string;
  [claim: string]: JsonValue | undefined;
}

/** Claims a caller gives to {@link JwtCodec.sign}; the codec sets `iat`, `exp`, `iss` and `jti`. */
export type JwtSignClaims = { sub: string } & { [claim: string]: JsonValue | undefined };

/** Signs and verifies JSON Web Tokens. */
export interface JwtCodec {
  /**
   * A compact JWS token carrying `claims` plus `iat` (now), `exp` (now + `expiresInSeconds`),
   * a random `jti` and, when configured, `iss`.
   *
   * @throws InvalidInputError when `claims` has no `sub`, sets a claim the codec manages, or
   *   `expiresInSeconds` is not a positive integer.
   */
  sign(claims: JwtSignClaims, options: { expiresInSeconds: number }): Promise<string>;
  /**
   * The claims of a token this codec signed and that is valid now.
   *
   * @throws UnauthorizedError ("invalid or expired token") for anything else: not three
   *   base64url parts, a header that is not `{"alg":"HS256"}` (`none`, other algorithms, `crit`),
   *   a bad signature, a payload without `sub`, `iat` or `exp`, expired, not yet valid, issued in the
   *   future or by another issuer. The precise reason is in `cause`, for logs.
   */
  verify(token: string): Promise<JwtClaims>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const managedClaims = ['iat', 'exp', 'nbf', 'iss', 'jti'] as const;
// Far above any token Goosuke makes; refuses absurd input before any work is done.
const maximumTokenLength = 8192;
const encodedHeader = toBase64Url(encoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
// Tokens whose signature and shape were verified, per codec. A client sends the same access token
// on every request for its whole life, and the Web Crypto HMAC (a thread-pool round trip) was
// the largest cost of an authenticated API request (bench/http-api.bench.ts). Bounded, oldest
// out first; the time checks (exp, nbf, iat) still run on every use.
const verifiedCacheSize = 1024;

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function reject(reason: string): UnauthorizedError {
  return new UnauthorizedError('token', { cause: new Error(`JWT refused: ${reason}`) });
}

/** Decodes one base64url segment, refusing non-canonical encodings (so a token has one spelling). */
function decodeSegment(segment: string): Uint8Array | null {
  const bytes = fromBase64Url(segment);
  if (bytes === null || bytes.length === 0 || toBase64Url(bytes) !== segment) return null;
  return bytes;
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function isInstant(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A {@link JwtCodec} for HS256 (HMAC-SHA256) on Web Crypto. `verify` accepts exactly the
 * header `alg: HS256`, compares signatures in constant time (`crypto.subtle.verify`), requires
 * `sub` and `exp`, and tolerates `leewaySeconds` of clock skew on `exp`, `nbf` and `iat`.
 * The key is imported on first use, so the factory is synchronous. The last 1,024 tokens that
 * passed are remembered (by their exact text), so a client's repeated token skips the HMAC; the
 * time checks run on every call.
 *
 * @throws InvalidInputError when the secret is shorter than 32 characters or plainly weak
 *   (the message names `GOOSUKE_JWT_SECRET`, never the secret), or for a bad leeway.
 */
export function createHmacJwtCodec(options: HmacJwtCodecOptions): JwtCodec {
  assertStrongSecret(options.secret, 'GOOSUKE_JWT_SECRET');
  const clock = options.clock ?? systemClock;
  const leeway = options.leewaySeconds ?? 30;
  if (!Number.isInteger(leeway) || leeway < 0 || leeway > 600) {
    throw new InvalidInputError('leewaySeconds must be an integer from 0 to 600', [
      { path: ['leewaySeconds'], message: 'an integer from 0 to 600' },
    ]);
  }
  const issuer = options.issuer;
  let key: Promise<HmacKey> | null = null;
  const hmacKey = (): Promise<HmacKey> => {
    key ??= crypto.subtle.importKey(
      'raw',
      encoder.encode(options.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    return key;
  };
  const nowSeconds = () => Math.floor(clock.now() / 1000);
  // Keyed by the whole token, so a hit needs the exact string that passed `crypto.subtle.verify`.
  const verified = new Map<string, Readonly<JwtClaims>>();

  /** The checks that depend on the time, repeated on every use of a verified token. */
  const checkTimes = (claims: Readonly<JwtClaims>): JwtClaims => {
    const now = nowSeconds();
    if (now >= claims.exp + leeway) throw reject('expired');
    if (claims.nbf !== undefined && now + leeway < claims.nbf) throw reject('not valid yet');
    if (now + leeway < claims.iat) throw reject('issued in the future');
    // A copy, so that a caller changing its claims cannot change the cached ones.
    return { ...claims };
  };

  return {
    async sign(claims, { expiresInSeconds }) {
      if (typeof claims?.sub !== 'string' || claims.sub === '') {
        throw new InvalidInputError('a JWT needs a non-empty sub claim', [
          { path: ['sub'], message: 'a non-empty string' },
        ]);
      }
      for (const claim of managedClaims) {
        if (claim in claims) {
          throw new InvalidInputError(`the JWT codec sets the ${claim} claim itself; do not pass it`, [
            { path: [claim], message: 'managed by the codec' },
          ]);
        }
      }
      if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1) {
        throw new InvalidInputError('expiresInSeconds must be a positive integer', [
          { path: ['expiresInSeconds'], message: 'a positive integer' },
        ]);
      }
      const iat = nowSeconds();
      const payload = {
        ...claims,
        ...(issuer === undefined ? {} : { iss: issuer }),
        iat,
        exp: iat + expiresInSeconds,
        jti: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
      };
      const signingInput = `${encodedHeader}.${toBase64Url(encoder.encode(JSON.stringify(payload)))}`;
      const signature = await crypto.subtle.sign('HMAC', await hmacKey(), encoder.encode(signingInput));
      return `${signingInput}.${toBase64Url(new Uint8Array(signature))}`;
    },

    async verify(token) {
      if (typeof token !== 'string' || token.length > maximumTokenLength) throw reject('not a token');
      const known = verified.get(token);
      if (known !== undefined) return checkTimes(known);
      const parts = token.split('.');
      if (parts.length !== 3) throw reject('not three parts');
      const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
      const headerBytes = decodeSegment(headerPart);
      const payloadBytes = decodeSegment(payloadPart);
      const signature = decodeSegment(signaturePart);
      if (headerBytes === null || payloadBytes === null || signature === null) {
        throw reject('a part is not canonical base64url');
      }
      const header = parseJsonObject(headerBytes);
      if (header === null) throw reject('the header is not a JSON object');
      // Decide the algorithm from our configuration, never from the token: anything but HS256
      // (`none`, HS512, RS256 with the secret as a "public key") is refused before any crypto.
      if (header.alg !== 'HS256') throw reject('alg is not HS256');
      if (header.typ !== undefined && header.typ !== 'JWT') throw reject('typ is not JWT');
      if ('crit' in header) throw reject('critical header extensions are not supported');
      const valid = await crypto.subtle.verify(
        'HMAC',
        await hmacKey(),
        new Uint8Array(signature),
        encoder.encode(`${headerPart}.${payloadPart}`),
      );
      if (!valid) throw reject('bad signature');
      const claims = parseJsonObject(payloadBytes);
      if (claims === null) throw reject('the payload is not a JSON object');
      if (typeof claims.sub !== 'string' || claims.sub === '') throw reject('no sub');
      if (!isInstant(claims.exp)) throw reject('no exp');
      if (claims.nbf !== undefined && !isInstant(claims.nbf)) throw reject('not valid yet');
      if (!isInstant(claims.iat)) throw reject('no iat');
      if (issuer !== undefined && claims.iss !== issuer) throw reject('another issuer');
      const result = checkTimes(claims as JwtClaims);
      if (verified.size >= verifiedCacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, Object.freeze(claims as JwtClaims));
      return result;
    },
  };
}
