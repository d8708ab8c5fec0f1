import { ConflictError, GoosukeError, ProviderError } from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** How much of a dead stdio server's stderr goes into a message. */
const stderrInMessage = 2_000;

/** What an error message needs to know of one connection. */
export interface ErrorContext {
  /** `the MCP server "name"`. */
  readonly server: string;
  /** Values never to show. */
  readonly secrets: readonly string[];
}

/** Why the server is gone, once it is: the exit and the end of its stderr, in words (redacted). */
export type DeathReason = string | null;

/** A message with every secret replaced by `***`. */
export function redact(context: ErrorContext, text: string): string {
  return redactSecrets(text, context.secrets);
}

/** The end of a stderr text, for a message, or '' when there is none. */
export function stderrNote(stderr: string): string {
  const trimmed = stderr.trim();
  if (trimmed === '') return '';
  const tail = trimmed.length > stderrInMessage ? `…${trimmed.slice(-stderrInMessage)}` : trimmed;
  return `; its stderr ends with: ${tail}`;
}

/** The server failed: code `provider`, the message and the cause redacted. */
export function serverFailed(
  context: ErrorContext,
  message: string,
  options: { cause?: unknown; status?: number | null; retryable?: boolean } = {},
): ProviderError {
  return new ProviderError('mcp', `${context.server} ${message}`, {
    ...options,
    secrets: context.secrets,
  });
}

/** The call was made after `close()`. */
export function closedError(context: ErrorContext, what: string): ConflictError {
  return new ConflictError(redact(context, `cannot ${what}: the connection to ${context.server} is closed`));
}

/**
 * The GoosukeError for an SDK or system error raised by a request (`what`: `initialize`,
 * `tools/list`, `tools/call "echo"`):
 * - the caller's signal aborted it: `canceled` (the SDK reports an abort as a timeout);
 * - the SDK's request timeout: `timeout`, retryable;
 * - the connection closed under it: `provider`, with `death` (the exit and stderr) when known;
 * - an HTTP status: `provider` with that status;
 * - a JSON-RPC error answer or anything else: `provider`.
 * A GoosukeError passes through.
 */
export function translateError(
  context: ErrorContext,
  error: unknown,
  what: string,
  at: { signal?: AbortSignal | undefined; timeoutMs: number; death: DeathReason },
): GoosukeError {
  if (GoosukeError.isInstance(error)) return error;
  if (at.signal?.aborted) {
    return new GoosukeError('canceled', redact(context, `${what} on ${context.server} was canceled`), {
      cause: at.signal.reason,
    });
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new GoosukeError(
      'timeout',
      redact(context, `${context.server} did not answer ${what} within ${at.timeoutMs} ms`),
      { retryable: true },
    );
  }
  if (at.death !== null) return serverFailed(context, `${at.death} (during ${what})`, { cause: error });
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return serverFailed(context, `closed the connection during ${what}`, { cause: error });
  }
  if (error instanceof StreamableHTTPError && error.code !== undefined && error.code >= 100) {
    return serverFailed(context, `answered ${what} with HTTP ${error.code}: ${messageOf(error)}`, {
      cause: error,
      status: error.code,
    });
  }
  if (error instanceof McpError) {
    return serverFailed(context, `answered ${what} with an error: ${messageOf(error)}`, {
      cause: error,
      retryable: false,
    });
  }
  return serverFailed(context, `failed during ${what}: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch's "fetch failed" says nothing; the reason is in its cause (ECONNREFUSED …).
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
