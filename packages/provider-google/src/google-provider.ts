import type {
  GenerateContentConfig,
  GenerateContentParameters,
  GenerateContentResponse,
} from '@google/genai';
import {
  type FinishReason,
  type GenerateOptions,
  type Generation,
  type GenerationDelta,
  GoosukeError,
  type LanguageModel,
  type LanguageModelProvider,
  type Logger,
  type ModelCapabilities,
  noopLogger,
  ProviderError,
  type TokenUsage,
  UnsupportedError,
} from '@goosuke/core';
import {
  type ProviderRetryOptions,
  resolveModelCapabilities,
  withConsoleWarningsLogged,
  withProviderRetry,
} from '@goosuke/core/implementing';
import { googleClientFor } from './google-client-cache.ts';
import { googleProviderName, toGoogleProviderError } from './google-errors.ts';
import {
  requiresThoughtSignatures,
  toGoogleContents,
  toGoogleFunctionDeclarations,
} from './google-request.ts';
import { emptyResponseError, readResponse, toFinishReason, toTokenUsage } from './google-response.ts';

/** Options of {@link createGoogleProvider}. */
export interface GoogleProviderOptions {
  /** A Gemini API key (AI Studio). Sent only in the `x-goog-api-key` header, never in the URL. */
  apiKey: string;
  /** Default `https://generativelanguage.googleapis.com`; requests go to `{baseUrl}/v1beta/models/…`. */
  baseUrl?: string;
  /** Deadline of one attempt, streams included (from request to last chunk). Default 10 minutes. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, network failures and timeouts. Default 2. */
  maxRetries?: number;
  /** A fetch to use instead of the global one (e.g. one that goes through a proxy). */
  fetch?: typeof globalThis.fetch;
  /** Extra HTTP headers sent with every request (an `x-goog-api-key` here is ignored). */
  headers?: Record<string, string>;
  /** Called before each retry wait, e.g. to log "retrying in 2 s". */
  onRetry?: ProviderRetryOptions['onRetry'];
  /**
   * Where the SDK's notices go, at debug level: `@google/genai` prints them with `console.warn`
   * (it has no logger option), which would otherwise reach the user's terminal. Default: nowhere.
   */
  logger?: Logger;
}

/** The Gemini API's public endpoint. */
export const defaultGoogleBaseUrl = 'https://generativelanguage.googleapis.com';
const defaultTimeoutMs = 10 * 60 * 1000;
const undiciGlobalDispatcher = Symbol.for('undici.globalDispatcher.1');

/**
 * A Gemini provider on the official Google Gen AI SDK (`@google/genai`): a function from a
 * model id (e.g. `gemini-2.5-pro`) to a LanguageModel with `generate` and `stream`.
 * Capabilities come from `resolveModelCapabilities('google', modelId, overrides)`.
 * The SDK client is shared per (base URL, key fingerprint). The SDK never reads the
 * environment: key, base URL, API version and `vertexai: false` are always explicit.
 * Failures throw ProviderError (key redacted) or GoosukeError('canceled'); retries follow
 * core's `withProviderRetry` (the SDK's own retries stay off). An empty `apiKey` throws
 * GoosukeError('secret_key').
 */
export function createGoogleProvider(options: GoogleProviderOptions): LanguageModelProvider {
  if (!options.apiKey) {
    throw new GoosukeError('secret_key', 'Google Gemini needs an API key: set GEMINI_API_KEY');
  }
  const baseUrl = (options.baseUrl ?? defaultGoogleBaseUrl).replace(/\/+$/, '');
  const settings: CallSettings = {
    apiKey: options.apiKey,
    baseUrl,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    maxRetries: options.maxRetries ?? 2,
    fetch: options.fetch ?? defaultFetch,
    headers: Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'x-goog-api-key'),
    ),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    logger: options.logger ?? noopLogger,
  };
  return (modelId, modelOptions) => {
    const capabilities = resolveModelCapabilities(googleProviderName, modelId, modelOptions?.capabilities);
    return {
      provider: googleProviderName,
      modelId,
      capabilities,
      generate: (generateOptions) => generate(settings, modelId, capabilities, generateOptions),
      stream: (generateOptions) => stream(settings, modelId, capabilities, generateOptions),
    } satisfies LanguageModel;
  };
}

interface CallSettings {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof globalThis.fetch;
  headers: Record<string, string>;
  onRetry?: ProviderRetryOptions['onRetry'];
  logger: Logger;
}

/** Runs the synchronous start of an SDK call with its `console.warn` notices sent to the logger. */
function quietly<Result>(settings: CallSettings, model: string, start: () => Result): Result {
  return withConsoleWarningsLogged(settings.logger, { provider: googleProviderName, model }, start);
}

async function generate(
  settings: CallSettings,
  modelId: string,
  capabilities: ModelCapabilities,
  options: GenerateOptions,
): Promise<Generation> {
  const parameters = buildParameters(modelId, capabilities, options);
  const client = quietly(settings, modelId, () => googleClientFor(settings.baseUrl, settings.apiKey));
  return withProviderRetry(
    async () => {
      const attempt = startAttempt(settings, options.signal);
      try {
        const response = await quietly(settings, modelId, () =>
          client.models.generateContent(attempt.bind(parameters)),
        );
        return quietly(settings, modelId, () => toGeneration(response));
      } catch (error) {
        throw attempt.explain(error);
      } finally {
        attempt.dispose();
      }
    },
    retryOptions(settings, options),
  );
}

async function* stream(
  settings: CallSettings,
  modelId: string,
  capabilities: ModelCapabilities,
  options: GenerateOptions,
): AsyncGenerator<GenerationDelta> {
  const parameters = buildParameters(modelId, capabilities, options);
  const client = quietly(settings, modelId, () => googleClientFor(settings.baseUrl, settings.apiKey));
  // Retried only until the first chunk arrives: after that, deltas have reached the caller.
  const opened = await withProviderRetry(
    async () => {
      const attempt = startAttempt(settings, options.signal);
      try {
        const chunks = await quietly(settings, modelId, () =>
          client.models.generateContentStream(attempt.bind(parameters)),
        );
        const iterator = chunks[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { attempt, iterator, first };
      } catch (error) {
        attempt.dispose();
        throw attempt.explain(error);
      }
    },
    retryOptions(settings, options),
  );
  const { attempt, iterator } = opened;
  let usage: TokenUsage = toTokenUsage(undefined);
  let finishReason: string | undefined;
  let blockReason: string | undefined;
  let sawCandidate = false;
  let sawToolCalls = false;
  try {
    for (let result = opened.first; !result.done; result = await iterator.next()) {
      const chunk = result.value;
      const content = readResponse(chunk);
      if (chunk.usageMetadata) usage = toTokenUsage(chunk.usageMetadata);
      sawCandidate ||= content.hasCandidate;
      finishReason = content.finishReason ?? finishReason;
      blockReason = content.blockReason ?? blockReason;
      if (content.text !== '') yield { type: 'text', text: content.text };
      for (const toolCall of content.toolCalls) {
        sawToolCalls = true;
        yield { type: 'tool-call', toolCall };
      }
    }
  } catch (error) {
    throw attempt.explain(error);
  } finally {
    attempt.dispose();
  }
  let reason: FinishReason;
  if (finishReason !== undefined) reason = toFinishReason(finishReason, sawToolCalls);
  else if (blockReason !== undefined) reason = 'content-filter';
  else if (!sawCandidate) throw emptyResponseError();
  else {
    throw new ProviderError(
      googleProviderName,
      'Google Gemini: the stream ended before the model finished (no finish reason); retry the call',
      { status: null, retryable: true },
    );
  }
  yield { type: 'finish', usage, finishReason: reason };
}

function toGeneration(response: GenerateContentResponse): Generation {
  const content = readResponse(response);
  const usage = toTokenUsage(response.usageMetadata);
  if (!content.hasCandidate) {
    // A refused prompt is an answer, not a failure: callers see `content-filter`, never a silent ''.
    if (content.blockReason !== undefined)
      return { text: '', toolCalls: [], usage, finishReason: 'content-filter' };
    throw emptyResponseError();
  }
  return {
    text: content.text,
    toolCalls: content.toolCalls,
    usage,
    finishReason: toFinishReason(content.finishReason, content.toolCalls.length > 0),
  };
}

function buildParameters(
  modelId: string,
  capabilities: ModelCapabilities,
  options: GenerateOptions,
): GenerateContentParameters {
  const tools = options.tools ?? [];
  if (tools.length > 0 && !capabilities.supportsTools) {
    throw new UnsupportedError(
      `the Google model ${modelId} does not support tools (capabilities.supportsTools)`,
    );
  }
  const config: GenerateContentConfig = {
    // The SDK would otherwise resume interrupted streams by itself; retries are core's job.
    automaticContinuation: false,
  };
  if (options.system !== undefined && options.system !== '') config.systemInstruction = options.system;
  if (tools.length > 0) config.tools = [{ functionDeclarations: toGoogleFunctionDeclarations(tools) }];
  // Gemini has one output limit field, whatever `outputLimitParameter` an override names.
  if (options.maxOutputTokens !== undefined) {
    config.maxOutputTokens = Math.max(
      1,
      Math.min(Math.floor(options.maxOutputTokens), capabilities.maxOutputTokens),
    );
  }
  if (options.temperature !== undefined && capabilities.supportsTemperature)
    config.temperature = options.temperature;
  return {
    model: modelId,
    contents: toGoogleContents(options.messages, requiresThoughtSignatures(modelId)),
    config,
  };
}

function retryOptions(settings: CallSettings, options: GenerateOptions): ProviderRetryOptions {
  return {
    maxRetries: settings.maxRetries,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(settings.onRetry ? { onRetry: settings.onRetry } : {}),
  };
}

interface Attempt {
  /** The parameters with this attempt's signal, fetch and headers. */
  bind(parameters: GenerateContentParameters): GenerateContentParameters;
  /** The failure as a GoosukeError, knowing whether the caller aborted or the deadline fired. */
  explain(error: unknown): GoosukeError;
  /** Stops the deadline and releases the connection (ends a stream the caller left early). */
  dispose(): void;
}

// One attempt: its own deadline and abort controller, and a fetch that keeps the headers of
// an error response (the SDK's ApiError drops them, and retry-after lives there).
function startAttempt(settings: CallSettings, callerSignal: AbortSignal | undefined): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  let responseHeaders: Headers | null = null;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${settings.timeoutMs} ms`, 'TimeoutError'));
  }, settings.timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const recordingFetch: typeof globalThis.fetch = async (input, init) => {
    const response = await settings.fetch(input, init);
    if (!response.ok) responseHeaders = response.headers;
    return response;
  };
  return {
    bind: (parameters) => ({
      ...parameters,
      config: {
        ...parameters.config,
        abortSignal: controller.signal,
        httpOptions: { headers: settings.headers, fetch: recordingFetch },
      },
    }),
    explain: (error) =>
      toGoogleProviderError(error, {
        apiKey: settings.apiKey,
        baseUrl: settings.baseUrl,
        signal: callerSignal,
        timedOut,
        timeoutMs: settings.timeoutMs,
        responseHeaders,
      }),
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      if (!controller.signal.aborted) controller.abort(new DOMException('the call is over', 'AbortError'));
    },
  };
}

// Node's fetch (undici) ends a response after 300 s without headers or body bytes, which a long
// Gemini call can exceed; like the SDK does for its own fetch, lift those limits and let
// `timeoutMs` bound the call instead.
const noTimeoutDispatcher = {
  dispatch(dispatchOptions: object, handler: unknown): unknown {
    const global = (globalThis as Record<symbol, { dispatch(options: object, handler: unknown): unknown }>)[
      undiciGlobalDispatcher
    ];
    return global!.dispatch({ ...dispatchOptions, headersTimeout: 0, bodyTimeout: 0 }, handler);
  },
};

const defaultFetch: typeof globalThis.fetch = (input, init) => {
  if (!(undiciGlobalDispatcher in globalThis)) new Headers();
  if (!(undiciGlobalDispatcher in globalThis)) return fetch(input, init);
  return fetch(input, { ...init, dispatcher: noTimeoutDispatcher } as RequestInit);
};
