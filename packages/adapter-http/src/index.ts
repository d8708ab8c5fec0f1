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
export {
  addMessageBodySchema,
  createRunsBodySchema,
  createTaskBodySchema,
  createUserBodySchema,
  type HttpRoute,
  httpRoutes,
  type RouteAccess,
  type RouteInput,
  type RouteSettings,
  refreshTokenBodySchema,
  settingListSchema,
  updateUserBodySchema,
} from './routes.ts';
export {
  parseTaskEventId,
  type RunEventStreamOptions,
  streamRunEvents,
  streamTaskEvents,
  type TaskEventId,
  type TaskEventStreamOptions,
} from './run-event-stream.ts';
