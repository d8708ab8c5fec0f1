import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ConflictError, parseInput } from '@goosuke/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Client } from 'discord.js';
import { z } from 'zod';
import {
  createDiscordToolGrantRegistry,
  type DiscordToolLimits,
  type DiscordToolScope,
} from './discord-tool-grants.ts';
import { createDiscordToolMcpServer } from './discord-tools.ts';
import { messageOf } from './user-message.ts';

export type { DiscordToolLimits, DiscordToolScope } from './discord-tool-grants.ts';

// Read at run time, relative to this module: src/ and the bundled dist/ both sit one level below
// package.json.
const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * Defaults of {@link DiscordToolServerOptions}. The limits are per grant (one run): a looping model
 * can post at most 5 messages a minute and 20 in all, and read at most 500 messages of history in
 * 30 reads a minute, which is plenty for a task answering in its channel and far below what
 * would flood a channel or exhaust the bot's Discord rate limits.
 */
export const discordToolServerDefaults = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  /** Messages `read_channel_history` returns per grant, over all calls. */
  maxHistory: 500,
  /** `post_message` calls per grant in any 60-second window (each up to 8,000 characters). */
  postsPerMinute: 5,
  /** `post_message` calls per grant over its life. */
  postsPerGrant: 20,
  /** `read_channel_history` calls per grant in any 60-second window. */
  readsPerMinute: 30,
  /** Largest request body; a post of 8,000 characters fits even fully JSON-escaped. */
  maxBodyBytes: 64 * 1024,
});

/** Options of {@link createDiscordToolServer}. */
export interface DiscordToolServerOptions {
  /** The bot's discord.js Client, logged in (the tools act as the bot). */
  client: Client;
  /** Interface to listen on; default 127.0.0.1 (workers on this host only). */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /**
   * The server's root as workers reach it, when that is not `http://host:port` (a container
   * network name, a reverse proxy): e.g. `http://bot:7070`. Workers are told `<publicUrl>/mcp`.
   */
  publicUrl?: string;
  /** Messages of history one grant may read over all its calls; default 500. */
  maxHistory?: number;
  /** Per-grant rate limits; see {@link discordToolServerDefaults}. */
  limits?: Partial<Omit<DiscordToolLimits, 'maxHistory'>>;
  /** Largest accepted request body in bytes (413 beyond); default 64 KiB. */
  maxBodyBytes?: number;
  /** Where the server reports what it does and refuses, one line each; never a token. Default: nowhere. */
  log?: (line: string) => void;
}

/** What {@link DiscordToolServer.grant} hands to a run: how its worker reaches the tools. */
export interface DiscordToolGrant {
  /** The MCP endpoint (streamable HTTP). */
  readonly url: string;
  /** To send with every request; holds the run's bearer token (secret: never log it). */
  readonly headers: { readonly Authorization: string };
  /** Ends the grant at once: later requests get 401, calls in flight post nothing more. Idempotent. */
  revoke(): void;
}

/** The built-in Discord MCP server; see {@link createDiscordToolServer}. */
export interface DiscordToolServer {
  /** Starts listening and resolves with the endpoint workers are told. Idempotent once started. */
  start(): Promise<{ url: string }>;
  /**
   * A fresh bearer token for one run, valid for `scope`'s channel (or thread) in `scope`'s guild
   * only, until revoked, `expiresAt`, or `close()`.
   * @throws InvalidInputError for a malformed scope (ids must be Discord snowflakes).
   * @throws ConflictError before `start()` or after `close()`.
   */
  grant(scope: DiscordToolScope): DiscordToolGrant;
  /** Revokes every grant, ends requests in flight and stops listening. Idempotent. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('an http or https URL'),
  maxHistory: z.number().int().min(1).optional(),
  limits: z
    .object({
      postsPerMinute: z.number().int().min(1).optional(),
      postsPerGrant: z.number().int().min(1).optional(),
      readsPerMinute: z.number().int().min(1).optional(),
    })
    .optional(),
  maxBodyBytes: z.number().int().min(1024).optional(),
});

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const scopeSchema = z.object({
  guildId: snowflake,
  channelId: snowflake,
  runId: z.string().min(1).max(200),
  expiresAt: z.date().optional(),
});

/** The one path the server answers on. */
const endpointPath = '/mcp';

function reply(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // A JSON-RPC error body, as MCP clients expect one from a streamable HTTP endpoint.
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The built-in Discord extension: an MCP server (the official SDK's `McpServer` over streamable
 * HTTP at `/mcp`) served by the process that holds the bot's discord.js Client, so that runs of
 * Discord-triggered tasks, wherever their worker runs, can read more of the triggering channel's
 * history and post into it.
 *
 * - `grant(scope)` issues each run its own random bearer token (256 bits; only its SHA-256 is kept,
 *   compared in constant time). A token reaches exactly one channel or thread of one guild: the
 *   tools take no channel argument, and each call checks that the channel is still in the granted
 *   guild. Requests without a valid token get 401 with `WWW-Authenticate: Bearer`; other paths
 *   404; other methods 405; bodies over `maxBodyBytes` 413.
 * - Tools: `read_channel_history { before?, limit? }` (oldest first; `nextBefore` to page back) and
 *   `post_message { content }` (split at 2,000 characters, mentions off). Discord failures, an
 *   unreachable channel, a guild mismatch and exceeded limits are tool errors (`isError: true`),
 *   never crashes. Per-grant limits: {@link discordToolServerDefaults}.
 * - Log lines name runs and channels, never tokens.
 *
 * Stateless MCP: every HTTP request gets its own `McpServer` and transport, bound to the grant its
 * token names. The token is thus checked on every request (a revoked or expired token stops
 * working at once, not at the end of a session), and the server keeps no session state that
 * could outlive a grant; the tools need no server-to-client messages that sessions would allow.
 */
export function createDiscordToolServer(options: DiscordToolServerOptions): DiscordToolServer {
  const settings = parseInput(optionsSchema, options, 'Discord tool server options');
  const { client } = options;
  const log = options.log ?? (() => undefined);
  const host = settings.host ?? discordToolServerDefaults.host;
  const port = settings.port ?? discordToolServerDefaults.port;
  const maxBodyBytes = settings.maxBodyBytes ?? discordToolServerDefaults.maxBodyBytes;
  const limits: DiscordToolLimits = {
    maxHistory: settings.maxHistory ?? discordToolServerDefaults.maxHistory,
    postsPerMinute: settings.limits?.postsPerMinute ?? discordToolServerDefaults.postsPerMinute,
    postsPerGrant: settings.limits?.postsPerGrant ?? discordToolServerDefaults.postsPerGrant,
    readsPerMinute: settings.limits?.readsPerMinute ?? discordToolServerDefaults.readsPerMinute,
  };
  const serverInfo = { name: 'goosuke-discord', version: packageVersion };
  const registry = createDiscordToolGrantRegistry();
  const inFlight = new Set<{ transport: StreamableHTTPServerTransport; server: McpServer }>();
  let http: Server | null = null;
  let url: string | null = null;
  let starting: Promise<{ url: string }> | null = null;
  let closed = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (closed) return reply(res, 503, 'The Discord tool server is shutting down.');
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== endpointPath) return reply(res, 404, 'Not found.');
    const authorization = req.headers.authorization;
    const grant = registry.authenticate(authorization);
    if (grant === null) {
      // Never the header's value: it may be a real token of another run sent by mistake.
      log(`discord-tools: refused ${req.method} ${endpointPath}: missing, unknown, expired or revoked token`);
      const challenge =
        authorization === undefined
          ? 'Bearer realm="goosuke-discord"'
          : 'Bearer realm="goosuke-discord", error="invalid_token"';
      return reply(res, 401, 'Unauthorized.', { 'www-authenticate': challenge });
    }
    // Stateless: no standalone SSE stream (GET) and no session to delete (DELETE).
    if (req.method !== 'POST') return reply(res, 405, 'Method not allowed.', { allow: 'POST' });
    const server = createDiscordToolMcpServer({ client, grant, limits, serverInfo, log, now: Date.now });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: maxBodyBytes,
    });
    const entry = { transport, server };
    inFlight.add(entry);
    res.on('close', () => {
      inFlight.delete(entry);
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  async function listen(): Promise<{ url: string }> {
    const server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        log(`discord-tools: request failed: ${messageOf(error)}`);
        reply(res, 500, 'Internal error.');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new ConflictError(
        `the Discord tool server cannot listen on ${host}:${port}: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    });
    http = server;
    const bound = (server.address() as AddressInfo).port;
    const base = settings.publicUrl?.replace(/\/+$/, '') ?? `http://${hostForUrl(host)}:${bound}`;
    url = `${base}${endpointPath}`;
    log(`discord-tools: listening on ${host}:${bound}; workers use ${url}`);
    return { url };
  }

  return {
    start() {
      if (closed) return Promise.reject(new ConflictError('the Discord tool server is closed'));
      starting ??= listen();
      return starting;
    },
    grant(scope) {
      if (closed) throw new ConflictError('the Discord tool server is closed');
      if (url === null) throw new ConflictError('start the Discord tool server before granting access');
      const parsed = parseInput(scopeSchema, scope, 'Discord tool grant');
      const { token, grant } = registry.issue(parsed);
      log(
        `discord-tools: granted run ${parsed.runId} channel ${parsed.channelId} of guild ${parsed.guildId}` +
          (parsed.expiresAt ? ` until ${parsed.expiresAt.toISOString()}` : ''),
      );
      const endpoint = url;
      return Object.freeze({
        url: endpoint,
        headers: Object.freeze({ Authorization: `Bearer ${token}` }),
        revoke() {
          if (grant.revoked) return;
          registry.revoke(grant);
          log(`discord-tools: revoked run ${parsed.runId}`);
        },
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      registry.revokeAll();
      await starting?.catch(() => undefined);
      const entries = [...inFlight];
      inFlight.clear();
      await Promise.allSettled(
        entries.flatMap(({ transport, server }) => [transport.close(), server.close()]),
      );
      const server = http;
      if (server !== null) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
