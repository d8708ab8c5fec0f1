import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body read whole, or why it could not be. */
export type BodyRead =
  | { readonly kind: 'ok'; readonly bytes: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/**
 * Reads `request`'s body, stopping at `maxBytes` (a declared `content-length` over it is
 * refused before reading a byte). Resolves `aborted` when the client went away.
 */
export async function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too-large' };
  // Listeners rather than `for await`: leaving an async iterator early destroys the request,
  // and with it the socket the 413 must still be written to.
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const finish = (read: BodyRead) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      // The rest of an oversized body is left unread; the answer closes the connection.
      if (read.kind === 'too-large') request.pause();
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ kind: 'too-large' });
      else parts.push(chunk);
    };
    const onEnd = () => finish({ kind: 'ok', bytes: Buffer.concat(parts, size) });
    const onError = () => finish({ kind: 'aborted' });
    // A client that went away mid-body may close the stream without an error.
    const onClose = () =>
      finish(request.complete ? { kind: 'ok', bytes: Buffer.concat(parts, size) } : { kind: 'aborted' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Sends `body` as JSON with `status`. `close` asks for the connection to be closed after it
 * (a body left unread, e.g. a refused oversized upload, must not be read to reuse the socket).
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  options: { close?: boolean; headers?: Record<string, string> } = {},
): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(options.close ? { connection: 'close' } : {}),
    ...options.headers,
  });
  response.end(text);
}

/** Writes `chunk`, waiting for the client to drain its buffer (or to go away). */
export function writeChunk(response: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (response.destroyed || response.writableEnded) return Promise.resolve();
  if (response.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

// Request headers any wire forwards as they came. Everything else is dropped: credentials
// (`authorization`, `x-api-key`, `x-goog-api-key`, cookies), hop-by-hop headers, `host`,
// `content-length` and `accept-encoding` (the upstream request is made anew).
const commonRequestHeaders = ['accept', 'user-agent'] as const;

/** The headers of the upstream request: the kept ones, the JSON content type, the real key. */
export function upstreamRequestHeaders(
  incoming: IncomingMessage['headers'],
  wireHeaders: readonly string[],
  auth: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [...commonRequestHeaders, ...wireHeaders]) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { ...headers, 'content-type': 'application/json', ...auth };
}

// Response headers the agent gets from the provider: the body's type and the request ids and
// rate-limit state its SDK reports or acts on. Never `set-cookie`, never hop-by-hop headers,
// never `content-length`/`content-encoding` (fetch decodes the body; the gateway re-frames it).
const keptResponseHeaders = new Set([
  'content-type',
  'cache-control',
  'request-id',
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'openai-processing-ms',
]);
const keptResponsePrefixes = ['anthropic-ratelimit-', 'x-ratelimit-'];

/** The provider's response headers the agent may see. */
export function relayedResponseHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (keptResponseHeaders.has(name) || keptResponsePrefixes.some((prefix) => name.startsWith(prefix))) {
      kept[name] = value;
    }
  });
  return kept;
}
