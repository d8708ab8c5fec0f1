import { describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { createWebCryptoSecretBox } from './web-crypto-secret-box.ts';

const secretA = 'a-very-long-master-secret-for-tests-0123456789';
const secretB = 'another-long-master-secret-for-tests-ABCDEFGHIJ';

/** The key id an envelope names (`gsk1.<keyId>.<nonce>.<ciphertext>`). */
function keyIdOf(envelope: string): string {
  return envelope.split('.')[1]!;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<GoosukeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
  expect(GoosukeError.isInstance(error)).toBe(true);
  expect((error as GoosukeError).code).toBe(code);
  return error as GoosukeError;
}

describe('createWebCryptoSecretBox', () => {
  it('round-trips unicode and long values, with a fresh nonce per value', async () => {
    const box = await createWebCryptoSecretBox({ secret: secretA });
    const value = `sk-проверка-🔑-${'x'.repeat(100_000)}`;
    const first = await box.seal(value);
    const second = await box.seal(value);
    expect(first).not.toBe(second);
    // A run of 64 'x' cannot occur by chance in random base64url; the plaintext has 100 000.
    expect(first).not.toContain('x'.repeat(64));
    expect(first).toMatch(/^gsk1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(keyIdOf(second)).toBe(keyIdOf(first));
    expect(await box.open(first)).toBe(value);
    expect(await box.open(second)).toBe(value);
    expect(await box.open(await box.seal(''))).toBe('');
  });

  it('derives the same key id from the same secret and a different one from another', async () => {
    const a1 = await createWebCryptoSecretBox({ secret: secretA });
    const a2 = await createWebCryptoSecretBox({ secret: secretA });
    const b = await createWebCryptoSecretBox({ secret: secretB });
    expect(keyIdOf(await a1.seal('x'))).toBe(keyIdOf(await a2.seal('y')));
    expect(keyIdOf(await a1.seal('x'))).not.toBe(keyIdOf(await b.seal('x')));
    expect(await a2.open(await a1.seal('shared'))).toBe('shared');
  });

  it('refuses short, repetitive and weak previous secrets without echoing them', async () => {
    await rejectsWithCode(createWebCryptoSecretBox({ secret: 'short-secret' }), 'invalid_input');
    const repetitive = await rejectsWithCode(
      createWebCryptoSecretBox({ secret: 'ab'.repeat(20) }),
      'invalid_input',
    );
    expect(repetitive.message).not.toContain('abab');
    await rejectsWithCode(
      createWebCryptoSecretBox({ secret: secretA, previousSecrets: ['tiny'] }),
      'invalid_input',
    );
  });

  it('fails loudly with a wrong key, never falling back', async () => {
    const a = await createWebCryptoSecretBox({ secret: secretA });
    const b = await createWebCryptoSecretBox({ secret: secretB });
    const sealed = await a.seal('value');
    const error = await rejectsWithCode(b.open(sealed), 'secret_key');
    expect(error.message).toContain(keyIdOf(sealed));
  });

  it('opens values of previous keys, and seals with the current one', async () => {
    const old = await createWebCryptoSecretBox({ secret: secretA });
    const sealedWithOld = await old.seal('rotate me');
    const rotated = await createWebCryptoSecretBox({ secret: secretB, previousSecrets: [secretA] });
    expect(await rotated.open(sealedWithOld)).toBe('rotate me');
    const resealed = await rotated.seal(await rotated.open(sealedWithOld));
    expect(keyIdOf(resealed)).not.toBe(keyIdOf(sealedWithOld));
    expect(await (await createWebCryptoSecretBox({ secret: secretB })).open(resealed)).toBe('rotate me');
    // Once the old secret is dropped, the old envelope no longer opens.
    const withoutOld = await createWebCryptoSecretBox({ secret: secretB });
    await rejectsWithCode(withoutOld.open(sealedWithOld), 'secret_key');
  });

  it('binds the context: an envelope moved to another record does not open', async () => {
    const box = await createWebCryptoSecretBox({ secret: secretA });
    const sealed = await box.seal('key-of-profile-1', 'model-profile:1');
    expect(await box.open(sealed, 'model-profile:1')).toBe('key-of-profile-1');
    await rejectsWithCode(box.open(sealed, 'model-profile:2'), 'secret_key');
    await rejectsWithCode(box.open(sealed), 'secret_key');
  });

  it('detects tampering with the ciphertext, the nonce and the key id', async () => {
    const box = await createWebCryptoSecretBox({ secret: secretA });
    const sealed = await box.seal('integrity');
    const [v, keyId, nonce, body] = sealed.split('.') as [string, string, string, string];
    const flip = (text: string) => {
      const bytes = fromBase64Url(text)!;
      bytes[0] = bytes[0]! ^ 1;
      return toBase64Url(bytes);
    };
    await rejectsWithCode(box.open([v, keyId, nonce, flip(body)].join('.')), 'secret_key');
    await rejectsWithCode(box.open([v, keyId, flip(nonce), body].join('.')), 'secret_key');
    await rejectsWithCode(box.open([v, flip(keyId), nonce, body].join('.')), 'secret_key');
    await rejectsWithCode(box.open('plain-text-api-key'), 'secret_key');
    await rejectsWithCode(box.open('gsk1.x.y.z'), 'secret_key');
  });
});

describe('base64url', () => {
  it('round-trips every byte value and large inputs', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 256);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64Url(text)).toEqual(bytes);
    expect(fromBase64Url('not base64!')).toBeNull();
  });
});
