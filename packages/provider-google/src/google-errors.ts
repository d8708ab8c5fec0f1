import { GoosukeError, ProviderError } from '@goosuke/core';
import { parseRetryAfter, redactSecrets } from '@goosuke/core/implementing';

/** The provider name every error and LanguageModel of this package carries. */
export const googleProviderName = 'google';

/** What {@link toGoogleProviderError} needs to know about the failed attempt. */
export interface GoogleErrorContext {
  apiKey: string;
  baseUrl: string;
  /** The caller's signal: when it is aborted, the failure is a cancellation. */
  signal: AbortSignal | undefined;
  /** Whether this attempt's own deadline fired. */
  timedOut: boolean;
  timeoutMs: number;
  /** Headers of the failed HTTP response, when there was one. */
  responseHeaders: Headers | null;
}

interface GoogleErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<Record<string, unknown>>;
}

const maxDetailLength = 300;

/**
 * Turns anything the Google Gen AI SDK threw into a GoosukeError: `canceled` when the caller
 * aborted, otherwise a ProviderError with the HTTP status (null for network failures and
 * timeouts), `retryAfterMs` (a `retry-after` header, else Google's `RetryInfo.retryDelay`)
 * and a one-line message naming the provider and what to do, the key redacted from it and
 * from the cause.
 * A rejected key (401, 403, or Google's 400 `API_KEY_INVALID`) is never retryable.
 */
export function toGoogleProviderError(error: unknown, context: GoogleErrorContext): GoosukeError {
  if (GoosukeError.isInstance(error)) return error;
  const redact = (text: string) => oneLine(redactSecrets(text, [context.apiKey]));
  if (context.signal?.aborted) {
    return new GoosukeError('canceled', 'the model call was canceled', { cause: context.signal.reason });
  }
  if (context.timedOut) {
    return new ProviderError(
      googleProviderName,
      `Google Gemini did not answer within the ${context.timeoutMs} ms timeout; retry, or raise timeoutMs`,
      { status: null, retryable: true, cause: error, secrets: [context.apiKey] },
    );
  }
  const status = apiErrorStatus(error);
  if (status === null) {
    const detail = error instanceof Error ? describeNetworkError(error) : String(error);
    return new ProviderError(
      googleProviderName,
      redact(
        `Google Gemini could not be reached at ${context.baseUrl}: ${detail}; check the network or baseUrl`,
      ),
      { status: null, retryable: true, cause: error, secrets: [context.apiKey] },
    );
  }

  const body = parseErrorBody((error as Error).message);
  const googleStatus = body?.status ? ` ${body.status}` : '';
  const detail = truncate(body?.message ?? (error as Error).message);
  const retryAfterMs = parseRetryAfter(context.responseHeaders) ?? retryDelayFromDetails(body?.details);
  const options = { status, retryAfterMs, cause: error, secrets: [context.apiKey] };

  if (status === 401 || status === 403 || isInvalidKey(body)) {
    return new ProviderError(
      googleProviderName,
      redact(`Google Gemini: the API key was rejected (${status}${googleStatus}); check GEMINI_API_KEY`),
      { ...options, retryable: false },
    );
  }
  if (status === 429) {
    return new ProviderError(
      googleProviderName,
      redact(`Google Gemini: rate limit or quota exceeded (429${googleStatus}): ${detail}; retry later`),
      options,
    );
  }
  if (status >= 500) {
    return new ProviderError(
      googleProviderName,
      redact(`Google Gemini failed (${status}${googleStatus}): ${detail}; retry later`),
      options,
    );
  }
  if (status === 404) {
    return new ProviderError(
      googleProviderName,
      redact(`Google Gemini: not found (404${googleStatus}): ${detail}; check the model id and baseUrl`),
      options,
    );
  }
  return new ProviderError(
    googleProviderName,
    redact(`Google Gemini rejected the request (${status}${googleStatus}): ${detail}`),
    options,
  );
}

function apiErrorStatus(error: unknown): number | null {
  if (!(error instanceof Error) || error.name !== 'ApiError') return null;
  const status = (error as Error & { status?: unknown }).status;
  return typeof status === 'number' ? status : null;
}

// The SDK puts the JSON error body in the message: `{"error":{...}}` for an HTTP error, or
// `got status: X. {"error":{...}}` for an error frame inside a stream.
function parseErrorBody(message: string): GoogleErrorBody | null {
  const start = message.indexOf('{');
  if (start === -1) return null;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: GoogleErrorBody };
    return parsed && typeof parsed.error === 'object' ? parsed.error : null;
  } catch {
    return null;
  }
}

function isInvalidKey(body: GoogleErrorBody | null): boolean {
  if (!body) return false;
  if (body.details?.some((detail) => detail.reason === 'API_KEY_INVALID')) return true;
  return /api key not valid|api_key_invalid/i.test(body.message ?? '');
}

/** Google's `google.rpc.RetryInfo` detail: `retryDelay` like `"17s"` or `"0.05s"`. */
function retryDelayFromDetails(details: GoogleErrorBody['details']): number | null {
  for (const detail of details ?? []) {
    if (typeof detail['@type'] !== 'string' || !detail['@type'].endsWith('google.rpc.RetryInfo')) continue;
    const delay = detail.retryDelay;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) return Number.parseFloat(delay) * 1000;
  }
  return null;
}

function describeNetworkError(error: Error): string {
  const cause = error.cause instanceof Error ? `${error.cause.message}` : '';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return truncate([error.message, cause, typeof code === 'string' ? code : ''].filter(Boolean).join(': '));
}

function truncate(text: string): string {
  return text.length > maxDetailLength ? `${text.slice(0, maxDetailLength)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
