/**
 * @goosuke/adapter-http: Goosuke's REST API on Express 5. One route table drives the handlers
 * and the OpenAPI 3.1 document; errors are RFC 9457 problem JSON; run events stream over SSE.
 */
export {
  createHttpRouter,
  type HttpRouterOptions,
  isRateLimitedWrite,
  notFoundHandler,
  problemErrorHandler,
} from './http-router.ts';
export { createHttpApp, createHttpServer, type HttpServer, type HttpServerOptions } from './http-server.ts';
export { apiPrefix, createOpenApiDocument, type OpenApiDocument } from './openapi.ts';
export {
  type Problem,
  problemContentType,
  problemFor,
  problemSchema,
  problemStatusByCode,
} from './problem.ts';
export { refreshTokenBodySchema } from './routes/auth-routes.ts';
export { httpRoutes } from './routes/index.ts';
export {
  accessOf,
  type HttpRoute,
  type RouteAccess,
  type RouteInput,
  type RouteSettings,
} from './routes/route.ts';
export { createRunsBodySchema } from './routes/run-routes.ts';
export { settingListSchema } from './routes/settings-routes.ts';
export { addMessageBodySchema, createTaskBodySchema } from './routes/task-routes.ts';
export { createUserBodySchema, updateUserBodySchema } from './routes/user-routes.ts';

export {
  parseTaskEventId,
  type RunEventStreamOptions,
  streamRunEvents,
  streamTaskEvents,
  type TaskEventId,
  type TaskEventStreamOptions,
} from './run-event-stream.ts';
