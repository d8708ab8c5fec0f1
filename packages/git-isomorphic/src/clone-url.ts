import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GitAuth, InvalidInputError, UnsupportedError } from '@goosuke/core';

/** The directory a local remote (path or `file:` URL) names. */
export function localPathOf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : path.resolve(url);
}

/** Whether `url` goes through the smart-HTTP client (`http://` or `https://`). */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Moves a URL's user-info into auth, so credentials never reach `.git/config`. */
export function splitCredentials(
  url: string,
  auth: GitAuth | undefined,
): { cleanUrl: string; effectiveAuth: GitAuth | undefined; secrets: (string | undefined)[] } {
  if (typeof url !== 'string' || url.length === 0)
    throw new InvalidInputError('a clone URL must be a non-empty string');
  if (!isHttpUrl(url)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file:')) {
      throw new UnsupportedError(
        `only http(s) URLs, file URLs and local paths can be cloned, not ${url.split(':')[0]}:`,
      );
    }
    return { cleanUrl: url, effectiveAuth: auth, secrets: [auth?.token] };
  }
  const parsed = new URL(url);
  const embeddedPassword = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const embeddedUser = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  parsed.username = '';
  parsed.password = '';
  const cleanUrl = parsed.toString();
  let effectiveAuth = auth;
  if (effectiveAuth === undefined && (embeddedPassword !== undefined || embeddedUser !== undefined)) {
    effectiveAuth =
      embeddedPassword === undefined
        ? { token: embeddedUser! }
        : { ...(embeddedUser === undefined ? {} : { username: embeddedUser }), token: embeddedPassword };
  }
  return { cleanUrl, effectiveAuth, secrets: [auth?.token, embeddedPassword, embeddedUser] };
}
