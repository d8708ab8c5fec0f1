import { GoosukeError } from '@goosuke/core';
import type { GoogleProviderOptions } from './google-provider.ts';

/**
 * Reads the Gemini ecosystem's own variables: the key from `GEMINI_API_KEY`, else
 * `GOOGLE_API_KEY`, and the base URL from `GOOGLE_GEMINI_BASE_URL` when set. Blank values
 * count as unset. Throws GoosukeError('secret_key') naming the variable to set when there
 * is no key. Pass `process.env` explicitly: nothing here reads the environment by itself.
 */
export function googleProviderOptionsFromEnvironment(
  environment: Record<string, string | undefined>,
): GoogleProviderOptions {
  const apiKey = value(environment.GEMINI_API_KEY) ?? value(environment.GOOGLE_API_KEY);
  if (apiKey === undefined) {
    throw new GoosukeError('secret_key', 'no Google Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY)');
  }
  const baseUrl = value(environment.GOOGLE_GEMINI_BASE_URL);
  return baseUrl === undefined ? { apiKey } : { apiKey, baseUrl };
}

function value(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}
