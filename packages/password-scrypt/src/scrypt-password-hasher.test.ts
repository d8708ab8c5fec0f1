import { scryptSync } from 'node:crypto';
import { GoosukeError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { createScryptPasswordHasher, defaultScryptCost } from './scrypt-password-hasher.ts';

// Cheap parameters: the tests check behaviour, not strength.
const cheap = { N: 2 ** 10, r: 8, p: 1 };
const password = 'correct horse battery staple';

describe('createScryptPasswordHasher', () => {
  it('makes self-describing salted hashes that verify the password and nothing else', async () => {
    const hasher = createScryptPasswordHasher({ cost: cheap });
    const hash = await hasher.hash(password);
    expect(hash).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain(password);
    expect(await hasher.verify(password, hash)).toBe(true);
    for (const wrong of [`${password} `, password.toUpperCase(), '', 'correct horse battery stapl']) {
      expect(await hasher.verify(wrong, hash), wrong).toBe(false);
    }
    // A fresh salt every time.
    const again = await hasher.hash(password);
    expect(again).not.toBe(hash);
    expect(await hasher.verify(password, again)).toBe(true);
  });

  it('derives exactly scrypt(password, salt) with the stated parameters', async () => {
    const hasher = createScryptPasswordHasher({ cost: cheap, keyLength: 24 });
    const hash = await hasher.hash(password);
    const [, , salt, key] = hash.split('$') as [string, string, string, string];
    const expected = scryptSync(password, Buffer.from(salt, 'base64'), 24, cheap);
    expect(Buffer.from(key, 'base64').equals(expected)).toBe(true);
  });

  it('verifies hashes made with other parameters, and says they need re-hashing', async () => {
    const old = createScryptPasswordHasher({ cost: cheap, keyLength: 16 });
    const current = createScryptPasswordHasher({ cost: { N: 2 ** 11, r: 8, p: 2 } });
    const oldHash = await old.hash(password);
    expect(await current.verify(password, oldHash)).toBe(true);
    expect(await current.verify('wrong password!!', oldHash)).toBe(false);
    expect(current.needsRehash(oldHash)).toBe(true);
    const fresh = await current.hash(password);
    expect(current.needsRehash(fresh)).toBe(false);
    expect(old.needsRehash(fresh)).toBe(true);
    expect(await old.verify(password, fresh)).toBe(true);
    // Same cost, other key length.
    expect(createScryptPasswordHasher({ cost: cheap }).needsRehash(oldHash)).toBe(true);
  });

  it('normalises passwords to NFC', async () => {
    const hasher = createScryptPasswordHasher({ cost: cheap });
    const composed = 'caf\u00e9 au lait, bitte';
    const decomposed = 'cafe\u0301 au lait, bitte';
    expect(await hasher.verify(decomposed, await hasher.hash(composed))).toBe(true);
  });

  it('refuses hashes it cannot read, or that were tampered with, as a mismatch', async () => {
    const hasher = createScryptPasswordHasher({ cost: cheap });
    const hash = await hasher.hash(password);
    const [scheme, parameters, salt, key] = hash.split('$') as [string, string, string, string];
    const flipped = Buffer.from(key, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    for (const tampered of [
      `${scheme}$${parameters}$${salt}$${encodeUnpadded(flipped)}`,
      `${scheme}$${parameters}$${encodeUnpadded(Buffer.alloc(16))}$${key}`,
      `${scheme}$N=2048,r=8,p=1$${salt}$${key}`,
    ]) {
      expect(await hasher.verify(password, tampered), tampered).toBe(false);
    }
    const unreadable = [
      '',
      'garbage',
      `${scheme}$${parameters}$${salt}`,
      `${scheme}$${parameters}$${salt}$${key}=`,
      `${scheme}$N=1000,r=8,p=1$${salt}$${key}`,
      `${scheme}$N=1024,r=0,p=1$${salt}$${key}`,
      // Would ask for 128 GiB: refused before any work.
      `${scheme}$N=1073741824,r=8,p=1$${salt}$${key}`,
      `argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`,
      `${hash}$extra`,
    ];
    for (const candidate of unreadable) {
      expect(await hasher.verify(password, candidate), candidate).toBe(false);
      expect(hasher.needsRehash(candidate), candidate).toBe(true);
    }
  });

  it('defaults to the OWASP parameters, with maxmem raised so that they run', async () => {
    expect(defaultScryptCost).toEqual({ N: 131_072, r: 8, p: 1 });
    const hasher = createScryptPasswordHasher();
    expect(hasher.cost).toEqual(defaultScryptCost);
    const hash = await hasher.hash(password);
    expect(hash.startsWith('scrypt$N=131072,r=8,p=1$')).toBe(true);
    expect(await hasher.verify(password, hash)).toBe(true);
  });

  it('refuses invalid parameters with InvalidInputError', () => {
    for (const options of [
      { cost: { N: 1000, r: 8, p: 1 } },
      { cost: { N: 1, r: 8, p: 1 } },
      { cost: { N: 1024, r: 0, p: 1 } },
      { cost: { N: 1024, r: 8, p: 0.5 } },
      { cost: { N: 2 ** 24, r: 8, p: 1 } },
      { cost: cheap, keyLength: 8 },
      { cost: cheap, keyLength: 65 },
    ]) {
      let caught: unknown;
      try {
        createScryptPasswordHasher(options);
      } catch (error) {
        caught = error;
      }
      expect(GoosukeError.isInstance(caught) && caught.code, JSON.stringify(options)).toBe('invalid_input');
    }
  });
});

function encodeUnpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
