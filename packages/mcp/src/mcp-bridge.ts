import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentExtension } from '@goosuke/core';
import { GoosukeError, InvalidInputError, ProviderError } from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectMcpServer } from './connect-mcp-server.ts';
import type { McpConnection, McpTool } from './mcp-connection.ts';

/** An open bridge: see {@link openMcpBridge}. */
export interface McpBridge {
  /** `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly port: number;
  /** What a client sends: a bearer token made for this bridge alone. */
  readonly headers: Readonly<Record<string, string>>;
  /** The upstream server's name and version. */
  readonly serverInfo: { readonly name: string; readonly version: string };
  /** Stops listening and closes the upstream connection. Idempotent; never rejects. */
  close(): Promise<void>;
}

/** The largest request body the bridge reads. */
const maxBodyBytes = 4 * 1024 * 1024;

/**
 * Serves an HTTP or SSE extension's tools as a streamable-HTTP MCP server on 127.0.0.1 (a port of
 * the system's choosing), for a coding agent in the sandbox, which reaches no other network and
 * (Codex, Goose) may not speak SSE. The bridge connects to the real server with the extension's
 * headers, which the agent never sees; the agent authenticates to the bridge with a random bearer
 * token of its own (every other request is refused with 401). `tools/list` and `tools/call` are
 * forwarded, within the extension's timeout; an upstream failure is a tool error result, as the
 * agent would see from a failing server; its message never holds a header's value, nor the
 * credential inside one (`Bearer <token>`'s token, `Basic`'s password), even when the server
 * quotes them in its error. Stateless: each request is served on its own.
 * @throws GoosukeError (`provider`, `timeout`, `canceled`) when the server cannot be reached.
 */
export async function openMcpBridge(extension: AgentExtension, signal?: AbortSignal): Promise<McpBridge> {
  if ((extension.type !== 'streamable_http' && extension.type !== 'sse') || extension.url === null) {
    throw new InvalidInputError(`the extension ${extension.name} is not an HTTP or SSE extension`);
  }
  if (signal?.aborted) {
    throw new GoosukeError('canceled', `opening a bridge for the extension ${extension.name} was canceled`, {
      cause: signal.reason,
    });
  }
  const timeoutMs = extension.timeoutSeconds * 1000;
  const hidden = credentialsOf(extension.headers);
  let upstream: McpConnection;
  try {
    upstream = await connectMcpServer({
      name: extension.name,
      transport: extension.type,
      url: extension.url,
      headers: { ...extension.headers },
      // Every header may carry a credential: none is ever quoted.
      secrets: Object.keys(extension.headers),
      connectTimeoutMs: timeoutMs,
      callTimeoutMs: timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    throw withoutCredentials(error, hidden);
  }
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server = createServer((request, response) => {
    void serve(upstream, request, response, authorized, hidden).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await upstream.close();
    throw new GoosukeError('internal', `could not open a bridge for the extension ${extension.name}`, {
      cause: error,
    });
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    headers: { Authorization: `Bearer ${token}` },
    serverInfo: upstream.serverInfo,
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await upstream.close();
      })();
      return closing;
    },
  };
}

async function serve(
  upstream: McpConnection,
  request: IncomingMessage,
  response: ServerResponse,
  authorized: (request: IncomingMessage) => boolean,
  hidden: readonly string[],
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/mcp') {
    response.writeHead(404).end();
    return;
  }
  if (!authorized(request)) {
    response.writeHead(401, { 'www-authenticate': 'Bearer realm="goosuke-mcp-bridge"' }).end();
    return;
  }
  if (request.method !== 'POST') {
    // Stateless: no server-sent stream to open (GET) and no session to end (DELETE).
    response.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const body = await readJson(request);
  if (body === undefined) {
    // The rest of the body is not read: the connection closes once the answer is out (Node reads
    // and drops what still comes, rather than resetting the connection under the answer).
    response.writeHead(413, { connection: 'close' }).end();
    return;
  }
  const mcp = new Server(
    { name: `goosuke-bridge:${upstream.serverInfo.name}`, version: upstream.serverInfo.version },
    { capabilities: { tools: {} } },
  );
  mcp.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    let tools: McpTool[];
    try {
      tools = await upstream.listTools({ signal: extra.signal });
    } catch (error) {
      // The client gets the message as the JSON-RPC error's.
      throw new Error(redactSecrets(messageOf(error), hidden));
    }
    return {
      tools: tools.map((tool) => ({
        name: tool.name,
        ...(tool.title === undefined ? {} : { title: tool.title }),
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
        ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
      })),
    };
  });
  mcp.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
    try {
      const result = await upstream.callTool(call.params.name, call.params.arguments ?? {}, {
        signal: extra.signal,
      });
      return {
        content: [...result.content],
        isError: result.isError,
        ...(result.structuredContent === undefined
          ? {}
          : { structuredContent: { ...result.structuredContent } }),
      };
    } catch (error) {
      // The message may quote the server's own error text, which may quote the credential.
      return {
        content: [{ type: 'text' as const, text: redactSecrets(messageOf(error), hidden) }],
        isError: true,
      };
    }
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  response.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  await transport.handleRequest(request, response, body);
}

/**
 * The request's JSON body (null when it is not JSON: the transport answers with a parse error),
 * or undefined when it is larger than {@link maxBodyBytes}: reading stops there, without
 * destroying the request (which would reset the connection before the 413 reaches the client).
 */
function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        stop();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        resolve(null);
      }
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/**
 * What of the extension's headers must never reach a client: each value, and the credential in
 * it as a server may quote it alone (`Bearer <token>`: the token; `Basic <base64>`: the base64,
 * the decoded `user:password` and the password). `connectMcpServer` redacts whole values only.
 */
function credentialsOf(headers: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const value of Object.values(headers)) {
    const trimmed = value.trim();
    if (trimmed === '') continue;
    found.add(value);
    found.add(trimmed);
    const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S.*)$/.exec(trimmed);
    if (scheme === null) continue;
    const credential = scheme[2]!.trim();
    found.add(credential);
    if (scheme[1]!.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      found.add(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) found.add(decoded.slice(colon + 1));
    }
  }
  // Longest first, so that a value is replaced whole before a part of it is.
  return [...found].sort((a, b) => b.length - a.length);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failure to connect, with no part of a credential in its message or cause. */
function withoutCredentials(error: unknown, hidden: readonly string[]): unknown {
  if (error instanceof ProviderError) {
    return new ProviderError(error.provider, error.message, {
      status: error.status,
      retryable: error.retryable,
      ...(error.retryAfterMs === null ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
      secrets: hidden,
    });
  }
  if (GoosukeError.isInstance(error) && redactSecrets(error.message, hidden) !== error.message) {
    return new GoosukeError(error.code, redactSecrets(error.message, hidden), { retryable: error.retryable });
  }
  return error;
}
