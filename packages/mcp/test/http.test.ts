// The streamable HTTP and SSE transports against SDK servers on 127.0.0.1.
import { GoosukeError } from '@goosuke/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpConnection } from '../src/index.ts';
import { startSseServer, startStreamableHttpServer, type TestHttpServer } from './support.ts';

const servers: TestHttpServer[] = [];
const connections: McpConnection[] = [];
afterEach(async () => {
  for (const connection of connections.splice(0)) await connection.close();
  for (const server of servers.splice(0)) await server.close();
});

async function failure(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!GoosukeError.isInstance(error)) throw new Error(`expected a GoosukeError, got ${String(error)}`);
  return error;
}

const token = 'tok-header-31337-secret';

const cases = [
  {
    transport: 'streamable_http' as const,
    start: () => startStreamableHttpServer({ token }),
    path: '/mcp',
  },
  { transport: 'sse' as const, start: () => startSseServer(), path: '/sse' },
];

describe.each(cases)('$transport', ({ transport, start, path }) => {
  async function connect(): Promise<McpConnection> {
    const server = await start();
    servers.push(server);
    const connection = await connectMcpServer({
      transport,
      name: 'remote',
      url: `${server.origin}${path}`,
      headers: { Authorization: `Bearer ${token}` },
    });
    connections.push(connection);
    return connection;
  }

  it('connects, reports serverInfo, lists the tools and calls them', async () => {
    const connection = await connect();
    expect(connection.serverInfo).toEqual({ name: 'goosuke-test-http', version: '4.5.6' });
    expect(connection.sandbox).toBeNull();
    expect((await connection.listTools()).map((tool) => tool.name).sort()).toEqual(['echo', 'fail', 'sleep']);
    expect(await connection.callTool('echo', { text: 'over http' })).toEqual({
      content: [{ type: 'text', text: 'over http' }],
      isError: false,
    });
  });

  it('returns a tool error as isError; times out and cancels with typed errors and stays usable', async () => {
    const connection = await connect();
    expect((await connection.callTool('fail')).isError).toBe(true);
    const timedOut = await failure(connection.callTool('sleep', { ms: 5_000 }, { timeoutMs: 200 }));
    expect(timedOut.code).toBe('timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const canceled = await failure(
      connection.callTool('sleep', { ms: 5_000 }, { signal: controller.signal }),
    );
    expect(canceled.code).toBe('canceled');
    expect((await connection.callTool('echo', { text: 'ok' })).isError).toBe(false);
    await connection.close();
    await connection.close();
    expect((await failure(connection.callTool('echo', { text: 'x' }))).code).toBe('conflict');
  });

  it('fails once the server is gone', async () => {
    const connection = await connect();
    await servers.pop()?.close();
    const error = await failure(connection.callTool('echo', { text: 'x' }, { timeoutMs: 2_000 }));
    expect(['provider', 'timeout']).toContain(error.code);
    expect(error.message).toContain('the MCP server "remote"');
  });
});

describe('streamable_http failures', () => {
  it('a wrong header: provider error with the HTTP status, the header value never in the message', async () => {
    const server = await startStreamableHttpServer({ token });
    servers.push(server);
    const wrong = 'tok-wrong-55555-secret';
    const error = await failure(
      connectMcpServer({
        transport: 'streamable_http',
        url: `${server.origin}/mcp`,
        headers: { 'X-Api-Key': wrong, Authorization: `Bearer ${wrong}` },
      }),
    );
    expect(error.code).toBe('provider');
    expect((error as GoosukeError & { status: number | null }).status).toBe(401);
    expect(error.message).toMatch(/^the MCP server "127\.0\.0\.1:\d+" answered initialize with HTTP 401/);
    expect(JSON.stringify([error.message, error.stack, String(error.cause)])).not.toContain(wrong);
  });

  it('a server that never answers: connect timeout', async () => {
    const server = await startStreamableHttpServer({ hang: true });
    servers.push(server);
    const error = await failure(
      connectMcpServer({ transport: 'streamable_http', url: `${server.origin}/mcp`, connectTimeoutMs: 300 }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/did not complete initialize within 300 ms/);
  });

  it('an SSE server that never opens its stream: connect timeout (the SDK does not time it)', async () => {
    const server = await startStreamableHttpServer({ hang: true });
    servers.push(server);
    const error = await failure(
      connectMcpServer({ transport: 'sse', url: `${server.origin}/sse`, connectTimeoutMs: 300 }),
    );
    expect(error.code).toBe('timeout');
  });

  it('nothing listening: provider error, retryable', async () => {
    const server = await startStreamableHttpServer();
    const url = `${server.origin}/mcp?token=tok-query-77777`;
    await server.close();
    const error = await failure(connectMcpServer({ transport: 'streamable_http', url }));
    expect(error.code).toBe('provider');
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('tok-query-77777');
  });
});
