import { GoosukeError, ProviderError } from '../errors/index.ts';

/** Options of {@link withProviderRetry}. */
export interface ProviderRetryOptions {
  /** Retries after the first attempt; default 2. */
  maxRetries?: number;
  /** First backoff delay; doubled each retry, with ±20% jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** No single wait is longer, whatever the provider asks. Default 60 000 ms. */
  maxDelayMs?: number;
  /** Aborting stops waiting and rejects with a `canceled` GoosukeError. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log "retrying in 2 s". */
  onRetry?: (event: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

/**
 * Runs `call`, retrying it while it throws a retryable ProviderError (429, 5xx, network
 * failures), waiting the provider's `retry-after` when it gave one and exponential backoff
 * otherwise. Non-retryable errors (401/403, bad requests) and other errors are rethrown at once.
 */
export async function withProviderRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: ProviderRetryOptions = {},
): Promise<T> {
  const maxRetries = options.maxRetries ?? 2;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await call(attempt);
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable || attempt > maxRetries) throw error;
      if (options.signal?.aborted) throwIfAborted(options.signal);
      const backoff = baseDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
      const delayMs = Math.min(maxDelayMs, Math.max(0, error.retryAfterMs ?? backoff));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new GoosukeError('canceled', 'the model call was canceled', { cause: signal.reason });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GoosukeError('canceled', 'the model call was canceled', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads how long a provider asked to wait from response headers: `retry-after-ms`
 * (milliseconds, OpenAI and Anthropic), else `retry-after` (seconds or an HTTP date).
 * Returns null when there is no usable value. `now` is for tests.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | null | undefined,
  now: number = Date.now(),
): number | null {
  if (!headers) return null;
  const milliseconds = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
