import { GoosukeError, NotFoundError } from '@goosuke/core';
import type { GitOutcome } from './run-git.ts';

/** Replaces every occurrence of each secret (also URL- and base64-encoded) with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join('***');
  }
  return result;
}

/**
 * git's own diagnosis of a failure: its last `fatal:` or `error:` line, never a `remote:` line
 * (the remote's words, which may echo anything), secrets redacted, at most 200 characters.
 */
export function gitDiagnosis(stderr: string, secrets: readonly (string | undefined)[]): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => /^(fatal|error):/.test(line));
  const line = lines.at(-1);
  if (line === undefined) return 'git gave no reason';
  // `fatal: remote error: …` quotes the remote's own message (an ERR packet): not repeated.
  if (/remote error|remote rejected|remote: /i.test(line)) return 'the remote refused the request';
  const text = redact(line.replace(/^(fatal|error):\s*/, ''), secrets);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The GoosukeError for a git command that exited non-zero, as the isomorphic-git backend
 * reports the same failures: `unauthorized` for HTTP 401/403 and refused credentials,
 * NotFoundError for a repository that is not there, a retryable `storage` error for network
 * failures and HTTP 5xx/429, `storage` otherwise. Messages name the operation and git's
 * diagnosis (see {@link gitDiagnosis}), never the remote's words or a secret.
 */
export function translateGitFailure(
  outcome: GitOutcome,
  context: { operation: string; url?: string; secrets?: readonly (string | undefined)[] },
): GoosukeError {
  const secrets = context.secrets ?? [];
  const stderr = outcome.stderr;
  const status = /returned error: (\d{3})/.exec(stderr)?.[1];
  if (
    status === '401' ||
    status === '403' ||
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled/i.test(stderr)
  ) {
    const shown = status === undefined ? '' : ` (HTTP ${status})`;
    return new GoosukeError(
      'unauthorized',
      `${context.operation} was refused by the remote${shown}; check the credentials and their permissions`,
    );
  }
  if (
    status === '404' ||
    /repository '[^']*' not found|does not appear to be a git repository|not a git repository|No such file or directory/i.test(
      stderr,
    )
  ) {
    return new NotFoundError('git repository', redact(context.url ?? 'origin', secrets));
  }
  const what = `${context.operation} failed: ${gitDiagnosis(stderr, secrets)}`;
  const retryable =
    (status !== undefined && (status.startsWith('5') || status === '429')) ||
    /Could not resolve host|Failed to connect|Connection refused|Connection reset|timed out|early EOF|RPC failed/i.test(
      stderr,
    );
  return new GoosukeError('storage', what, { retryable });
}
