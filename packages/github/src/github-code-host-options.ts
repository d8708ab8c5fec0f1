import { InvalidInputError } from '@goosuke/core';

/** The public GitHub API; GitHub Enterprise Server lives at `https://<host>/api/v3`. */
export const gitHubDefaultBaseUrl = 'https://api.github.com';
/** The longest rate-limit wait that is waited out by default (one minute). */
export const gitHubDefaultMaxRateLimitWaitMs = 60_000;
/** Retries after a 5xx or a network failure, by default. */
export const gitHubDefaultRetries = 2;
/** The first retry's delay; each further retry doubles it. */
export const gitHubDefaultRetryBaseDelayMs = 500;
/** GitHub's largest page size, used for every list by default. */
export const gitHubDefaultPerPage = 100;

/** A GitHub App installation: the App id, its private key (PEM) and the installation's id. */
export interface GitHubAppCredentials {
  appId: number | string;
  /** PEM (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`), or the base64 of a PEM. */
  privateKey: string;
  installationId: number | string;
}

/** Options of `createGitHubCodeHost`: where GitHub is and how to authenticate, exactly one of `token` or `app`. */
export type GitHubCodeHostOptions = {
  /** Default `https://api.github.com`; for GitHub Enterprise Server `https://<host>/api/v3`. */
  baseUrl?: string;
  /** Prepended to octokit's own user agent. */
  userAgent?: string;
  /**
   * Longest rate-limit wait (from `retry-after` or `x-ratelimit-reset`) that is waited out before
   * retrying; a longer one is reported as a retryable error. Default 60 000 ms.
   */
  maxRateLimitWaitMs?: number;
  /** Retries after a 5xx answer or a network failure. Default 2. */
  retries?: number;
  /** Delay before the first such retry, doubled for each next one. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Page size of every list (1-100). Default 100; tests set it small to exercise pagination. */
  perPage?: number;
} & ({ token: string; app?: undefined } | { app: GitHubAppCredentials; token?: undefined });

/** {@link GitHubCodeHostOptions} checked and with defaults filled in. */
export interface ResolvedGitHubCodeHostOptions {
  baseUrl: string;
  userAgent: string | undefined;
  maxRateLimitWaitMs: number;
  retries: number;
  retryBaseDelayMs: number;
  perPage: number;
  auth:
    | { kind: 'token'; token: string }
    | { kind: 'app'; appId: number; privateKey: string; installationId: number };
}

function positiveInteger(value: number | string, what: string): number {
  const number = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number <= 0) {
    throw new InvalidInputError(`${what} must be a positive integer`, [
      { path: [], message: `${what} must be a positive integer` },
    ]);
  }
  return number;
}

function nonNegative(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new InvalidInputError(`${what} must be a number >= 0`);
  return value;
}

/**
 * Returns the PEM text of a private key given as PEM or as the base64 of a PEM (handy for
 * environment variables, which rarely keep newlines). Escaped `\n` sequences are turned into
 * newlines. Throws InvalidInputError (naming `what`, never the key) when it is neither.
 */
export function decodeGitHubPrivateKey(value: string, what = 'the GitHub App private key'): string {
  const trimmed = value.trim();
  let pem = trimmed;
  if (!trimmed.startsWith('-----BEGIN')) {
    pem = /^[A-Za-z0-9+/=\s]+$/.test(trimmed) ? Buffer.from(trimmed, 'base64').toString('utf8').trim() : '';
  }
  pem = pem.replace(/\\n/g, '\n');
  if (!/^-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----$/.test(pem)) {
    throw new InvalidInputError(
      `${what} is not a PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY) nor the base64 of one`,
    );
  }
  return `${pem}\n`;
}

function normalizeBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`the GitHub API URL ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError(`the GitHub API URL must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new InvalidInputError('the GitHub API URL must not hold credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Checks `options` and fills in defaults; throws InvalidInputError saying what to fix. */
export function resolveGitHubCodeHostOptions(options: GitHubCodeHostOptions): ResolvedGitHubCodeHostOptions {
  const hasToken = typeof options.token === 'string';
  const hasApp = options.app !== undefined;
  if (hasToken === hasApp) {
    throw new InvalidInputError(
      'give the GitHub code host exactly one of `token` or `app` ({ appId, privateKey, installationId })',
    );
  }
  let auth: ResolvedGitHubCodeHostOptions['auth'];
  if (options.app !== undefined) {
    auth = {
      kind: 'app',
      appId: positiveInteger(options.app.appId, 'the GitHub App id'),
      privateKey: decodeGitHubPrivateKey(options.app.privateKey),
      installationId: positiveInteger(options.app.installationId, 'the GitHub App installation id'),
    };
  } else {
    const token = (options.token ?? '').trim();
    if (token === '' || /\s/.test(token))
      throw new InvalidInputError('the GitHub token is empty or contains whitespace');
    auth = { kind: 'token', token };
  }
  const perPage = options.perPage ?? gitHubDefaultPerPage;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    throw new InvalidInputError('perPage must be an integer from 1 to 100');
  }
  const retries = nonNegative(options.retries, gitHubDefaultRetries, 'retries');
  if (!Number.isInteger(retries)) throw new InvalidInputError('retries must be an integer');
  return {
    baseUrl: normalizeBaseUrl(options.baseUrl ?? gitHubDefaultBaseUrl),
    userAgent: options.userAgent,
    maxRateLimitWaitMs: nonNegative(
      options.maxRateLimitWaitMs,
      gitHubDefaultMaxRateLimitWaitMs,
      'maxRateLimitWaitMs',
    ),
    retries,
    retryBaseDelayMs: nonNegative(
      options.retryBaseDelayMs,
      gitHubDefaultRetryBaseDelayMs,
      'retryBaseDelayMs',
    ),
    perPage,
    auth,
  };
}

function named(environment: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = environment[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function fromVariable<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`${name}: ${reason}`, [{ path: [name], message: reason }], { cause: error });
  }
}

/**
 * Builds {@link GitHubCodeHostOptions} from the environment variables in `environment` (only that
 * object: pass `process.env` yourself): `GITHUB_TOKEN`, or
 * `GOOSUKE_GITHUB_APP_ID` + `GOOSUKE_GITHUB_APP_PRIVATE_KEY` (PEM or base64 of a PEM) +
 * `GOOSUKE_GITHUB_APP_INSTALLATION_ID` (the App wins when both are set), and
 * `GOOSUKE_GITHUB_API_URL` for GitHub Enterprise. Returns null when neither a token nor any App
 * variable is set. Throws InvalidInputError naming the variable when an App configuration is
 * incomplete or a value is malformed; the message never holds the key or token.
 */
export function readGitHubConfig(
  environment: Readonly<Record<string, string | undefined>>,
): GitHubCodeHostOptions | null {
  const token = named(environment, 'GITHUB_TOKEN');
  const appVariables = [
    'GOOSUKE_GITHUB_APP_ID',
    'GOOSUKE_GITHUB_APP_PRIVATE_KEY',
    'GOOSUKE_GITHUB_APP_INSTALLATION_ID',
  ] as const;
  const appValues = appVariables.map((name) => named(environment, name));
  const apiUrl = named(environment, 'GOOSUKE_GITHUB_API_URL');
  const common =
    apiUrl === undefined
      ? {}
      : { baseUrl: fromVariable('GOOSUKE_GITHUB_API_URL', () => normalizeBaseUrl(apiUrl)) };
  if (appValues.some((value) => value !== undefined)) {
    const missing = appVariables.filter((_, index) => appValues[index] === undefined);
    if (missing.length > 0) {
      throw new InvalidInputError(
        `incomplete GitHub App configuration: set ${missing.join(' and ')} (or unset the other GOOSUKE_GITHUB_APP_* variables)`,
        missing.map((name) => ({
          path: [name],
          message: 'required with the other GOOSUKE_GITHUB_APP_* variables',
        })),
      );
    }
    const [appId = '', privateKey = '', installationId = ''] = appValues;
    return {
      ...common,
      app: {
        appId: fromVariable('GOOSUKE_GITHUB_APP_ID', () => positiveInteger(appId, 'the App id')),
        privateKey: fromVariable('GOOSUKE_GITHUB_APP_PRIVATE_KEY', () =>
          decodeGitHubPrivateKey(privateKey, 'the value'),
        ),
        installationId: fromVariable('GOOSUKE_GITHUB_APP_INSTALLATION_ID', () =>
          positiveInteger(installationId, 'the installation id'),
        ),
      },
    };
  }
  if (token !== undefined) {
    if (/\s/.test(token))
      throw new InvalidInputError('GITHUB_TOKEN contains whitespace', [
        { path: ['GITHUB_TOKEN'], message: 'contains whitespace' },
      ]);
    return { ...common, token };
  }
  if (apiUrl !== undefined) {
    throw new InvalidInputError(
      'GOOSUKE_GITHUB_API_URL is set but no credentials are: set GITHUB_TOKEN or the GOOSUKE_GITHUB_APP_* variables',
      [{ path: ['GITHUB_TOKEN'], message: 'required with GOOSUKE_GITHUB_API_URL' }],
    );
  }
  return null;
}
