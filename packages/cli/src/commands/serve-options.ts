import { isIP } from 'node:net';
import { InvalidInputError } from '@goosuke/core';
import type { CliEnvironment } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';

/** A rate limit: `limit` requests per `windowMs` and client. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** What `goosuke serve` reads from its flags and the environment, beyond host and port. */
export interface ServeSettings {
  /** How long running runs may finish after SIGTERM or SIGINT before they are canceled. */
  graceMs: number;
  /** Express's `trust proxy`: false (default), true, a hop count, or addresses and subnets. */
  trustProxy: boolean | number | string;
  /** Browser origins allowed to call the API; empty: CORS off. */
  corsOrigins: string[];
  /** Absent: the router's default (20 per 15 minutes). */
  authRateLimit?: RateLimit;
  /** Absent: the router's default (300 per minute). */
  writeRateLimit?: RateLimit;
}

/** The flags of `goosuke serve` this module reads. */
export interface ServeFlags {
  grace?: string | undefined;
  'trust-proxy'?: string | undefined;
  'cors-origin'?: string[] | undefined;
  'rate-limit-auth'?: string | undefined;
  'rate-limit-write'?: string | undefined;
}

/** The default grace period of a shutdown, in seconds. */
export const defaultShutdownGraceSeconds = 30;

const windowUnits: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/** Parses `N/WINDOW` (`10/min`, `20/15min`, `5/30s`, `1000/hour`); null when malformed. */
export function parseRateLimit(text: string): RateLimit | null {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,6})?\s*([a-z]+)\s*$/i.exec(text);
  if (match === null) return null;
  const unit = windowUnits[match[3]!.toLowerCase()];
  const limit = Number(match[1]);
  const count = match[2] === undefined ? 1 : Number(match[2]);
  if (unit === undefined || limit < 1 || count < 1) return null;
  return { limit, windowMs: count * unit };
}

/** Parses a grace period in seconds (a non-negative number, at most a day); null when malformed. */
export function parseGraceSeconds(text: string): number | null {
  if (!/^\s*\d{1,5}(\.\d{1,3})?\s*$/.test(text)) return null;
  const seconds = Number(text);
  return seconds <= 86_400 ? seconds : null;
}

const trustNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Parses a `trust proxy` value: `true`, `false`, a hop count, or a comma-separated list of
 * addresses, subnets (`10.0.0.0/8`) and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export function parseTrustProxy(text: string): boolean | number | string | null {
  const value = text.trim();
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d{1,3}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (trustNames.has(entry)) continue;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return null;
    if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))) {
      return null;
    }
  }
  return entries.join(',');
}

/** An origin as browsers send it (`https://app.example.com`, `http://localhost:5173`); null otherwise. */
export function parseOrigin(text: string): string | null {
  const value = text.trim();
  try {
    const url = new URL(value);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * Reads one setting from its flag (a bad value: InvalidInputError, exit 2) or else its
 * variable (a bad value: ConfigurationError, exit 3), else the fallback.
 */
function pick<Value>(
  flag: { name: string; value: string | undefined },
  variable: { name: string; value: string | undefined },
  parse: (text: string) => Value | null,
  expected: string,
): Value | undefined {
  if (flag.value !== undefined) {
    const parsed = parse(flag.value);
    if (parsed === null) {
      throw new InvalidInputError(`--${flag.name} must be ${expected}, not ${JSON.stringify(flag.value)}`);
    }
    return parsed;
  }
  if (variable.value !== undefined && variable.value.trim() !== '') {
    const parsed = parse(variable.value);
    if (parsed === null) {
      throw new ConfigurationError(
        'invalid_input',
        `${variable.name} must be ${expected}, not ${JSON.stringify(variable.value)}`,
      );
    }
    return parsed;
  }
  return undefined;
}

const rateLimitExpected = 'REQUESTS/WINDOW, e.g. 10/min, 20/15min, 5/30s or 1000/hour';

/**
 * Reads the shutdown grace period, `trust proxy`, CORS origins and rate limits of `goosuke
 * serve`: each from its flag, else its environment variable (`GOOSUKE_SHUTDOWN_GRACE_SECONDS`,
 * `GOOSUKE_TRUST_PROXY`, `GOOSUKE_CORS_ORIGINS` comma-separated, `GOOSUKE_RATE_LIMIT_AUTH`,
 * `GOOSUKE_RATE_LIMIT_WRITE`), else the default.
 *
 * @throws InvalidInputError (exit 2) for a malformed flag, ConfigurationError (exit 3) for a
 *   malformed variable; the message names it and the expected form.
 */
export function readServeSettings(flags: ServeFlags, env: CliEnvironment): ServeSettings {
  const graceSeconds =
    pick(
      { name: 'grace', value: flags.grace },
      { name: 'GOOSUKE_SHUTDOWN_GRACE_SECONDS', value: env.GOOSUKE_SHUTDOWN_GRACE_SECONDS },
      parseGraceSeconds,
      'a number of seconds from 0 to 86400',
    ) ?? defaultShutdownGraceSeconds;
  const trustProxy =
    pick(
      { name: 'trust-proxy', value: flags['trust-proxy'] },
      { name: 'GOOSUKE_TRUST_PROXY', value: env.GOOSUKE_TRUST_PROXY },
      parseTrustProxy,
      'true, false, a hop count, or comma-separated addresses or subnets (e.g. loopback,10.0.0.0/8)',
    ) ?? false;
  const originsFlag = flags['cors-origin'];
  const corsOrigins =
    pick(
      { name: 'cors-origin', value: originsFlag === undefined ? undefined : originsFlag.join(',') },
      { name: 'GOOSUKE_CORS_ORIGINS', value: env.GOOSUKE_CORS_ORIGINS },
      (text) => {
        const origins = text.split(',').map(parseOrigin);
        return origins.every((origin) => origin !== null) ? origins : null;
      },
      'origins such as https://app.example.com (scheme, host and port only; comma-separated in the variable)',
    ) ?? [];
  const authRateLimit = pick(
    { name: 'rate-limit-auth', value: flags['rate-limit-auth'] },
    { name: 'GOOSUKE_RATE_LIMIT_AUTH', value: env.GOOSUKE_RATE_LIMIT_AUTH },
    parseRateLimit,
    rateLimitExpected,
  );
  const writeRateLimit = pick(
    { name: 'rate-limit-write', value: flags['rate-limit-write'] },
    { name: 'GOOSUKE_RATE_LIMIT_WRITE', value: env.GOOSUKE_RATE_LIMIT_WRITE },
    parseRateLimit,
    rateLimitExpected,
  );
  return {
    graceMs: Math.round(graceSeconds * 1000),
    trustProxy,
    corsOrigins,
    ...(authRateLimit === undefined ? {} : { authRateLimit }),
    ...(writeRateLimit === undefined ? {} : { writeRateLimit }),
  };
}
