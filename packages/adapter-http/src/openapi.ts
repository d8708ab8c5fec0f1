import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { problemContentType, problemSchema } from './problem.ts';
import { httpRoutes } from './routes/index.ts';
import { type HttpRoute, idempotencyKeyHeader } from './routes/route.ts';

/** The OpenAPI 3.1 document as zod-openapi builds it. */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The path prefix every API route lives under. */
export const apiPrefix = '/api/v1';

const problemResponse = (description: string) => ({
  description,
  content: { [problemContentType]: { schema: problemSchema } },
});

const retryAfterHeader = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 } as const,
};

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

function operation(route: HttpRoute): ZodOpenApiOperationObject {
  const limited = route.operation === undefined ? undefined : limitedOperations[route.operation];
  const errors: Record<string, ReturnType<typeof problemResponse> & { headers?: object }> = {
    '400': problemResponse('Invalid input, malformed JSON or a wrong content type'),
  };
  if (route.access !== 'public') errors['401'] = problemResponse('Missing, malformed or expired token');
  if (route.signed) errors['401'] = problemResponse('Missing, invalid, expired or replayed signature');
  if (route.access === 'admin') errors['403'] = problemResponse('Admins only');
  if (route.params !== undefined) errors['404'] = problemResponse('Not found');
  if (route.idempotent) errors['409'] = problemResponse('The Idempotency-Key was used with another request');
  if (route.body !== undefined || route.rawBody !== undefined) {
    errors['413'] = problemResponse(limited?.['413'] ?? 'Body over the size limit');
  }
  // Writes count against the write limit, /auth/* against its own.
  if (route.method !== 'get' || route.path.startsWith('/auth/'))
    errors['429'] = {
      ...problemResponse(limited?.['429'] ?? 'Too many requests; see Retry-After'),
      headers: { 'Retry-After': retryAfterHeader },
    };
  const success =
    route.response === undefined
      ? { description: 'Done' }
      : {
          description: route.stream ? 'A stream of run events' : 'Success',
          content: { [route.stream ? 'text/event-stream' : 'application/json']: { schema: route.response } },
        };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    ...(route.params === undefined && route.query === undefined && !route.idempotent
      ? {}
      : {
          requestParams: {
            ...(route.params === undefined ? {} : { path: route.params }),
            ...(route.query === undefined ? {} : { query: route.query }),
            ...(route.idempotent ? { header: idempotencyKeyHeader } : {}),
          },
        }),
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
    responses: { [String(route.status)]: success, ...errors, default: problemResponse('Unexpected error') },
  };
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
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Goosuke API',
      version: '1',
      description:
        'Every operation but health, login and refresh needs `Authorization: Bearer <access JWT or personal access token>`. Errors are RFC 9457 problem documents. Browse this document with Swagger UI at `/api/docs` or ReDoc at `/api/redoc`.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access JWT or a personal access token (gsk_)',
        },
      },
    },
    paths,
  });
}
