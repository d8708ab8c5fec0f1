import { randomUUID } from 'node:crypto';
import { type Logger, noopLogger } from '@goosuke/core';
import type { RequestHandler, Response } from 'express';

// An incoming id is echoed in a header and written to logs: only short, plain tokens.
const safeRequestId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The id of a request: the client's `X-Request-Id` when it is a safe short token (letters,
 * digits, `.`, `_`, `:`, `-`; at most 64 characters), else a fresh UUID.
 */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && safeRequestId.test(incoming) ? incoming : randomUUID();
}

/** The logger of the request `response` answers, bound to its id; a no-op one outside {@link requestContext}. */
export function requestLogger(response: Response): Logger {
  return (response.locals.logger as Logger | undefined) ?? noopLogger;
}

/**
 * Express middleware on the core Logger port (so that no logging library is forced on SDK users):
 * gives every request an id ({@link requestIdFor}), answered as `X-Request-Id` and put in every
 * problem's `instance`, and a child logger bound to `{ requestId }`; when the response is sent,
 * one `info` line with the method, the path (never the query, which may hold a stream ticket),
 * the status and the duration. Headers and bodies are never logged.
 */
export function requestContext(logger: Logger): RequestHandler {
  const logging = logger !== noopLogger;
  return (request, response, next) => {
    const requestId = requestIdFor(request.get('x-request-id'));
    response.locals.requestId = requestId;
    response.setHeader('X-Request-Id', requestId);
    if (logging) {
      const log = logger.child({ requestId });
      response.locals.logger = log;
      const started = performance.now();
      response.once('finish', () => {
        log.info('request', {
          method: request.method,
          path: request.path,
          status: response.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        });
      });
    }
    next();
  };
}
