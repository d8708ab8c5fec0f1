import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the fake model makes. */
export interface FakeOpenAIToolCall {
  /** Default `call_<n>`. */
  id?: string;
  name: string;
  /** An object (serialized with JSON.stringify) or the raw arguments text (e.g. malformed JSON). */
  arguments: Record<string, unknown> | string;
  /** Streamed only: the argument text split into these fragments (default: three pieces). */
  argumentFragments?: string[];
}

/** Token counts the fake reports (OpenAI's usage object). */
export interface FakeOpenAIUsage {
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
}

/**
 * One scripted answer. A `reply` is served as JSON, or as SSE chunks when the request asked
 * for `stream: true`, so one script serves generate and stream alike.
 */
export type FakeOpenAIResponse =
  | {
      kind: 'reply';
      text?: string;
      /** Streamed only: the text split into these deltas (default: one delta per word). */
      textChunks?: string[];
      toolCalls?: FakeOpenAIToolCall[];
      /** Default `tool_calls` when there are tool calls, else `stop`. */
      finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter' | null;
      /** Default: 10 prompt tokens, 5 completion tokens, 0 cached. */
      usage?: FakeOpenAIUsage;
      /** Wait this long before sending the response headers (timeout tests). */
      delayMs?: number;
      /** Streamed only: wait this long between SSE frames. */
      chunkDelayMs?: number;
      /** Streamed only: after the content frames, keep the connection open without finishing. */
      hang?: boolean;
      /** Streamed only: after the content frames, send `data: {"error": …}` and end (a mid-stream failure). */
      streamError?: { message: string; type?: string; code?: string | null };
      /**
       * Streamed only: after the content frames, end the response without a finish frame or
       * `data: [DONE]` (a connection cut before the model finished).
       */
      cutShort?: boolean;
    }
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      /** e.g. `{ 'retry-after': '0.05' }` or `{ 'retry-after-ms': '50' }`. */
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | {
      /** Any JSON body with any status, e.g. `{ choices: [] }` for a withheld answer. */
      kind: 'raw';
      status?: number;
      body: unknown;
      headers?: Record<string, string>;
      delayMs?: number;
    };

/** A request the fake received. */
export interface FakeOpenAIRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or null when it was empty or not JSON. */
  body: Record<string, unknown> | null;
}

/** Options of {@link startFakeOpenAIServer}. */
export interface FakeOpenAIServerOptions {
  /**
   * The key the fake accepts as `Authorization: Bearer <key>`; any other gets a 401 in OpenAI's
   * shape. Default `test-key`. `null` accepts any request, with or without a key (a local server).
   */
  apiKey?: string | null;
  /** Path prefix standing for the API version. Default `/v1`. */
  basePath?: string;
}

/** A running fake; see {@link startFakeOpenAIServer}. */
export interface FakeOpenAIServer {
  /** The base URL to give the provider (`http://127.0.0.1:<port>/v1`). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeOpenAIRequest[];
  /** Queues answers for the next chat completion requests, in order. */
  respond(...responses: FakeOpenAIResponse[]): void;
  /** How many queued answers are left. */
  pending(): number;
  /** How many streamed answers are still open (a client that stops reading should close them). */
  openStreams(): number;
  /** Stops the server, cutting open connections. */
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // The SDK only parses bodies labelled application/json; anything else comes back as a string.
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function usageOf(usage: FakeOpenAIUsage | undefined) {
  const prompt = usage?.promptTokens ?? 10;
  const completion = usage?.completionTokens ?? 5;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedTokens ?? 0 },
  };
}

function argumentsText(call: FakeOpenAIToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

function splitInThree(text: string): string[] {
  if (text.length < 3) return [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Starts a loopback server speaking OpenAI's Chat Completions wire protocol: `POST
 * {url}/chat/completions` answered with JSON, or with SSE `data:` frames ending in
 * `data: [DONE]` when the body has `stream: true` (plus a usage frame when
 * `stream_options.include_usage` is set). Errors use OpenAI's `{ error: { message, type, code } }`.
 * A wrong key gets 401 `invalid_api_key`; with no scripted answer left the fake answers 400,
 * so an unexpected call fails loudly. For tests of this package and end-to-end tests elsewhere.
 */
export async function startFakeOpenAIServer(
  options: FakeOpenAIServerOptions = {},
): Promise<FakeOpenAIServer> {
  const acceptedKey = options.apiKey === undefined ? 'test-key' : options.apiKey;
  const basePath = options.basePath ?? '/v1';
  const requests: FakeOpenAIRequest[] = [];
  const queue: FakeOpenAIResponse[] = [];
  let completionCount = 0;
  const streaming = new Set<ServerResponse>();

  async function serveReply(
    request: FakeOpenAIRequest,
    response: ServerResponse,
    reply: Extract<FakeOpenAIResponse, { kind: 'reply' }>,
  ): Promise<void> {
    completionCount++;
    const id = `chatcmpl-fake${completionCount}`;
    const model = typeof request.body?.model === 'string' ? request.body.model : 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      ...call,
      id: call.id ?? `call_${completionCount}_${index}`,
    }));
    const finishReason =
      reply.finishReason === undefined ? (toolCalls.length > 0 ? 'tool_calls' : 'stop') : reply.finishReason;
    const usage = usageOf(reply.usage);

    if (request.body?.stream !== true) {
      sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.text ?? (toolCalls.length > 0 ? null : ''),
              refusal: null,
              ...(toolCalls.length === 0
                ? {}
                : {
                    tool_calls: toolCalls.map((call) => ({
                      id: call.id,
                      type: 'function',
                      function: { name: call.name, arguments: argumentsText(call) },
                    })),
                  }),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }

    streaming.add(response);
    response.on('close', () => streaming.delete(response));
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const frame = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...extra,
    });
    const frames: unknown[] = [
      frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ];
    const textChunks = reply.textChunks ?? (reply.text ? (reply.text.match(/\S+\s*|\s+/g) ?? []) : []);
    for (const text of textChunks) {
      frames.push(frame([{ index: 0, delta: { content: text }, finish_reason: null }]));
    }
    toolCalls.forEach((call, index) => {
      frames.push(
        frame([
          {
            index: 0,
            delta: {
              tool_calls: [
                { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
              ],
            },
            finish_reason: null,
          },
        ]),
      );
      for (const fragment of call.argumentFragments ?? splitInThree(argumentsText(call))) {
        frames.push(
          frame([
            {
              index: 0,
              delta: { tool_calls: [{ index, function: { arguments: fragment } }] },
              finish_reason: null,
            },
          ]),
        );
      }
    });
    const send = async (data: unknown) => {
      if (response.destroyed) return;
      response.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    };
    for (const data of frames) await send(data);
    if (reply.hang) return; // left open until the client disconnects or close() cuts it
    if (reply.streamError) {
      const { message, type, code } = reply.streamError;
      await send(errorBody(message, type ?? 'server_error', code ?? null));
      response.end();
      return;
    }
    if (reply.cutShort) {
      response.end();
      return;
    }
    await send(frame([{ index: 0, delta: {}, finish_reason: finishReason }]));
    const streamOptions = request.body?.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) await send(frame([], { usage }));
    await send('[DONE]');
    response.end();
  }

  const server = createServer(async (incoming, response) => {
    const text = await readBody(incoming);
    let body: Record<string, unknown> | null = null;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const path = new URL(incoming.url ?? '/', 'http://127.0.0.1').pathname;
    const request: FakeOpenAIRequest = {
      method: incoming.method ?? 'GET',
      path,
      headers: incoming.headers,
      body,
    };
    requests.push(request);

    if (acceptedKey !== null) {
      const authorization = incoming.headers.authorization ?? '';
      const given = authorization.replace(/^Bearer\s+/i, '');
      if (given !== acceptedKey) {
        // Real OpenAI masks the key here; some compatible gateways echo it whole, which is
        // what the fake does so that redaction is tested against the worst case.
        sendJson(
          response,
          401,
          errorBody(`Incorrect API key provided: ${given}.`, 'invalid_request_error', 'invalid_api_key'),
        );
        return;
      }
    }
    if (incoming.method !== 'POST' || path !== `${basePath}/chat/completions`) {
      sendJson(
        response,
        404,
        errorBody(`Unknown request URL: ${incoming.method} ${path}.`, 'invalid_request_error', 'unknown_url'),
      );
      return;
    }
    const next = queue.shift();
    if (next === undefined) {
      sendJson(
        response,
        400,
        errorBody('fake openai server: no scripted response left', 'invalid_request_error', null),
      );
      return;
    }
    if (next.delayMs) await sleep(next.delayMs);
    if (response.destroyed) return;
    if (next.kind === 'error') {
      sendJson(
        response,
        next.status,
        errorBody(
          next.message ?? `fake error ${next.status}`,
          next.type ?? 'server_error',
          next.code ?? null,
        ),
        next.headers,
      );
    } else if (next.kind === 'raw') {
      sendJson(response, next.status ?? 200, next.body, next.headers);
    } else {
      await serveReply(request, response, next);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    respond(...responses) {
      queue.push(...responses);
    },
    pending() {
      return queue.length;
    },
    openStreams() {
      return streaming.size;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
