import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayCall, GatewayLease, GatewayLeaseOptions, ModelGateway, ModelPrice } from '@goosuke/core';
import { afterEach } from 'vitest';
import { createModelGateway, type ModelGatewayOptions } from '../src/index.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test (last registered, first run). */
export function onTeardown(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** A price with round numbers: $1000, $100 and $2000 per million input, cached input, output tokens. */
export const testPrice: ModelPrice = {
  inputPerMillion: 1000,
  cachedInputPerMillion: 100,
  outputPerMillion: 2000,
};

/** A gateway on 127.0.0.1, closed after the test. */
export async function startGateway(options: ModelGatewayOptions = {}): Promise<ModelGateway> {
  const gateway = await createModelGateway(options);
  onTeardown(() => gateway.close());
  return gateway;
}

/** Lease options for `wire` against `baseUrl`, collecting every call in `calls`. */
export function leaseOptions(
  wire: GatewayLeaseOptions['wire'],
  upstream: { baseUrl: string; apiKey: string },
  extra: Partial<GatewayLeaseOptions> = {},
): GatewayLeaseOptions & { calls: GatewayCall[] } {
  const calls: GatewayCall[] = [];
  return {
    runId: 'run_test',
    wire,
    upstream,
    model: 'the-profile-model',
    price: testPrice,
    onCall: (call) => calls.push(call),
    calls,
    ...extra,
  };
}

/** A started gateway with one lease for `wire` against `upstream`, and the calls it records. */
export async function openTestLease(
  wire: GatewayLeaseOptions['wire'],
  upstream: { baseUrl: string; apiKey: string },
): Promise<{ gateway: ModelGateway; lease: GatewayLease; calls: GatewayCall[] }> {
  const gateway = await startGateway();
  const options = leaseOptions(wire, upstream);
  return { gateway, lease: await gateway.open(options), calls: options.calls };
}

/** A request the recording upstream received. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text. */
  text: string;
  /** The parsed JSON body, or null. */
  body: Record<string, unknown> | null;
}

/** A scripted answer of the recording upstream. */
export interface UpstreamReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as SSE: each entry `[event name or null, data]`, data serialized when not a string. */
  sse?: Array<[string | null, unknown]>;
  /** Pause between SSE frames. */
  frameDelayMs?: number;
  /** SSE: send the whole stream in slices of this many bytes, cutting events and characters apart. */
  sliceBytes?: number;
  /** Wait for this before sending anything (tests of calls in flight). */
  gate?: Promise<void>;
  /** Wait this long before sending the headers. */
  delayMs?: number;
  /** SSE: after this many frames, keep the connection open without a byte. */
  stallAfterFrames?: number;
}

/**
 * A loopback upstream for any wire that records every request (headers, raw and parsed body)
 * and answers scripted JSON or SSE replies in order; unscripted requests get a 500.
 */
export interface RecordingUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  respond(...replies: UpstreamReply[]): void;
  /** Connections whose request arrived and whose response has not ended or been cut. */
  openResponses(): number;
  /** Resolves when a response the upstream was sending got cut by its client. */
  nextCut(): Promise<void>;
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readText(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** Starts a {@link RecordingUpstream} on 127.0.0.1; closed after the test. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: UpstreamReply[] = [];
  const open = new Set<ServerResponse>();
  let cutWaiters: Array<() => void> = [];

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readText(request);
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = null;
    }
    requests.push({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      text,
      body,
    });
    open.add(response);
    response.on('close', () => {
      open.delete(response);
      if (!response.writableFinished) {
        for (const wake of cutWaiters.splice(0)) wake();
      }
    });
    const reply = queue.shift() ?? { status: 500, json: { error: { message: 'no scripted reply' } } };
    if (reply.gate) await reply.gate;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (response.destroyed) return;
    if (reply.sse === undefined) {
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify(reply.json ?? {}));
      return;
    }
    response.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', ...reply.headers });
    response.flushHeaders();
    const frame = ([event, data]: [string | null, unknown]) =>
      `${event === null ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    if (reply.sliceBytes !== undefined) {
      const bytes = Buffer.from(reply.sse.map(frame).join(''), 'utf8');
      for (let start = 0; start < bytes.length && !response.destroyed; start += reply.sliceBytes) {
        response.write(bytes.subarray(start, start + reply.sliceBytes));
        await sleep(1);
      }
      response.end();
      return;
    }
    for (const [index, [event, data]] of reply.sse.entries()) {
      if (index === reply.stallAfterFrames) return;
      if (index > 0 && reply.frameDelayMs) await sleep(reply.frameDelayMs);
      if (response.destroyed) return;
      response.write(frame([event, data]));
    }
    response.end();
  }

  const server = createServer((request, response) => {
    void serve(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const upstream: RecordingUpstream = {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (...replies) => {
      queue.push(...replies);
    },
    openResponses: () => open.size,
    nextCut: () =>
      new Promise((resolve) => {
        cutWaiters.push(resolve);
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        cutWaiters = [];
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  onTeardown(() => upstream.close());
  return upstream;
}

/** Everything a recorded request carried (URL, headers, body), as one string to search. */
export function everythingSent(request: {
  url?: string;
  path?: string;
  headers: Record<string, unknown>;
  body: unknown;
}): string {
  return JSON.stringify([request.url ?? request.path, request.headers, request.body]);
}

/** Waits until `condition` holds (polling), failing after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
