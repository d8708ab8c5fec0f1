import { describe, expect, it } from 'vitest';
import { generateOpaqueToken, hashOpaqueToken, isOpaqueToken, opaqueTokenPrefixes } from './opaque-token.ts';

describe('opaque tokens', () => {
  it('are a prefix and 256 random bits as 43 base64url characters, never repeating', () => {
    const tokens = new Set<string>();
    for (let index = 0; index < 200; index++) {
      const token = generateOpaqueToken(opaqueTokenPrefixes.accessToken);
      expect(token).toMatch(/^gsk_[A-Za-z0-9_-]{43}$/);
      tokens.add(token);
    }
    expect(tokens.size).toBe(200);
    expect(generateOpaqueToken(opaqueTokenPrefixes.refreshToken)).toMatch(/^gsr_/);
    expect(generateOpaqueToken(opaqueTokenPrefixes.streamTicket)).toMatch(/^gst_/);
  });

  it('are recognised by prefix and shape only', () => {
    const token = generateOpaqueToken(opaqueTokenPrefixes.refreshToken);
    expect(isOpaqueToken(token, 'gsr_')).toBe(true);
    expect(isOpaqueToken(token, 'gsk_')).toBe(false);
    expect(isOpaqueToken(`${token}x`, 'gsr_')).toBe(false);
    expect(isOpaqueToken(token.slice(0, -1), 'gsr_')).toBe(false);
    expect(isOpaqueToken(`${token.slice(0, -1)}=`, 'gsr_')).toBe(false);
    expect(isOpaqueToken(`gsr_${'+'.repeat(43)}`, 'gsr_')).toBe(false);
    expect(isOpaqueToken(undefined, 'gsr_')).toBe(false);
  });

  it('hash to the hex SHA-256 of the whole token', async () => {
    // The FIPS 180-2 test vector.
    expect(await hashOpaqueToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const token = generateOpaqueToken(opaqueTokenPrefixes.accessToken);
    expect(await hashOpaqueToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashOpaqueToken(token)).toBe(await hashOpaqueToken(token));
    const other = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await hashOpaqueToken(token)).not.toBe(await hashOpaqueToken(other));
  });
});
