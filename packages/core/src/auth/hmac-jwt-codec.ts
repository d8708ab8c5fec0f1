import { base64url, errors, type JWSHeaderParameters, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { JsonValue } from '../domain/index.ts';
import { InvalidInputError, UnauthorizedError } from '../errors/index.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
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
const managedClaims = ['iat', 'exp', 'nbf', 'iss', 'jti'] as const;
// The only header parameters Goosuke's tokens carry. Anything else (`kid`, `jku`, `jwk`, `x5u`,
// `crit`, `b64`, ...) would ask the verifier to pick a key or change the rules from the token
// itself, which this codec never does: such a token is not one it signed.
const allowedHeaderParameters = new Set(['alg', 'typ']);
// Far above any token Goosuke makes; refuses absurd input before any work is done.
const maximumTokenLength = 8192;
// Tokens whose signature and shape were verified, per codec. A client sends the same access token
// on every request for its whole life, and the Web Crypto HMAC (a thread-pool round trip) was
// the largest cost of an authenticated API request (bench/http-api.bench.ts). Bounded, oldest
// out first; the time checks (exp, nbf, iat) still run on every use.
const verifiedCacheSize = 1024;

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function reject(reason: string, cause?: unknown): UnauthorizedError {
  return new UnauthorizedError('token', {
    cause: new Error(`JWT refused: ${reason}`, cause === undefined ? undefined : { cause }),
  });
}

/**
 * Whether every part is canonical unpadded base64url. jose decodes leniently (padding, unused
 * trailing bits, whitespace), which would let the signature part be spelled several ways; the
 * verified-token cache and replay logs key on the exact text, so a token has one spelling.
 */
function isCanonical(parts: readonly string[]): boolean {
  return parts.every((part) => {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) return false;
    try {
      return base64url.encode(base64url.decode(part)) === part;
    } catch {
      return false;
    }
  });
}

/** The log reason for an error jose raised while verifying (the client only ever sees 401). */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg is not HS256';
  if (error instanceof errors.JOSENotSupported) return 'critical header extensions are not supported';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not valid yet';
    if (error.claim === 'iss') return 'another issuer';
    return error.reason === 'missing' ? `no ${error.claim}` : `${error.claim} is not valid`;
  }
  if (error instanceof errors.JOSEError) return `malformed (${error.message})`;
  return 'could not be verified';
}

/**
 * A {@link JwtCodec} for HS256 (HMAC-SHA256), built on `jose` (Web Crypto only, no `node:`
 * imports). `verify` allows only `alg: HS256` (decided by this configuration, never by the token:
 * `none`, `None`, HS512 and RS256 are refused before any crypto), a header of `alg` and `typ: JWT`
 * only (so `kid`, `jku`, `jwk`, `crit` and friends are refused), canonical unpadded base64url, a
 * signature jose checks in constant time, a non-empty string `sub`, numeric `exp` and `iat`, the
 * configured `iss`, and tolerates `leewaySeconds` of clock skew on `exp`, `nbf` and `iat` (a token
 * is expired from `exp + leeway`, not valid before `nbf - leeway`, and refused while `iat` is more
 * than the leeway in the future). The key is imported on first use, so the factory is synchronous.
 * The last 1,024 tokens that passed are remembered (by their exact text), so a client's repeated
 * token skips the HMAC; the time checks run on every call.
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
  // A CryptoKey bound to HMAC-SHA-256, imported once: jose checks it fits `HS256` and does not
  // re-import it per call, as it would for raw bytes.
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
  // Keyed by the whole token, so a hit needs the exact string that passed jose's verification.
  const verified = new Map<string, Readonly<JwtClaims>>();

  /**
   * The checks that depend on the time, on every use of a token, cached or not (jose applies the
   * same `exp` and `nbf` rule on a first verification; it has no `iat`-in-the-future check
   * without a maximum token age, which Goosuke does not impose here).
   */
  const checkTimes = (claims: Readonly<JwtClaims>): JwtClaims => {
    const now = nowSeconds();
    if (claims.exp <= now - leeway) throw reject('expired');
    if (claims.nbf !== undefined && claims.nbf > now + leeway) throw reject('not valid yet');
    if (claims.iat > now + leeway) throw reject('issued in the future');
    // A copy, so that a caller changing its claims cannot change the cached ones.
    return { ...claims };
  };

  /** Runs inside jose after its `alg` and `crit` checks and before the signature check. */
  const keyFor = async (header: JWSHeaderParameters): Promise<HmacKey> => {
    const extra = Object.keys(header).filter((name) => !allowedHeaderParameters.has(name));
    if (extra.length > 0) throw reject(`unexpected header parameters ${extra.join(', ')}`);
    if (header.typ !== undefined && header.typ !== 'JWT') throw reject('typ is not JWT');
    return hmacKey();
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
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + expiresInSeconds)
        .setJti(base64url.encode(crypto.getRandomValues(new Uint8Array(16))));
      if (issuer !== undefined) jwt.setIssuer(issuer);
      return jwt.sign(await hmacKey());
    },

    async verify(token) {
      if (typeof token !== 'string' || token.length > maximumTokenLength) throw reject('not a token');
      const known = verified.get(token);
      if (known !== undefined) return checkTimes(known);
      const parts = token.split('.');
      if (parts.length !== 3) throw reject('not three parts');
      if (!isCanonical(parts)) throw reject('a part is not canonical base64url');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyFor, {
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp', 'iat'],
          clockTolerance: leeway,
          currentDate: new Date(clock.now()),
          ...(issuer === undefined ? {} : { issuer }),
        }));
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        throw reject(reasonOf(error), error);
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw reject('no sub');
      if (typeof payload.iat !== 'number') throw reject('iat is not valid');
      const claims = payload as JwtClaims;
      const result = checkTimes(claims);
      if (verified.size >= verifiedCacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, Object.freeze(claims));
      return result;
    },
  };
}
