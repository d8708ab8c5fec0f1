import { GoosukeError, InvalidInputError, type Logger } from '@goosuke/core';
import type { ProviderRetryOptions } from '@goosuke/core/implementing';

/** The two capability tables this package serves: OpenAI itself, or any server speaking its API. */
export type OpenAIProviderKind = 'openai' | 'openai-compatible';

/** OpenAI's own API root; the SDK's paths (`/chat/completions`) are relative to it. */
export const openAIDefaultBaseUrl = 'https://api.openai.com/v1';

/**
 * The key sent to an OpenAI-compatible server when none is configured. Local servers (Ollama,
 * vLLM, llama.cpp) ignore the Authorization header, but the SDK refuses to start without a key
 * and would otherwise fall back to `OPENAI_API_KEY`, leaking a real OpenAI key to a third party.
 */
export const openAICompatiblePlaceholderKey = 'not-needed';

/** Options of {@link createOpenAIProvider}. */
export interface OpenAIProviderOptions {
  /**
   * Which capability table applies: `openai` (default) or `openai-compatible` (Ollama, vLLM,
   * OpenRouter, LM Studio…). Also the `provider` named in errors and on each LanguageModel.
   */
  provider?: OpenAIProviderKind;
  /**
   * The API key, sent as `Authorization: Bearer`. Required for `openai`; optional for
   * `openai-compatible`, where {@link openAICompatiblePlaceholderKey} is sent instead.
   */
  apiKey?: string;
  /**
   * API root including the version segment, e.g. `https://api.openai.com/v1` (default for
   * `openai`), `http://localhost:11434/v1` (Ollama), `https://openrouter.ai/api/v1`.
   * Required for `openai-compatible`.
   */
  baseUrl?: string;
  /** `OpenAI-Organization` header (OpenAI only). */
  organization?: string;
  /** `OpenAI-Project` header (OpenAI only). */
  project?: string;
  /** Extra headers on every request, e.g. OpenRouter's `HTTP-Referer` and `X-Title`. */
  headers?: Record<string, string>;
  /** Time limit of each attempt, including the whole body of a stream. Default 10 minutes. */
  timeoutMs?: number;
  /** Retries after the first attempt on 408/409/429/5xx, network failures and timeouts. Default 2. */
  maxRetries?: number;
  /** A fetch implementation for hosts that need a proxy or custom TLS. Default: global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Called before each retry wait, e.g. to log "retrying in 2 s". */
  onRetry?: ProviderRetryOptions['onRetry'];
  /** Where the SDK's own notices go, at debug level (never the terminal). Default: nowhere. */
  logger?: Logger;
}

/** Default of {@link OpenAIProviderOptions.timeoutMs}: 10 minutes, as the SDK. */
export const openAIDefaultTimeoutMs = 10 * 60 * 1000;

/** Options after defaults and validation. */
export interface ResolvedOpenAIProviderOptions {
  provider: OpenAIProviderKind;
  apiKey: string;
  /** Whether the key is the placeholder (nothing to redact, nothing to blame on 401). */
  placeholderKey: boolean;
  baseUrl: string;
  organization: string | null;
  project: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof globalThis.fetch | undefined;
  onRetry: ProviderRetryOptions['onRetry'];
  logger: Logger | undefined;
}

/**
 * Applies defaults and checks `options`: throws GoosukeError('secret_key') when `openai` has no
 * key, InvalidInputError when `openai-compatible` has no base URL or a number is out of range.
 */
export function resolveOpenAIProviderOptions(options: OpenAIProviderOptions): ResolvedOpenAIProviderOptions {
  const provider = options.provider ?? 'openai';
  const apiKey = options.apiKey?.trim() ? options.apiKey : undefined;
  if (provider === 'openai' && apiKey === undefined) {
    throw new GoosukeError('secret_key', 'no OpenAI API key was given; set OPENAI_API_KEY');
  }
  if (provider === 'openai-compatible' && !options.baseUrl) {
    throw new InvalidInputError(
      'an openai-compatible provider needs a baseUrl, e.g. http://localhost:11434/v1',
      [{ path: ['baseUrl'], message: 'required for openai-compatible' }],
    );
  }
  const timeoutMs = options.timeoutMs ?? openAIDefaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidInputError('timeoutMs must be a positive number of milliseconds', [
      { path: ['timeoutMs'], message: 'must be positive' },
    ]);
  }
  const maxRetries = options.maxRetries ?? 2;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidInputError('maxRetries must be a non-negative integer', [
      { path: ['maxRetries'], message: 'must be a non-negative integer' },
    ]);
  }
  return {
    provider,
    apiKey: apiKey ?? openAICompatiblePlaceholderKey,
    placeholderKey: apiKey === undefined,
    baseUrl: (options.baseUrl ?? openAIDefaultBaseUrl).replace(/\/+$/, ''),
    organization: options.organization ?? null,
    project: options.project ?? null,
    headers: { ...options.headers },
    timeoutMs,
    maxRetries,
    fetch: options.fetch,
    onRetry: options.onRetry,
    logger: options.logger,
  };
}

/**
 * Builds provider options from the OpenAI SDK's own variables: `OPENAI_API_KEY`,
 * `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`. For `openai` (default) a missing
 * key throws GoosukeError('secret_key'); for `openai-compatible` the key is optional and
 * `OPENAI_BASE_URL` is required (InvalidInputError). Reads only `env`, never `process.env`.
 */
export function openAIProviderOptionsFromEnvironment(
  env: Record<string, string | undefined>,
  options: { provider?: OpenAIProviderKind } = {},
): OpenAIProviderOptions {
  const provider = options.provider ?? 'openai';
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseUrl = env.OPENAI_BASE_URL?.trim() || undefined;
  if (provider === 'openai' && apiKey === undefined) {
    throw new GoosukeError('secret_key', 'no OpenAI API key found; set OPENAI_API_KEY');
  }
  if (provider === 'openai-compatible' && baseUrl === undefined) {
    throw new InvalidInputError(
      'no OpenAI-compatible server configured; set OPENAI_BASE_URL (e.g. http://localhost:11434/v1)',
      [{ path: ['OPENAI_BASE_URL'], message: 'required for openai-compatible' }],
    );
  }
  const organization = env.OPENAI_ORG_ID?.trim() || undefined;
  const project = env.OPENAI_PROJECT_ID?.trim() || undefined;
  return {
    provider,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(organization === undefined ? {} : { organization }),
    ...(project === undefined ? {} : { project }),
  };
}
