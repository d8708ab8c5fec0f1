import {
  GoosukeError,
  type GoosukeErrorCode,
  InvalidInputError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
} from '@goosuke/core';
import type { Response } from 'express';
import { z } from 'zod';

/** One HTTP status and title per GoosukeError code: the single table this adapter maps errors with. */
export const problemStatusByCode: Readonly<Record<GoosukeErrorCode, { status: number; title: string }>> = {
  invalid_input: { status: 400, title: 'Invalid input' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  illegal_transition: { status: 409, title: 'Illegal transition' },
  unsupported: { status: 501, title: 'Not supported' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  secret_key: { status: 500, title: 'Server misconfigured' },
  provider: { status: 502, title: 'Model provider error' },
  storage: { status: 503, title: 'Storage unavailable' },
  edit_failed: { status: 422, title: 'Edit failed' },
  timeout: { status: 504, title: 'Timeout' },
  canceled: { status: 409, title: 'Canceled' },
  internal: { status: 500, title: 'Internal error' },
};

/** An RFC 9457 problem document as this API sends it. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    issues: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
          code: z.string().optional(),
        }),
      )
      .optional(),
    /**
     * On a 413: the largest accepted size in bytes (the body, or an instruction or message);
     * on a 429 for too many active runs: the most queued plus running runs a user may have.
     */
    limit: z.number().int().min(1).optional(),
    /** This request, `urn:goosuke:request:<id>` (the `X-Request-Id` answered): find it in the server's log. */
    instance: z.string().optional(),
  })
  .meta({ id: 'Problem' });
/** A problem document. */
export type Problem = z.infer<typeof problemSchema>;

/** The media type of problem documents. */
export const problemContentType = 'application/problem+json';

/** A problem for a status and code the adapter itself decides (malformed bodies, unknown routes, rate limits). */
export function problem(status: number, code: string, title: string, detail: string): Problem {
  return { type: `https://goosuke.dev/problems/${code}`, title, status, detail, code };
}

/**
 * The problem document for any thrown value. A GoosukeError is mapped through
 * {@link problemStatusByCode} with its one-sentence message; anything else, and the codes whose
 * messages could describe the server (secret_key, storage, internal), becomes a bare 500/503
 * saying only "internal error" (the error handler logs the rest, with the request's id).
 */
export function problemFor(error: unknown): Problem {
  if (!GoosukeError.isInstance(error)) {
    return problem(500, 'internal', 'Internal error', 'internal error');
  }
  const { status, title } = problemStatusByCode[error.code];
  const hidden = error.code === 'secret_key' || error.code === 'storage' || error.code === 'internal';
  const detail = hidden ? 'internal error' : error.message;
  const body = problem(status, error.code, title, detail);
  if (error instanceof PayloadTooLargeError || error instanceof RateLimitedError) {
    if (error.limit !== null) body.limit = error.limit;
  }
  if (error instanceof InvalidInputError || (error.code === 'invalid_input' && 'issues' in error)) {
    body.issues = (error as InvalidInputError).issues.map((issue) => ({
      path: [...issue.path],
      message: issue.message,
      ...(issue.code === undefined ? {} : { code: issue.code }),
    }));
  }
  return body;
}

/**
 * The `WWW-Authenticate` challenge of a 401 for `error`: `Bearer` for tokens; for a refused
 * webhook signature, the signature scheme (a bearer token would not help there).
 */
export function challengeFor(error: unknown): string {
  return error instanceof UnauthorizedError && error.reason === 'signature'
    ? 'Goosuke-Signature headers="x-goosuke-timestamp x-goosuke-signature"'
    : 'Bearer';
}

/** The problem `instance` naming the request `requestId`. */
export function requestInstance(requestId: string): string {
  return `urn:goosuke:request:${requestId}`;
}

/** The `Retry-After` seconds `error` asks for (a RateLimitedError's), or null. */
export function retryAfterFor(error: unknown): number | null {
  return error instanceof RateLimitedError ? error.retryAfterSeconds : null;
}

/**
 * Sends a problem document with its status; a 401 carries `WWW-Authenticate` (`Bearer` unless
 * `challenge` says otherwise), `retryAfterSeconds` becomes `Retry-After`, and the request's id
 * (from {@link requestContext}) becomes `instance`.
 */
export function sendProblem(
  response: Response,
  body: Problem,
  challenge = 'Bearer',
  retryAfterSeconds: number | null = null,
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  if (body.status === 401) response.setHeader('WWW-Authenticate', challenge);
  if (retryAfterSeconds !== null) response.setHeader('Retry-After', String(retryAfterSeconds));
  const requestId = response.locals.requestId;
  if (typeof requestId === 'string' && body.instance === undefined)
    body.instance = requestInstance(requestId);
  response.status(body.status).type(problemContentType).send(JSON.stringify(body));
}
