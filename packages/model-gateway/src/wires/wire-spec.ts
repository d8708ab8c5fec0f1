import type { TokenUsage } from '@goosuke/core';

/**
 * What one request path of a wire is: a model call (forwarded and metered), a token count
 * (forwarded, no usage: a count is not billed) or the model list (answered by the gateway).
 */
export interface WireRoute {
  readonly kind: 'call' | 'count' | 'models';
  /**
   * The upstream URL for the lease's upstream base URL (no trailing slash) and model, keeping
   * only the query parameters the wire needs (`beta=true`, `alt=sse`): a `key=` never goes upstream.
   */
  upstreamUrl(baseUrl: string, model: string, query: URLSearchParams): string;
}

/** Refusals the gateway answers itself, in the wire's error shape. */
export type GatewayRefusal =
  | 'unauthorized'
  | 'not-found'
  | 'too-large'
  | 'invalid-json'
  | 'budget'
  | 'unreachable'
  | 'timeout'
  | 'bad-upstream';

/** Collects a streamed call's usage from the SSE events that carry it. */
export interface SseUsageReader {
  /** One event whose data mentions usage: its `event:` name (if any) and its parsed JSON data. */
  event(name: string | undefined, data: unknown): void;
  /** The usage so far, or null when no event carried any. */
  usage(): TokenUsage | null;
}

/** Everything the gateway knows about one wire: routes, auth, forwarding, usage, error shape. */
export interface WireSpec {
  /** The route `method` + `path` (under the lease base URL, no query) names, or null (404). */
  route(method: string, path: string): WireRoute | null;
  /** The run tokens the request presents, in the wire's usual places. */
  presentedTokens(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    query: URLSearchParams,
  ): string[];
  /** The headers carrying the real key upstream. */
  upstreamAuth(apiKey: string): Record<string, string>;
  /** Request headers of the wire (version, beta) forwarded as they came, beside the common ones. */
  readonly forwardedHeaders: readonly string[];
  /** The body to send upstream: the model set to the lease's, plus what metering needs. */
  rewrite(route: WireRoute, body: Record<string, unknown>, model: string): Record<string, unknown>;
  /** A non-streamed reply's usage, or null when it carries none. */
  usageOfJson(body: unknown): TokenUsage | null;
  /** A reader of a streamed reply's usage. */
  sseUsageReader(): SseUsageReader;
  /** The body of the gateway's own error `refusal` with `status`, as the wire's SDKs read errors. */
  errorBody(refusal: GatewayRefusal, status: number, message: string): unknown;
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token count from a provider's JSON: a finite non-negative number, else 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The first value of a header (Node gives arrays for repeated headers). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(value: string | string[] | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(value) ?? '');
  return match?.[1];
}

/** `base` + `path` + the kept query parameters. */
export function joinUrl(base: string, path: string, query: URLSearchParams, kept: readonly string[]): string {
  const forwarded = new URLSearchParams();
  for (const name of kept) {
    const value = query.get(name);
    if (value !== null) forwarded.set(name, value);
  }
  const search = forwarded.size > 0 ? `?${forwarded.toString()}` : '';
  return `${base}${path}${search}`;
}
