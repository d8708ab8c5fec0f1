import {
  type ActorGoosuke,
  type ActorOperation,
  actorOperations,
  type Goosuke,
  idSchema,
  type Principal,
} from '@goosuke/core';
import type { Request, Response } from 'express';
import { z } from 'zod';

/** Who may call a route: anyone, any signed-in user, or admins only (from core's access policy). */
export type RouteAccess = 'public' | 'user' | 'admin';

/** Options the handlers read. */
export interface RouteSettings {
  /** Milliseconds between SSE heartbeat comments; default 15 000. */
  heartbeatMs?: number;
}

/** What a handler receives: the validated input and the caller. */
export interface RouteInput<Params, Query, Body> {
  /**
   * Goosuke as the caller may use it (`goosuke.as(principal)`): every rule of who may see and do
   * what is applied there. Only on routes that name an `operation`; a public route has none.
   */
  actor: ActorGoosuke;
  /** The trusted system view: for public routes (sign-in, signed webhooks) and event streams. */
  goosuke: Goosuke;
  /** Null only on public routes. */
  principal: Principal | null;
  params: Params;
  query: Query;
  body: Body;
  settings: RouteSettings;
  request: Request;
  response: Response;
}

/**
 * One operation of the API. The same entry drives the Express handler (validation, the call,
 * status) and the OpenAPI document, so the two cannot disagree. A route that needs a signed-in
 * caller names the actor-scoped `operation` it performs: who may call it comes from core's access
 * policy (`actorOperations`), never from the route.
 */
export interface HttpRoute {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI-style path under `/api/v1`, e.g. `/tasks/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** The actor-scoped operation the handler performs; absent on public routes. */
  operation?: ActorOperation;
  /** Derived from `operation` through core's access policy: `public` when there is none. */
  access: RouteAccess;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status. */
  status: number;
  /** The success body; absent for 204. */
  response?: z.ZodType;
  /** A Server-Sent Events stream: the handler writes the response itself. */
  stream?: boolean;
  /** Whether `?ticket=` (from `/auth/stream-ticket`) may stand in for the Authorization header. */
  acceptsTicket?: boolean;
  /**
   * The body is taken as raw bytes (`request.body` is a Buffer, empty when none was sent), for
   * routes that verify a signature over the exact bytes; the text describes it in the document.
   */
  rawBody?: string;
  /**
   * A public route that reads a bearer token when one is sent: a valid one gives the handler its
   * principal, a missing or invalid one leaves it null (never a 401).
   */
  optionalAuth?: boolean;
  /** Authenticated by a signature over the body instead of a token (documented as a 401). */
  signed?: boolean;
  /**
   * A browser session route (see `browser-session.ts`): `start` sets the session cookies;
   * `cookie` is authenticated by the HttpOnly refresh cookie and needs `X-CSRF-Token` equal to the
   * CSRF cookie (403 otherwise). Documented with the cookie, the header and `Set-Cookie`.
   */
  browserSession?: 'start' | 'cookie';
  /**
   * Honours the caller's `Idempotency-Key` header (read with {@link idempotencyKeyOf}): documented
   * as a header parameter, with the 409 of a key reused for another request.
   */
  idempotent?: boolean;
  /**
   * Takes part in the task's optimistic concurrency: `read` sends a strong `ETag` of the task
   * (and answers `If-None-Match` with 304); `write` honours `If-Match` with that ETag (412 when
   * stale). The task is the path's `id`.
   */
  taskVersion?: 'read' | 'write';
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<unknown>;
}

/** The access a route documents, from the rule core's policy gives its operation. */
export function accessOf(operation: ActorOperation | undefined): RouteAccess {
  if (operation === undefined) return 'public';
  return actorOperations[operation].rule === 'admin' ? 'admin' : 'user';
}

/** Declares a route with typed handler input; its access comes from its operation. */
export function route<
  Params extends z.ZodObject = z.ZodObject<Record<string, never>>,
  Query extends z.ZodObject = z.ZodObject<Record<string, never>>,
  Body extends z.ZodType = z.ZodUndefined,
>(
  definition: Omit<HttpRoute, 'params' | 'query' | 'body' | 'handle' | 'access'> & {
    params?: Params;
    query?: Query;
    body?: Body;
    handle(input: RouteInput<z.output<Params>, z.output<Query>, z.output<Body>>): Promise<unknown>;
  },
): HttpRoute {
  return { ...definition, access: accessOf(definition.operation) } as HttpRoute;
}

/** The caller's `Idempotency-Key` header, if sent. */
export function idempotencyKeyOf(request: Request): { idempotencyKey?: string } {
  const key = request.get('idempotency-key');
  return key === undefined ? {} : { idempotencyKey: key };
}

/** `{ id }` path parameters. */
export const idParams = z.object({ id: idSchema });

/** `?limit=&cursor=` of a paged list. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(1000).optional(),
};

/** A page of `item`s, named `id` in the document. */
export function pageOf<Item extends z.ZodType>(item: Item, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}
