// Matching a request to its route, without Express's router: one table lookup by method and
// segment count (see faster-api-reads), and the 405 a known path answers for other methods.
import type { RequestHandler } from 'express';
import { apiPrefix } from './openapi.ts';
import { problem, sendProblem } from './problem.ts';
import type { HttpRoute } from './routes/route.ts';

/**
 * Answers a request for a known path with a method it does not serve: 405 problem JSON with
 * `Allow` (an OPTIONS request gets 204 with `Allow`). Requests for unknown paths go on to the 404.
 */
export function createMethodNotAllowedHandler(
  routes: ReadonlyArray<Pick<HttpRoute, 'method' | 'path'>>,
): RequestHandler {
  const patterns = routes.map((route) => ({
    method: route.method.toUpperCase(),
    pattern: new RegExp(
      `^${route.path
        .split('/')
        .map((part) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}/?$`,
      'i',
    ),
  }));
  return (request, response, next) => {
    const methods = new Set<string>();
    for (const { method, pattern } of patterns) if (pattern.test(request.path)) methods.add(method);
    if (methods.size === 0) {
      next();
      return;
    }
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].join(', ');
    response.setHeader('Allow', allow);
    if (request.method === 'OPTIONS') {
      response.status(204).end();
      return;
    }
    sendProblem(
      response,
      problem(
        405,
        'method_not_allowed',
        'Method not allowed',
        `${request.method} is not allowed on ${request.baseUrl}${request.path}; use ${allow}`,
      ),
    );
  };
}

/** One route's path as segments: a literal (lower case) or a parameter name. */
type Segment = { literal: string } | { param: string };

/** Splits `/api/v1/tasks/{id}` into segments, literals lower-cased as Express matches them case-insensitively. */
function segmentsOf(openApiPath: string): Segment[] {
  return (apiPrefix + openApiPath)
    .split('/')
    .slice(1)
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      return param ? { param: param[1]! } : { literal: part.toLowerCase() };
    });
}

/** The error Express's router gives for a path parameter that is not valid percent-encoding. */
function undecodableParam(value: string, cause: unknown): Error {
  return Object.assign(new Error(`Failed to decode param '${value}'`), { status: 400, cause });
}

/**
 * A middleware serving `chains` by method and path the way Express's router would (the first
 * route in table order wins; literals match case-insensitively; one trailing slash is allowed;
 * parameters are one non-empty segment, percent-decoded; HEAD is served by GET), calling each
 * route's handlers in order. Requests it does not match go to `next()` untouched.
 */
export function createRouteDispatcher(
  chains: ReadonlyArray<{ route: HttpRoute; handlers: readonly RequestHandler[] }>,
): RequestHandler {
  const table = new Map<string, Array<{ segments: Segment[]; handlers: readonly RequestHandler[] }>>();
  for (const { route, handlers } of chains) {
    const segments = segmentsOf(route.path);
    const key = `${route.method.toUpperCase()} ${segments.length}`;
    let list = table.get(key);
    if (list === undefined) {
      list = [];
      table.set(key, list);
    }
    list.push({ segments, handlers });
  }
  return (request, response, next) => {
    let path = request.path;
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const parts = path.split('/');
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const candidates = table.get(`${method} ${parts.length - 1}`);
    if (candidates === undefined) {
      next();
      return;
    }
    let params: Record<string, string> | null = null;
    let handlers: readonly RequestHandler[] | null = null;
    try {
      for (const candidate of candidates) {
        const found: Record<string, string> = {};
        let matches = true;
        for (let index = 0; index < candidate.segments.length; index++) {
          const segment = candidate.segments[index]!;
          const part = parts[index + 1]!;
          if ('literal' in segment) {
            if (part.toLowerCase() !== segment.literal) {
              matches = false;
              break;
            }
          } else if (part === '') {
            matches = false;
            break;
          } else {
            try {
              found[segment.param] = decodeURIComponent(part);
            } catch (error) {
              throw undecodableParam(part, error);
            }
          }
        }
        if (matches) {
          params = found;
          handlers = candidate.handlers;
          break;
        }
      }
    } catch (error) {
      next(error);
      return;
    }
    if (handlers === null || params === null) {
      next();
      return;
    }
    request.params = params;
    const chain = handlers;
    let position = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        // As in Express, `next('route')` and `next('router')` leave this route, not with an error.
        if (error === 'route' || error === 'router') next('router');
        else next(error);
        return;
      }
      const handler = chain[position++];
      // Every route ends in a handler that answers; a chain that runs out answers like no route.
      if (handler === undefined) {
        next('router');
        return;
      }
      try {
        const result = handler(request, response, step) as unknown;
        // As Express 5 does, a rejected promise is an error even when it rejects with nothing.
        if (result instanceof Promise) result.catch((error) => step(error ?? new Error('Rejected promise')));
      } catch (thrown) {
        step(thrown);
      }
    };
    step();
  };
}
