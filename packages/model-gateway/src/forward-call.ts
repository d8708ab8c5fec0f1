import type { IncomingMessage, ServerResponse } from 'node:http';
import { costOf, type TokenUsage } from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';
import {
  readRequestBody,
  relayedResponseHeaders,
  sendJson,
  upstreamRequestHeaders,
  writeChunk,
} from './http-io.ts';
import type { LeaseState } from './lease-state.ts';
import { usageTap } from './usage-tap.ts';
import { type GatewayRefusal, isRecord, type WireRoute, type WireSpec } from './wires/wire-spec.ts';
import { refusals } from './wires/wires.ts';

/** The gateway settings a forwarded call uses. */
export interface ForwardSettings {
  readonly fetch: typeof fetch;
  readonly maxRequestBytes: number;
  readonly upstreamTimeoutMs: number;
}

/** One authenticated request on a forwarded route. */
export interface ForwardedRequest {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly state: LeaseState;
  readonly spec: WireSpec;
  readonly route: WireRoute;
  /** Under the lease base URL, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Status recorded for a call whose agent went away before the provider answered (nginx's). */
const clientClosedStatus = 499;
// An error reply is read whole to take secrets out of it; a provider's errors are small.
const maxErrorBytes = 1024 * 1024;

/** Answers the gateway's own error `refusal` in the wire's shape. */
export function sendRefusal(
  response: ServerResponse,
  spec: WireSpec,
  refusal: GatewayRefusal,
  options: { close?: boolean; headers?: Record<string, string> } = {},
): number {
  const { status, message } = refusals[refusal];
  sendJson(response, status, spec.errorBody(refusal, status, message), options);
  return status;
}

function parseObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Forwards one model call: reads and checks the body, refuses it once the lease's budget is
 * spent, sets the model, sends it upstream with the real key, relays the reply as it comes
 * (watching it for usage) and records the call on the lease once the last byte is out.
 */
export async function forwardCall(call: ForwardedRequest, settings: ForwardSettings): Promise<void> {
  const started = performance.now();
  const { request, response, state, spec, route } = call;
  const { options } = state;
  const body = await readRequestBody(request, settings.maxRequestBytes);
  if (body.kind === 'aborted') return;
  if (body.kind === 'too-large') {
    sendRefusal(response, spec, 'too-large', { close: true });
    return;
  }
  const parsed = parseObject(body.bytes);
  if (parsed === null) {
    sendRefusal(response, spec, 'invalid-json');
    return;
  }
  const record = (status: number, usage: TokenUsage | null, refused: 'budget' | null) =>
    state.record({
      wire: options.wire,
      path: call.path,
      model: options.model,
      status,
      usage,
      costUsd: usage === null ? null : costOf(usage, options.price),
      durationMs: Math.round(performance.now() - started),
      refused,
    });

  if (state.overLimit()) {
    state.refuse();
    // `x-should-retry: false` as well as a 4xx: the OpenAI and Anthropic SDKs obey it.
    record(sendRefusal(response, spec, 'budget', { headers: { 'x-should-retry': 'false' } }), null, 'budget');
    return;
  }

  const outgoing = spec.rewrite(route, parsed, options.model);
  const upstreamBody = outgoing === parsed ? body.bytes : Buffer.from(JSON.stringify(outgoing), 'utf8');
  const url = route.upstreamUrl(options.upstream.baseUrl.replace(/\/+$/, ''), options.model, call.query);
  const headers = upstreamRequestHeaders(
    request.headers,
    spec.forwardedHeaders,
    spec.upstreamAuth(options.upstream.apiKey),
  );

  const controller = new AbortController();
  let aborted: 'client' | 'timeout' | null = null;
  // The agent hanging up (mid-request or mid-stream) ends the upstream request too, so that
  // the provider stops generating what nobody will read.
  const onClose = () => {
    if (response.writableFinished) return;
    aborted ??= 'client';
    controller.abort();
  };
  response.on('close', onClose);
  const timer = setTimeout(() => {
    aborted ??= 'timeout';
    controller.abort();
  }, settings.upstreamTimeoutMs);

  let status = clientClosedStatus;
  let usage: TokenUsage | null = null;
  try {
    let upstream: Response;
    try {
      upstream = await settings.fetch(url, {
        method: 'POST',
        headers,
        body: upstreamBody,
        signal: controller.signal,
        // A redirect would carry the real key wherever it points: never followed.
        redirect: 'manual',
      });
    } catch {
      // The fetch error is not shown: it may name the upstream; the agent needs only the kind.
      if (aborted !== 'client') {
        status = sendRefusal(response, spec, aborted === 'timeout' ? 'timeout' : 'unreachable');
      }
      return;
    } finally {
      clearTimeout(timer);
    }
    if (upstream.status >= 200 && upstream.status < 300) {
      status = upstream.status;
      usage = await relayReply(call, upstream, route.kind === 'call');
    } else {
      status = await relayError(call, upstream);
    }
  } finally {
    response.off('close', onClose);
    record(status, usage, null);
  }
}

/** Relays a successful reply byte for byte, tapping it for usage when `metered`. */
async function relayReply(
  call: ForwardedRequest,
  upstream: Response,
  metered: boolean,
): Promise<TokenUsage | null> {
  const { response } = call;
  const headers = relayedResponseHeaders(upstream.headers);
  const tap = metered ? usageTap(call.spec, headers['content-type'] ?? '') : null;
  response.writeHead(upstream.status, headers);
  // Headers now, not with the first chunk: a stream's first event may take a while.
  response.flushHeaders();
  try {
    if (upstream.body !== null) {
      for await (const chunk of upstream.body) {
        tap?.push(chunk);
        await writeChunk(response, chunk);
      }
    }
    response.end();
  } catch {
    // The provider cut the stream, or the agent left (which aborted it): the agent must see a
    // broken reply, not one that ends cleanly.
    response.destroy();
  }
  return tap?.finish() ?? null;
}

/**
 * Relays an error reply with its status, after taking the real key and the run token out of
 * it (some OpenAI-compatible servers echo the key they were given). Returns the status sent.
 */
async function relayError(call: ForwardedRequest, upstream: Response): Promise<number> {
  const { response, spec, state } = call;
  if (upstream.status >= 300 && upstream.status < 400) {
    await upstream.body?.cancel().catch(() => undefined);
    return sendRefusal(response, spec, 'bad-upstream');
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    if (upstream.body !== null) {
      for await (const chunk of upstream.body) {
        size += chunk.length;
        if (size > maxErrorBytes) break;
        parts.push(chunk);
      }
    }
  } catch {
    if (response.destroyed) return clientClosedStatus;
    return sendRefusal(response, spec, 'bad-upstream');
  }
  if (response.destroyed) return clientClosedStatus;
  if (size > maxErrorBytes) return sendRefusal(response, spec, 'bad-upstream');
  const text = redactSecrets(Buffer.concat(parts).toString('utf8'), [
    state.options.upstream.apiKey,
    state.token,
  ]);
  const headers = relayedResponseHeaders(upstream.headers);
  response.writeHead(upstream.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
  return upstream.status;
}
