import { jsonObjectSchema, jsonValueSchema, runEventSchema } from '@goosuke/core';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { apiPrefix } from './api-prefix.ts';
import { csrfCookieName, csrfHeaderName, refreshCookieName } from './browser-session.ts';
import { problemContentType, problemSchema } from './problem.ts';
import { actionCallbackSchema } from './routes/action-routes.ts';
import { httpRoutes } from './routes/index.ts';
import type { HttpRoute } from './routes/route.ts';

/** The OpenAPI 3.1 document as zod-openapi builds it. */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The path prefix every API route lives under. */
export { apiPrefix } from './api-prefix.ts';

type HeaderObjects = NonNullable<ZodOpenApiResponseObject['headers']>;

const stringHeader = (description: string, required = true) => ({
  description,
  required,
  schema: { type: 'string' as const },
});

const rateLimitHeaders: HeaderObjects = {
  RateLimit: stringHeader(
    'The limit that applies and what is left of it (IETF draft-8 `RateLimit`, e.g. `"300-in-1min"; r=299; t=60`)',
  ),
  'RateLimit-Policy': stringHeader(
    'The limit policy (IETF draft-8 `RateLimit-Policy`, e.g. `"300-in-1min"; q=300; w=60`)',
  ),
};

const retryAfterHeader: HeaderObjects = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
};

const problemResponse = (description: string, headers?: HeaderObjects): ZodOpenApiResponseObject => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { [problemContentType]: { schema: problemSchema } },
});

/** Operations whose input core holds to its limits (`RunLimits`): what their 413 and 429 also mean. */
const limitedOperations: Readonly<Record<string, { '413': string; '429'?: string }>> = {
  'tasks.create': { '413': 'Body over the size limit, or a message over the message size limit (`limit`)' },
  'tasks.addMessage': {
    '413': 'Body over the size limit, or a message over the message size limit (`limit`)',
  },
  'runs.create': {
    '413': 'Body over the size limit, or an instruction over the instruction size limit (`limit`)',
    '429': 'Too many requests, or too many of the caller’s runs queued or running (`limit`); see Retry-After',
  },
  'actions.trigger': {
    '413': 'Body over the size limit, or a filled-in prompt over the instruction size limit (`limit`)',
    '429': 'Too many requests, or too many of the caller’s runs queued or running (`limit`); see Retry-After',
  },
};

/** Whether a route counts against a rate limit: writes against the write limit, /auth/* against its own. */
function isRateLimited(route: HttpRoute): boolean {
  return route.method !== 'get' || route.path.startsWith('/auth/');
}

/** Header parameters as plain OpenAPI parameter objects (they need no zod validation: handlers read them). */
function headerParameters(route: HttpRoute) {
  const parameters: Array<{
    in: 'header';
    name: string;
    required: boolean;
    description: string;
    schema: { type: 'string'; minLength?: number; maxLength?: number; pattern?: string };
  }> = [];
  const header = (name: string, description: string, required = false, pattern?: string, maxLength = 200) =>
    parameters.push({
      in: 'header',
      name,
      required,
      description,
      schema: { type: 'string', minLength: 1, maxLength, ...(pattern === undefined ? {} : { pattern }) },
    });
  if (route.idempotent) {
    header(
      'Idempotency-Key',
      "The caller's key for this request (1 to 190 characters, kept 24 hours): a retry with the same key and body gets the first response and creates nothing again; the same key with another body is a 409. Keys are the caller's own.",
      false,
      undefined,
      190,
    );
  }
  if (route.stream) {
    header(
      'Last-Event-ID',
      route.path.startsWith('/tasks/')
        ? 'Resume after this event: the `id` of an event this stream sent, `<runId>:<sequence>`'
        : 'Resume after this event: the `id` (sequence number) of an event this stream sent',
    );
  }
  if (route.taskVersion === 'write') {
    header(
      'If-Match',
      'Apply the change only if the task is unchanged: the `ETag` of `GET /tasks/{id}` (or `*`); 412 when it is stale',
    );
  }
  if (route.taskVersion === 'read') {
    header('If-None-Match', 'The ETag of an earlier answer: 304 when the task is unchanged');
  }
  if (route.browserSession === 'cookie') {
    header(
      csrfHeaderName,
      `The value of the \`${csrfCookieName}\` cookie (double-submit CSRF protection); 403 when it is missing or differs`,
      true,
      undefined,
      100,
    );
  }
  if (route.signed) {
    header(
      'X-Goosuke-Timestamp',
      'Goosuke scheme: Unix seconds when the delivery was signed (within the replay window)',
    );
    header(
      'X-Goosuke-Signature',
      'Goosuke scheme: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the action secret>`',
    );
    header('X-Hub-Signature-256', 'GitHub scheme: `sha256=<hex HMAC-SHA256 of the body>`');
    header('X-GitHub-Delivery', 'GitHub scheme: the delivery id (a delivery is accepted once)');
    header('X-GitHub-Event', 'GitHub scheme: the event name (`ping` is acknowledged and ignored)');
  }
  return parameters;
}

function successResponse(route: HttpRoute): ZodOpenApiResponseObject {
  const headers: HeaderObjects = {};
  if (isRateLimited(route)) Object.assign(headers, rateLimitHeaders);
  if (route.method === 'get' && route.access !== 'public' && !route.stream) {
    headers['Cache-Control'] = stringHeader('`private, no-cache`: answers for one caller, revalidated');
  }
  if (route.browserSession !== undefined) {
    headers['Set-Cookie'] = stringHeader(
      route.method === 'delete'
        ? `Clears \`${refreshCookieName}\` and \`${csrfCookieName}\` (\`Max-Age=0\`)`
        : `\`${refreshCookieName}\` (the refresh token: HttpOnly, SameSite=Strict, Path=/api/v1/auth/session, Secure unless plain HTTP to a loopback address) and \`${csrfCookieName}\` (the CSRF token: SameSite=Strict, Path=/)`,
    );
  }
  if (route.taskVersion === 'read') {
    headers.ETag = stringHeader(
      'The strong entity tag of the task with its messages and runs, for `If-Match` on writes to the task',
    );
  }
  const withHeaders = Object.keys(headers).length === 0 ? {} : { headers };
  if (route.response === undefined) return { description: 'Done', ...withHeaders };
  if (route.stream) {
    return {
      description:
        'A stream of Server-Sent Events: each event has an `id` (resume with `Last-Event-ID`), an `event` (the event type) and one `data` line holding a `RunEvent` as JSON (components/schemas/RunEvent). Comment lines keep the connection alive.',
      ...withHeaders,
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: 'Server-Sent Events whose `data` lines are RunEvent JSON documents',
          },
        },
      },
    };
  }
  return {
    description: 'Success',
    ...withHeaders,
    content: { 'application/json': { schema: route.response } },
  };
}

function operation(route: HttpRoute): ZodOpenApiOperationObject {
  const limited = route.operation === undefined ? undefined : limitedOperations[route.operation];
  const errors: Record<string, ZodOpenApiResponseObject> = {
    '400': problemResponse(
      'Invalid input, an unknown query parameter, malformed JSON or a wrong content type',
    ),
  };
  if (route.access !== 'public') {
    errors['401'] = problemResponse('Missing, malformed or expired token', {
      'WWW-Authenticate': stringHeader('`Bearer`'),
    });
    errors['403'] = problemResponse(route.access === 'admin' ? 'Admins only' : 'Not allowed for this caller');
  }
  if (route.browserSession === 'cookie') {
    errors['403'] = problemResponse(
      `No \`${csrfHeaderName}\` header, or one that differs from the \`${csrfCookieName}\` cookie`,
    );
  }
  if (route.access === 'public' && route.path.startsWith('/auth/')) {
    errors['401'] = problemResponse(
      'Wrong username or password, or an invalid, expired or revoked refresh token',
      {
        'WWW-Authenticate': stringHeader('`Bearer`'),
      },
    );
  }
  if (route.signed) {
    errors['401'] = problemResponse('Missing, invalid, expired or replayed signature', {
      'WWW-Authenticate': stringHeader('The signature scheme, e.g. `Goosuke-Signature headers="…"`'),
    });
  }
  if (route.params !== undefined) errors['404'] = problemResponse('Not found');
  if (route.method !== 'get') {
    errors['409'] = problemResponse(
      route.idempotent
        ? 'Conflicts with the current state, or the Idempotency-Key was used with a different body'
        : 'Conflicts with the current state (a duplicate, or a change the state does not allow)',
    );
  }
  if (route.taskVersion === 'write') errors['412'] = problemResponse('If-Match names a stale version');
  if (route.body !== undefined || route.rawBody !== undefined) {
    errors['413'] = problemResponse(limited?.['413'] ?? 'Body (or an instruction in it) over the size limit');
  }
  if (isRateLimited(route)) {
    errors['429'] = problemResponse(limited?.['429'] ?? 'Too many requests; see Retry-After', {
      ...retryAfterHeader,
      ...rateLimitHeaders,
    });
  }
  const responses: Record<string, ZodOpenApiResponseObject> = {
    [String(route.status)]: successResponse(route),
  };
  if (route.stream) {
    responses['204'] = {
      description: 'Resumed (Last-Event-ID) after the terminal event: nothing more to send',
    };
  }
  if (route.taskVersion === 'read') responses['304'] = { description: 'Not modified (If-None-Match)' };
  const headers = headerParameters(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security:
      route.browserSession === 'cookie'
        ? [{ sessionCookie: [] }]
        : route.access === 'public'
          ? []
          : route.acceptsTicket
            ? [{ bearer: [] }, { streamTicket: [] }]
            : [{ bearer: [] }],
    ...(route.params === undefined && route.query === undefined
      ? {}
      : {
          requestParams: {
            ...(route.params === undefined ? {} : { path: route.params }),
            ...(route.query === undefined ? {} : { query: route.query }),
          },
        }),
    ...(headers.length === 0 ? {} : { parameters: headers }),
    ...(route.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }),
    ...(route.rawBody === undefined
      ? {}
      : {
          requestBody: {
            required: false,
            description: route.rawBody,
            content: {
              'application/json': { schema: {} },
              'application/x-www-form-urlencoded': { schema: {} },
            },
          },
        }),
    responses: { ...responses, ...errors, default: problemResponse('Unexpected error') },
  };
}

type JsonSchema = Record<string, unknown>;

/**
 * Adjusts zod's JSON Schema where generators and validators read it differently:
 * - `JsonValue` recurses through arrays, which openapi-typescript emits as a type referring to
 *   itself (`JsonValue[]` inside `JsonValue`: TS2502, and the type becomes `any`). The
 *   recursion goes through `JsonObject` instead (an object type, which TypeScript defers), and
 *   the items of arrays nested in arrays are any JSON. Validation is unchanged: the body is JSON.
 * - A tuple is `prefixItems` plus `items: false`, which OpenAPI 3.0 tools and validators that
 *   predate JSON Schema 2020-12 cannot read; `items` becomes the union of the prefix items, so
 *   either reading accepts the same arrays (the length is fixed by minItems/maxItems).
 */
function adjustSchema({ jsonSchema, zodSchema }: { jsonSchema: JsonSchema; zodSchema: unknown }): void {
  if (Array.isArray(jsonSchema.prefixItems) && jsonSchema.items === false) {
    const prefix = jsonSchema.prefixItems as JsonSchema[];
    const distinct = [...new Map(prefix.map((item) => [JSON.stringify(item), item])).values()];
    jsonSchema.items = distinct.length === 1 ? distinct[0] : { anyOf: distinct };
  }
  if (zodSchema === jsonValueSchema) {
    const primitives = (['string', 'number', 'boolean', 'null'] as const).map((type) => ({ type }));
    const object = { $ref: '#/components/schemas/JsonObject' };
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    jsonSchema.anyOf = [
      ...primitives,
      object,
      { type: 'array', items: { anyOf: [...primitives, object, { type: 'array', items: {} }] } },
    ];
  }
}

/**
 * A field with a default may be left out of a request, but openapi-typescript makes every
 * property that has a `default` required (right for responses, where the server fills it in).
 * Where a property is not `required`, its default moves into a one-branch `allOf` (the same
 * schema, the annotation kept), where it does not make the field required: `required` alone says
 * what must be sent. Walks the whole document, since zod-openapi adds defaults next to `$ref`s
 * after the override hook.
 */
function optionalDefaults(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) optionalDefaults(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) {
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    for (const [name, property] of Object.entries(properties)) {
      if (
        required.has(name) ||
        typeof property !== 'object' ||
        property === null ||
        !('default' in property)
      ) {
        continue;
      }
      const { description, ...rest } = property;
      properties[name] = { ...(description === undefined ? {} : { description }), allOf: [rest] };
    }
  }
  for (const value of Object.values(schema)) optionalDefaults(value);
}

/**
 * The OpenAPI 3.1 document of the routes, built from the same table the handlers run on.
 * Deterministic: the same routes give the same document.
 */
export function createOpenApiDocument(routes: readonly HttpRoute[] = httpRoutes): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = `${apiPrefix}${route.path}`;
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  const document = createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Goosuke API',
        version: '1',
        description: [
          'Every operation but health, login, refresh, the browser session routes and signed webhooks needs `Authorization: Bearer <access JWT or personal access token>`; event streams also take `?ticket=` from `POST /auth/stream-ticket`.',
          'Browsers sign in with `POST /auth/session`: the refresh token is kept in an HttpOnly cookie that only the session routes receive, and refreshing or signing out there needs `X-CSRF-Token` equal to the `goosuke_csrf` cookie.',
          'Errors are RFC 9457 problem documents (`application/problem+json`).',
          'A wrong method on a known path is a 405 problem with `Allow`; a query parameter an operation does not declare is a 400.',
          'Writes count against a per-client rate limit (`RateLimit`, `RateLimit-Policy`; 429 with `Retry-After`), `/auth/*` against its own.',
          'Browse this document with Swagger UI at `/api/docs` or ReDoc at `/api/redoc`.',
        ].join('\n\n'),
      },
      servers: [{ url: '/', description: 'The server this document is served by' }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An access JWT or a personal access token (gsk_)',
          },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: refreshCookieName,
            description:
              'The refresh token of a browser session, set HttpOnly by `POST /auth/session` and sent by the browser to the session routes only; with it, `X-CSRF-Token` must repeat the `goosuke_csrf` cookie.',
          },
          streamTicket: {
            type: 'apiKey',
            in: 'query',
            name: 'ticket',
            description:
              'A ticket from `POST /auth/stream-ticket`, for event streams (a browser EventSource cannot send headers). It is valid for 60 seconds, and only for the first stream it opens, which may reconnect with it.',
          },
        },
        schemas: { RunEvent: runEventSchema, JsonObject: jsonObjectSchema },
      },
      paths,
      webhooks: {
        actionCallback: {
          post: {
            summary:
              "What the server POSTs to an action's callbackUrl when the runs of a triggered message have ended",
            description:
              'Verify it as an incoming Goosuke webhook: `X-Goosuke-Signature` is `sha256=` and the hex HMAC-SHA256, with the action secret, of `<X-Goosuke-Timestamp>.<body>`. A 2xx answer ends the delivery; other answers and timeouts (15 s) are retried with backoff, except 4xx other than 408, 425 and 429.',
            parameters: [
              {
                in: 'header',
                name: 'X-Goosuke-Timestamp',
                required: true,
                description: 'Unix seconds when the delivery was signed',
                schema: { type: 'string' },
              },
              {
                in: 'header',
                name: 'X-Goosuke-Signature',
                required: true,
                description: '`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the action secret>`',
                schema: { type: 'string' },
              },
              {
                in: 'header',
                name: 'X-Goosuke-Event',
                required: true,
                description: '`task.completed`',
                schema: { type: 'string' },
              },
              {
                in: 'header',
                name: 'X-Goosuke-Delivery',
                required: true,
                description: 'The triggered message id: the same for every retry of one delivery',
                schema: { type: 'string' },
              },
            ],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: actionCallbackSchema } },
            },
            responses: { '200': { description: 'Received (any 2xx)' } },
          },
        },
      },
    },
    { override: adjustSchema },
  );
  optionalDefaults(document);
  return document;
}
