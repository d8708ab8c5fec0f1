import { GoosukeError } from '@goosuke/core';
import type { AnthropicProviderOptions } from './anthropic-provider.ts';

/**
 * Reads Anthropic's own variables: the key from `ANTHROPIC_API_KEY` and the base URL from
 * `ANTHROPIC_BASE_URL` when set. Blank values count as unset. Throws
 * GoosukeError('secret_key') naming the variable to set when there is no key. Pass
 * `process.env` explicitly: nothing in this package reads the environment by itself.
 */
export function anthropicProviderOptionsFromEnvironment(
  environment: Record<string, string | undefined>,
): AnthropicProviderOptions {
  const apiKey = environment.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) {
    throw new GoosukeError('secret_key', 'no Anthropic API key: set ANTHROPIC_API_KEY');
  }
  const baseUrl = environment.ANTHROPIC_BASE_URL?.trim();
  return baseUrl ? { apiKey, baseUrl } : { apiKey };
}
