import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { GoosukeError, ProviderError } from '@goosuke/core';
import { parseRetryAfter, redactSecrets } from '@goosuke/core/implementing';

/** The provider name every error and LanguageModel of this package carries. */
export const anthropicProviderName = 'anthropic';

/** What {@link toAnthropicProviderError} needs to know about the failed attempt. */
export interface AnthropicErrorContext {
  apiKey: string;
  baseUrl: string;
  /** The caller's signal: when it is aborted, the failure is a cancellation. */
  signal: AbortSignal | undefined;
  /** Whether this attempt's own deadline fired. */
  timedOut: boolean;
  timeoutMs: number;
}

// An `event: error` frame inside a stream has no HTTP status; Anthropic's error types name
// the status the same failure has as an HTTP response, so retries treat both alike.
const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

const maxDetailLength = 300;

/**
 * Turns anything the Anthropic SDK threw into a GoosukeError: `canceled` when the caller
 * aborted; otherwise a ProviderError with the HTTP status (null for network failures and
 * timeouts), `retryAfterMs` from the `retry-after-ms` / `retry-after` headers, and a one-line
 * message naming the provider and what to do, the key redacted from it and from the cause. 401/403 are never
 * retryable; 429, 5xx and 529 (overloaded) are. GoosukeErrors pass through unchanged.
 */
export function toAnthropicProviderError(error: unknown, context: AnthropicErrorContext): GoosukeError {
  if (GoosukeError.isInstance(error)) return error;
  const redact = (text: string) => oneLine(redactSecrets(text, [context.apiKey]));
  if (context.signal?.aborted) {
    return new GoosukeError('canceled', 'the model call was canceled', { cause: context.signal.reason });
  }
  if (context.timedOut || error instanceof APIConnectionTimeoutError) {
    return new ProviderError(
      anthropicProviderName,
      `Anthropic did not answer within the ${context.timeoutMs} ms timeout; retry, or raise timeoutMs`,
      { status: null, retryable: true, cause: error, secrets: [context.apiKey] },
    );
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(
      anthropicProviderName,
      redact(
        `Anthropic could not be reached at ${context.baseUrl}: ${describeNetworkError(error)}; check the network or baseUrl`,
      ),
      { status: null, retryable: true, cause: error, secrets: [context.apiKey] },
    );
  }
  if (!(error instanceof APIError)) {
    const detail = truncate(error instanceof Error ? error.message : String(error));
    return new ProviderError(anthropicProviderName, redact(`the Anthropic call failed: ${detail}`), {
      status: null,
      retryable: false,
      cause: error,
      secrets: [context.apiKey],
    });
  }

  const body = errorBody(error.error);
  const type = body.type ?? error.type ?? null;
  const status = error.status ?? (type ? (statusOfErrorType[type] ?? null) : null);
  const label = [status, type].filter((part) => part !== null && part !== undefined).join(' ');
  const detail = truncate(body.message ?? error.apiMessage ?? error.message);
  const retryAfterMs = parseRetryAfter(error.headers);
  const options = { status, retryAfterMs, cause: error, secrets: [context.apiKey] };

  if (status === 401 || status === 403) {
    return new ProviderError(
      anthropicProviderName,
      redact(`Anthropic: the API key was rejected (${label}): ${detail}; check ANTHROPIC_API_KEY`),
      { ...options, retryable: false },
    );
  }
  if (status === 429) {
    return new ProviderError(
      anthropicProviderName,
      redact(`Anthropic: rate limit exceeded (${label}): ${detail}; retry later`),
      options,
    );
  }
  if (status === 529) {
    return new ProviderError(
      anthropicProviderName,
      redact(`Anthropic is overloaded (${label}): ${detail}; retry later`),
      { ...options, retryable: true },
    );
  }
  if (status !== null && status >= 500) {
    return new ProviderError(
      anthropicProviderName,
      redact(`Anthropic failed (${label}): ${detail}; retry later`),
      options,
    );
  }
  if (status === 404) {
    return new ProviderError(
      anthropicProviderName,
      redact(`Anthropic: not found (${label}): ${detail}; check the model id and baseUrl`),
      options,
    );
  }
  if (status === null) {
    return new ProviderError(anthropicProviderName, redact(`Anthropic failed: ${detail}`), {
      ...options,
      retryable: false,
    });
  }
  return new ProviderError(
    anthropicProviderName,
    redact(`Anthropic rejected the request (${label}): ${detail}`),
    options,
  );
}

/** Anthropic's error body is `{ type: 'error', error: { type, message } }`. */
function errorBody(value: unknown): { type?: string; message?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const inner = (value as { error?: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return {};
  const { type, message } = inner as { type?: unknown; message?: unknown };
  return {
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

function describeNetworkError(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause.message : '';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  const nestedCode = (
    (error.cause as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown }
  )?.code;
  const codes = [code, nestedCode].filter((value): value is string => typeof value === 'string');
  return truncate([error.message, cause, ...codes].filter(Boolean).join(': '));
}

function truncate(text: string): string {
  return text.length > maxDetailLength ? `${text.slice(0, maxDetailLength)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
