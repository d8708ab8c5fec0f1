import {
  GoosukeError,
  type LanguageModel,
  type LanguageModelProvider,
  type LanguageModelResolver,
  type Logger,
  type ModelProfile,
} from '@goosuke/core';

/** Environment variables, as the CLI reads them (`.env` merged under the real environment). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The ecosystem's own variable names for each provider's key and base URL. */
export const providerEnvironment = {
  openai: { keys: ['OPENAI_API_KEY'], baseUrl: 'OPENAI_BASE_URL' },
  'openai-compatible': { keys: ['OPENAI_API_KEY'], baseUrl: 'OPENAI_BASE_URL' },
  anthropic: { keys: ['ANTHROPIC_API_KEY'], baseUrl: 'ANTHROPIC_BASE_URL' },
  google: { keys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], baseUrl: 'GOOGLE_GEMINI_BASE_URL' },
} as const satisfies Record<ModelProfile['provider'], { keys: readonly string[]; baseUrl: string }>;

/** A variable's value trimmed, or undefined when it is unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * A profile's key and base URL as Goosuke calls it with: the stored ones win, else the
 * ecosystem's variables (`OPENAI_API_KEY`/`OPENAI_BASE_URL`, ...). A GoosukeError `secret_key`
 * naming the variable to set when there is no key, but for `openai-compatible` (a local server
 * may need none). Keys are never in messages.
 */
export function providerCredentials(
  profile: ModelProfile,
  storedKey: string | null,
  env: Environment,
): { apiKey: string | undefined; baseUrl: string | undefined } {
  const names = providerEnvironment[profile.provider];
  const apiKey =
    storedKey ?? names.keys.map((name) => nonEmpty(env[name])).find((value) => value !== undefined);
  if (apiKey === undefined && profile.provider !== 'openai-compatible') {
    throw new GoosukeError(
      'secret_key',
      `no API key for ${profile.provider}:${profile.modelName}; set ${names.keys.join(' or ')} or store one with goosuke models add --api-key-env VAR`,
    );
  }
  return { apiKey, baseUrl: profile.baseUrl ?? nonEmpty(env[names.baseUrl]) };
}

/** Options of {@link createLanguageModelResolver}. */
export interface LanguageModelResolverOptions {
  /** Where keys and base URLs come from when a profile has none. */
  env: Environment;
  /** Passed to every provider (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /** Retries after the first attempt on 429/5xx; the providers' default when absent. */
  maxRetries?: number;
  /** Where the providers' SDK notices go (at debug level); nowhere when absent. */
  logger?: Logger;
}

/**
 * The default LanguageModelResolver: a profile's stored key and base URL win; a profile without
 * them uses the ecosystem's variables (`OPENAI_API_KEY`/`OPENAI_BASE_URL`,
 * `ANTHROPIC_API_KEY`/`ANTHROPIC_BASE_URL`, `GEMINI_API_KEY` else `GOOGLE_API_KEY` and
 * `GOOGLE_GEMINI_BASE_URL`). The profile's capability overrides apply. A missing key is a
 * GoosukeError `secret_key` (the returned promise rejects) whose message names the variable to
 * set; keys are never in messages.
 */
export function createLanguageModelResolver(options: LanguageModelResolverOptions): LanguageModelResolver {
  const { env } = options;
  const common = {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  // Each provider's SDK loads on first use: commands that call no model start fast.
  return async (profile: ModelProfile, storedKey: string | null): Promise<LanguageModel> => {
    const { apiKey, baseUrl } = providerCredentials(profile, storedKey, env);
    const keyed = {
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...common,
    };
    let provider: LanguageModelProvider;
    switch (profile.provider) {
      case 'openai':
      case 'openai-compatible': {
        const { createOpenAIProvider } = await import('@goosuke/openai');
        provider = createOpenAIProvider({ provider: profile.provider, ...keyed });
        break;
      }
      case 'anthropic': {
        const { createAnthropicProvider } = await import('@goosuke/anthropic');
        provider = createAnthropicProvider({ apiKey: apiKey!, ...keyed });
        break;
      }
      case 'google': {
        const { createGoogleProvider } = await import('@goosuke/google');
        provider = createGoogleProvider({ apiKey: apiKey!, ...keyed });
        break;
      }
    }
    return provider(profile.modelName, { capabilities: profile.capabilities });
  };
}
