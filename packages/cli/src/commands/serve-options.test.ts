import { GoosukeError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../configuration-error.ts';
import { exitCodeFor } from '../exit-codes.ts';
import {
  parseGraceSeconds,
  parseOrigin,
  parseRateLimit,
  parseTrustProxy,
  readServeSettings,
} from './serve-options.ts';

describe('the settings of goosuke serve', () => {
  it('parses rate limits as REQUESTS/WINDOW', () => {
    expect(parseRateLimit('10/min')).toEqual({ limit: 10, windowMs: 60_000 });
    expect(parseRateLimit('20/15min')).toEqual({ limit: 20, windowMs: 900_000 });
    expect(parseRateLimit(' 5 / 30s ')).toEqual({ limit: 5, windowMs: 30_000 });
    expect(parseRateLimit('1000/hour')).toEqual({ limit: 1000, windowMs: 3_600_000 });
    expect(parseRateLimit('120/Minute')).toEqual({ limit: 120, windowMs: 60_000 });
    for (const bad of [
      '10',
      '0/min',
      '10/0min',
      '10/fortnight',
      '-1/min',
      '1.5/min',
      'ten/min',
      '/min',
      '',
    ]) {
      expect(parseRateLimit(bad), bad).toBeNull();
    }
  });

  it('parses the grace period in seconds', () => {
    expect(parseGraceSeconds('30')).toBe(30);
    expect(parseGraceSeconds('0')).toBe(0);
    expect(parseGraceSeconds('0.25')).toBe(0.25);
    for (const bad of ['-1', 'soon', '1e3', '86401', '']) expect(parseGraceSeconds(bad), bad).toBeNull();
  });

  it('parses trust proxy as a boolean, a hop count, or addresses and subnets', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8,::1')).toBe('loopback,10.0.0.0/8,::1');
    expect(parseTrustProxy('fd00::/8')).toBe('fd00::/8');
    for (const bad of ['yes', '10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1']) {
      expect(parseTrustProxy(bad), bad).toBeNull();
    }
  });

  it('accepts only bare origins', () => {
    expect(parseOrigin('https://app.example.test')).toBe('https://app.example.test');
    expect(parseOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    for (const bad of [
      'https://app.example.test/',
      'https://app.example.test/path',
      'ftp://x.test',
      '*',
      'app',
    ]) {
      expect(parseOrigin(bad), bad).toBeNull();
    }
  });

  it('prefers a flag over its variable over the default', () => {
    expect(readServeSettings({}, {})).toEqual({ graceMs: 30_000, trustProxy: false, corsOrigins: [] });
    const env = {
      GOOSUKE_SHUTDOWN_GRACE_SECONDS: '5',
      GOOSUKE_TRUST_PROXY: '1',
      GOOSUKE_CORS_ORIGINS: 'https://a.test, https://b.test',
      GOOSUKE_RATE_LIMIT_AUTH: '10/min',
      GOOSUKE_RATE_LIMIT_WRITE: '120/min',
    };
    expect(readServeSettings({}, env)).toEqual({
      graceMs: 5000,
      trustProxy: 1,
      corsOrigins: ['https://a.test', 'https://b.test'],
      authRateLimit: { limit: 10, windowMs: 60_000 },
      writeRateLimit: { limit: 120, windowMs: 60_000 },
    });
    expect(
      readServeSettings(
        {
          grace: '0',
          'trust-proxy': 'false',
          'cors-origin': ['https://c.test'],
          'rate-limit-auth': '3/s',
          'rate-limit-write': '7/hour',
        },
        env,
      ),
    ).toEqual({
      graceMs: 0,
      trustProxy: false,
      corsOrigins: ['https://c.test'],
      authRateLimit: { limit: 3, windowMs: 1000 },
      writeRateLimit: { limit: 7, windowMs: 3_600_000 },
    });
    // An empty variable counts as unset.
    expect(readServeSettings({}, { GOOSUKE_SHUTDOWN_GRACE_SECONDS: ' ' }).graceMs).toBe(30_000);
  });

  it('rejects a bad flag as a usage error (exit 2) and a bad variable as a configuration error (exit 3)', () => {
    let flagError: unknown;
    try {
      readServeSettings({ 'rate-limit-write': 'many' }, {});
    } catch (error) {
      flagError = error;
    }
    expect(GoosukeError.isInstance(flagError) && flagError.code).toBe('invalid_input');
    expect(flagError).not.toBeInstanceOf(ConfigurationError);
    expect(exitCodeFor(flagError)).toBe(2);
    expect((flagError as Error).message).toMatch(/--rate-limit-write must be REQUESTS\/WINDOW/);

    let variableError: unknown;
    try {
      readServeSettings({}, { GOOSUKE_RATE_LIMIT_WRITE: 'many' });
    } catch (error) {
      variableError = error;
    }
    expect(variableError).toBeInstanceOf(ConfigurationError);
    expect(exitCodeFor(variableError)).toBe(3);
    expect((variableError as Error).message).toMatch(/GOOSUKE_RATE_LIMIT_WRITE must be/);
  });
});
