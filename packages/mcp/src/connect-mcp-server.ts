import { once } from 'node:events';
import { describeExit } from '@goosuke/acp';
import { GoosukeError } from '@goosuke/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpCallOptions, McpConnection, McpTool, McpToolResult } from './mcp-connection.ts';
import {
  closedError,
  type ErrorContext,
  redact,
  serverFailed,
  stderrNote,
  translateError,
} from './mcp-errors.ts';
import {
  type McpServerOptions,
  mcpServerDefaults,
  readServerOptions,
  secretValuesOf,
  serverLabel,
} from './mcp-server-options.ts';
import { ProcessTransport } from './process-transport.ts';
import { type StdioServerProcess, startStdioServer } from './stdio-launch.ts';

/** How Goosuke introduces itself in `initialize`. */
const clientInfo = { name: 'goosuke', version: '0.0.0' };
/** How long a dead server's exit and last stderr are awaited before the message is written. */
const exitSettleMs = 500;

/** One connection's transport and what must be stopped with it. */
interface Link {
  transport: Transport;
  server: StdioServerProcess | null;
}

/**
 * Connects to one MCP server with the official SDK's client and completes the `initialize`
 * handshake.
 *
 * - `stdio`: starts `command args` through `@goosuke/acp`'s launcher: a private HOME and TMPDIR,
 *   exactly `env` plus those (nothing of this process's environment), its own process group,
 *   confined by the sandbox (bubblewrap by default: read-only file system but `cwd` and its
 *   private directories, no network but `allowLoopbackPorts`, no capabilities). The server's
 *   stderr is kept (its last 8 KB) for error messages.
 * - `streamable_http` and `sse`: `url` with `headers` on every request.
 *
 * A server that cannot start, exits, or does not complete the handshake within
 * `connectTimeoutMs` fails this call (code `provider` or `timeout`), never the process; whatever
 * was started is stopped first. See {@link McpConnection} for the errors of later calls.
 * @throws InvalidInputError for invalid options (no value is quoted).
 * @throws UnsupportedError for a stdio server when the sandbox is not available and
 * `unsafeNoSandbox` is not set.
 * @throws GoosukeError code `provider`, `timeout` or `canceled` (the options' `signal`).
 */
export async function connectMcpServer(options: McpServerOptions): Promise<McpConnection> {
  const settings = readServerOptions(options);
  const context: ErrorContext = {
    server: `the MCP server ${JSON.stringify(serverLabel(settings))}`,
    secrets: secretValuesOf(settings),
  };
  const connectTimeoutMs = settings.connectTimeoutMs ?? mcpServerDefaults.connectTimeoutMs;
  const callTimeoutMs = settings.callTimeoutMs ?? mcpServerDefaults.callTimeoutMs;
  settings.signal?.throwIfAborted();

  const client = new Client(clientInfo, { capabilities: {} });
  // Out-of-band errors (a malformed line on stdout, a failed SSE reconnect) are not fatal; the
  // requests they break fail on their own.
  client.onerror = () => {};

  let link: Link | null = null;
  let death: string | null = null;
  let closing: Promise<void> | null = null;
  let closedByUs = false;
  const stop = async () => {
    await client.close().catch(() => {});
    await link?.server?.stop();
  };

  // One deadline over the whole connect: the start, the sandbox, and the SSE stream's opening
  // (which the SDK does not time) as well as `initialize`.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new GoosukeError('timeout', 'connect timeout')),
    connectTimeoutMs,
  );
  const signal = AbortSignal.any([deadline.signal, ...(settings.signal ? [settings.signal] : [])]);
  try {
    link = await openLink(settings);
    const server = link.server;
    if (server !== null) {
      // A stdio server that exits ends the connection: record why, and clean up its group and dirs.
      void server.process.exited.then(async () => {
        if (closedByUs) return;
        await settle(server);
        death ??= deathOf(context, server);
        await server.stop();
      });
    }
    await raceAbort(client.connect(link.transport, { timeout: connectTimeoutMs, signal }), signal);
  } catch (error) {
    closedByUs = true;
    await stop();
    if (link?.server) await settle(link.server);
    if (deadline.signal.aborted && !settings.signal?.aborted) {
      throw new GoosukeError(
        'timeout',
        redact(
          context,
          `${context.server} did not complete initialize within ${connectTimeoutMs} ms${stderrOf(link)}`,
        ),
        { retryable: true },
      );
    }
    const exited = link?.server && link.server.process.exit() !== null ? link.server : null;
    const reason = exited ? deathOf(context, exited) : null;
    if (GoosukeError.isInstance(error)) throw error;
    if (link === null && !settings.signal?.aborted) {
      // The command could not be started at all (ENOENT, EACCES).
      throw serverFailed(context, `could not be started: ${(error as Error).message}`, { cause: error });
    }
    throw translateError(context, error, 'initialize', {
      signal: settings.signal,
      timeoutMs: connectTimeoutMs,
      death: reason,
    });
  } finally {
    clearTimeout(timer);
  }

  const version = client.getServerVersion();
  const server = link.server;
  const fail = (error: unknown, what: string, at: { signal?: AbortSignal | undefined; timeoutMs: number }) =>
    translateError(context, error, what, { ...at, death });
  // Before each request: fail fast once closed or dead, with the reason.
  const ensureOpen = async (what: string) => {
    if (closing !== null) throw closedError(context, what);
    if (death !== null) throw serverFailed(context, `is no longer running: ${death}`);
  };
  // After a request failed: if the server died under it, wait (bounded) for its exit and last
  // stderr so that this error, and every later one, says how it ended.
  const afterFailure = async () => {
    if (server === null || death !== null || !(link.transport as ProcessTransport).closed) return;
    await settle(server);
    death ??= deathOf(context, server);
  };

  return {
    serverInfo: { name: version?.name ?? '', version: version?.version ?? '' },
    instructions: client.getInstructions() ?? null,
    sandbox: server?.summary ?? null,
    async listTools(listOptions = {}) {
      await ensureOpen('list tools');
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      const timeoutMs = mcpServerDefaults.listTimeoutMs;
      try {
        do {
          const page = await client.listTools(cursor === undefined ? {} : { cursor }, {
            timeout: timeoutMs,
            ...(listOptions.signal ? { signal: listOptions.signal } : {}),
          });
          for (const tool of page.tools) {
            tools.push({
              name: tool.name,
              ...(tool.title === undefined ? {} : { title: tool.title }),
              description: tool.description ?? '',
              inputSchema: tool.inputSchema,
              ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
              ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
            });
          }
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      } catch (error) {
        await afterFailure();
        throw fail(error, 'tools/list', { signal: listOptions.signal, timeoutMs });
      }
      return tools;
    },
    async callTool(name, args = {}, callOptions: McpCallOptions = {}) {
      const what = `tools/call ${JSON.stringify(name)}`;
      await ensureOpen(`call ${JSON.stringify(name)}`);
      const timeoutMs = callOptions.timeoutMs ?? callTimeoutMs;
      const callSignal = callOptions.signal;
      if (callSignal?.aborted) throw fail(callSignal.reason, what, { signal: callSignal, timeoutMs });
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await client.callTool({ name, arguments: { ...args } }, undefined, {
          timeout: timeoutMs,
          ...(callSignal ? { signal: callSignal } : {}),
        });
      } catch (error) {
        await afterFailure();
        throw fail(error, what, { signal: callSignal, timeoutMs });
      }
      return toolResult(result);
    },
    close() {
      closing ??= (async () => {
        closedByUs = true;
        await stop();
      })();
      return closing;
    },
  };
}

/** Starts the transport's side: the stdio server's process, or the HTTP client transport. */
async function openLink(settings: McpServerOptions): Promise<Link> {
  if (settings.transport === 'stdio') {
    const server = await startStdioServer(settings);
    return { transport: new ProcessTransport(server.process), server };
  }
  const url = new URL(settings.url);
  const requestInit: RequestInit = { headers: { ...settings.headers } };
  const transport =
    settings.transport === 'streamable_http'
      ? new StreamableHTTPClientTransport(url, { requestInit })
      : new SSEClientTransport(url, { requestInit });
  return { transport, server: null };
}

/** `promise`, or a rejection as soon as `signal` aborts (the SDK's SSE start does not listen to it). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Waits (bounded) until a stdio server's exit is known and its stderr has closed: its stdout may
 * close first (under bwrap the sandbox exits after the server), and its last words come last.
 */
async function settle(server: StdioServerProcess): Promise<void> {
  const { stderr } = server.process.child;
  const stderrClosed = stderr.closed ? Promise.resolve() : once(stderr, 'close').catch(() => {});
  await Promise.race([
    Promise.all([server.process.exited, stderrClosed]),
    new Promise((resolve) => setTimeout(resolve, exitSettleMs)),
  ]);
}

/** How a stdio server ended, in words, with the end of its stderr; redacted. */
function deathOf(context: ErrorContext, server: StdioServerProcess): string {
  const exit = server.process.exit();
  const how = exit === null ? 'closed its stdout' : describeExit(exit);
  return redact(context, `${how}${stderrNote(server.process.stderrTail())}`);
}

function stderrOf(link: Link | null): string {
  return link?.server ? stderrNote(link.server.process.stderrTail()) : '';
}

/** The SDK's result as an {@link McpToolResult}; a pre-2024-11 `toolResult` becomes one text block. */
function toolResult(result: Awaited<ReturnType<Client['callTool']>>): McpToolResult {
  if (!('content' in result) || !Array.isArray(result.content)) {
    const legacy = (result as { toolResult?: unknown }).toolResult;
    return { content: [{ type: 'text', text: JSON.stringify(legacy ?? null) }], isError: false };
  }
  const structured = result.structuredContent;
  return {
    content: result.content as McpToolResult['content'],
    isError: result.isError === true,
    ...(structured && typeof structured === 'object'
      ? { structuredContent: structured as Record<string, unknown> }
      : {}),
  };
}
