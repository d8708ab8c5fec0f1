import { createHash } from 'node:crypto';
import { GoogleGenAI } from '@google/genai';

// Keyed by base URL and a SHA-256 fingerprint of the key, never the key itself.
const clients = new Map<string, GoogleGenAI>();

/** The Gemini API version every request uses (the fake and the real API both serve it). */
export const googleApiVersion = 'v1beta';

/**
 * The shared SDK client for (`baseUrl`, `apiKey`), created on first use. Everything that
 * the SDK would otherwise read from the environment is passed explicitly: the key, the base
 * URL, the API version, and `vertexai: false` (so `GOOGLE_GENAI_USE_VERTEXAI` cannot switch
 * the backend). Per-call settings (headers, fetch, signal) travel with each request, so one
 * client serves every provider with the same key and URL.
 */
export function googleClientFor(baseUrl: string, apiKey: string): GoogleGenAI {
  const fingerprint = createHash('sha256').update(apiKey).digest('hex');
  const cacheKey = `${baseUrl}\n${fingerprint}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new GoogleGenAI({
      vertexai: false,
      enterprise: false,
      apiKey,
      apiVersion: googleApiVersion,
      httpOptions: { baseUrl, apiVersion: googleApiVersion },
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** How many SDK clients are cached (one per base URL and key); a diagnostic and test hook. */
export function googleClientCacheSize(): number {
  return clients.size;
}

/** Drops every cached SDK client (tests; or after rotating keys, to release the old ones). */
export function clearGoogleClientCache(): void {
  clients.clear();
}
