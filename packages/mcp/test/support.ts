import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bubblewrapSandboxDefaults } from '@goosuke/acp';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** The stdio fixture server, run with this Node. */
export const stdioServerPath = path.join(import.meta.dirname, 'fixtures', 'stdio-server.mjs');

/** Only a missing binary skips the sandbox tests (as in @goosuke/acp): a bwrap that cannot run fails them. */
export const bwrapMissing = !existsSync(bubblewrapSandboxDefaults.bwrapPath);
/** Said in the names of tests skipped without bwrap. */
export const missingNote = bwrapMissing
  ? ` (SKIPPED: ${bubblewrapSandboxDefaults.bwrapPath} is missing; install bubblewrap)`
  : '';

/** A fresh temporary directory, removed by `cleanup`. */
export async function scratchDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-mcp-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A McpServer with echo, fail and sleep, for the HTTP and SSE transports. */
function testServer(): McpServer {
  const server = new McpServer({ name: 'goosuke-test-http', version: '4.5.6' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text', inputSchema: { text: z.string() } },
    ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
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
          resolve();
        });
      });
      return { content: [{ type: 'text', text: `slept ${ms}` }] };
    },
  );
  return server;
}

/** A loopback HTTP server serving MCP; `close` stops it. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<Server> {
  const http = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http;
}

function closer(http: Server, extra: () => Promise<void> = async () => {}): () => Promise<void> {
  return async () => {
    await extra();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
}

const originOf = (http: Server) => `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

/**
 * MCP's streamable HTTP at `/mcp`, stateless (a server per request, as the SDK documents it).
 * With `token`, requests without `Authorization: Bearer <token>` get 401. `hang` never answers.
 */
export async function startStreamableHttpServer(
  options: { token?: string; hang?: boolean } = {},
): Promise<TestHttpServer> {
  const http = await listen(async (req, res) => {
    if (options.hang) return;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const server = testServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  return { origin: originOf(http), close: closer(http) };
}

/** MCP's older HTTP+SSE transport (deprecated in the SDK, still served): GET `/sse`, POST `/messages`. */
export async function startSseServer(): Promise<TestHttpServer> {
  const sessions = new Map<string, { transport: SSEServerTransport; server: McpServer }>();
  const http = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      const server = testServer();
      sessions.set(transport.sessionId, { transport, server });
      res.on('close', () => sessions.delete(transport.sessionId));
      await server.connect(transport);
      return;
    }
    const session = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/messages' && session !== undefined) {
      await session.transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  return {
    origin: originOf(http),
    close: closer(http, async () => {
      for (const { server } of sessions.values()) await server.close().catch(() => {});
    }),
  };
}

/** The host pids of the processes whose cwd is `dir` or under it (a sandboxed process included). */
export async function processesUnder(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd !== null && (cwd === dir || cwd.startsWith(`${dir}/`))) found.push(Number(entry));
  }
  return found;
}

/** The host pids whose command line holds `marker`. */
export async function processesWith(marker: string): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(entry));
  }
  return found;
}

/** Polls `check` until it is true or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Kills, by id, processes a failed test left. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
