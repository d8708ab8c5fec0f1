import { GoosukeError, ProviderError } from '@goosuke/core';
import { parseRetryAfter, redactSecrets } from '@goosuke/core/implementing';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ResolvedOpenAIProviderOptions } from './openai-provider-options.ts';

/** What an error translation needs to know about the call that failed. */
export interface OpenAIErrorContext {
  settings: ResolvedOpenAIProviderOptions;
  /** The caller's signal: when it is aborted, every failure is a cancellation. */
  signal: AbortSignal | undefined;
  /** Whether this attempt's own timer fired. */
  timedOut: boolean;
}

const maxDetailLength = 300;

function secretsOf(settings: ResolvedOpenAIProviderOptions): string[] {
  const secrets = settings.placeholderKey ? [] : [settings.apiKey];
  for (const [name, value] of Object.entries(settings.headers)) {
    if (/auth|key|token|secret/i.test(name)) secrets.push(value.replace(/^Bearer\s+/i, ''));
  }
  return secrets;
}

function who(settings: ResolvedOpenAIProviderOptions): string {
  return settings.provider === 'openai' && settings.baseUrl === 'https://api.openai.com/v1'
    ? 'OpenAI'
    : `the ${settings.provider} server at ${settings.baseUrl}`;
}

/** The server's own explanation, on one line and shortened; empty when it gave none. */
function detailOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const raw = typeof body?.message === 'string' ? body.message : '';
  const line = raw.replace(/\s+/g, ' ').trim();
  return line.length > maxDetailLength ? `${line.slice(0, maxDetailLength)}…` : line;
}

function adviceFor(status: number, settings: ResolvedOpenAIProviderOptions): string {
  if (status === 401 || status === 403) {
    return settings.placeholderKey
      ? 'the server wants an API key; set apiKey (OPENAI_API_KEY) for this provider'
      : 'the API key was rejected; check OPENAI_API_KEY';
  }
  if (status === 404) return 'check the model id and the base URL (it must include /v1)';
  if (status === 429) return 'rate limited or out of quota; retry later or check the account';
  if (status === 408 || status >= 500) return 'the provider failed; retry later';
  if (status === 400 || status === 422)
    return 'the request was refused; check the model and its capabilities';
  return 'the request failed';
}

/**
 * Translates anything thrown by the SDK (or by response handling) into Goosuke's error types:
 * cancellation → GoosukeError('canceled'); timeouts and network failures → retryable
 * ProviderError with status null; HTTP errors → ProviderError with status and retryAfterMs, the
 * message naming the provider and what to do. Neither messages nor causes hold the key.
 */
export function toGoosukeError(error: unknown, context: OpenAIErrorContext): GoosukeError {
  const { settings } = context;
  const secrets = secretsOf(settings);
  const name = settings.provider;
  if (context.signal?.aborted) {
    return new GoosukeError('canceled', 'the model call was canceled', { cause: context.signal.reason });
  }
  if (GoosukeError.isInstance(error)) return error;
  if (context.timedOut || error instanceof APIConnectionTimeoutError) {
    return new ProviderError(
      name,
      `${name}: the call timed out after ${settings.timeoutMs} ms waiting for ${redactSecrets(who(settings), secrets)}; retry, or raise timeoutMs`,
      { status: null, cause: error, secrets },
    );
  }
  if (error instanceof APIUserAbortError) {
    return new GoosukeError('canceled', 'the model call was canceled', { cause: error });
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return new ProviderError(
      name,
      redactSecrets(
        `${name}: could not reach ${who(settings)}${cause}; check the base URL and the network`,
        secrets,
      ),
      { status: null, cause: error, secrets },
    );
  }
  if (error instanceof APIError) {
    const detail = detailOf(error);
    if (typeof error.status !== 'number') {
      // An `error` object inside an SSE stream: the server failed mid-answer.
      return new ProviderError(
        name,
        redactSecrets(`${name}: the stream reported an error${detail ? `: ${detail}` : ''}`, secrets),
        { status: null, cause: error, secrets },
      );
    }
    const status = error.status;
    const message = `${name}: ${who(settings)} answered HTTP ${status}${detail ? ` (${detail})` : ''}; ${adviceFor(status, settings)}`;
    return new ProviderError(name, redactSecrets(message, secrets), {
      status,
      retryAfterMs: parseRetryAfter(error.headers),
      cause: error,
      secrets,
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    name,
    redactSecrets(`${name}: unexpected failure talking to ${who(settings)}: ${text}`, secrets),
    { status: null, retryable: false, cause: error, secrets },
  );
}
