import { GoosukeError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { anthropicProviderOptionsFromEnvironment } from './anthropic-environment.ts';

describe('anthropicProviderOptionsFromEnvironment', () => {
  it('reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', () => {
    expect(
      anthropicProviderOptionsFromEnvironment({
        ANTHROPIC_API_KEY: 'sk-ant-abc',
        ANTHROPIC_BASE_URL: 'https://proxy.example/anthropic',
      }),
    ).toEqual({ apiKey: 'sk-ant-abc', baseUrl: 'https://proxy.example/anthropic' });
  });

  it('leaves the base URL out when it is unset or blank', () => {
    expect(
      anthropicProviderOptionsFromEnvironment({ ANTHROPIC_API_KEY: ' sk-ant-abc ', ANTHROPIC_BASE_URL: ' ' }),
    ).toEqual({
      apiKey: 'sk-ant-abc',
    });
  });

  it('throws a secret_key error naming ANTHROPIC_API_KEY when the key is missing or blank', () => {
    for (const environment of [{}, { ANTHROPIC_API_KEY: '' }, { ANTHROPIC_API_KEY: '  ' }]) {
      let caught: unknown;
      try {
        anthropicProviderOptionsFromEnvironment(environment);
      } catch (error) {
        caught = error;
      }
      expect(GoosukeError.isInstance(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'secret_key' });
      expect((caught as Error).message).toContain('ANTHROPIC_API_KEY');
    }
  });

  it('does not take an auth token as a key', () => {
    expect(() => anthropicProviderOptionsFromEnvironment({ ANTHROPIC_AUTH_TOKEN: 'token' })).toThrow(
      /ANTHROPIC_API_KEY/,
    );
  });
});
