import { authTokensSchema, GoosukeError, loginInputSchema, timestampSchema } from '@goosuke/core';
import { z } from 'zod';
import {
  assertCsrf,
  browserSessionPath,
  clearBrowserSession,
  refreshCookieOf,
  requireRefreshCookie,
  startBrowserSession,
} from '../browser-session.ts';
import { type HttpRoute, route } from './route.ts';

/**
 * What a browser sign-in or session refresh answers: the access token (kept in the page's
 * memory only), when it expires, the CSRF token to send as `X-CSRF-Token`, and the user. The
 * refresh token is never in it: it travels in the HttpOnly `goosuke_refresh` cookie.
 */
export const browserSessionSchema = authTokensSchema
  .omit({ refreshToken: true })
  .extend({
    /** When `accessToken` expires. */
    accessTokenExpiresAt: timestampSchema,
    /** The value of the `goosuke_csrf` cookie, to send as `X-CSRF-Token` on the session routes. */
    csrfToken: z.string(),
  })
  .meta({ id: 'BrowserSession' });

const isUnauthorized = (error: unknown) => GoosukeError.isInstance(error) && error.code === 'unauthorized';

/**
 * Sign-in that a browser can keep safely (the bearer flow of `/auth/login`, `/auth/refresh` and
 * `/auth/logout` is unchanged for other clients), and signing out every session.
 */
export const sessionRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'createSession',
    method: 'post',
    path: browserSessionPath,
    summary:
      'Sign in from a browser: the refresh token is set in an HttpOnly cookie, the access token and a CSRF token are answered',
    tag: 'auth',
    body: loginInputSchema,
    status: 200,
    response: browserSessionSchema,
    browserSession: 'start',
    handle: async ({ goosuke, body, request, response }) => {
      const issuedAt = Date.now();
      const tokens = await goosuke.auth.login(body, request.ip === undefined ? {} : { client: request.ip });
      return startBrowserSession(request, response, tokens, issuedAt);
    },
  }),
  route({
    operationId: 'refreshSession',
    method: 'post',
    path: `${browserSessionPath}/refresh`,
    summary:
      "Rotate the browser session's refresh cookie and get a new access token (needs X-CSRF-Token); a refresh cookie used twice signs the session out",
    tag: 'auth',
    status: 200,
    response: browserSessionSchema,
    browserSession: 'cookie',
    handle: async ({ goosuke, request, response }) => {
      const refreshToken = requireRefreshCookie(request);
      assertCsrf(request);
      const issuedAt = Date.now();
      try {
        const tokens = await goosuke.auth.refresh(refreshToken);
        return startBrowserSession(request, response, tokens, issuedAt);
      } catch (error) {
        // A refused token stays refused (used, revoked, expired): the browser may drop it.
        if (isUnauthorized(error)) clearBrowserSession(request, response);
        throw error;
      }
    },
  }),
  route({
    operationId: 'deleteSession',
    method: 'delete',
    path: browserSessionPath,
    summary:
      "Sign this browser out (needs X-CSRF-Token): the refresh cookie's session ends and both cookies are cleared",
    tag: 'auth',
    status: 204,
    browserSession: 'cookie',
    handle: async ({ goosuke, request, response }) => {
      assertCsrf(request);
      const refreshToken = refreshCookieOf(request);
      if (refreshToken !== undefined) {
        try {
          // The cookie is the credential: whoever holds it may end its session, as at refresh.
          await goosuke.auth.logout(refreshToken);
        } catch (error) {
          // Already invalid (used, revoked, unknown): nothing to end, the cookies still go.
          if (!isUnauthorized(error)) throw error;
        }
      }
      clearBrowserSession(request, response);
    },
  }),
  route({
    operationId: 'signOutEverywhere',
    method: 'post',
    path: '/auth/sign-out-everywhere',
    summary:
      'Sign out every one of your sessions (browsers and API clients): their refresh tokens and access tokens stop working; personal access tokens stay',
    tag: 'auth',
    operation: 'account.signOutEverywhere',
    status: 204,
    handle: ({ actor }) => actor.account.signOutEverywhere(),
  }),
];
