import { describe, expect, it } from 'vitest';
import { GoosukeError, UnauthorizedError } from '../errors/index.ts';
import { fromBase64Url, toBase64Url } from '../secrets/base64url.ts';
import { createFixedClock } from '../testing/fixed-clock.ts';
import { createHmacJwtCodec } from './hmac-jwt-codec.ts';

const secret = 'jwt-secret-for-tests-0123456789-abcdefghijkl';
const otherSecret = 'another-jwt-secret-for-tests-ZYXWVUTSRQPONM';
const encoder = new TextEncoder();

function encodeJson(value: unknown): string {
  return toBase64Url(encoder.encode(JSON.stringify(value)));
}

function decodeJson(segment: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(fromBase64Url(segment)!)) as Record<string, unknown>;
}

/** Signs `header.payload` with HMAC over `hash`, the way a forger holding the secret (or guessing the algorithm) would. */
async function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  options: { key?: string | Uint8Array<ArrayBuffer>; hash?: 'SHA-256' | 'SHA-512' } = {},
): Promise<string> {
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    typeof options.key === 'object' ? options.key : encoder.encode(options.key ?? secret),
    { name: 'HMAC', hash: options.hash ?? 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(signingInput));
  return `${signingInput}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The reason a verification was refused, from the error's cause; fails unless it is an UnauthorizedError. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  const unauthorized = error as UnauthorizedError;
  expect(unauthorized.code).toBe('unauthorized');
  expect(unauthorized.message).toBe('invalid or expired token');
  return (unauthorized.cause as Error).message;
}

function codecAt(start = '2026-03-01T12:00:00.000Z', issuer?: string) {
  const clock = createFixedClock(start);
  const codec = createHmacJwtCodec({ secret, clock, ...(issuer === undefined ? {} : { issuer }) });
  return { clock, codec };
}

const nowSeconds = Date.parse('2026-03-01T12:00:00.000Z') / 1000;

describe('createHmacJwtCodec', () => {
  it('signs HS256 tokens that verify to their claims plus iat, exp, iss and a unique jti', async () => {
    const { codec } = codecAt(undefined, 'goosuke');
    const token = await codec.sign(
      { sub: 'user_1', role: 'admin', scopes: ['a'] },
      { expiresInSeconds: 3600 },
    );
    const [header, payload] = token.split('.') as [string, string, string];
    expect(decodeJson(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJson(payload)).toMatchObject({ sub: 'user_1', iat: nowSeconds, exp: nowSeconds + 3600 });
    const claims = await codec.verify(token);
    expect(claims).toEqual({
      sub: 'user_1',
      role: 'admin',
      scopes: ['a'],
      iss: 'goosuke',
      iat: nowSeconds,
      exp: nowSeconds + 3600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    const again = await codec.verify(await codec.sign({ sub: 'user_1' }, { expiresInSeconds: 3600 }));
    expect(again.jti).not.toBe(claims.jti);
  });

  it('interoperates with any HS256 signer using the same secret', async () => {
    const { codec } = codecAt();
    const token = await forge({ alg: 'HS256' }, { sub: 'u', iat: nowSeconds, exp: nowSeconds + 60 });
    expect((await codec.verify(token)).sub).toBe('u');
  });

  it('refuses tokens signed with another secret, or tampered with anywhere', async () => {
    const { codec } = codecAt();
    const other = createHmacJwtCodec({
      secret: otherSecret,
      clock: createFixedClock('2026-03-01T12:00:00.000Z'),
    });
    expect(await refusal(codec.verify(await other.sign({ sub: 'u' }, { expiresInSeconds: 60 })))).toMatch(
      /bad signature/,
    );

    const token = await codec.sign({ sub: 'user_1', role: 'member' }, { expiresInSeconds: 60 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const promoted = encodeJson({ ...decodeJson(payload), role: 'admin' });
    expect(await refusal(codec.verify(`${header}.${promoted}.${signature}`))).toMatch(/bad signature/);
    const otherUser = encodeJson({ ...decodeJson(payload), sub: 'user_2' });
    expect(await refusal(codec.verify(`${header}.${otherUser}.${signature}`))).toMatch(/bad signature/);
    const flipped = fromBase64Url(signature)!;
    flipped[5] = flipped[5]! ^ 0x20;
    expect(await refusal(codec.verify(`${header}.${payload}.${toBase64Url(flipped)}`))).toMatch(
      /bad signature/,
    );
    const reordered = encodeJson({ typ: 'JWT', alg: 'HS256' });
    expect(await refusal(codec.verify(`${reordered}.${payload}.${signature}`))).toMatch(/bad signature/);
    // A signature cut short, or one character of the payload changed.
    expect(await refusal(codec.verify(`${header}.${payload}.${signature.slice(0, 24)}`))).toMatch(
      /bad signature/,
    );
    const middle = Math.floor(payload.length / 2);
    const changed = `${payload.slice(0, middle)}${payload[middle] === 'A' ? 'B' : 'A'}${payload.slice(middle + 1)}`;
    expect(await refusal(codec.verify(`${header}.${changed}.${signature}`))).toMatch(/bad signature/);
  });

  it('refuses every algorithm but HS256, including none and HS256-looking confusions', async () => {
    const { codec } = codecAt();
    const claims = { sub: 'user_1', iat: nowSeconds, exp: nowSeconds + 60 };
    const none = `${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson(claims)}.`;
    expect(await refusal(codec.verify(none))).toMatch(/not canonical base64url|alg/);
    // `none` with a dummy signature, so that only the algorithm is wrong.
    expect(await refusal(codec.verify(`${none}AAAA`))).toMatch(/alg is not HS256/);
    expect(await refusal(codec.verify(await forge({ alg: 'HS512' }, claims, { hash: 'SHA-512' })))).toMatch(
      /alg is not HS256/,
    );
    // The classic confusion: RS256 in the header, an HMAC made with the secret as the "public key".
    expect(await refusal(codec.verify(await forge({ alg: 'RS256' }, claims)))).toMatch(/alg is not HS256/);
    expect(await refusal(codec.verify(await forge({ alg: 'hs256' }, claims)))).toMatch(/alg is not HS256/);
    expect(await refusal(codec.verify(await forge({ typ: 'JWT' }, claims)))).toMatch(/alg/);
    expect(await refusal(codec.verify(await forge({ alg: 'HS256', typ: 'JWE' }, claims)))).toMatch(/typ/);
    expect(await refusal(codec.verify(await forge({ alg: 'HS256', crit: ['exp'] }, claims)))).toMatch(
      /critical/,
    );
  });

  it('honours exp, nbf and iat with a 30 second leeway', async () => {
    const { clock, codec } = codecAt();
    const token = await codec.sign({ sub: 'u' }, { expiresInSeconds: 600 });
    clock.advance(600_000 + 29_000);
    expect((await codec.verify(token)).sub).toBe('u');
    clock.advance(1_000);
    expect(await refusal(codec.verify(token))).toMatch(/expired/);
    clock.advance(86_400_000);
    expect(await refusal(codec.verify(token))).toMatch(/expired/);

    const fresh = codecAt().codec;
    const notYet = await forge(
      { alg: 'HS256' },
      { sub: 'u', iat: nowSeconds, nbf: nowSeconds + 31, exp: nowSeconds + 600 },
    );
    expect(await refusal(fresh.verify(notYet))).toMatch(/not valid yet/);
    const soonEnough = await forge(
      { alg: 'HS256' },
      { sub: 'u', iat: nowSeconds, nbf: nowSeconds + 30, exp: nowSeconds + 600 },
    );
    expect((await fresh.verify(soonEnough)).sub).toBe('u');
    const future = await forge({ alg: 'HS256' }, { sub: 'u', iat: nowSeconds + 120, exp: nowSeconds + 600 });
    expect(await refusal(fresh.verify(future))).toMatch(/issued in the future/);
  });

  it('remembers verified tokens by their exact text, handing out copies of the claims', async () => {
    const { clock, codec } = codecAt();
    const token = await codec.sign({ sub: 'u', token_use: 'access' }, { expiresInSeconds: 600 });
    const first = await codec.verify(token);
    first.sub = 'someone-else';
    expect((await codec.verify(token)).sub).toBe('u');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    expect(await refusal(codec.verify(`${header}.${payload}.${flipped}`))).toMatch(/bad signature/);
    expect(await refusal(codec.verify(`${token} `))).toMatch(/canonical/);
    clock.advance(630_000);
    expect(await refusal(codec.verify(token))).toMatch(/expired/);
  });

  it('requires sub, iat and a numeric exp, and the configured issuer', async () => {
    const { codec } = codecAt(undefined, 'goosuke');
    const base = { iss: 'goosuke', iat: nowSeconds, exp: nowSeconds + 60, sub: 'u' };
    expect((await codec.verify(await forge({ alg: 'HS256' }, base))).sub).toBe('u');
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, sub: '' })))).toMatch(
      /no sub/,
    );
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, exp: undefined })))).toMatch(
      /no exp/,
    );
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, exp: '2099' })))).toMatch(
      /exp is not valid/,
    );
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, iat: undefined })))).toMatch(
      /no iat/,
    );
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, iss: 'elsewhere' })))).toMatch(
      /another issuer/,
    );
    expect(await refusal(codec.verify(await forge({ alg: 'HS256' }, { ...base, iss: undefined })))).toMatch(
      /another issuer/,
    );
  });

  it('refuses garbage without throwing anything but UnauthorizedError', async () => {
    const { codec } = codecAt();
    const token = await codec.sign({ sub: 'u' }, { expiresInSeconds: 60 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const garbage = [
      'garbage',
      '',
      'Bearer garbage',
      `Bearer ${token}`,
      'a.b.c',
      '..',
      `${token}.`,
      `${header}.${payload}`,
      `${header}.${payload}.${signature}=`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      `${encodeJson('just a string')}.${payload}.${signature}`,
      `${toBase64Url(encoder.encode('{not json'))}.${payload}.${signature}`,
      `x${token}`,
      'a'.repeat(10_000),
    ];
    for (const candidate of garbage) {
      await refusal(codec.verify(candidate));
    }
    await refusal(codec.verify(undefined as unknown as string));
  });

  it('refuses weak secrets by naming GOOSUKE_JWT_SECRET, never echoing them', () => {
    for (const weak of ['short-secret', 'ab'.repeat(20)]) {
      let caught: unknown;
      try {
        createHmacJwtCodec({ secret: weak });
      } catch (error) {
        caught = error;
      }
      expect(GoosukeError.isInstance(caught) && caught.code).toBe('invalid_input');
      expect((caught as Error).message).toContain('GOOSUKE_JWT_SECRET');
      expect((caught as Error).message).not.toContain(weak);
    }
    expect(() => createHmacJwtCodec({ secret, leewaySeconds: -1 })).toThrow(/leewaySeconds/);
  });

  it('refuses to sign without sub, with managed claims or a bad lifetime', async () => {
    const { codec } = codecAt();
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: GoosukeError) => error.code,
      );
    expect(await code(codec.sign({ sub: '' }, { expiresInSeconds: 60 }))).toBe('invalid_input');
    expect(await code(codec.sign({ sub: 'u', exp: 1 }, { expiresInSeconds: 60 }))).toBe('invalid_input');
    expect(await code(codec.sign({ sub: 'u', iss: 'x' }, { expiresInSeconds: 60 }))).toBe('invalid_input');
    expect(await code(codec.sign({ sub: 'u' }, { expiresInSeconds: 0 }))).toBe('invalid_input');
    expect(await code(codec.sign({ sub: 'u' }, { expiresInSeconds: 1.5 }))).toBe('invalid_input');
  });
});

/**
 * Forgeries an attacker can try without the secret, or with a guess at how verification works.
 * Each must be refused with the reason given, whether or not a genuine token was verified (and
 * cached) before. `sub` naming no user and a wrong `token_use` are the auth service's to refuse
 * (services/auth-service.test.ts: a deleted user's token, a token without `token_use`, and
 * validly signed tokens with a wrong `token_use` or a `sub` that never named a user).
 */
const forgeries: Array<[name: string, make: () => Promise<string>, reason: RegExp]> = (() => {
  const valid = { sub: 'user_1', iss: 'goosuke', iat: nowSeconds, exp: nowSeconds + 600 };
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const unsigned = (header: Record<string, unknown>, signature = '') =>
    Promise.resolve(`${encodeJson(header)}.${encodeJson(valid)}.${signature}`);
  const genuine = () => forge(hs256, valid);
  return [
    ['alg none, no signature', () => unsigned({ alg: 'none', typ: 'JWT' }), /canonical|alg/],
    ['alg none, a dummy signature', () => unsigned({ alg: 'none', typ: 'JWT' }, 'AAAA'), /alg is not HS256/],
    ['alg None', () => unsigned({ alg: 'None', typ: 'JWT' }, 'AAAA'), /alg is not HS256/],
    ['alg NONE signed', () => forge({ alg: 'NONE' }, valid), /alg is not HS256/],
    [
      'alg HS512 with the secret',
      () => forge({ alg: 'HS512' }, valid, { hash: 'SHA-512' }),
      /alg is not HS256/,
    ],
    ['alg RS256 with the secret as a public key', () => forge({ alg: 'RS256' }, valid), /alg is not HS256/],
    ['no alg', () => forge({ typ: 'JWT' }, valid), /alg/],
    ['a wrong secret', () => forge(hs256, valid, { key: otherSecret }), /bad signature/],
    // HMAC pads keys with zeros to the block size: 64 zero bytes sign exactly as an empty key would
    // (Web Crypto refuses to import an empty one).
    ['an empty secret', () => forge(hs256, valid, { key: new Uint8Array(64) }), /bad signature/],
    ['expired', () => forge(hs256, { ...valid, iat: nowSeconds - 700, exp: nowSeconds - 30 }), /expired/],
    ['no exp', () => forge(hs256, { ...valid, exp: undefined }), /no exp/],
    ['a string exp', () => forge(hs256, { ...valid, exp: String(nowSeconds + 600) }), /exp is not valid/],
    ['no iat', () => forge(hs256, { ...valid, iat: undefined }), /no iat/],
    ['a future iat', () => forge(hs256, { ...valid, iat: nowSeconds + 31 }), /issued in the future/],
    ['a future nbf', () => forge(hs256, { ...valid, nbf: nowSeconds + 31 }), /not valid yet/],
    ['a wrong iss', () => forge(hs256, { ...valid, iss: 'elsewhere' }), /another issuer/],
    ['no iss', () => forge(hs256, { ...valid, iss: undefined }), /another issuer|no iss/],
    ['no sub', () => forge(hs256, { ...valid, sub: undefined }), /no sub/],
    ['an empty sub', () => forge(hs256, { ...valid, sub: '' }), /no sub/],
    ['a numeric sub', () => forge(hs256, { ...valid, sub: 1 }), /no sub/],
    ['crit naming a claim', () => forge({ ...hs256, crit: ['exp'] }, valid), /critical/],
    ['crit with b64', () => forge({ ...hs256, crit: ['b64'], b64: true }, valid), /header parameters/],
    ['typ JWE', () => forge({ alg: 'HS256', typ: 'JWE' }, valid), /typ/],
    [
      'kid with the right secret',
      () => forge({ ...hs256, kid: 'goosuke-1' }, valid),
      /header parameters kid/,
    ],
    [
      'kid pointing at an empty key',
      () => forge({ ...hs256, kid: '../../../../dev/null' }, valid, { key: new Uint8Array(64) }),
      /header parameters kid/,
    ],
    [
      'jku',
      () => forge({ ...hs256, jku: 'https://attacker.example/jwks.json' }, valid),
      /header parameters jku/,
    ],
    [
      'an embedded jwk',
      () => forge({ ...hs256, jwk: { kty: 'oct', k: 'AAAA' } }, valid),
      /header parameters jwk/,
    ],
    [
      'a padded signature',
      async () => {
        const token = await genuine();
        return `${token}${'='.repeat((4 - ((token.split('.')[2] ?? '').length % 4)) % 4)}`;
      },
      /canonical/,
    ],
    [
      'a padded header',
      async () => {
        const [header, payload, signature] = (await genuine()).split('.') as [string, string, string];
        return `${header}${'='.repeat((4 - (header.length % 4)) % 4 || 4)}.${payload}.${signature}`;
      },
      /canonical/,
    ],
    [
      'standard base64 instead of base64url',
      async () => {
        const [header, payload] = (await genuine()).split('.') as [string, string, string];
        return `${header}.${payload}.${btoa('\xff'.repeat(32))}`;
      },
      /canonical/,
    ],
    [
      'a signature with changed unused trailing bits',
      async () => {
        const token = await genuine();
        // 32 bytes take 43 characters; the last one's 2 low bits are unused, so flipping one
        // decodes to the same signature (jose alone would accept it).
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const last = alphabet.indexOf(token.at(-1) ?? 'A');
        return `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
      },
      /canonical/,
    ],
    ['a space inside the signature', async () => (await genuine()).replace(/(.)$/, ' $1'), /canonical/],
  ];
})();

describe('createHmacJwtCodec refuses forged tokens', () => {
  it.each(forgeries)('%s', async (_name, make, reason) => {
    const { codec } = codecAt(undefined, 'goosuke');
    const forged = await make();
    expect(await refusal(codec.verify(forged))).toMatch(reason);
    // And still after a genuine token was verified and cached.
    await codec.verify(await codec.sign({ sub: 'user_1' }, { expiresInSeconds: 600 }));
    expect(await refusal(codec.verify(forged))).toMatch(reason);
  });

  it('accepts the genuine token the forgeries are made from', async () => {
    const { codec } = codecAt(undefined, 'goosuke');
    const token = await forge(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'user_1', iss: 'goosuke', iat: nowSeconds, exp: nowSeconds + 600 },
    );
    expect((await codec.verify(token)).sub).toBe('user_1');
  });
});
