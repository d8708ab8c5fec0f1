/**
 * @goosuke/adapter-http: Goosuke's REST API on Express 5. One route table drives the handlers
 * and the OpenAPI 3.1 document; errors are RFC 9457 problem JSON; run events stream over SSE.
 */
export { createHttpRouter, type HttpRouterOptions } from './http-router.ts';
export { createHttpApp, createHttpServer, type HttpServer, type HttpServerOptions } from './http-server.ts';
export { apiPrefix, createOpenApiDocument, type OpenApiDocument } from './openapi.ts';
export { type Problem, problemSchema, problemStatusByCode } from './problem.ts';
export { httpRoutes } from './routes/index.ts';
export type { HttpRoute, RouteAccess, RouteInput, RouteSettings } from './routes/route.ts';
