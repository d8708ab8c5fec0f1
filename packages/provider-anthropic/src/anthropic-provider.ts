import type Anthropic from '@anthropic-ai/sdk';
import {
  type GenerateOptions,
  type Generation,
  type GenerationDelta,
  GoosukeError,
  type LanguageModel,
  type LanguageModelProvider,
  type Logger,
  noopLogger,
} from '@goosuke/core';
import {
  jsonRequestBody,
  type ProviderRetryOptions,
  resolveModelCapabilities,
  withConsoleWarningsLogged,
  withProviderRetry,
} from '@goosuke/core/implementing';
import { anthropicClientFor } from './anthropic-client-cache.ts';
import { anthropicProviderName, toAnthropicProviderError } from './anthropic-errors.ts';
import { toAnthropicRequest } from './anthropic-request.ts';
import { AnthropicStreamAssembler, toGeneration } from './anthropic-response.ts';

/** Where the Anthropic API lives; the SDK appends `/v1/messages`. */
export const defaultAnthropicBaseUrl = 'https://api.anthropic.com';

/** Default per-call timeout: 10 minutes, as the SDK's own default. */
export const defaultAnthropicTimeoutMs = 600_000;

/** Options of {@link createAnthropicProvider}. */
export interface AnthropicProviderOptions {
  /**
   * The Anthropic API key (sent as the SDK sends it). Required and never read from the
   * environment; for a gateway that needs no key, pass any non-empty placeholder.
   */
  apiKey: string;
  /** The API root without `/v1` (default `https://api.anthropic.com`), e.g. a proxy or a fake. */
  baseUrl?: string;
  /**
   * Per attempt: the longest wait for a complete answer; while streaming, the longest wait
   * for the response and then between two events. Default 10 minutes.
   */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, 529, network failures and timeouts. Default 2. */
  maxRetries?: number;
  /** First retry backoff when the provider gives no `retry-after`; doubled each retry. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** A fetch to use instead of the global one (e.g. through a proxy). */
  fetch?: typeof globalThis.fetch;
  /** Called before each retry wait, e.g. to log "retrying in 2 s". */
  onRetry?: ProviderRetryOptions['onRetry'];
  /**
   * Where the SDK's notices go, at debug level: its log lines, and the model deprecation notices
   * it prints with `console.warn` on every call, which would otherwise reach the user's terminal.
   * Default: nowhere.
   */
  logger?: Logger;
}

/**
 * An Anthropic account as a {@link LanguageModelProvider}: `createAnthropicProvider({ apiKey })
 * ('claude-sonnet-4-5')` is a LanguageModel on the Messages API whose capabilities come from
 * `resolveModelCapabilities('anthropic', modelId, overrides)`. SDK clients are shared per
 * (base URL, key fingerprint, fetch). Throws GoosukeError('secret_key') for an empty key.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): LanguageModelProvider {
  const apiKey = options.apiKey;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new GoosukeError('secret_key', 'no Anthropic API key: pass apiKey or set ANTHROPIC_API_KEY');
  }
  const baseUrl = (options.baseUrl?.trim() || defaultAnthropicBaseUrl).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? defaultAnthropicTimeoutMs;
  const client = anthropicClientFor({ baseUrl, apiKey, fetch: options.fetch, logger: options.logger });
  const settings: CallSettings = {
    client,
    logger: options.logger ?? noopLogger,
    apiKey,
    baseUrl,
    timeoutMs,
    retry: {
      maxRetries: options.maxRetries ?? 2,
      ...(options.retryBaseDelayMs === undefined ? {} : { baseDelayMs: options.retryBaseDelayMs }),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    },
  };

  return (modelId, modelOptions) => {
    const capabilities = resolveModelCapabilities(anthropicProviderName, modelId, modelOptions?.capabilities);
    return {
      provider: anthropicProviderName,
      modelId,
      capabilities,
      // The body is built inside the calls, so that a refused request rejects rather than throws.
      generate: async (callOptions) =>
        generate(settings, toAnthropicRequest(modelId, capabilities, callOptions), callOptions),
      stream: async function* (callOptions) {
        yield* stream(settings, toAnthropicRequest(modelId, capabilities, callOptions), callOptions);
      },
    } satisfies LanguageModel;
  };
}

interface CallSettings {
  client: Anthropic;
  logger: Logger;
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  retry: Omit<ProviderRetryOptions, 'signal'>;
}

type RequestBody = ReturnType<typeof toAnthropicRequest>;

/**
 * Starts an SDK call with its `console.warn` notices sent to the logger: `messages.create`
 * prints a deprecation notice for some models (e.g. claude-sonnet-4-5) straight to the console,
 * not through its `logger` option, before it returns the request's promise.
 */
function quietly<Result>(settings: CallSettings, model: string, start: () => Result): Result {
  return withConsoleWarningsLogged(settings.logger, { provider: anthropicProviderName, model }, start);
}

async function generate(
  settings: CallSettings,
  body: RequestBody,
  options: GenerateOptions,
): Promise<Generation> {
  return withProviderRetry(
    async () => {
      const deadline = new Deadline(options.signal, settings.timeoutMs);
      try {
        // The body as bytes (see jsonRequestBody): the same JSON, kept outside the heap.
        const message = await quietly(settings, body.model, () =>
          settings.client.messages.create(body, {
            ...jsonRequestBody(body),
            signal: deadline.signal,
            timeout: settings.timeoutMs,
            maxRetries: 0,
          }),
        );
        return toGeneration(message);
      } catch (error) {
        throw toAnthropicProviderError(error, errorContext(settings, options, deadline));
      } finally {
        deadline.dispose();
      }
    },
    { ...settings.retry, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

interface OpenedStream {
  deadline: Deadline;
  iterator: AsyncIterator<Anthropic.Messages.RawMessageStreamEvent>;
  assembler: AnthropicStreamAssembler;
  /** Deltas read while opening: at least one, unless the stream ended. */
  first: GenerationDelta[];
  ended: boolean;
}

async function* stream(
  settings: CallSettings,
  body: RequestBody,
  options: GenerateOptions,
): AsyncGenerator<GenerationDelta> {
  // Retrying is only safe until the caller has seen a delta, so an attempt lasts until the
  // first delta arrives; after that, failures are thrown as they are.
  const opened = await withProviderRetry(
    async () => {
      const deadline = new Deadline(options.signal, settings.timeoutMs);
      try {
        const params = { ...body, stream: true as const };
        const events = await quietly(settings, body.model, () =>
          settings.client.messages.create(params, {
            ...jsonRequestBody(params),
            signal: deadline.signal,
            timeout: settings.timeoutMs,
            maxRetries: 0,
          }),
        );
        const iterator = events[Symbol.asyncIterator]();
        const assembler = new AnthropicStreamAssembler();
        const first: GenerationDelta[] = [];
        while (first.length === 0) {
          deadline.restart();
          const next = await iterator.next();
          deadline.pause();
          throwIfInterrupted(deadline);
          if (next.done) {
            first.push(...assembler.finish());
            return { deadline, iterator, assembler, first, ended: true } satisfies OpenedStream;
          }
          first.push(...assembler.accept(next.value));
        }
        return { deadline, iterator, assembler, first, ended: false } satisfies OpenedStream;
      } catch (error) {
        deadline.abort();
        throw toAnthropicProviderError(error, errorContext(settings, options, deadline));
      }
    },
    { ...settings.retry, ...(options.signal ? { signal: options.signal } : {}) },
  );

  const { deadline, iterator, assembler } = opened;
  let ended = opened.ended;
  try {
    yield* opened.first;
    while (!ended) {
      deadline.restart();
      let next: IteratorResult<Anthropic.Messages.RawMessageStreamEvent>;
      try {
        next = await iterator.next();
        // The caller's time between two pulls does not count against the provider.
        deadline.pause();
        throwIfInterrupted(deadline);
      } catch (error) {
        throw toAnthropicProviderError(error, errorContext(settings, options, deadline));
      }
      if (next.done) {
        ended = true;
        yield* assembler.finish();
      } else {
        yield* assembler.accept(next.value);
      }
    }
  } finally {
    // Closes the HTTP response when the caller stops early or the stream failed.
    if (!ended) deadline.abort();
    deadline.dispose();
  }
}

// The SDK's stream iterator ends quietly, as if complete, when its signal aborts: a stream cut
// short by the caller or the timer must not look like a finished answer.
function throwIfInterrupted(deadline: Deadline): void {
  if (deadline.signal.aborted) throw new Error('the stream was interrupted');
}

function errorContext(settings: CallSettings, options: GenerateOptions, deadline: Deadline) {
  return {
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    signal: options.signal,
    timedOut: deadline.timedOut,
    timeoutMs: settings.timeoutMs,
  };
}

/** One attempt's abort signal: the caller's signal, the attempt's timer, and an explicit stop. */
class Deadline {
  readonly signal: AbortSignal;
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#controller.signal])
      : this.#controller.signal;
    this.restart();
  }

  /** Starts the timer again (streams: the timeout is the longest wait between two events). */
  restart(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new Error(`timed out after ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
  }

  /** Stops the timer until the next {@link restart}. */
  pause(): void {
    clearTimeout(this.#timer);
  }

  abort(): void {
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
