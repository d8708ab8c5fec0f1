import { canceledError, GitHubRateLimitError, isHttpError } from './github-errors.ts';

/** What one request looks like to the hook (octokit's endpoint options, loosely typed). */
export interface HookRequestOptions {
  method: string;
  url: string;
  headers: Record<string, string | number | undefined>;
  request?: { signal?: AbortSignal | null | undefined };
  [parameter: string]: unknown;
}

/** The settings the request hook needs. */
export interface GitHubRequestHookSettings {
  retries: number;
  retryBaseDelayMs: number;
  maxRateLimitWaitMs: number;
  /**
   * The `Authorization` header value for a request that has none (the App's token request
   * comes with its own `bearer` JWT and keeps it).
   */
  authorization(signal: AbortSignal | undefined): Promise<string>;
  /** Called when GitHub rejected an authorization this hook supplied: drop any cached token. */
  rejected(authorization: string): boolean;
  /** Current time in ms; injectable for tests. */
  now?: () => number;
}

/** GitHub's advice for a 403 without reset headers: wait at least a minute. */
const secondaryRateLimitWaitMs = 60_000;

/** Resolves after `ms`, or rejects with a canceled GoosukeError when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined, action: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(canceledError(action, signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(canceledError(action, signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function header(
  headers: Record<string, string | number | undefined> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
}

/**
 * How long GitHub asks to wait before retrying, in ms, or null when `error` is no rate limit:
 * a 403/429 with `retry-after` (seconds or an HTTP date), with `x-ratelimit-remaining: 0` and
 * `x-ratelimit-reset` (epoch seconds), or a secondary-rate-limit message (a minute).
 */
export function rateLimitWaitMs(error: unknown, now: number): number | null {
  if (!isHttpError(error) || error.response === undefined) return null;
  if (error.status !== 403 && error.status !== 429) return null;
  const headers = error.response.headers;
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = header(headers, 'x-ratelimit-reset');
  if (
    header(headers, 'x-ratelimit-remaining') === '0' &&
    reset !== undefined &&
    Number.isFinite(Number(reset))
  ) {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  const data = error.response.data as { message?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : '';
  if (/secondary rate limit|abuse detection|rate limit exceeded/i.test(message) || error.status === 429) {
    return secondaryRateLimitWaitMs;
  }
  return null;
}

/**
 * Whether repeating `options` cannot do a thing twice. A POST that creates something (a pull
 * request) is not repeated after a 5xx or a lost answer: it may have succeeded, and the repeat
 * would then fail as a duplicate. The installation token request is safe to repeat.
 */
function repeatable(options: HookRequestOptions): boolean {
  if (options.method.toUpperCase() !== 'POST') return true;
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(options.url);
}

function retriableServerFailure(error: unknown): boolean {
  if (!isHttpError(error)) return false;
  // No response: a network failure (octokit reports those as status 500 without a response).
  if (error.response === undefined) return true;
  return error.status >= 500;
}

type Send = (options: HookRequestOptions) => Promise<unknown>;

/**
 * The request hook wrapped around every octokit request: it adds the Authorization header,
 * waits out rate limits (in total at most `maxRateLimitWaitMs`, else throws a retryable
 * GitHubRateLimitError naming when to retry), retries 5xx and network failures `retries` times
 * with exponential backoff (not for a creating POST), renews a rejected installation token once, and turns an abort into a
 * canceled GoosukeError. Other failures are rethrown as octokit reported them.
 */
export function createGitHubRequestHook(settings: GitHubRequestHookSettings) {
  const now = settings.now ?? Date.now;
  return async (send: Send, options: HookRequestOptions): Promise<unknown> => {
    const signal = options.request?.signal ?? undefined;
    const action = `${options.method} ${options.url}`;
    let serverRetries = 0;
    let rateLimitWaited = 0;
    let renewedAuthorization = false;
    for (;;) {
      if (signal?.aborted) throw canceledError(action, signal);
      let supplied: string | undefined;
      let attempt = options;
      if (header(options.headers, 'authorization') === undefined) {
        supplied = await settings.authorization(signal);
        attempt = { ...options, headers: { ...options.headers, authorization: supplied } };
      }
      try {
        return await send(attempt);
      } catch (error) {
        if (signal?.aborted) throw canceledError(action, signal);
        if (isHttpError(error) && error.status === 401 && supplied !== undefined && !renewedAuthorization) {
          renewedAuthorization = true;
          if (settings.rejected(supplied)) continue;
        }
        // One reading of the clock: a second one could move the reported retry time by a millisecond.
        const at = now();
        const waitMs = rateLimitWaitMs(error, at);
        if (waitMs !== null) {
          if (rateLimitWaited + waitMs > settings.maxRateLimitWaitMs) {
            throw new GitHubRateLimitError(new Date(at + waitMs), { cause: error });
          }
          rateLimitWaited += waitMs;
          await sleep(waitMs, signal, action);
          continue;
        }
        if (retriableServerFailure(error) && repeatable(options) && serverRetries < settings.retries) {
          await sleep(settings.retryBaseDelayMs * 2 ** serverRetries, signal, action);
          serverRetries++;
          continue;
        }
        throw error;
      }
    }
  };
}
