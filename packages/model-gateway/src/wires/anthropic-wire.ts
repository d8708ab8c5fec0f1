import type { TokenUsage } from '@goosuke/core';
import {
  bearerToken,
  type GatewayRefusal,
  headerValue,
  isRecord,
  joinUrl,
  tokenCount,
  type WireRoute,
  type WireSpec,
} from './wire-spec.ts';

// Claude Code calls the beta endpoints (`/v1/messages?beta=true`): the query names the API
// surface, not a credential, so it goes upstream.
const keptQuery = ['beta'] as const;

const messages: WireRoute = {
  kind: 'call',
  upstreamUrl: (base, _model, query) => joinUrl(base, '/v1/messages', query, keptQuery),
};
const countTokens: WireRoute = {
  kind: 'count',
  upstreamUrl: (base, _model, query) => joinUrl(base, '/v1/messages/count_tokens', query, keptQuery),
};

const errorTypes: Record<GatewayRefusal, string> = {
  unauthorized: 'authentication_error',
  'not-found': 'not_found_error',
  'too-large': 'request_too_large',
  'invalid-json': 'invalid_request_error',
  budget: 'invalid_request_error',
  unreachable: 'api_error',
  timeout: 'timeout_error',
  'bad-upstream': 'api_error',
};

/**
 * Anthropic's usage object in Goosuke's convention: `input_tokens` counts only the uncached
 * input, so cache reads and cache writes are added to it (both are input the call was billed
 * for); the cache reads are the cached part.
 */
function usageOf(raw: Record<string, unknown>): TokenUsage {
  const read = tokenCount(raw.cache_read_input_tokens);
  const created = tokenCount(raw.cache_creation_input_tokens);
  return {
    inputTokens: tokenCount(raw.input_tokens) + read + created,
    outputTokens: tokenCount(raw.output_tokens),
    cachedInputTokens: read,
  };
}

/** The Anthropic Messages wire (Claude Code). */
export const anthropicWire: WireSpec = {
  route(method, path) {
    if (method !== 'POST') return null;
    if (path === '/v1/messages') return messages;
    if (path === '/v1/messages/count_tokens') return countTokens;
    return null;
  },
  presentedTokens(headers) {
    // The SDK sends `x-api-key` for an API key and `Authorization: Bearer` for an auth token.
    return [headerValue(headers['x-api-key']), bearerToken(headers.authorization)].filter(
      (token): token is string => token !== undefined && token !== '',
    );
  },
  upstreamAuth: (apiKey) => ({ 'x-api-key': apiKey }),
  forwardedHeaders: ['anthropic-version', 'anthropic-beta'],
  rewrite: (_route, body, model) => ({ ...body, model }),
  usageOfJson(body) {
    return isRecord(body) && isRecord(body.usage) ? usageOf(body.usage) : null;
  },
  sseUsageReader() {
    // `message_start` carries the input side (and a first output count); `message_delta`
    // carries the cumulative output, and on newer API versions cumulative input fields too:
    // later fields win.
    let raw: Record<string, unknown> | null = null;
    return {
      event(_name, data) {
        if (!isRecord(data)) return;
        if (data.type === 'message_start' && isRecord(data.message) && isRecord(data.message.usage)) {
          raw = { ...data.message.usage };
        } else if (data.type === 'message_delta' && isRecord(data.usage)) {
          const merged: Record<string, unknown> = { ...raw };
          for (const [name, value] of Object.entries(data.usage)) {
            if (typeof value === 'number') merged[name] = value;
          }
          raw = merged;
        }
      },
      usage: () => (raw === null ? null : usageOf(raw)),
    };
  },
  errorBody: (refusal, _status, message) => ({
    type: 'error',
    error: { type: errorTypes[refusal], message },
  }),
};
