import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface FakeAnthropicRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (null when the body was empty or not JSON). */
  body: FakeAnthropicRequestBody | null;
}

/** The fields of a Messages API body the fake looks at; the rest is kept as sent. */
export interface FakeAnthropicRequestBody {
  model?: string;
  stream?: boolean;
  system?: unknown;
  messages?: Array<{ role: string; content: unknown }>;
  tools?: unknown[];
  max_tokens?: number;
  [field: string]: unknown;
}

/** A tool call the fake model makes. */
export interface FakeAnthropicToolCall {
  /** Default `toolu_fake_<n>`. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

/** Token counts the fake reports (each default 0, input default 10, output default 5). */
export interface FakeAnthropicUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
}

/**
 * A model answer. Sent as one JSON message, or as SSE events when the request asked to
 * stream (`stream: true`), so the same reply serves `generate` and `stream`.
 */
export interface FakeAnthropicMessageReply {
  type: 'message';
  text?: string;
  /**
   * The text as these fragments, in order (it replaces `text`): streamed one `text_delta` each
   * instead of cut by `chunkSize`, joined in a JSON answer.
   */
  textChunks?: string[];
  toolCalls?: FakeAnthropicToolCall[];
  /** Default `tool_use` when there are tool calls, else `end_turn`. */
  stopReason?: string | null;
  usage?: FakeAnthropicUsage;
  /** Wait this long before answering (timeout tests). */
  delayMs?: number;
  /** Streaming: characters per `text_delta` / `input_json_delta` fragment. Default 4. */
  chunkSize?: number;
  /** Streaming: pause between two events. Default 0. */
  eventDelayMs?: number;
  /** Streaming: send only this many events, then keep the connection open without a word (abort tests). */
  stallAfterEvents?: number;
  /** Streaming: after this many events, send an `event: error` frame and end (mid-stream failure). */
  errorAfterEvents?: { events: number; errorType: string; message: string };
  /** Streaming: send only this many events, then end the response (cut before `message_stop`). */
  endAfterEvents?: number;
  /**
   * Malformed-input tests: replaces tool call `index`'s input with this raw text: streamed as
   * the `partial_json` fragments, or sent as a JSON string (not an object) in a JSON answer.
   */
  rawToolInput?: Record<number, string>;
}

/** An HTTP error in Anthropic's shape: `{ type: 'error', error: { type, message } }`. */
export interface FakeAnthropicErrorReply {
  type: 'error';
  status: number;
  /** Default from the status: authentication_error, rate_limit_error, overloaded_error, api_error… */
  errorType?: string;
  message?: string;
  /** Extra response headers, e.g. `{ 'retry-after-ms': '50' }`. */
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Something the fake can answer. */
export type FakeAnthropicReply = FakeAnthropicMessageReply | FakeAnthropicErrorReply;

/** A scripted answer: a fixed reply, or a function of the request (for agent loops). */
export type FakeAnthropicScript =
  | FakeAnthropicReply
  | ((request: FakeAnthropicRequest) => FakeAnthropicReply);

/** Options of {@link startFakeAnthropicServer}. */
export interface FakeAnthropicServerOptions {
  /** The key the fake accepts (as `x-api-key` or `authorization: Bearer`). Default `test-anthropic-key`. */
  apiKey?: string;
  /**
   * Answers requests when nothing is queued. Without it, an unscripted request gets a 400
   * `invalid_request_error` naming the problem (400 is not retried, so tests fail fast).
   */
  fallback?: FakeAnthropicScript;
}

/** A running fake. */
export interface FakeAnthropicServer {
  /** The base URL to give the provider (`baseUrl`); the SDK appends `/v1/messages`. */
  readonly url: string;
  /** The key the fake accepts. */
  readonly apiKey: string;
  /** Every request received, in order (including rejected ones). */
  readonly requests: FakeAnthropicRequest[];
  /** Queues answers, used one per authenticated `POST /v1/messages`, in order. */
  respond(...replies: FakeAnthropicScript[]): void;
  /** How many queued answers are still unused. */
  pending(): number;
  /** How many streamed answers are still open (a client that stops reading should close them). */
  openStreams(): number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** A text answer (helper for {@link FakeAnthropicServer.respond}). */
export function fakeAnthropicText(
  text: string,
  options: Omit<FakeAnthropicMessageReply, 'type' | 'text'> = {},
): FakeAnthropicMessageReply {
  return { type: 'message', text, ...options };
}

/** An answer that calls tools (helper for {@link FakeAnthropicServer.respond}). */
export function fakeAnthropicToolCalls(
  toolCalls: FakeAnthropicToolCall[],
  options: Omit<FakeAnthropicMessageReply, 'type' | 'toolCalls'> = {},
): FakeAnthropicMessageReply {
  return { type: 'message', toolCalls, ...options };
}

/** An HTTP error in Anthropic's shape (helper for {@link FakeAnthropicServer.respond}). */
export function fakeAnthropicError(
  status: number,
  options: Omit<FakeAnthropicErrorReply, 'type' | 'status'> = {},
): FakeAnthropicErrorReply {
  return { type: 'error', status, ...options };
}

const errorTypeOfStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * Starts a loopback Anthropic Messages API on 127.0.0.1 (random port) that the real
 * `@anthropic-ai/sdk` talks to: `POST /v1/messages` answered with JSON messages or SSE streams
 * (every frame with its `event:` line: message_start, content_block_start/delta/stop,
 * message_delta, message_stop), and errors in Anthropic's shape. It checks the key
 * (`x-api-key` or `authorization: Bearer`) and answers 401 `authentication_error` when it is
 * wrong, and 400 when `anthropic-version` is missing, as the real API does.
 */
export async function startFakeAnthropicServer(
  options: FakeAnthropicServerOptions = {},
): Promise<FakeAnthropicServer> {
  const apiKey = options.apiKey ?? 'test-anthropic-key';
  const requests: FakeAnthropicRequest[] = [];
  const queue: FakeAnthropicScript[] = [];
  let messageCount = 0;
  let toolCount = 0;
  const streaming = new Set<ServerResponse>();

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(response, 500, 'api_error', `fake server failure: ${String(error)}`);
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const recorded: FakeAnthropicRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: flattenHeaders(request.headers),
      body: parseJson(raw),
    };
    requests.push(recorded);

    const bearer = recorded.headers.authorization?.replace(/^Bearer\s+/i, '');
    if (recorded.headers['x-api-key'] !== apiKey && bearer !== apiKey) {
      sendError(response, 401, 'authentication_error', 'invalid x-api-key');
      return;
    }
    if (!recorded.headers['anthropic-version']) {
      sendError(response, 400, 'invalid_request_error', 'anthropic-version: header is required');
      return;
    }
    const path = recorded.path.split('?')[0];
    if (recorded.method !== 'POST' || path !== '/v1/messages') {
      sendError(response, 404, 'not_found_error', `${recorded.method} ${path} is not served by the fake`);
      return;
    }
    if (!recorded.body) {
      sendError(response, 400, 'invalid_request_error', 'the body is not JSON');
      return;
    }

    const script = queue.shift() ?? options.fallback;
    if (!script) {
      sendError(
        response,
        400,
        'invalid_request_error',
        'the fake Anthropic server has no scripted reply left',
      );
      return;
    }
    const reply = typeof script === 'function' ? script(recorded) : script;
    if (reply.delayMs) {
      const waited = await wait(reply.delayMs, response);
      if (!waited) return;
    }
    if (reply.type === 'error') {
      sendError(
        response,
        reply.status,
        reply.errorType ?? errorTypeOfStatus[reply.status] ?? 'api_error',
        reply.message ?? `fake error ${reply.status}`,
        reply.headers,
      );
      return;
    }
    messageCount += 1;
    const message = buildMessage(reply, recorded.body, messageCount, () => {
      toolCount += 1;
      return `toolu_fake_${toolCount}`;
    });
    if (recorded.body.stream === true) {
      streaming.add(response);
      response.once('close', () => streaming.delete(response));
      await sendStream(response, reply, message);
    } else {
      response.writeHead(200, {
        'content-type': 'application/json',
        'request-id': `req_fake_${messageCount}`,
      });
      response.end(JSON.stringify({ ...message, content: message.content.map(wireBlock) }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
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
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface FakeContentBlock {
  type: 'text' | 'tool_use';
  text?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  /** The serialized input sent in stream fragments. */
  inputJson?: string;
  /** Set when the reply asked for a malformed input. */
  rawInput?: string;
}

interface FakeMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: FakeContentBlock[];
  stop_reason: string | null;
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
  };
}

function buildMessage(
  reply: FakeAnthropicMessageReply,
  body: FakeAnthropicRequestBody,
  count: number,
  nextToolId: () => string,
): FakeMessage {
  const content: FakeContentBlock[] = [];
  const text = reply.textChunks ? reply.textChunks.join('') : reply.text;
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  (reply.toolCalls ?? []).forEach((call, index) => {
    content.push({
      type: 'tool_use',
      id: call.id ?? nextToolId(),
      name: call.name,
      input: call.input,
      inputJson: reply.rawToolInput?.[index] ?? JSON.stringify(call.input),
      ...(reply.rawToolInput?.[index] === undefined ? {} : { rawInput: reply.rawToolInput[index] }),
    });
  });
  const hasTools = (reply.toolCalls ?? []).length > 0;
  return {
    id: `msg_fake_${count}`,
    type: 'message',
    role: 'assistant',
    model: typeof body.model === 'string' ? body.model : 'claude-fake',
    content,
    stop_reason: reply.stopReason === undefined ? (hasTools ? 'tool_use' : 'end_turn') : reply.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage?.inputTokens ?? 10,
      output_tokens: reply.usage?.outputTokens ?? 5,
      cache_read_input_tokens: reply.usage?.cacheReadInputTokens ?? 0,
      cache_creation_input_tokens: 0,
    },
  };
}

/** The wire form of a non-streamed block (the raw JSON text is only for streams). */
function wireBlock(block: FakeContentBlock): Record<string, unknown> {
  return block.type === 'text'
    ? { type: 'text', text: block.text }
    : { type: 'tool_use', id: block.id, name: block.name, input: block.rawInput ?? block.input };
}

async function sendStream(response: ServerResponse, reply: FakeAnthropicMessageReply, message: FakeMessage) {
  const chunkSize = Math.max(1, reply.chunkSize ?? 4);
  const events: Array<[string, unknown]> = [];
  events.push([
    'message_start',
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    },
  ]);
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      ]);
      for (const piece of reply.textChunks ?? chunks(block.text ?? '', chunkSize)) {
        events.push([
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } },
        ]);
      }
    } else {
      events.push([
        'content_block_start',
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
      ]);
      for (const piece of chunks(block.inputJson ?? '', chunkSize)) {
        events.push([
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } },
        ]);
      }
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_${message.id}`,
  });
  response.flushHeaders();
  for (const [index, [event, data]] of events.entries()) {
    if (reply.errorAfterEvents && index === reply.errorAfterEvents.events) {
      const { errorType, message: errorMessage } = reply.errorAfterEvents;
      response.end(frame('error', { type: 'error', error: { type: errorType, message: errorMessage } }));
      return;
    }
    if (reply.stallAfterEvents !== undefined && index === reply.stallAfterEvents) return; // left open on purpose
    if (reply.endAfterEvents !== undefined && index === reply.endAfterEvents) {
      response.end();
      return;
    }
    if (reply.eventDelayMs && index > 0) {
      const waited = await wait(reply.eventDelayMs, response);
      if (!waited) return;
    }
    if (response.destroyed) return;
    response.write(frame(event, data));
  }
  response.end();
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function chunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/** Waits `ms`, resolving false early when the client went away. */
function wait(ms: number, response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(!response.destroyed);
    }, ms);
    response.once('close', onClose);
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(raw: string): FakeAnthropicRequestBody | null {
  if (raw.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as FakeAnthropicRequestBody)
      : null;
  } catch {
    return null;
  }
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
