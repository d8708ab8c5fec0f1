import { authTokensSchema, loginInputSchema, streamTicketSchema } from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, route } from './route.ts';

/** The request body of `/auth/refresh` and `/auth/logout`. */
export const refreshTokenBodySchema = z
  .object({ refreshToken: z.string().min(1).max(512) })
  .strict()
  .meta({ id: 'RefreshTokenBody' });

/** Sign-in, token rotation, sign-out and stream tickets. */
export const authRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'login',
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with a username and password',
    tag: 'auth',
    body: loginInputSchema,
    status: 200,
    response: authTokensSchema,
    // The client's address: one that signed in to an account before is not locked out of it by
    // others' failed attempts (Express's `trust proxy` decides what `ip` is).
    handle: ({ goosuke, body, request }) =>
      goosuke.auth.login(body, request.ip === undefined ? {} : { client: request.ip }),
  }),
  route({
    operationId: 'refresh',
    method: 'post',
    path: '/auth/refresh',
    summary: 'Exchange a refresh token for a new token pair',
    tag: 'auth',
    body: refreshTokenBodySchema,
    status: 200,
    response: authTokensSchema,
    handle: ({ goosuke, body }) => goosuke.auth.refresh(body.refreshToken),
  }),
  route({
    operationId: 'logout',
    method: 'post',
    path: '/auth/logout',
    summary: 'Revoke one of your refresh tokens and its session',
    tag: 'auth',
    operation: 'account.signOut',
    body: refreshTokenBodySchema,
    status: 204,
    handle: ({ actor, body }) => actor.account.signOut(body.refreshToken),
  }),
  route({
    operationId: 'createStreamTicket',
    method: 'post',
    path: '/auth/stream-ticket',
    summary: 'A single-use ticket for an event stream (browsers cannot send headers there)',
    tag: 'auth',
    operation: 'account.createStreamTicket',
    status: 201,
    response: streamTicketSchema,
    handle: ({ actor }) => actor.account.createStreamTicket(),
  }),
];
