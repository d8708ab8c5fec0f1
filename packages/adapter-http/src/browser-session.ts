import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { type AuthTokens, ForbiddenError, UnauthorizedError } from '@goosuke/core';
import { parseCookie, type SetCookie, stringifySetCookie } from 'cookie';
import type { Request, Response } from 'express';
import { apiPrefix } from './api-prefix.ts';

/** The HttpOnly cookie that holds a browser session's refresh token. */
export const refreshCookieName = 'goosuke_refresh';
/** The cookie a browser's script reads and sends back as `X-CSRF-Token` (double submit). */
export const csrfCookieName = 'goosuke_csrf';
/** The header that must repeat the {@link csrfCookieName} cookie on the cookie-authenticated routes. */
export const csrfHeaderName = 'X-CSRF-Token';
/**
 * The API path (under `/api/v1`) of the browser session routes, and the `Path` of the refresh
 * cookie: the browser sends the refresh token to these routes only, never to the rest of the API.
 */
export const browserSessionPath = '/auth/session';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether a host name (as `req.hostname` gives it, IPv6 in brackets) names this machine's loopback. */
export function isLoopbackHost(hostname: string | undefined): boolean {
  if (hostname === undefined) return false;
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether the session cookies are marked `Secure`: always, except for a plain-HTTP request to a
 * loopback address (`goosuke serve` on 127.0.0.1 without TLS, where a browser would otherwise
 * drop or never send them). Both facts are Express's, so behind a proxy the `trust proxy`
 * setting decides whether `X-Forwarded-Proto` and `X-Forwarded-Host` are believed.
 */
export function needsSecureCookies(request: Request): boolean {
  return request.secure || !isLoopbackHost(request.hostname);
}

/** The cookies the request sent (parsed by the `cookie` package). */
function cookiesOf(request: Request): Record<string, string | undefined> {
  const header = request.headers.cookie;
  return header === undefined ? {} : parseCookie(header);
}

/** The refresh token of the request's session cookie, if it sent one. */
export function refreshCookieOf(request: Request): string | undefined {
  const value = cookiesOf(request)[refreshCookieName];
  return value === '' ? undefined : value;
}

/** The refresh token of the request's session cookie; a 401 without one. */
export function requireRefreshCookie(request: Request): string {
  const token = refreshCookieOf(request);
  if (token === undefined) {
    throw new UnauthorizedError('token', { cause: new Error(`no ${refreshCookieName} cookie`) });
  }
  return token;
}

// Hashed first so that the comparison takes the same time whatever the lengths.
function sameSecret(left: string, right: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(left), digest(right));
}

/**
 * Double-submit CSRF check: the `X-CSRF-Token` header must equal the `goosuke_csrf` cookie
 * (compared in constant time). A page of another site can make the browser send the cookies
 * (SameSite=Strict already stops that in current browsers) but cannot read the cookie to put it
 * in the header. ForbiddenError (403) otherwise.
 */
export function assertCsrf(request: Request): void {
  const cookie = cookiesOf(request)[csrfCookieName];
  const header = request.get(csrfHeaderName);
  if (cookie === undefined || cookie === '' || header === undefined || !sameSecret(cookie, header)) {
    throw new ForbiddenError(`the ${csrfHeaderName} header must repeat the ${csrfCookieName} cookie`);
  }
}

function sessionCookiePath(request: Request): string {
  return `${request.baseUrl}${apiPrefix}${browserSessionPath}`;
}

function setCookies(response: Response, cookies: readonly SetCookie[]): void {
  for (const cookie of cookies) response.append('Set-Cookie', stringifySetCookie(cookie));
}

/** What the browser session routes answer: a sign-in's answer without the refresh token. */
export interface BrowserSession {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  csrfToken: string;
  user: AuthTokens['user'];
}

/**
 * Sets the session cookies for fresh `tokens` (the refresh token HttpOnly, scoped to the session
 * routes; a new CSRF token readable by the page) and returns the JSON answer, which never holds
 * the refresh token. `issuedAt`: when the tokens were asked for (milliseconds), so that the
 * access token's expiry is not said to be later than it is.
 */
export function startBrowserSession(
  request: Request,
  response: Response,
  tokens: AuthTokens,
  issuedAt: number,
): BrowserSession {
  const csrfToken = randomBytes(32).toString('base64url');
  const maxAge = Math.max(0, Math.floor((Date.parse(tokens.refreshTokenExpiresAt) - Date.now()) / 1000));
  const secure = needsSecureCookies(request);
  // The answer holds an access token: no cache may keep it (RFC 6749 asks the same of tokens).
  response.setHeader('Cache-Control', 'no-store');
  setCookies(response, [
    {
      name: refreshCookieName,
      value: tokens.refreshToken,
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: sessionCookiePath(request),
      maxAge,
    },
    // Not HttpOnly: the page reads it to send it back as the header.
    { name: csrfCookieName, value: csrfToken, sameSite: 'strict', secure, path: '/', maxAge },
  ]);
  // The answer is spelled out field by field: nothing of `tokens` reaches it by accident.
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    accessTokenExpiresAt: new Date(issuedAt + tokens.expiresIn * 1000).toISOString(),
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    csrfToken,
    user: tokens.user,
  };
}

/** Tells the browser to drop both session cookies (same names, paths and flags, `Max-Age=0`). */
export function clearBrowserSession(request: Request, response: Response): void {
  const secure = needsSecureCookies(request);
  setCookies(response, [
    {
      name: refreshCookieName,
      value: '',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: sessionCookiePath(request),
      maxAge: 0,
    },
    { name: csrfCookieName, value: '', sameSite: 'strict', secure, path: '/', maxAge: 0 },
  ]);
}
