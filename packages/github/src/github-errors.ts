import {
  ConflictError,
  ForbiddenError,
  GoosukeError,
  type GoosukeErrorOptions,
  InvalidInputError,
  NotFoundError,
} from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';

/**
 * GitHub's rate limit held for longer than the code host may wait. Retryable; `retryAt` says
 * when GitHub expects to accept requests again. Code `storage`, like any other temporary
 * unavailability of the host (the port has no dedicated code for it).
 */
export class GitHubRateLimitError extends GoosukeError {
  /** When GitHub will accept requests again. */
  readonly retryAt: Date;

  constructor(retryAt: Date, options: GoosukeErrorOptions = {}) {
    super(
      'storage',
      `GitHub's rate limit is exhausted until ${retryAt.toISOString()}; retry after that time (or raise maxRateLimitWaitMs to wait it out)`,
      { ...options, retryable: true },
    );
    this.name = 'GitHubRateLimitError';
    this.retryAt = retryAt;
  }

  override toJSON() {
    return { ...super.toJSON(), retryAt: this.retryAt.toISOString() };
  }
}

/** What octokit's RequestError carries, by shape (another copy of the class breaks `instanceof`). */
export interface HttpErrorShape {
  name: string;
  message: string;
  status: number;
  response?: { status: number; headers: Record<string, string | number | undefined>; data: unknown };
}

/** True for octokit's RequestError, by shape. */
export function isHttpError(error: unknown): error is HttpErrorShape {
  return (
    error instanceof Error &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as Error).name === 'HttpError'
  );
}

/** What the failed call was about, for messages and not-found errors. */
export interface GitHubCallContext {
  /** e.g. `list the branches of owner/name`. */
  action: string;
  /** The entity a 404 means is missing. */
  notFound?: { entity: string; id: string };
  signal?: AbortSignal | undefined;
  /** Everything that must never appear in a message (tokens, key). */
  secrets: readonly string[];
}

const maxDetailLength = 300;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxDetailLength ? `${line.slice(0, maxDetailLength)}…` : line;
}

/** GitHub's `message` and the `errors[]` reasons of an error body. */
export function gitHubReasons(data: unknown): { message: string; details: string[] } {
  if (typeof data !== 'object' || data === null)
    return { message: typeof data === 'string' ? data : '', details: [] };
  const body = data as { message?: unknown; errors?: unknown };
  const message = typeof body.message === 'string' ? body.message : '';
  const details: string[] = [];
  if (Array.isArray(body.errors)) {
    for (const item of body.errors) {
      if (typeof item === 'string') details.push(item);
      else if (typeof item === 'object' && item !== null) {
        const entry = item as { message?: unknown; field?: unknown; code?: unknown; resource?: unknown };
        if (typeof entry.message === 'string') details.push(entry.message);
        else
          details.push(
            [entry.resource, entry.field, entry.code].filter((part) => typeof part === 'string').join(' '),
          );
      }
    }
  }
  return { message, details: details.filter(Boolean) };
}

/** A cancellation error for a call whose signal aborted. */
export function canceledError(action: string, signal: AbortSignal | undefined): GoosukeError {
  return new GoosukeError('canceled', `the GitHub call to ${action} was canceled`, { cause: signal?.reason });
}

/**
 * Translates anything a GitHub call threw into a GoosukeError per the CodeHost contract:
 * aborted → canceled; 401 → unauthorized; 403 → forbidden (rate limits never get here: the
 * request hook waits them out or throws GitHubRateLimitError); 404 → not_found; 409 and a 422
 * "already exists" → conflict; other 422/400 → invalid_input with GitHub's reasons; 5xx and network
 * failures → retryable storage. Every message is passed through redactSecrets.
 */
export function toGoosukeError(error: unknown, context: GitHubCallContext): GoosukeError {
  if (context.signal?.aborted) return canceledError(context.action, context.signal);
  if (GoosukeError.isInstance(error)) return error;
  const safe = (text: string) => redactSecrets(text, context.secrets);
  if (error instanceof Error && error.name === 'AbortError') {
    return new GoosukeError(
      'storage',
      `the GitHub call to ${context.action} was aborted before an answer came`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  if (!isHttpError(error)) {
    const text = error instanceof Error ? error.message : String(error);
    return new GoosukeError(
      'internal',
      safe(`unexpected failure trying to ${context.action} on GitHub: ${oneLine(text)}`),
      {
        cause: error,
      },
    );
  }
  if (error.response === undefined) {
    return new GoosukeError(
      'storage',
      safe(
        `could not reach GitHub to ${context.action} (${oneLine(error.message)}); check the API URL and the network`,
      ),
      { retryable: true, cause: error },
    );
  }
  const status = error.status;
  const { message, details } = gitHubReasons(error.response.data);
  const reason = oneLine([message, ...details].filter(Boolean).join(': '));
  const because = reason ? `: ${safe(reason)}` : '';
  if (status === 401) {
    return new GoosukeError(
      'unauthorized',
      'GitHub rejected the credentials: check the token or the App id/key/installation',
      { cause: error },
    );
  }
  if (status === 403) {
    return new ForbiddenError(
      `GitHub refused to ${context.action}${because}; the token or App installation lacks a permission`,
      { cause: error },
    );
  }
  if (status === 404) {
    if (context.notFound)
      return new NotFoundError(context.notFound.entity, context.notFound.id, { cause: error });
    return new NotFoundError('GitHub resource', context.action, { cause: error });
  }
  if (status === 409 || ((status === 422 || status === 400) && /already exists/i.test(reason))) {
    return new ConflictError(`GitHub refused to ${context.action}${because}`, { cause: error });
  }
  if (status === 422 || status === 400) {
    const issues = (details.length > 0 ? details : [message || 'refused']).map((text) => ({
      path: [],
      message: safe(oneLine(text)),
    }));
    return new InvalidInputError(`GitHub refused to ${context.action}${because}`, issues, { cause: error });
  }
  if (status >= 500) {
    return new GoosukeError(
      'storage',
      `GitHub failed to ${context.action} (HTTP ${status}${because}); retry later`,
      { retryable: true, cause: error },
    );
  }
  return new GoosukeError(
    'internal',
    `GitHub answered HTTP ${status} trying to ${context.action}${because}`,
    {
      cause: error,
    },
  );
}
