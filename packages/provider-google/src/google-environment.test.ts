import { GoosukeError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { googleProviderOptionsFromEnvironment } from './google-environment.ts';

describe('googleProviderOptionsFromEnvironment', () => {
  it('prefers GEMINI_API_KEY and reads GOOGLE_GEMINI_BASE_URL', () => {
    expect(
      googleProviderOptionsFromEnvironment({
        GEMINI_API_KEY: ' gemini-key ',
        GOOGLE_API_KEY: 'google-key',
        GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:8080',
      }),
    ).toEqual({ apiKey: 'gemini-key', baseUrl: 'http://127.0.0.1:8080' });
  });

  it('falls back to GOOGLE_API_KEY when GEMINI_API_KEY is unset or blank', () => {
    expect(
      googleProviderOptionsFromEnvironment({ GEMINI_API_KEY: '  ', GOOGLE_API_KEY: 'google-key' }),
    ).toEqual({
      apiKey: 'google-key',
    });
  });

  it('throws a secret_key error naming the variable when there is no key', () => {
    let caught: unknown;
    try {
      googleProviderOptionsFromEnvironment({ GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:8080' });
    } catch (error) {
      caught = error;
    }
    expect(GoosukeError.isInstance(caught)).toBe(true);
    expect((caught as GoosukeError).code).toBe('secret_key');
    expect((caught as GoosukeError).message).toMatch(/set GEMINI_API_KEY/);
  });
});
