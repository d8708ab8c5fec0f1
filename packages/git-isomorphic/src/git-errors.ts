import { ConflictError, GoosukeError, NotFoundError } from '@goosuke/core';

/** Replaces every occurrence of each secret (also URL-encoded) with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      result = result.split(form).join('***');
    }
  }
  return result;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A reason phrase as the remote sent it, kept short and printable. */
function shortReason(text: unknown): string {
  const cleaned = typeof text === 'string' ? text.replace(/[^\x20-\x7e]/g, ' ').trim() : '';
  return cleaned.length > 60 ? `${cleaned.slice(0, 59)}…` : cleaned;
}

/**
 * The message of an error that would echo what the remote answered (its response body, or
 * bytes of it), without that: the remote may be any server the URL names, and its pages are not
 * the caller's to read through Goosuke. The full error stays the `cause` for logs. Undefined for
 * other errors.
 */
function remoteSafeMessage(code: string | undefined, error: unknown): string | undefined {
  if (code === 'HttpError') {
    const data = (error as { data?: { statusCode?: unknown; statusMessage?: unknown } }).data;
    return `HTTP ${String(data?.statusCode ?? '?')} ${shortReason(data?.statusMessage)}`.trim();
  }
  if (code === 'SmartHttpError') return 'the remote did not answer as a git server (smart HTTP protocol)';
  if (code === 'ParseError') return 'the remote sent a reply that is not git protocol';
  if (code === 'EmptyServerResponseError') return 'the remote sent an empty reply';
  return undefined;
}

const fileSystemCodes = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'ENOSPC',
  'EROFS',
  'EMFILE',
  'ENFILE',
  'EIO',
  'ENOTEMPTY',
  'EBUSY',
]);

/**
 * Translates an isomorphic-git or file-system error into a GoosukeError, with every secret
 * redacted from the message. The original error is kept as `cause` only when it cannot carry
 * a secret (no secrets given), since isomorphic-git errors may embed request data.
 */
export function translateGitError(
  error: unknown,
  context: { operation: string; secrets?: readonly (string | undefined)[] },
): GoosukeError {
  const secrets = context.secrets ?? [];
  const hasSecrets = secrets.some((secret) => secret !== undefined && secret.length > 0);
  if (GoosukeError.isInstance(error)) {
    if (!hasSecrets) return error;
    const cleaned = redact(error.message, secrets);
    if (cleaned === error.message) return error;
    return new GoosukeError(error.code, cleaned, { retryable: error.retryable });
  }
  const code = errorCode(error);
  const message = redact(remoteSafeMessage(code, error) ?? errorMessage(error), secrets);
  const cause = hasSecrets ? undefined : error;
  const what = `${context.operation} failed: ${message}`;
  if (code === 'HttpError') {
    const status = (error as { data?: { statusCode?: number } }).data?.statusCode;
    if (status === 401 || status === 403) {
      return new GoosukeError(
        'unauthorized',
        `${context.operation} was refused by the remote (HTTP ${status}); check the credentials and their permissions`,
        { cause },
      );
    }
    return new GoosukeError('storage', what, {
      cause,
      retryable: status !== undefined && (status >= 500 || status === 429),
    });
  }
  if (code === 'PushRejectedError') {
    return new ConflictError(`${context.operation} was rejected by the remote: ${message}`, { cause });
  }
  if (code === 'NotFoundError') {
    return new NotFoundError(
      'git object',
      redact(message.replace(/^Could not find /, '').replace(/\.$/, ''), secrets),
      {
        cause,
      },
    );
  }
  if (code === 'UserCanceledError') {
    return new GoosukeError('canceled', `${context.operation} was canceled`, { cause });
  }
  if (code !== undefined && fileSystemCodes.has(code)) {
    return new GoosukeError('storage', what, { cause });
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ENOTFOUND') {
    return new GoosukeError('storage', what, { cause, retryable: true });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new GoosukeError('canceled', `${context.operation} was canceled`, { cause });
  }
  return new GoosukeError('storage', what, { cause });
}
