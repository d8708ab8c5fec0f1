import { createHash } from 'node:crypto';
import { sdkLoggerFor } from '@goosuke/core/implementing';
import OpenAI from 'openai';
import type { ResolvedOpenAIProviderOptions } from './openai-provider-options.ts';

// One SDK client per account and endpoint: the SDK keeps connection state (keep-alive agents),
// so providers created from the same settings share it. The map key never holds the plain key,
// only a SHA-256 fingerprint of everything that identifies the account.
const clients = new Map<string, OpenAI>();
const fetchIds = new WeakMap<object, number>();
let nextFetchId = 1;

/** A number per object (a custom fetch, a logger): clients are shared only with the same ones. */
function fetchId(fetch: object | undefined): number {
  if (fetch === undefined) return 0;
  let id = fetchIds.get(fetch);
  if (id === undefined) {
    id = nextFetchId++;
    fetchIds.set(fetch, id);
  }
  return id;
}

function cacheKey(settings: ResolvedOpenAIProviderOptions): string {
  const headers = Object.entries(settings.headers).sort(([a], [b]) => a.localeCompare(b));
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        settings.apiKey,
        settings.organization,
        settings.project,
        headers,
        fetchId(settings.fetch),
        fetchId(settings.logger),
      ]),
    )
    .digest('hex');
  return `${settings.baseUrl} ${fingerprint}`;
}

/**
 * The shared SDK client for these settings, created on first use. Everything is passed
 * explicitly (key, base URL, organization, project, log level) so the SDK reads none of its
 * `OPENAI_*` environment variables, and its own retries are off: callers retry through
 * `withProviderRetry`. Timeouts and signals are given per request.
 */
export function openAIClientFor(settings: ResolvedOpenAIProviderOptions): OpenAI {
  const key = cacheKey(settings);
  let client = clients.get(key);
  if (client === undefined) {
    client = new OpenAI({
      apiKey: settings.apiKey,
      adminAPIKey: null,
      baseURL: settings.baseUrl,
      organization: settings.organization,
      project: settings.project,
      webhookSecret: null,
      defaultHeaders: settings.headers,
      maxRetries: 0,
      timeout: settings.timeoutMs,
      // Its warnings go to the logger at debug level; without one, nowhere (and `OPENAI_LOG`
      // stays unread either way).
      ...(settings.logger === undefined
        ? { logLevel: 'off' as const }
        : {
            logLevel: 'warn' as const,
            logger: sdkLoggerFor(settings.logger, { provider: settings.provider }),
          }),
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    });
    clients.set(key, client);
  }
  return client;
}

/** Test hook: how many SDK clients the module-level cache holds. */
export function openAIClientCacheSize(): number {
  return clients.size;
}

/** Test hook: forgets every cached SDK client (they hold no open resources to close). */
export function clearOpenAIClientCache(): void {
  clients.clear();
}
