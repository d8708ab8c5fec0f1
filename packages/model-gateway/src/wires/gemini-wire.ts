import type { TokenUsage } from '@goosuke/core';
import {
  type GatewayRefusal,
  headerValue,
  isRecord,
  joinUrl,
  type SseUsageReader,
  tokenCount,
  type WireRoute,
  type WireSpec,
} from './wire-spec.ts';

// `alt=sse` makes `:streamGenerateContent` answer in SSE; `key` (a credential) is never kept.
const keptQuery = ['alt'] as const;

// The API version is kept as the agent sent it (Gemini CLI's SDK says `v1beta`, newer
// @google/genai defaults to `v1`); the model segment is whatever the agent named (it is
// replaced); the method is after the last colon.
const pathPattern = /^\/(v1|v1beta)\/models\/([^/]+):(generateContent|streamGenerateContent|countTokens)$/;

/** The lease model as a path segment: `models/gemini-2.5-pro` and `gemini-2.5-pro` alike. */
function modelSegment(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, ''));
}

function methodRoute(version: string, method: string): WireRoute {
  return {
    kind: method === 'countTokens' ? 'count' : 'call',
    upstreamUrl: (base, model, query) =>
      joinUrl(base, `/${version}/models/${modelSegment(model)}:${method}`, query, keptQuery),
  };
}

const routes = new Map(
  ['v1', 'v1beta'].flatMap((version) =>
    ['generateContent', 'streamGenerateContent', 'countTokens'].map(
      (method) => [`${version}:${method}`, methodRoute(version, method)] as const,
    ),
  ),
);

const statusNames: Record<GatewayRefusal, string> = {
  unauthorized: 'UNAUTHENTICATED',
  'not-found': 'NOT_FOUND',
  'too-large': 'INVALID_ARGUMENT',
  'invalid-json': 'INVALID_ARGUMENT',
  budget: 'FAILED_PRECONDITION',
  unreachable: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  'bad-upstream': 'INTERNAL',
};

/**
 * Gemini's `usageMetadata` in Goosuke's convention: `promptTokenCount` includes the cached
 * content (and tool-use prompts are billed as input too); thoughts are billed as output.
 */
function usageOf(raw: unknown): TokenUsage | null {
  if (!isRecord(raw)) return null;
  return {
    inputTokens: tokenCount(raw.promptTokenCount) + tokenCount(raw.toolUsePromptTokenCount),
    outputTokens: tokenCount(raw.candidatesTokenCount) + tokenCount(raw.thoughtsTokenCount),
    cachedInputTokens: tokenCount(raw.cachedContentTokenCount),
  };
}

/** The Gemini API wire (Gemini CLI). */
export const geminiWire: WireSpec = {
  route(method, path) {
    if (method !== 'POST') return null;
    const match = pathPattern.exec(path);
    return match === null ? null : (routes.get(`${match[1]}:${match[3]}`) ?? null);
  },
  presentedTokens(headers, query) {
    return [headerValue(headers['x-goog-api-key']), query.get('key') ?? undefined].filter(
      (token): token is string => token !== undefined && token !== '',
    );
  },
  upstreamAuth: (apiKey) => ({ 'x-goog-api-key': apiKey }),
  forwardedHeaders: ['x-goog-api-client'],
  rewrite(route, body, model) {
    // The model is in the path; only a count of a whole request names it in the body too.
    if (route.kind !== 'count' || !isRecord(body.generateContentRequest)) return body;
    return {
      ...body,
      generateContentRequest: {
        ...body.generateContentRequest,
        model: `models/${model.replace(/^models\//, '')}`,
      },
    };
  },
  usageOfJson(body) {
    // `:streamGenerateContent` without `alt=sse` answers a JSON array of chunks.
    const chunks = Array.isArray(body) ? body : [body];
    let usage: TokenUsage | null = null;
    for (const chunk of chunks) if (isRecord(chunk)) usage = usageOf(chunk.usageMetadata) ?? usage;
    return usage;
  },
  sseUsageReader(): SseUsageReader {
    // Every chunk may carry usageMetadata; the last one holds the call's totals.
    let usage: TokenUsage | null = null;
    return {
      event(_name, data) {
        if (isRecord(data)) usage = usageOf(data.usageMetadata) ?? usage;
      },
      usage: () => usage,
    };
  },
  errorBody: (refusal, status, message) => ({
    error: { code: status, message, status: statusNames[refusal] },
  }),
};
