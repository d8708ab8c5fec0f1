import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { SecretBox } from '../ports/secret-box.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';

/** Options of {@link createWebCryptoSecretBox}. */
export interface WebCryptoSecretBoxOptions {
  /**
   * The master secret new values are sealed with (`GOOSUKE_SECRET_KEY` in the adapters):
   * at least 32 characters, not trivially repetitive. Keep it apart from the JWT key.
   */
  secret: string;
  /** Former master secrets, accepted for opening only, so that keys can rotate. */
  previousSecrets?: readonly string[];
}

/** The shortest master secret accepted. */
export const minimumSecretLength = 32;

const version = 'gsk1';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
// Fixed, public HKDF salt: the master secret carries the entropy; the salt only separates
// Goosuke's derivations from any other use of the same secret.
const hkdfSalt = encoder.encode('goosuke/secret-box/v1');

// Named through `crypto.subtle` rather than the DOM `CryptoKey` type, so that packages
// compiled with Node's types only (which read core's sources) see the same type.
type AesKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

interface DerivedKey {
  id: string;
  key: AesKey;
}

/**
 * Refuses master secrets that are too short or plainly weak (few distinct characters),
 * with a message saying how to make a good one. Never echoes the secret.
 *
 * @throws InvalidInputError
 */
export function assertStrongSecret(secret: string, name = 'GOOSUKE_SECRET_KEY'): void {
  const fix = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;
  if (secret.length < minimumSecretLength) {
    throw new InvalidInputError(`${name} must be at least ${minimumSecretLength} characters; ${fix}`, [
      { path: [name], message: 'too short' },
    ]);
  }
  if (new Set(secret).size < 8) {
    throw new InvalidInputError(`${name} is too repetitive to be a secret; ${fix}`, [
      { path: [name], message: 'too few distinct characters' },
    ]);
  }
}

async function deriveKey(secret: string): Promise<DerivedKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
    'deriveKey',
  ]);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: hkdfSalt, info: encoder.encode('aes-256-gcm key') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  // The key id is a separate HKDF output: it names the key without revealing anything about it.
  const idBits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: hkdfSalt, info: encoder.encode('key id') },
    material,
    64,
  );
  return { id: toBase64Url(new Uint8Array(idBits)), key };
}

function associatedData(keyId: string, context: string | undefined): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${version}.${keyId}.${context ?? ''}`);
}

function keyError(message: string): GoosukeError {
  return new GoosukeError('secret_key', message);
}

/**
 * A SecretBox on Web Crypto: AES-256-GCM with a random 96-bit nonce per value, keyed by
 * HKDF-SHA256 from a master secret. Envelopes look like `gsk1.<keyId>.<nonce>.<ciphertext>`
 * (base64url); the key id and optional context are authenticated. Opening tries the key
 * the envelope names among the current and previous secrets, and fails loudly otherwise.
 *
 * @throws InvalidInputError when a secret is too short or weak.
 */
export async function createWebCryptoSecretBox(options: WebCryptoSecretBoxOptions): Promise<SecretBox> {
  assertStrongSecret(options.secret);
  for (const previous of options.previousSecrets ?? []) assertStrongSecret(previous, 'a previous secret key');
  const current = await deriveKey(options.secret);
  const keys = new Map<string, AesKey>([[current.id, current.key]]);
  for (const previous of options.previousSecrets ?? []) {
    const derived = await deriveKey(previous);
    if (!keys.has(derived.id)) keys.set(derived.id, derived.key);
  }

  function parse(envelope: string): {
    keyId: string;
    nonce: Uint8Array<ArrayBuffer>;
    sealed: Uint8Array<ArrayBuffer>;
  } {
    const parts = envelope.split('.');
    if (parts.length !== 4 || parts[0] !== version) {
      throw keyError('the value is not a Goosuke secret envelope (was it stored without encryption?)');
    }
    const nonce = fromBase64Url(parts[2]!);
    const sealed = fromBase64Url(parts[3]!);
    if (nonce?.length !== 12 || !sealed || sealed.length < 16) {
      throw keyError('the secret envelope is damaged');
    }
    return { keyId: parts[1]!, nonce: new Uint8Array(nonce), sealed: new Uint8Array(sealed) };
  }

  return {
    async seal(plaintext: string, context?: string): Promise<string> {
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: associatedData(current.id, context) },
        current.key,
        encoder.encode(plaintext),
      );
      return `${version}.${current.id}.${toBase64Url(nonce)}.${toBase64Url(new Uint8Array(sealed))}`;
    },

    async open(envelope: string, context?: string): Promise<string> {
      const { keyId, nonce, sealed } = parse(envelope);
      const key = keys.get(keyId);
      if (!key) {
        throw keyError(
          `the secret was sealed with key ${keyId}, which is not configured; set the secret key it was made with (or add it to the previous keys)`,
        );
      }
      let plain: ArrayBuffer;
      try {
        plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: nonce, additionalData: associatedData(keyId, context) },
          key,
          sealed,
        );
      } catch (cause) {
        throw new GoosukeError(
          'secret_key',
          'the secret could not be decrypted: it was altered or belongs to another record',
          {
            cause,
          },
        );
      }
      return decoder.decode(plain);
    },
  };
}
