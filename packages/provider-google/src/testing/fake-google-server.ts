import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link startFakeGoogleServer}. */
export interface FakeGoogleServerOptions {
  /** The only key the fake accepts in `x-goog-api-key`; default `'fake-gemini-key'`. */
  apiKey?: string;
  /**
   * What the fake answers when no scripted reply is queued. By default it answers HTTP 500
   * `INTERNAL` with "no scripted reply", so a test that forgot to script a reply fails loudly.
   */
  fallback?: FakeGoogleReply;
}

/** One function call the fake model makes. */
export interface FakeGoogleFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  /** Gemini 3 sends ids with its calls; older models send none. */
  id?: string;
  /** An opaque thought signature, as Gemini 3 attaches to the first call of a turn. */
  thoughtSignature?: string;
}

/** Token counts the fake reports in `usageMetadata`. */
export interface FakeGoogleUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

/**
 * One scripted answer. A `reply` is rendered in the mode the request asked for: one JSON
 * body for `:generateContent`, or SSE `data:` frames for `:streamGenerateContent?alt=sse`
 * (one frame per `text` element, then one per function call, the last frame carrying
 * `finishReason` and `usageMetadata`, as Gemini streams do).
 */
export type FakeGoogleReply =
  | {
      kind: 'reply';
      /** The answer's text; an array gives the streamed chunks (joined for `:generateContent`). */
      text?: string | string[];
      functionCalls?: FakeGoogleFunctionCall[];
      /** Default `'STOP'`. */
      finishReason?: string;
      usage?: FakeGoogleUsage;
      /** Wait before sending the response headers (for timeout tests). */
      delayMs?: number;
      /** Wait between streamed frames (for abort tests). */
      chunkDelayMs?: number;
      /**
       * Streams only: after the text frames, send this error frame (`data: {"error":{…}}`, as
       * Google does when a stream fails midway) instead of the function calls and the finish.
       */
      streamError?: { code: number; status: string; message: string };
      /** Streams only: send only this many frames, then keep the connection open without a byte. */
      stallAfterFrames?: number;
      /** Streams only: send only this many frames, then end the response (cut before the finish). */
      endAfterFrames?: number;
    }
  | {
      kind: 'error';
      /** HTTP status, e.g. 429, 503. */
      status: number;
      /** Google's status name, e.g. `'RESOURCE_EXHAUSTED'`; derived from `status` when left out. */
      googleStatus?: string;
      message?: string;
      /** Extra `error.details` entries, e.g. a `google.rpc.RetryInfo`. */
      details?: unknown[];
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | {
      /** Any body, sent as is (e.g. `{ promptFeedback: { blockReason: 'SAFETY' } }`); streamed as one frame. */
      kind: 'raw';
      body: unknown;
      delayMs?: number;
    };

/** One request the fake received. */
export interface FakeGoogleRequest {
  method: string;
  /** The path without the query, e.g. `/v1beta/models/gemini-2.5-pro:generateContent`. */
  path: string;
  /** The query parameters (`alt=sse` on streams; a `key` here would be a leaked API key). */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (`null` when it was not JSON). */
  body: FakeGoogleRequestBody | null;
  /** The model id from the path, or null for an unknown path. */
  model: string | null;
  stream: boolean;
}

/** The parts of a `GenerateContentRequest` tests look at (the body holds everything sent). */
export interface FakeGoogleRequestBody {
  contents?: Array<{ role?: string; parts?: Array<Record<string, unknown>> }>;
  systemInstruction?: { role?: string; parts?: Array<{ text?: string }> };
  tools?: Array<{ functionDeclarations?: Array<Record<string, unknown>> }>;
  generationConfig?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A running fake of the Gemini API (`generativelanguage.googleapis.com`). */
export interface FakeGoogleServer {
  /** The base URL to give the provider or the SDK (`httpOptions.baseUrl`), without a trailing slash. */
  readonly url: string;
  /** The key the fake accepts. */
  readonly apiKey: string;
  /** Every request received, in order, including rejected ones. */
  readonly requests: FakeGoogleRequest[];
  /** Queues replies; each request takes the next one. */
  respond(...replies: FakeGoogleReply[]): void;
  /** Scripted replies not consumed yet. */
  pending(): number;
  /** How many streamed answers are still open (a client that stops reading should close them). */
  openStreams(): number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const pathPattern = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/**
 * Starts a loopback fake of the Gemini API on 127.0.0.1 speaking the real wire protocol:
 * `POST {url}/v1beta/models/{model}:generateContent` (JSON) and
 * `:streamGenerateContent?alt=sse` (SSE `data:` frames, no `[DONE]`), errors in Google's
 * shape `{ error: { code, message, status, details } }`. Authentication is checked like
 * Google does: no `x-goog-api-key` header → 403 `PERMISSION_DENIED`; a wrong key → 400
 * `INVALID_ARGUMENT` with reason `API_KEY_INVALID`. Close it in teardown.
 */
export async function startFakeGoogleServer(
  options: FakeGoogleServerOptions = {},
): Promise<FakeGoogleServer> {
  const apiKey = options.apiKey ?? 'fake-gemini-key';
  const queue: FakeGoogleReply[] = [];
  const requests: FakeGoogleRequest[] = [];
  const streaming = new Set<ServerResponse>();

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'INTERNAL', `fake failed: ${String(error)}`);
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(request);
    let body: FakeGoogleRequestBody | null = null;
    try {
      body = raw === '' ? null : (JSON.parse(raw) as FakeGoogleRequestBody);
    } catch {
      body = null;
    }
    const match = pathPattern.exec(url.pathname);
    const stream = match?.[2] === 'streamGenerateContent';
    requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...request.headers },
      body,
      model: match?.[1] ?? null,
      stream,
    });

    const key = request.headers['x-goog-api-key'];
    if (key === undefined) {
      sendError(
        response,
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
      return;
    }
    if (key !== apiKey) {
      sendError(response, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
      return;
    }
    if (request.method !== 'POST' || !match) {
      sendError(response, 404, 'NOT_FOUND', `fake: no route for ${request.method} ${url.pathname}`);
      return;
    }
    if (stream && url.searchParams.get('alt') !== 'sse') {
      sendError(response, 400, 'INVALID_ARGUMENT', 'fake: streaming needs alt=sse');
      return;
    }

    const reply: FakeGoogleReply = queue.shift() ??
      options.fallback ?? { kind: 'error', status: 500, message: 'fake: no scripted reply' };
    const closed = onClose(response);
    if (reply.delayMs) await sleep(reply.delayMs, closed);
    if (response.destroyed) return;

    if (reply.kind === 'error') {
      sendError(
        response,
        reply.status,
        reply.googleStatus ?? statusNames[reply.status] ?? 'UNKNOWN',
        reply.message ?? `fake error ${reply.status}`,
        reply.details ?? [],
        reply.headers,
      );
      return;
    }
    const frames = reply.kind === 'raw' ? [reply.body] : renderReply(reply, stream);
    if (!stream) {
      sendJson(response, 200, frames[0]);
      return;
    }
    streaming.add(response);
    void closed.then(() => streaming.delete(response));
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunkDelayMs = reply.kind === 'reply' ? (reply.chunkDelayMs ?? 0) : 0;
    for (const [index, frame] of frames.entries()) {
      if (reply.kind === 'reply' && index === reply.stallAfterFrames) return; // left open on purpose
      if (reply.kind === 'reply' && index === reply.endAfterFrames) break;
      if (index > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs, closed);
      if (response.destroyed || response.writableEnded) return;
      response.write(`data: ${JSON.stringify(frame)}\r\n\r\n`);
    }
    response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    respond: (...replies) => {
      queue.push(...replies);
    },
    pending: () => queue.length,
    openStreams: () => streaming.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function renderReply(reply: Extract<FakeGoogleReply, { kind: 'reply' }>, stream: boolean): unknown[] {
  const texts = reply.text === undefined ? [] : Array.isArray(reply.text) ? reply.text : [reply.text];
  const calls = (reply.functionCalls ?? []).map((call) => ({
    functionCall: {
      name: call.name,
      args: call.args ?? {},
      ...(call.id === undefined ? {} : { id: call.id }),
    },
    ...(call.thoughtSignature === undefined ? {} : { thoughtSignature: call.thoughtSignature }),
  }));
  const usage = reply.usage ?? { promptTokenCount: 10, candidatesTokenCount: 5 };
  const usageMetadata = {
    ...usage,
    totalTokenCount:
      (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
  };
  const finishReason = reply.finishReason ?? 'STOP';
  const candidate = (parts: unknown[], last: boolean) => ({
    content: { role: 'model', parts },
    ...(last ? { finishReason } : {}),
    index: 0,
  });
  const frame = (parts: unknown[], last: boolean) => ({
    candidates: [candidate(parts, last)],
    ...(last ? { usageMetadata } : {}),
    modelVersion: 'fake-gemini',
    responseId: 'fake-response',
  });
  if (!stream) {
    const parts = [...(texts.length > 0 ? [{ text: texts.join('') }] : []), ...calls];
    return [frame(parts, true)];
  }
  if (reply.streamError)
    return [...texts.map((text) => frame([{ text }], false)), { error: reply.streamError }];
  const pieces: unknown[][] = [...texts.map((text) => [{ text }]), ...calls.map((call) => [call])];
  if (pieces.length === 0) pieces.push([]);
  return pieces.map((parts, index) => frame(parts, index === pieces.length - 1));
}

function sendError(
  response: ServerResponse,
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
  headers: Record<string, string> = {},
): void {
  sendJson(
    response,
    code,
    { error: { code, message, status, ...(details.length ? { details } : {}) } },
    headers,
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function onClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => response.once('close', () => resolve()));
}

// Resolves early when the client goes away, so a slow reply never outlives its connection.
function sleep(ms: number, closed: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void closed.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
