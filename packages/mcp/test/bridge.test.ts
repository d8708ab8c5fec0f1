// openMcpBridge against real SDK servers on 127.0.0.1 (streamable HTTP and SSE), reached with
// connectMcpServer and with plain fetch (to see the raw bytes a client gets).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentExtension, GoosukeError } from '@goosuke/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectMcpServer, type McpBridge, type McpConnection, openMcpBridge } from '../src/index.ts';
import type { McpContentBlock } from '../src/mcp-connection.ts';
import { eventually } from './support.ts';

/** The upstream's credential: a bearer token the bridge sends, which its clients must never see. */
const secretToken = `upstream-secret-${randomUUID()}`;
const secretHeader = `Bearer ${secretToken}`;
/** A second secret header, named so that nothing would take it for a secret. */
const tenantValue = `tenant-${randomUUID()}`;

type Kind = 'streamable_http' | 'sse';

/** A loopback MCP server that requires `Authorization` (default {@link secretHeader}) and `X-Tenant`, with controls for the tests. */
interface Upstream {
  readonly kind: Kind;
  readonly url: string;
  readonly port: number;
  /** Every request's Authorization and X-Tenant headers, as received. */
  readonly seen: Array<{ method: string; authorization: string | undefined; tenant: string | undefined }>;
  /** Calls of `sleep` that the server was told to cancel. */
  readonly canceled: number[];
  /** Open SSE streams (GET /sse) now. */
  openStreams(): number;
  /** From now on, answer every request with HTTP 500 and a body quoting the credential and `quoted`. */
  failing: boolean;
  /** What a failing answer quotes besides the whole header: the credential's parts. */
  quoted: string[];
  /** Stops listening and drops every connection (a crash, as the client sees it). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

const upstreams: Upstream[] = [];
const bridges: McpBridge[] = [];
const connections: McpConnection[] = [];
afterEach(async () => {
  for (const connection of connections.splice(0)) await connection.close();
  for (const bridge of bridges.splice(0)) await bridge.close();
  for (const upstream of upstreams.splice(0)) await upstream.stop();
});

function mcpServer(upstream: { stop(): Promise<void>; canceled: number[] }): McpServer {
  const server = new McpServer({ name: 'upstream-under-test', version: '7.8.9' });
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Echoes its text',
      inputSchema: { text: z.string() },
      annotations: { readOnlyHint: true },
    },
    ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }),
  );
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: { a: z.number(), b: z.number() },
      outputSchema: { sum: z.number() },
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool('fail', { description: 'Always fails' }, () => {
    throw new Error('the tool failed on purpose');
  });
  server.registerTool(
    'sleep',
    { description: 'Sleeps', inputSchema: { ms: z.number() } },
    async ({ ms }, extra) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          upstream.canceled.push(ms);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: `slept ${ms}` }] };
    },
  );
  server.registerTool('die', { description: 'The server crashes while answering' }, async () => {
    void upstream.stop();
    return await new Promise<never>(() => {});
  });
  return server;
}

async function startUpstream(kind: Kind, authorization = secretHeader): Promise<Upstream> {
  const sessions = new Map<string, { transport: SSEServerTransport; server: McpServer }>();
  let port = 0;
  let http: Server | null = null;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    upstream.seen.push({
      method: request.method ?? '',
      authorization: request.headers.authorization,
      tenant: request.headers['x-tenant'] as string | undefined,
    });
    if (upstream.failing) {
      // A server that quotes what it got in its error body, as some do.
      response
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(
          `refused: ${upstream.quoted.join(', ')} (sent as "${authorization}") for ${tenantValue} is revoked`,
        );
      return;
    }
    if (request.headers.authorization !== authorization || request.headers['x-tenant'] !== tenantValue) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (kind === 'streamable_http' && url.pathname === '/mcp') {
      const server = mcpServer(upstream);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request, response);
      return;
    }
    if (kind === 'sse' && request.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', response);
      const server = mcpServer(upstream);
      sessions.set(transport.sessionId, { transport, server });
      response.on('close', () => sessions.delete(transport.sessionId));
      await server.connect(transport);
      return;
    }
    const session = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (
      kind === 'sse' &&
      request.method === 'POST' &&
      url.pathname === '/messages' &&
      session !== undefined
    ) {
      await session.transport.handlePostMessage(request, response);
      return;
    }
    response.writeHead(404).end();
  };
  const listen = async () => {
    const server = createServer((request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    http = server;
  };
  const upstream: Upstream = {
    kind,
    get url() {
      return `http://127.0.0.1:${port}${kind === 'sse' ? '/sse' : '/mcp'}`;
    },
    get port() {
      return port;
    },
    seen: [],
    canceled: [],
    openStreams: () => sessions.size,
    failing: false,
    quoted: [secretToken],
    async stop() {
      const server = http;
      http = null;
      if (server === null) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { server: mcp } of sessions.values()) await mcp.close().catch(() => {});
      sessions.clear();
    },
    restart: listen,
  };
  await listen();
  upstreams.push(upstream);
  return upstream;
}

function extensionFor(upstream: Upstream, overrides: Partial<AgentExtension> = {}): AgentExtension {
  return {
    id: 'ext-1',
    name: 'remote-tools',
    type: upstream.kind,
    command: null,
    args: [],
    cwd: null,
    env: {},
    url: upstream.url,
    headers: { Authorization: secretHeader, 'X-Tenant': tenantValue },
    timeoutSeconds: 10,
    ...overrides,
  };
}

async function bridgeTo(upstream: Upstream, overrides: Partial<AgentExtension> = {}): Promise<McpBridge> {
  const bridge = await openMcpBridge(extensionFor(upstream, overrides));
  bridges.push(bridge);
  return bridge;
}

/** A client of the bridge, as an agent would connect. */
async function clientOf(bridge: McpBridge): Promise<McpConnection> {
  const connection = await connectMcpServer({
    name: 'bridge',
    transport: 'streamable_http',
    url: bridge.url,
    headers: { ...bridge.headers },
  });
  connections.push(connection);
  return connection;
}

async function failure(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!GoosukeError.isInstance(error)) throw new Error(`expected a GoosukeError, got ${String(error)}`);
  return error;
}

/** The text of a tool result's content. */
const textOf = (result: { content: readonly McpContentBlock[] }) =>
  result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

/** Everything a client got of one HTTP exchange: status, headers and body. */
interface RawExchange {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** POSTs a JSON-RPC message to the bridge with plain fetch, as the streamable HTTP transport does. */
async function post(
  bridge: McpBridge,
  message: unknown,
  headers: Record<string, string> = { ...bridge.headers },
  url = bridge.url,
): Promise<RawExchange> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

/** The JSON-RPC messages of an SSE or JSON response body. */
function messagesOf(exchange: RawExchange): Array<Record<string, unknown>> {
  if (exchange.headers['content-type']?.startsWith('application/json'))
    return [JSON.parse(exchange.body)].flat();
  return exchange.body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)));
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** The secrets and the pieces of them that must never reach a client. */
const secretPieces = [secretToken, secretHeader, tenantValue];
const expectNoSecret = (text: string) => {
  for (const piece of secretPieces) expect(text).not.toContain(piece);
};

describe.each(['streamable_http', 'sse'] as const)('a bridge to a %s server', (kind) => {
  it('lists and calls the upstream tools for a client that holds the bridge token', async () => {
    const upstream = await startUpstream(kind);
    const bridge = await bridgeTo(upstream);
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/mcp`);
    expect(bridge.port).not.toBe(upstream.port);
    expect(bridge.serverInfo).toEqual({ name: 'upstream-under-test', version: '7.8.9' });
    expect(Object.keys(bridge.headers)).toEqual(['Authorization']);
    expect(bridge.headers.Authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
    expectNoSecret(JSON.stringify(bridge));

    const client = await clientOf(bridge);
    expect(client.serverInfo).toEqual({ name: 'goosuke-bridge:upstream-under-test', version: '7.8.9' });
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['add', 'die', 'echo', 'fail', 'sleep']);
    // Title, annotations and schemas come through as the upstream declared them.
    const echo = tools.find((tool) => tool.name === 'echo');
    expect(echo).toMatchObject({
      title: 'Echo',
      description: 'Echoes its text',
      annotations: { readOnlyHint: true },
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    });
    expect(tools.find((tool) => tool.name === 'add')?.outputSchema).toMatchObject({
      type: 'object',
      properties: { sum: { type: 'number' } },
    });

    expect(await client.callTool('echo', { text: 'through the bridge' })).toEqual({
      content: [{ type: 'text', text: 'echo: through the bridge' }],
      isError: false,
    });
    expect(await client.callTool('add', { a: 2, b: 40 })).toEqual({
      content: [{ type: 'text', text: '42' }],
      isError: false,
      structuredContent: { sum: 42 },
    });
    // Concurrent calls are served side by side (stateless: one MCP server per request).
    const many = await Promise.all(['a', 'b', 'c', 'd'].map((text) => client.callTool('echo', { text })));
    expect(many.map(textOf)).toEqual(['echo: a', 'echo: b', 'echo: c', 'echo: d']);

    // The upstream got the extension's headers on every request; no request reached it without them.
    expect(upstream.seen.length).toBeGreaterThan(0);
    expect(
      upstream.seen.every((seen) => seen.authorization === secretHeader && seen.tenant === tenantValue),
    ).toBe(true);
  });

  it('passes a tool error as a tool error, and bad arguments as the upstream answered them', async () => {
    const upstream = await startUpstream(kind);
    const client = await clientOf(await bridgeTo(upstream));
    const failed = await client.callTool('fail');
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toContain('the tool failed on purpose');
    const invalid = await client.callTool('echo', { text: 42 });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/invalid/i);
    const unknown = await client.callTool('no-such-tool');
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('no-such-tool');
    expect((await client.callTool('echo', { text: 'still fine' })).isError).toBe(false);
  });

  it('turns an upstream that does not answer in time into a tool error, cancels it upstream, and goes on', async () => {
    const upstream = await startUpstream(kind);
    const client = await clientOf(await bridgeTo(upstream, { timeoutSeconds: 1 }));
    const started = Date.now();
    const slow = await client.callTool('sleep', { ms: 8_000 });
    const took = Date.now() - started;
    expect(slow.isError).toBe(true);
    expect(textOf(slow)).toMatch(/did not answer tools\/call "sleep" within 1000 ms/);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    if (kind === 'sse') {
      // The bridge's connection told the server (notifications/cancelled). A stateless streamable
      // HTTP server cannot be told: the cancel is a request of its own, to a server that never
      // saw the call.
      expect(await eventually(async () => upstream.canceled.includes(8_000))).toBe(true);
    }
    expect(textOf(await client.callTool('sleep', { ms: 10 }))).toBe('slept 10');
  });

  it('turns an upstream that dies mid-call into a tool error, keeps serving, and recovers when it is back', async () => {
    const upstream = await startUpstream(kind);
    const bridge = await bridgeTo(upstream, { timeoutSeconds: 3 });
    const client = await clientOf(bridge);
    const started = Date.now();
    const died = await client.callTool('die');
    expect(died.isError).toBe(true);
    // A streamable HTTP call fails as its connection drops; the SDK's SSE client sees no end
    // of its stream and waits for the call's time limit (3 s here), never longer.
    expect(Date.now() - started).toBeLessThan(kind === 'sse' ? 5_000 : 2_000);
    expect(textOf(died)).toMatch(kind === 'sse' ? /within 3000 ms/ : /remote-tools/);
    expectNoSecret(textOf(died));

    // The bridge still answers, with tool errors while the upstream is down.
    const down = await client.callTool('echo', { text: 'anyone?' });
    expect(down.isError).toBe(true);
    expectNoSecret(textOf(down));
    const listed = await failure(client.listTools());
    expect(listed.code).toBe('provider');
    expectNoSecret(listed.message);
    expect((await post(bridge, initialize, {})).status).toBe(401);

    if (kind === 'streamable_http') {
      // Each call is a request of its own: once the server is back, calls work again.
      await upstream.restart();
      expect(textOf(await client.callTool('echo', { text: 'back' }))).toBe('echo: back');
    }
  });
});

describe('what a client of the bridge gets', () => {
  it('refuses requests without the bridge token (401), other paths (404) and other methods (405)', async () => {
    const upstream = await startUpstream('streamable_http');
    const bridge = await bridgeTo(upstream);
    // The bridge's client opens its GET stream (refused, 405) after connecting: let it arrive.
    expect(await eventually(async () => upstream.seen.some((seen) => seen.method === 'GET'))).toBe(true);
    const before = upstream.seen.length;

    const none = await post(bridge, initialize, {});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(none.body).toBe('');
    const wrong = await post(bridge, initialize, { Authorization: `Bearer ${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    // The upstream's own credential opens nothing here.
    expect((await post(bridge, initialize, { Authorization: secretHeader })).status).toBe(401);
    const truncated = await post(bridge, initialize, {
      Authorization: bridge.headers.Authorization!.slice(0, -1),
    });
    expect(truncated.status).toBe(401);
    const lowercase = await post(bridge, initialize, {
      Authorization: bridge.headers.Authorization!.replace('Bearer', 'bearer'),
    });
    expect(lowercase.status).toBe(401);

    const origin = `http://127.0.0.1:${bridge.port}`;
    expect((await post(bridge, initialize, { ...bridge.headers }, `${origin}/`)).status).toBe(404);
    expect((await post(bridge, initialize, { ...bridge.headers }, `${origin}/mcp/extra`)).status).toBe(404);
    expect((await post(bridge, initialize, {}, `${origin}/sse`)).status).toBe(404);
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const response = await fetch(bridge.url, { method, headers: { ...bridge.headers } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      await response.body?.cancel();
    }
    // A method is refused only to a client with the token: the others learn nothing.
    const getWithout = await fetch(bridge.url);
    expect(getWithout.status).toBe(401);
    await getWithout.body?.cancel();

    // None of these reached the upstream.
    expect(upstream.seen.length).toBe(before);
    // And with the token, the same request is served.
    const served = await post(bridge, initialize);
    expect(served.status).toBe(200);
    expect(messagesOf(served)[0]).toMatchObject({ id: 1, result: { serverInfo: { version: '7.8.9' } } });
  });

  it('refuses a body larger than 4 MiB with 413, and answers malformed JSON with a JSON-RPC parse error', async () => {
    const upstream = await startUpstream('streamable_http');
    const bridge = await bridgeTo(upstream);
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x'.repeat(5 * 1024 * 1024) } },
    });
    const tooBig = await post(bridge, big);
    expect(tooBig.status).toBe(413);
    // The bridge is fine afterwards.
    const malformed = await post(bridge, '{"jsonrpc": "2.0", "id": 3, ');
    expect(malformed.status).toBe(400);
    expect(messagesOf(malformed)[0]).toMatchObject({ error: { code: -32700 } });
    const client = await clientOf(bridge);
    expect(textOf(await client.callTool('echo', { text: 'after' }))).toBe('echo: after');
  });

  it('never passes the upstream’s credentials to a client: raw responses and error messages', async () => {
    const upstream = await startUpstream('streamable_http');
    const bridge = await bridgeTo(upstream, { timeoutSeconds: 1 });
    const exchanges: RawExchange[] = [];
    const exchange = async (message: unknown) => {
      const got = await post(bridge, message);
      exchanges.push(got);
      return got;
    };
    await exchange(initialize);
    await exchange({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const listed = messagesOf(await exchange({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(listed[0]).toMatchObject({ id: 2, result: { tools: expect.any(Array) } });
    const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
      exchange({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
    expect(messagesOf(await call(3, 'echo', { text: 'hi' }))[0]).toMatchObject({
      result: { content: [{ type: 'text', text: 'echo: hi' }] },
    });
    await call(4, 'fail');
    await call(5, 'sleep', { ms: 3_000 });
    // The upstream now refuses everything, quoting the credential in its error body.
    upstream.failing = true;
    const refused = messagesOf(await call(6, 'echo', { text: 'hi' }))[0] as {
      result: { isError: boolean; content: Array<{ text: string }> };
    };
    expect(refused.result.isError).toBe(true);
    expect(refused.result.content[0]?.text).toMatch(/HTTP 500/);
    const refusedList = messagesOf(await exchange({ jsonrpc: '2.0', id: 7, method: 'tools/list' }))[0];
    expect(refusedList).toMatchObject({ id: 7, error: { message: expect.stringMatching(/HTTP 500/) } });

    // Through the SDK client, the same.
    const client = await clientOf(bridge);
    const viaClient = await client.callTool('echo', { text: 'hi' });
    expect(viaClient.isError).toBe(true);
    const listError = await failure(client.listTools());

    const everything = JSON.stringify([
      exchanges,
      viaClient,
      listError.message,
      listError.stack,
      String(listError.cause),
    ]);
    expect(everything).toContain('HTTP 500');
    expectNoSecret(everything);
    // Not a single header the bridge sent upstream came back.
    for (const got of exchanges) {
      expect(Object.keys(got.headers)).not.toContain('authorization');
      expect(Object.keys(got.headers)).not.toContain('x-tenant');
    }
  });

  it('never quotes a Basic credential, its decoded form or its password either', async () => {
    const password = `${secretToken}-pw`;
    const basic = `Basic ${Buffer.from(`robot:${password}`).toString('base64')}`;
    const upstream = await startUpstream('streamable_http', basic);
    const bridge = await bridgeTo(upstream, { headers: { Authorization: basic, 'X-Tenant': tenantValue } });
    const client = await clientOf(bridge);
    expect(textOf(await client.callTool('echo', { text: 'basic' }))).toBe('echo: basic');
    const pieces = [basic, basic.slice('Basic '.length), `robot:${password}`, password];
    upstream.quoted = pieces.slice(1);
    upstream.failing = true;
    const refused = await client.callTool('echo', { text: 'x' });
    expect(refused.isError).toBe(true);
    const listError = await failure(client.listTools());
    const everything = JSON.stringify([refused, listError.message]);
    expect(everything).toContain('HTTP 500');
    for (const piece of pieces) expect(everything).not.toContain(piece);
  });
});

describe('opening and closing a bridge', () => {
  it('close() frees the port and closes the upstream connection; it is idempotent', async () => {
    const upstream = await startUpstream('sse');
    const bridge = await openMcpBridge(extensionFor(upstream));
    const client = await clientOf(bridge);
    expect((await client.callTool('echo', { text: 'x' })).isError).toBe(false);
    expect(upstream.openStreams()).toBe(1);

    const closing = bridge.close();
    expect(bridge.close()).toBe(closing);
    await closing;
    await bridge.close();
    // The upstream's SSE stream is gone, and nothing listens on the bridge's port any more.
    expect(await eventually(async () => upstream.openStreams() === 0)).toBe(true);
    const refused = await fetch(bridge.url, { method: 'POST', headers: { ...bridge.headers } }).then(
      () => null,
      (error: Error) => error,
    );
    expect((refused?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
    // The client sees a failure, not a hang.
    const after = await failure(client.callTool('echo', { text: 'x' }, { timeoutMs: 2_000 }));
    expect(after.code).toBe('provider');
  });

  it.each(['streamable_http', 'sse'] as const)(
    'closing a bridge in the middle of a call ends the call upstream (%s)',
    async (kind) => {
      const upstream = await startUpstream(kind);
      const bridge = await openMcpBridge(extensionFor(upstream));
      const client = await clientOf(bridge);
      const posts = upstream.seen.filter((seen) => seen.method === 'POST').length;
      const call = failure(client.callTool('sleep', { ms: 8_000 }, { timeoutMs: 1_500 }));
      expect(
        await eventually(async () => upstream.seen.filter((seen) => seen.method === 'POST').length > posts),
      ).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await bridge.close();
      expect(await eventually(async () => upstream.canceled.includes(8_000))).toBe(true);
      // The client's call fails (the SDK's client notices only at its time limit).
      expect(['provider', 'timeout']).toContain((await call).code);
    },
  );

  it('a client that goes away in the middle of a call cancels the call upstream', async () => {
    const upstream = await startUpstream('sse');
    const bridge = await bridgeTo(upstream);
    const controller = new AbortController();
    const request = fetch(bridge.url, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        ...bridge.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'sleep', arguments: { ms: 7_000 } },
      }),
    })
      .then((response) => response.text())
      .catch((error: Error) => error.name);
    const posts = () => upstream.seen.filter((seen) => seen.method === 'POST').length;
    const before = posts();
    expect(await eventually(async () => posts() > before)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await request).toBe('AbortError');
    expect(await eventually(async () => upstream.canceled.includes(7_000))).toBe(true);
    // The bridge goes on.
    const client = await clientOf(bridge);
    expect(textOf(await client.callTool('echo', { text: 'next' }))).toBe('echo: next');
  });

  it('rejects with a provider error when the upstream cannot be reached, quoting no credential', async () => {
    const upstream = await startUpstream('streamable_http');
    await upstream.stop();
    const error = await failure(openMcpBridge(extensionFor(upstream)));
    expect(error.code).toBe('provider');
    expect(error.message).toContain('remote-tools');
    expectNoSecret(JSON.stringify([error.message, error.stack, String(error.cause)]));
  });

  it('rejects with a provider error when the upstream refuses its credentials (HTTP 401)', async () => {
    const upstream = await startUpstream('streamable_http');
    const error = await failure(
      openMcpBridge(
        extensionFor(upstream, {
          headers: { Authorization: 'Bearer wrong-token-123456', 'X-Tenant': tenantValue },
        }),
      ),
    );
    expect(error.code).toBe('provider');
    expect((error as GoosukeError & { status?: number }).status).toBe(401);
    expect(JSON.stringify([error.message, error.stack])).not.toContain('wrong-token-123456');
  });

  it('rejects an upstream that quotes the credential in its refusal without quoting it itself', async () => {
    const upstream = await startUpstream('streamable_http');
    upstream.failing = true;
    const error = await failure(openMcpBridge(extensionFor(upstream)));
    expect(error.code).toBe('provider');
    expect(error.message).toContain('HTTP 500');
    expectNoSecret(JSON.stringify([error.message, error.stack, String(error.cause)]));
  });

  it('is canceled by its signal, and refuses what is not an HTTP or SSE extension', async () => {
    const upstream = await startUpstream('streamable_http');
    const controller = new AbortController();
    controller.abort(new Error('the run was canceled'));
    const canceled = await failure(openMcpBridge(extensionFor(upstream), controller.signal));
    expect(canceled.code).toBe('canceled');
    const stdio = await failure(
      openMcpBridge(extensionFor(upstream, { type: 'stdio', command: 'node', url: null })),
    );
    expect(stdio.code).toBe('invalid_input');
    const noUrl = await failure(openMcpBridge(extensionFor(upstream, { url: null })));
    expect(noUrl.code).toBe('invalid_input');
  });
});
