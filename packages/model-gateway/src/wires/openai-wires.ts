import type { TokenUsage } from '@goosuke/core';
import {
  bearerToken,
  type GatewayRefusal,
  isRecord,
  joinUrl,
  type SseUsageReader,
  tokenCount,
  type WireRoute,
  type WireSpec,
} from './wire-spec.ts';

// Azure-style OpenAI-compatible servers take the API version as a query parameter.
const keptQuery = ['api-version'] as const;

const modelList: WireRoute = {
  kind: 'models',
  upstreamUrl: () => {
    throw new Error('the model list is answered by the gateway, never forwarded');
  },
};

const errorCodes: Record<GatewayRefusal, { type: string; code: string }> = {
  unauthorized: { type: 'invalid_request_error', code: 'invalid_api_key' },
  'not-found': { type: 'invalid_request_error', code: 'unknown_url' },
  'too-large': { type: 'invalid_request_error', code: 'request_too_large' },
  'invalid-json': { type: 'invalid_request_error', code: 'invalid_json' },
  budget: { type: 'invalid_request_error', code: 'budget_exceeded' },
  unreachable: { type: 'server_error', code: 'upstream_unreachable' },
  timeout: { type: 'server_error', code: 'upstream_timeout' },
  'bad-upstream': { type: 'server_error', code: 'bad_upstream_response' },
};

/** What both OpenAI wires share: Bearer auth, the error shape, the model list. */
const openaiCommon = {
  presentedTokens(headers: Readonly<Record<string, string | string[] | undefined>>): string[] {
    const token = bearerToken(headers.authorization);
    return token === undefined ? [] : [token];
  },
  upstreamAuth: (apiKey: string) => ({ authorization: `Bearer ${apiKey}` }),
  forwardedHeaders: ['openai-beta'],
  errorBody: (refusal: GatewayRefusal, _status: number, message: string) => ({
    error: { message, ...errorCodes[refusal], param: null },
  }),
} as const;

/** Reads usage from the last SSE event carrying it (found by `find` in the event's data). */
function lastUsageReader(find: (data: Record<string, unknown>) => TokenUsage | null): SseUsageReader {
  let usage: TokenUsage | null = null;
  return {
    event(_name, data) {
      if (!isRecord(data)) return;
      usage = find(data) ?? usage;
    },
    usage: () => usage,
  };
}

/** Responses API usage: `input_tokens` already includes the cached ones, `output_tokens` the reasoning. */
function responsesUsage(raw: unknown): TokenUsage | null {
  if (!isRecord(raw)) return null;
  const details = isRecord(raw.input_tokens_details) ? raw.input_tokens_details : {};
  return {
    inputTokens: tokenCount(raw.input_tokens),
    outputTokens: tokenCount(raw.output_tokens),
    cachedInputTokens: tokenCount(details.cached_tokens),
  };
}

/** Chat Completions usage: `prompt_tokens` already includes the cached ones. */
function chatUsage(raw: unknown): TokenUsage | null {
  if (!isRecord(raw)) return null;
  const details = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  return {
    inputTokens: tokenCount(raw.prompt_tokens),
    outputTokens: tokenCount(raw.completion_tokens),
    cachedInputTokens: tokenCount(details.cached_tokens),
  };
}

const responses: WireRoute = {
  kind: 'call',
  upstreamUrl: (base, _model, query) => joinUrl(base, '/responses', query, keptQuery),
};

/** The OpenAI Responses wire (Codex). */
export const openaiResponsesWire: WireSpec = {
  ...openaiCommon,
  route(method, path) {
    if (method === 'POST' && path === '/v1/responses') return responses;
    if (method === 'GET' && path === '/v1/models') return modelList;
    return null;
  },
  rewrite: (_route, body, model) => ({ ...body, model }),
  usageOfJson: (body) => (isRecord(body) ? responsesUsage(body.usage) : null),
  // `response.completed` (and `.incomplete`, `.failed`) carry the response with its usage.
  sseUsageReader: () =>
    lastUsageReader((data) => (isRecord(data.response) ? responsesUsage(data.response.usage) : null)),
};

const chatCompletions: WireRoute = {
  kind: 'call',
  upstreamUrl: (base, _model, query) => joinUrl(base, '/chat/completions', query, keptQuery),
};

/** The OpenAI Chat Completions wire (Goose, OpenAI-compatible servers). */
export const openaiChatWire: WireSpec = {
  ...openaiCommon,
  route(method, path) {
    if (method === 'POST' && path === '/v1/chat/completions') return chatCompletions;
    if (method === 'GET' && path === '/v1/models') return modelList;
    return null;
  },
  rewrite(_route, body, model) {
    if (body.stream !== true) return { ...body, model };
    // Without `include_usage` a streamed completion reports no usage at all: the gateway asks
    // for it, so the stream ends with one more chunk (empty `choices`, the usage), which the
    // OpenAI SDKs expect whenever the option is set.
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    return { ...body, model, stream_options: { ...streamOptions, include_usage: true } };
  },
  usageOfJson: (body) => (isRecord(body) ? chatUsage(body.usage) : null),
  sseUsageReader: () => lastUsageReader((data) => chatUsage(data.usage)),
};
