import type { PasswordHasher } from '../ports/index.ts';
import { toBase64Url } from '../secrets/base64url.ts';

/** A fast PasswordHasher for tests, counting its calls. */
export interface FakePasswordHasher extends PasswordHasher {
  needsRehash(hash: string): boolean;
  /** How many times `hash` and `verify` were called. */
  readonly calls: { hash: number; verify: number };
}

async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return toBase64Url(bytes);
}

/**
 * A PasswordHasher for tests: salted SHA-256, fast on purpose, so NEVER for real passwords.
 * Hashes look like `fake$<version>$<salt>$<digest>`; `needsRehash` is true for hashes of
 * another `version` (default `v1`), which lets tests raise the "cost". `verify` resolves to
 * false for anything it cannot read.
 */
export function createFakePasswordHasher(options: { version?: string } = {}): FakePasswordHasher {
  const version = options.version ?? 'v1';
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    async hash(password) {
      calls.hash += 1;
      const salt = toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
      return `fake$${version}$${salt}$${await digest(`${salt}:${password}`)}`;
    },
    async verify(password, hash) {
      calls.verify += 1;
      const [scheme, , salt, expected] = hash.split('$');
      if (scheme !== 'fake' || salt === undefined || expected === undefined) return false;
      return (await digest(`${salt}:${password}`)) === expected;
    },
    needsRehash(hash) {
      return !hash.startsWith(`fake$${version}$`);
    },
  };
}
