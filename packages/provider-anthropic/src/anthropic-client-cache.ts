import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '@goosuke/core';
import { sdkLoggerFor } from '@goosuke/core/implementing';

/** What identifies one shared SDK client. */
export interface AnthropicClientKey {
  baseUrl: string;
  apiKey: string;
  /** A host-supplied fetch (e.g. through a proxy); clients are shared only with the same function. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Where the SDK's own log lines go (at debug level); clients are shared only with the same logger. */
  logger?: Logger | undefined;
}

// Keyed by base URL, a SHA-256 fingerprint of the key (never the key itself) and the identity
// of a custom fetch function.
const clients = new Map<string, Anthropic>();
const fetchIds = new WeakMap<object, number>();
let nextFetchId = 1;

/**
 * The shared SDK client for (`baseUrl`, `apiKey`, `fetch`), created on first use.
 *
 * Everything the SDK would otherwise take from the environment or the disk is pinned:
 * `apiKey` is passed explicitly, which by itself turns off `ANTHROPIC_API_KEY`,
 * `ANTHROPIC_AUTH_TOKEN` and the whole credential chain (`ANTHROPIC_PROFILE`,
 * `ANTHROPIC_CONFIG_DIR`, federation variables, profiles on disk); `baseURL` is passed so
 * `ANTHROPIC_BASE_URL` and a profile's `base_url` are ignored; `webhookKey: null` and an explicit
 * `logLevel` keep `ANTHROPIC_WEBHOOK_SIGNING_KEY` and `ANTHROPIC_LOG` unread (the SDK's warnings
 * go to `logger` at debug level when one is given, else nowhere). The SDK's
 * own retries are off (`maxRetries: 0`): callers retry through `withProviderRetry`.
 */
export function anthropicClientFor(key: AnthropicClientKey): Anthropic {
  const fingerprint = createHash('sha256').update(key.apiKey).digest('hex');
  const cacheKey = `${key.baseUrl}\n${fingerprint}\n${key.fetch ? fetchIdOf(key.fetch) : 0}\n${key.logger ? fetchIdOf(key.logger) : 0}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new Anthropic({
      apiKey: key.apiKey,
      baseURL: key.baseUrl,
      webhookKey: null,
      maxRetries: 0,
      ...(key.logger === undefined
        ? { logLevel: 'off' as const }
        : { logLevel: 'warn' as const, logger: sdkLoggerFor(key.logger, { provider: 'anthropic' }) }),
      ...(key.fetch ? { fetch: key.fetch } : {}),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** How many SDK clients are cached (one per base URL, key and fetch); a diagnostic and test hook. */
export function anthropicClientCacheSize(): number {
  return clients.size;
}

/** Drops every cached SDK client (tests; or after rotating keys, to release the old ones). */
export function clearAnthropicClientCache(): void {
  clients.clear();
}

function fetchIdOf(fetch: object): number {
  let id = fetchIds.get(fetch);
  if (id === undefined) {
    id = nextFetchId++;
    fetchIds.set(fetch, id);
  }
  return id;
}
