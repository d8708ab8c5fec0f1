import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  type ActorGoosuke,
  authorizeRole,
  defaultMaxJsonDepth,
  exceedsJsonDepth,
  type Goosuke,
  GoosukeError,
  InvalidInputError,
  type Logger,
  noopLogger,
  type Principal,
  parseInput,
  UnauthorizedError,
} from '@goosuke/core';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { apiPrefix, createOpenApiDocument } from './openapi.ts';
import { challengeFor, type Problem, problem, problemFor, retryAfterFor, sendProblem } from './problem.ts';
import { mountRedoc, redocCsp } from './redoc.ts';
import { requestContext, requestLogger } from './request-context.ts';
import { createMethodNotAllowedHandler, createRouteDispatcher } from './route-dispatch.ts';
import { httpRoutes } from './routes/index.ts';
import type { HttpRoute, RouteSettings } from './routes/route.ts';

/** Options of {@link createHttpRouter}. */
export interface HttpRouterOptions extends RouteSettings {
  /**
   * Largest accepted body, in bytes or a size string. Default: JSON bodies 1 MiB or, when
   * Goosuke's instruction limit needs more, twice that limit plus 64 KiB (room for JSON escapes);
   * raw (webhook) bodies 1 MiB.
   */
  bodyLimit?: number | string;
  /**
   * How deep a JSON body may nest (objects and arrays inside each other); deeper is a 400,
   * judged before parsing. Default 64. Signed webhook bodies are checked by Goosuke itself
   * (`createGoosuke({ maxJsonDepth })`).
   */
  maxJsonDepth?: number;
  /** Origins allowed to call the API from a browser; CORS is off when empty or absent. */
  corsOrigins?: readonly string[];
  /**
   * Requests per window and client address allowed on sign-in, refresh and sign-out (`/auth/*`
   * but stream tickets, which signed-in clients ask for at each event-stream connection);
   * default 20 per 15 minutes. Core limits failed sign-ins per account besides.
   */
  authRateLimit?: { limit?: number; windowMs?: number };
  /**
   * Requests per window and client allowed on the write routes (POST, PUT, PATCH, DELETE) outside
   * `/auth/*`, which has its own limit; default 300 per minute.
   */
  writeRateLimit?: { limit?: number; windowMs?: number };
  /**
   * Where requests are logged (one line each, bound to the request id) and unexpected errors
   * (500s, with their stack). Default: `goosuke.logger`, which writes nothing unless
   * createGoosuke was given a logger.
   */
  logger?: Logger;
}

const mebibyte = 1024 * 1024;

/**
 * The default JSON body limit: bounded, yet over the largest instruction Goosuke accepts (escaped
 * in JSON it may grow), so that an oversized instruction gets core's 413 naming its own limit.
 */
export function jsonBodyLimit(goosuke: Pick<Goosuke, 'limits'>): number {
  const instruction = goosuke.limits?.maxInstructionBytes ?? 0;
  return Math.max(mebibyte, 2 * instruction + 64 * 1024);
}

/**
 * Whether a route counts against the write rate limit: every write outside `/auth/*`, and stream
 * tickets (signed-in requests, not sign-ins: they are left out of the sign-in limit).
 */
export function isRateLimitedWrite(route: HttpRoute): boolean {
  return route.method !== 'get' && (!route.path.startsWith('/auth/') || !isSignInLimited(route));
}

/**
 * Whether a route counts against the per-address sign-in limit: `/auth/*` except the stream
 * ticket, which an authenticated client asks for at each (re)connection of an event stream and
 * which proves no credential (it needs one already).
 */
export function isSignInLimited(route: HttpRoute): boolean {
  return route.path.startsWith('/auth/') && route.operation !== 'account.createStreamTicket';
}

function limiter(limit: number, windowMs: number, skip?: (request: Request) => boolean): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    ...(skip === undefined ? {} : { skip }),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_request, response) => {
      sendProblem(
        response,
        problem(
          429,
          'rate_limited',
          'Too many requests',
          'too many requests; retry after the time in Retry-After',
        ),
      );
    },
  });
}

const docsCsp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const apiCsp = "default-src 'none'; frame-ancestors 'none'";

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Goosuke API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

// An external file, not an inline script, so that the CSP needs no 'unsafe-inline'.
const docsInit = `window.ui = SwaggerUIBundle({ url: new URL('v1/openapi.json', document.baseURI).href, dom_id: '#swagger-ui' });\n`;

const docsAssets = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

function expressPath(openApiPath: string): string {
  return apiPrefix + openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hasBody(request: Request): boolean {
  return (
    request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0
  );
}

/** The body-parser error type of a JSON body nested too deep. */
const tooDeepType = 'entity.too.deep';

/** A body-parser verify failure for a body nested deeper than `limit`. */
function tooDeep(limit: number): Error {
  return Object.assign(new Error(`the JSON body nests deeper than ${limit} levels`), {
    type: tooDeepType,
    status: 400,
  });
}

/** Maps a body-parser failure (it sets `type` and `status`) to a problem; null for other errors. */
function bodyProblem(error: unknown) {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof status !== 'number') return null;
  // Express itself sets a 4xx status without a type, e.g. for a path that is not valid percent-encoding.
  if (typeof type !== 'string') {
    return status >= 400 && status < 500 && !GoosukeError.isInstance(error)
      ? problem(400, 'bad_request', 'Bad request', 'the request could not be read')
      : null;
  }
  if (type === 'entity.too.large') {
    const body = problem(
      413,
      'payload_too_large',
      'Payload too large',
      'the request body is over the size limit',
    );
    const { limit } = error as { limit?: unknown };
    if (typeof limit === 'number') body.limit = limit;
    return body;
  }
  if (type === 'entity.verify.failed')
    return problem(400, 'invalid_body', 'Invalid body', 'the request body is not valid UTF-8');
  if (type === tooDeepType) return problem(400, 'invalid_body', 'Invalid body', (error as Error).message);
  if (type === 'entity.parse.failed')
    return problem(400, 'invalid_body', 'Invalid body', 'the request body is not valid JSON');
  if (status >= 400 && status < 500)
    return problem(
      400,
      'invalid_body',
      'Invalid body',
      'the request body could not be read; send UTF-8 JSON',
    );
  return null;
}

/** Turns any error into problem JSON: body-parser failures by their type, everything else through the code table. */
export const problemErrorHandler = (
  error: unknown,
  request: Request,
  response: Response,
  _next: NextFunction,
): void => {
  let body: Problem;
  try {
    body = bodyProblem(error) ?? problemFor(error);
  } catch {
    // Whatever went wrong here, the client still gets problem JSON, never Express's HTML page.
    body = problemFor(null);
  }
  // The client reads only "internal error" and the instance; the operator finds the stack here.
  if (body.status >= 500) {
    requestLogger(response).error('request failed', {
      method: request.method,
      path: request.path,
      status: body.status,
      err: error,
    });
  }
  sendProblem(response, body, challengeFor(error), retryAfterFor(error));
};

/** Answers every request nothing else handled with a 404 problem. */
export const notFoundHandler: RequestHandler = (request, response) => {
  sendProblem(
    response,
    problem(404, 'not_found', 'Not found', `no route for ${request.method} ${request.path}`),
  );
};

/**
 * The Goosuke REST API as an Express router: `/api/v1/*` from {@link httpRoutes}, the OpenAPI
 * document at `/api/v1/openapi.json`, Swagger UI at `/api/docs` (assets from swagger-ui-dist, no
 * CDN) and ReDoc at `/api/redoc` (its bundle copied into the build, no CDN). Handlers validate
 * with core's schemas, check access, call one facade method and render the result; every error
 * is problem JSON. Mount it at the root path.
 */
export function createHttpRouter(goosuke: Goosuke, options: HttpRouterOptions = {}): express.Router {
  const router = express.Router();
  const settings: RouteSettings = {
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  };
  const maxJsonDepth = options.maxJsonDepth ?? defaultMaxJsonDepth;
  const json = express.json({
    limit: options.bodyLimit ?? jsonBodyLimit(goosuke),
    type: () => true,
    verify: (_request, _response, buffer) => {
      // Measured on the text before JSON.parse: deep nesting would otherwise reach recursive
      // code (validation, storage) and end as a 500.
      if (exceedsJsonDepth(utf8.decode(buffer), maxJsonDepth)) throw tooDeep(maxJsonDepth);
    },
  });
  const raw = express.raw({ limit: options.bodyLimit ?? '1mb', type: () => true });
  const origins = new Set(options.corsOrigins ?? []);

  router.use(requestContext(options.logger ?? goosuke.logger ?? noopLogger));
  router.use((request, response, next) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader(
      'Content-Security-Policy',
      request.path.startsWith('/api/docs')
        ? docsCsp
        : request.path.startsWith('/api/redoc')
          ? redocCsp
          : apiCsp,
    );
    response.removeHeader('X-Powered-By');
    const origin = request.get('origin');
    if (origin !== undefined && origins.has(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
      response.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Last-Event-ID, X-Request-Id',
      );
      response.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
      response.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      response.setHeader('Access-Control-Max-Age', '600');
      if (request.method === 'OPTIONS') {
        response.status(204).end();
        return;
      }
    }
    next();
  });

  const signInLimiter = limiter(
    options.authRateLimit?.limit ?? 20,
    options.authRateLimit?.windowMs ?? 15 * 60 * 1000,
  );
  // One limiter for all write routes, so that the limit is per client, not per route.
  const writeLimiter = limiter(
    options.writeRateLimit?.limit ?? 300,
    options.writeRateLimit?.windowMs ?? 60 * 1000,
  );

  let document: string | null = null;
  router.get(`${apiPrefix}/openapi.json`, (_request, response) => {
    document ??= JSON.stringify(createOpenApiDocument());
    response.type('application/json').send(document);
  });

  const chains: Array<{ route: HttpRoute; handlers: RequestHandler[] }> = [];
  for (const route of httpRoutes) {
    const handlers: RequestHandler[] = [];
    // Before authentication, so that requests with bad tokens count too.
    if (isRateLimitedWrite(route)) handlers.push(writeLimiter);
    if (isSignInLimited(route)) handlers.push(signInLimiter);
    handlers.push(authenticate(goosuke, route));
    if (route.body !== undefined) handlers.push(requireJson, json);
    if (route.rawBody !== undefined) handlers.push(raw);
    handlers.push(handle(goosuke, route, settings));
    chains.push({ route, handlers });
  }
  // Express matches a request against every route's pattern in turn (a regex each, about 1 us
  // with the router's bookkeeping), which for a route late in the table cost more than the
  // handler's own work. One lookup by method and segment count serves what the table declares;
  // anything it does not serve (OPTIONS, other methods, no match) falls through to the same
  // routes registered with Express below, so behaviour outside the fast path is Express's own.
  router.use(createRouteDispatcher(chains));
  for (const { route, handlers } of chains) router[route.method](expressPath(route.path), ...handlers);
  router.use(
    apiPrefix,
    createMethodNotAllowedHandler([...httpRoutes, { method: 'get', path: '/openapi.json' }]),
  );

  // The docs pages come after the API: they are asked for rarely, and every route before the
  // API's is a pattern each API request is tested against. Their paths never overlap the API's.
  const assetDir = swaggerUiDir();
  router.get('/api/docs', (_request, response) => {
    response.type('html').send(docsPage);
  });
  router.get('/api/docs/init.js', (_request, response) => {
    response.type('application/javascript').send(docsInit);
  });
  for (const asset of docsAssets) {
    let content: Buffer | null = null;
    router.get(`/api/docs/${asset}`, (_request, response) => {
      content ??= readFileSync(path.join(assetDir, asset));
      response.type(asset.endsWith('.css') ? 'text/css' : 'application/javascript').send(content);
    });
  }
  mountRedoc(router);

  router.use('/api', notFoundHandler);
  router.use(problemErrorHandler);
  return router;
}

const requireJson: RequestHandler = (request, response, next) => {
  if (hasBody(request) && !request.is('application/json')) {
    sendProblem(response, problem(400, 'invalid_body', 'Invalid body', 'send the body as application/json'));
    return;
  }
  next();
};

function bearerToken(request: Request): string | null {
  const header = request.get('authorization');
  if (header === undefined) return null;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match) throw new UnauthorizedError('token');
  return match[1]!;
}

function authenticate(goosuke: Goosuke, route: HttpRoute): RequestHandler {
  return async (request, response, next) => {
    if (route.access === 'public') {
      if (route.optionalAuth && request.get('authorization') !== undefined) {
        try {
          const token = bearerToken(request);
          if (token !== null) response.locals.principal = await goosuke.auth.authenticate(token);
        } catch {
          // Optional: a malformed or bad token makes an anonymous caller, not an error.
        }
      }
      next();
      return;
    }
    try {
      const token = bearerToken(request);
      let principal: Principal;
      if (token !== null) principal = await goosuke.auth.authenticate(token);
      else if (route.acceptsTicket && typeof request.query.ticket === 'string') {
        // Bound to this stream's path, so that an EventSource may reconnect with it.
        principal = await goosuke.auth.redeemStreamTicket(
          request.query.ticket,
          request.baseUrl + request.path,
        );
      } else throw new UnauthorizedError('token');
      // Before the body is read: a member learns nothing of an admin route's input. The rule is
      // core's (the role was read from the store by authentication); core checks it again.
      if (route.operation !== undefined) authorizeRole(principal.role, route.operation);
      response.locals.principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** A query parameter the route does not declare is a mistake of the caller, not something to ignore. */
function rejectUnknownQuery(route: HttpRoute, request: Request): void {
  const declared = new Set(Object.keys(route.query?.shape ?? {}));
  if (route.acceptsTicket) declared.add('ticket');
  const unknown = Object.keys(request.query as Record<string, unknown>).filter((name) => !declared.has(name));
  if (unknown.length === 0) return;
  throw new InvalidInputError(
    `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((name) => `"${name}"`).join(', ')}${
      declared.size === 0 ? '; this operation takes none' : `; expected ${[...declared].join(', ')}`
    }`,
    unknown.map((name) => ({ path: ['query', name], message: 'not a parameter of this operation' })),
  );
}

/** A strong entity tag of a JSON body: the same body gives the same tag. */
export function entityTag(body: string | Buffer): string {
  return `"${hash('sha256', body, 'base64url').slice(0, 27)}"`;
}

/** A value's JSON as sent, and its entity tag. */
interface Versioned {
  readonly body: Buffer;
  readonly tag: string;
}

// Core hands out the same deeply frozen object while the store's change token holds (a task's
// detail, say): its JSON and tag cannot change, and serialising and hashing 5 KB again on every
// read was a tenth of a GET's time. Weak: an entry lives as long as core keeps the object.
const versionedByValue = new WeakMap<object, Versioned>();

/** `value` as JSON with its entity tag; computed once per frozen object. */
function versioned(value: unknown): Versioned {
  const reusable = typeof value === 'object' && value !== null && Object.isFrozen(value);
  if (reusable) {
    const known = versionedByValue.get(value);
    if (known !== undefined) return known;
  }
  const body = Buffer.from(JSON.stringify(value));
  const result = { body, tag: entityTag(body) };
  if (reusable) versionedByValue.set(value, result);
  return result;
}

/**
 * Whether the `If-Match` precondition of a write to a task holds: the tag `GET /tasks/{id}` sends for the task
 * as the caller sees it now, or `*`. Without the header the write is unconditional (true).
 */
async function ifMatches(actor: ActorGoosuke, params: { id: string }, request: Request): Promise<boolean> {
  const header = request.get('if-match');
  if (header === undefined) return true;
  const current = versioned(await actor.tasks.getDetail(params.id)).tag;
  const tags = header.split(',').map((tag) => tag.trim());
  // Strong comparison (RFC 9110): a weak tag never matches.
  return tags.includes('*') || tags.includes(current);
}

/** What a public route's handler gets as `actor`: using it is a bug of the route table. */
const noActor = new Proxy({} as ActorGoosuke, {
  get: (_target, property) => {
    throw new Error(`a public route used actor.${String(property)}: give the route an operation`);
  },
});

function handle(goosuke: Goosuke, route: HttpRoute, settings: RouteSettings): RequestHandler {
  return async (request, response, next) => {
    try {
      rejectUnknownQuery(route, request);
      const params = route.params === undefined ? {} : parseInput(route.params, request.params, 'path');
      const query = route.query === undefined ? {} : parseInput(route.query, request.query, 'query');
      const body = route.body === undefined ? undefined : parseInput(route.body, request.body, 'body');
      const principal = (response.locals.principal as Principal | undefined) ?? null;
      const actor = principal === null ? noActor : goosuke.as(principal);
      if (route.taskVersion === 'write' && !(await ifMatches(actor, params as { id: string }, request))) {
        sendProblem(
          response,
          problem(
            412,
            'precondition_failed',
            'Precondition failed',
            'the task changed since the version If-Match names; read it again (GET /tasks/{id}) and retry',
          ),
        );
        return;
      }
      const result = await route.handle({
        goosuke,
        actor,
        principal,
        params,
        query,
        body,
        settings,
        request,
        response,
      });
      if (route.stream) return;
      // Answers for one caller: shared caches must not keep them, private ones revalidate.
      if (route.method === 'get' && principal !== null)
        response.setHeader('Cache-Control', 'private, no-cache');
      if (route.response === undefined) response.status(route.status).end();
      else if (route.taskVersion === 'read') {
        const { body, tag } = versioned(result);
        // Express answers If-None-Match with 304 from this header.
        response.setHeader('ETag', tag);
        response.setHeader('Content-Type', 'application/json; charset=utf-8');
        response.status(route.status).send(body);
      } else response.status(route.status).json(result);
    } catch (error) {
      next(error);
    }
  };
}
