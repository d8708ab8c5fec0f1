// The built-in Discord MCP server end to end: discord.js's real Client logged in to the loopback fake
// Discord, the tool server on 127.0.0.1, and Goosuke's real MCP client (`@goosuke/mcp`, on the
// official SDK) calling it over streamable HTTP.
import { createRequire } from 'node:module';
import { GoosukeError } from '@goosuke/core';
import { connectMcpServer, type McpConnection, type McpToolResult } from '@goosuke/mcp';
import { type Client, Events } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDiscordClient,
  createDiscordToolServer,
  type DiscordHistoryMessage,
  type DiscordToolGrant,
  type DiscordToolServer,
  type DiscordToolServerOptions,
} from '../src/index.ts';
import { type FakeDiscordServer, type FakeGuildInput, startFakeDiscordServer } from '../src/testing/index.ts';

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const GENERAL = '300000000000000001';
const THREAD = '300000000000000002';
const RANDOM = '300000000000000003';
const FOREIGN = '300000000000000009';
const MISSING = '300000000000000099';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';

const guilds: FakeGuildInput[] = [
  {
    id: GUILD,
    name: 'Test guild',
    ownerId: ALICE,
    channels: [
      { id: GENERAL, name: 'general' },
      { id: THREAD, name: 'design thread', type: 11, parentId: GENERAL },
      { id: RANDOM, name: 'random' },
    ],
    roles: [],
    members: [
      { user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [] },
      { user: { id: BOB, username: 'bob' }, nick: 'Bobby', roles: [] },
    ],
  },
  {
    id: OTHER_GUILD,
    name: 'Other guild',
    ownerId: ALICE,
    channels: [{ id: FOREIGN, name: 'elsewhere' }],
    roles: [],
    members: [{ user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [] }],
  },
];

const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

let discord: FakeDiscordServer;
let client: Client;
let servers: DiscordToolServer[];
let connections: McpConnection[];
let logLines: string[];
let tokens: string[];

beforeEach(async () => {
  discord = await startFakeDiscordServer({ guilds });
  client = createDiscordClient({ apiUrl: discord.apiUrl, retries: 0 });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(discord.token);
  await ready;
  servers = [];
  connections = [];
  logLines = [];
  tokens = [];
});

afterEach(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await Promise.all(servers.map((server) => server.close()));
  // destroy() can hang if a handler failed mid-connect: never let teardown wait on it forever.
  await Promise.race([client.destroy(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  await discord.close();
  // Whatever the test did, no token ever reached a log line.
  for (const token of tokens) for (const line of logLines) expect(line).not.toContain(token);
});

async function startServer(options: Partial<DiscordToolServerOptions> = {}): Promise<DiscordToolServer> {
  const server = createDiscordToolServer({ client, log: (line) => logLines.push(line), ...options });
  servers.push(server);
  await server.start();
  return server;
}

function grantFor(
  server: DiscordToolServer,
  channelId = GENERAL,
  extra: { guildId?: string; expiresAt?: Date } = {},
): DiscordToolGrant {
  const grant = server.grant({
    guildId: extra.guildId ?? GUILD,
    channelId,
    runId: `run-${channelId}`,
    ...extra,
  });
  tokens.push(grant.headers.Authorization.replace(/^Bearer /, ''));
  return grant;
}

async function connect(grant: DiscordToolGrant): Promise<McpConnection> {
  const connection = await connectMcpServer({
    transport: 'streamable_http',
    name: 'discord',
    url: grant.url,
    headers: grant.headers,
    connectTimeoutMs: 5_000,
    callTimeoutMs: 5_000,
  });
  connections.push(connection);
  return connection;
}

function textOf(result: McpToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error('expected a text result');
  return first.text;
}

interface History {
  messages: DiscordHistoryMessage[];
  nextBefore: string | null;
  historyAllowanceLeft: number;
}

async function readHistory(connection: McpConnection, args: Record<string, unknown> = {}): Promise<History> {
  const result = await connection.callTool('read_channel_history', args);
  expect(result.isError, textOf(result)).toBe(false);
  return JSON.parse(textOf(result)) as History;
}

/** Seeds `count` messages alternating Alice and Bob, one minute apart, and returns their ids. */
function seed(channelId: string, count: number, label = 'message'): string[] {
  const start = Date.now() - 3_600_000;
  return Array.from(
    { length: count },
    (_, i) =>
      discord.addMessage(channelId, {
        authorId: i % 2 === 0 ? ALICE : BOB,
        content: `${label} ${i + 1}`,
        timestamp: new Date(start + i * 60_000),
      }).id,
  );
}

/** Status of a raw POST to the server's endpoint (or `path`), with its headers. */
async function rawPost(
  url: string,
  headers: Record<string, string>,
  body = '{}',
): Promise<{ status: number; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

describe('the Discord tool server', () => {
  it('serves goosuke-discord with its two tools to a real MCP client', async () => {
    const server = await startServer();
    const connection = await connect(grantFor(server));
    expect(connection.serverInfo).toEqual({ name: 'goosuke-discord', version: packageVersion });
    const tools = await connection.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['post_message', 'read_channel_history']);
    const read = tools.find((tool) => tool.name === 'read_channel_history')!;
    expect(Object.keys(read.inputSchema.properties ?? {}).sort()).toEqual(['before', 'limit']);
    const post = tools.find((tool) => tool.name === 'post_message')!;
    // No tool takes a channel: the token alone decides where they act.
    expect(Object.keys(post.inputSchema.properties ?? {})).toEqual(['content']);
    expect(read.annotations?.readOnlyHint).toBe(true);
  });

  it('listens on 127.0.0.1 by default and tells workers the public URL when given one', async () => {
    const local = await startServer();
    const { url } = await local.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(grantFor(local).url).toBe(url);
    const behindProxy = await startServer({ publicUrl: 'https://bot.internal:7070/' });
    expect((await behindProxy.start()).url).toBe('https://bot.internal:7070/mcp');
    expect(grantFor(behindProxy).url).toBe('https://bot.internal:7070/mcp');
  });

  it('reads the granted channel oldest first and pages back with before', async () => {
    const ids = seed(GENERAL, 5);
    seed(RANDOM, 3, 'not yours');
    discord.addMessage(GENERAL, {
      authorId: ALICE,
      content: 'see the file',
      attachments: [{ filename: 'notes.txt', url: 'https://cdn.example/notes.txt' }],
    });
    const server = await startServer();
    const connection = await connect(grantFor(server));

    const newest = await readHistory(connection, { limit: 3 });
    expect(newest.messages.map((m) => m.content)).toEqual(['message 4', 'message 5', 'see the file']);
    expect(newest.messages[0]).toMatchObject({
      id: ids[3],
      author: 'Bobby',
      authorIsBot: false,
      attachments: [],
    });
    expect(newest.messages[2]).toMatchObject({
      author: 'Alice',
      attachments: [{ name: 'notes.txt', url: 'https://cdn.example/notes.txt' }],
    });
    expect(new Date(newest.messages[0]!.createdAt).toISOString()).toBe(newest.messages[0]!.createdAt);
    expect(newest.nextBefore).toBe(ids[3]);

    const older = await readHistory(connection, { before: newest.nextBefore, limit: 3 });
    expect(older.messages.map((m) => m.content)).toEqual(['message 1', 'message 2', 'message 3']);
    const oldest = await readHistory(connection, { before: ids[0], limit: 3 });
    expect(oldest).toMatchObject({ messages: [], nextBefore: null });

    const reads = discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'));
    expect(reads.map((r) => r.path)).toEqual(Array(3).fill(`/channels/${GENERAL}/messages`));
    expect(reads[1]!.query).toMatchObject({ before: ids[3], limit: '3' });

    // 50 by default; the bot's own posts are part of the history.
    await connection.callTool('post_message', { content: 'from the bot' });
    const all = await readHistory(connection);
    expect(all.messages).toHaveLength(7);
    expect(all.messages.at(-1)).toMatchObject({
      content: 'from the bot',
      authorIsBot: true,
      author: 'goosuke',
    });
    expect(discord.requests.at(-1)!.query).toMatchObject({ limit: '50' });
  });

  it('reads and posts in a thread when the grant names the thread', async () => {
    seed(GENERAL, 2, 'parent');
    seed(THREAD, 2, 'in thread');
    const server = await startServer();
    const connection = await connect(grantFor(server, THREAD));
    const history = await readHistory(connection);
    expect(history.messages.map((m) => m.content)).toEqual(['in thread 1', 'in thread 2']);
    const posted = await connection.callTool('post_message', { content: 'thread answer' });
    expect(posted.isError).toBe(false);
    expect(discord.messages(THREAD).at(-1)!.content).toBe('thread answer');
    expect(discord.messages(GENERAL).map((m) => m.content)).toEqual(['parent 1', 'parent 2']);
  });

  it('splits a long post at 2,000 characters with every mention off', async () => {
    const server = await startServer();
    const connection = await connect(grantFor(server));
    const paragraphs = Array.from({ length: 6 }, (_, i) => `${i + 1} ${'lorem ipsum '.repeat(70)}`.trim());
    const content = `@everyone <@${ALICE}> <@&${GUILD}> look\n\n${paragraphs.join('\n\n')}`;
    expect(content.length).toBeGreaterThan(4000);

    const result = await connection.callTool('post_message', { content });
    expect(result.isError, textOf(result)).toBe(false);
    const { messageIds } = JSON.parse(textOf(result)) as { messageIds: string[] };
    const stored = discord.messages(GENERAL);
    expect(messageIds).toEqual(stored.map((m) => m.id));
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const message of stored) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.allowed_mentions).toEqual({ parse: [] });
      expect(message).toMatchObject({ mention_everyone: false, mentions: [], mention_roles: [] });
    }
    expect(
      stored
        .map((m) => m.content)
        .join(' ')
        .replace(/\s+/g, ' '),
    ).toBe(content.replace(/\s+/g, ' '));
    const posts = discord.requests.filter(
      (r) => r.method === 'POST' && r.path === `/channels/${GENERAL}/messages`,
    );
    expect(posts.map((r) => (r.body as { allowed_mentions: unknown }).allowed_mentions)).toEqual(
      Array(stored.length).fill({ parse: [] }),
    );
  });

  it('rejects invalid arguments as tool errors', async () => {
    const server = await startServer();
    const connection = await connect(grantFor(server));
    for (const [tool, args] of [
      ['read_channel_history', { limit: 101 }],
      ['read_channel_history', { limit: 0 }],
      ['read_channel_history', { before: 'yesterday' }],
      ['post_message', { content: '' }],
      ['post_message', { content: 'x'.repeat(8001) }],
      ['post_message', {}],
    ] as const) {
      const result = await connection.callTool(tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args).slice(0, 40)}`).toBe(true);
    }
    const blank = await connection.callTool('post_message', { content: ' \n ' });
    expect(blank).toMatchObject({ isError: true });
    expect(textOf(blank)).toMatch(/empty/);
    expect(discord.messages(GENERAL)).toEqual([]);
  });
});

describe('access', () => {
  it('answers 401 with a Bearer challenge without a valid token, 404 elsewhere, 405 and 413', async () => {
    const server = await startServer({ maxBodyBytes: 4096 });
    const grant = grantFor(server);
    const noToken = await rawPost(grant.url, {});
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer realm="goosuke-discord"');
    const wrong = await rawPost(grant.url, { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    // The right token with one character changed, and the token in another scheme.
    const token = grant.headers.Authorization.slice('Bearer '.length);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await rawPost(grant.url, { authorization: `Bearer ${flipped}` })).status).toBe(401);
    expect((await rawPost(grant.url, { authorization: `Basic ${token}` })).status).toBe(401);

    expect((await rawPost(grant.url.replace(/\/mcp$/, '/other'), grant.headers)).status).toBe(404);
    const get = await fetch(grant.url, { headers: grant.headers });
    await get.arrayBuffer();
    expect(get.status).toBe(405);
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(8192) } });
    expect((await rawPost(grant.url, grant.headers, huge)).status).toBe(413);
    // A valid token on a small body reaches MCP.
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect((await rawPost(grant.url, grant.headers, ping)).status).toBe(200);
    await expect(
      connectMcpServer({
        transport: 'streamable_http',
        url: grant.url,
        headers: { Authorization: 'Bearer nope' },
      }),
    ).rejects.toMatchObject({ code: 'provider', status: 401 });
  });

  it('stops a revoked grant at once, and only that grant', async () => {
    const server = await startServer();
    const revoked = grantFor(server);
    const kept = grantFor(server);
    expect(revoked.headers.Authorization).not.toBe(kept.headers.Authorization);
    const connection = await connect(revoked);
    const other = await connect(kept);
    expect((await connection.callTool('read_channel_history', {})).isError).toBe(false);
    revoked.revoke();
    revoked.revoke();
    await expect(connection.callTool('post_message', { content: 'too late' })).rejects.toMatchObject({
      code: 'provider',
      status: 401,
    });
    expect((await rawPost(revoked.url, revoked.headers)).status).toBe(401);
    expect((await other.callTool('post_message', { content: 'still here' })).isError).toBe(false);
    expect(discord.messages(GENERAL).map((m) => m.content)).toEqual(['still here']);
    expect(logLines).toContain(`discord-tools: revoked run run-${GENERAL}`);
  });

  it('refuses an expired grant', async () => {
    const server = await startServer();
    const past = grantFor(server, GENERAL, { expiresAt: new Date(Date.now() - 1_000) });
    expect((await rawPost(past.url, past.headers)).status).toBe(401);
    const soon = grantFor(server, GENERAL, { expiresAt: new Date(Date.now() + 400) });
    const connection = await connect(soon);
    expect((await connection.callTool('read_channel_history', {})).isError).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await expect(connection.callTool('read_channel_history', {})).rejects.toMatchObject({ status: 401 });
  });

  it('keeps a token to its channel: other channels are out of reach', async () => {
    seed(GENERAL, 2, 'general');
    seed(RANDOM, 2, 'random');
    const server = await startServer();
    const connection = await connect(grantFor(server, GENERAL));
    // A channel argument is not part of either tool: it is dropped, never obeyed.
    const history = await readHistory(connection, { channelId: RANDOM, channel_id: RANDOM });
    expect(history.messages.map((m) => m.content)).toEqual(['general 1', 'general 2']);
    const posted = await connection.callTool('post_message', { content: 'hello', channelId: RANDOM });
    expect(posted.isError).toBe(false);
    expect(discord.messages(RANDOM).map((m) => m.content)).toEqual(['random 1', 'random 2']);
    expect(discord.messages(GENERAL).at(-1)!.content).toBe('hello');
    expect(discord.requests.some((r) => r.path.startsWith(`/channels/${RANDOM}`))).toBe(false);
  });

  it('fails cleanly when the granted channel is in another guild', async () => {
    seed(FOREIGN, 2, 'foreign');
    const server = await startServer();
    // Granted for GUILD, but the channel belongs to OTHER_GUILD.
    const connection = await connect(grantFor(server, FOREIGN, { guildId: GUILD }));
    for (const [tool, args] of [
      ['read_channel_history', {}],
      ['post_message', { content: 'leak' }],
    ] as const) {
      const result = await connection.callTool(tool, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not in the granted Discord server/);
    }
    expect(discord.messages(FOREIGN).map((m) => m.content)).toEqual(['foreign 1', 'foreign 2']);
    expect(discord.requests.some((r) => r.path.startsWith(`/channels/${FOREIGN}/messages`))).toBe(false);
  });

  it('validates scopes and refuses grants before start and after close', async () => {
    const server = createDiscordToolServer({ client });
    servers.push(server);
    expect(() => server.grant({ guildId: GUILD, channelId: GENERAL, runId: 'r' })).toThrow(/start/);
    await server.start();
    for (const scope of [
      { guildId: GUILD, channelId: 'general', runId: 'r' },
      { guildId: '', channelId: GENERAL, runId: 'r' },
      { guildId: GUILD, channelId: GENERAL, runId: '' },
      { guildId: GUILD, channelId: GENERAL, runId: 'r', expiresAt: new Date(Number.NaN) },
    ]) {
      let thrown: unknown;
      try {
        server.grant(scope);
      } catch (error) {
        thrown = error;
      }
      expect(GoosukeError.isInstance(thrown) && thrown.code).toBe('invalid_input');
    }
    expect(() => createDiscordToolServer({ client, port: 70000 })).toThrow(/port/);
    expect(() => createDiscordToolServer({ client, publicUrl: 'ftp://x' })).toThrow(/publicUrl/);
    const { url } = await server.start();
    const grant = grantFor(server);
    await server.close();
    await server.close();
    expect(() => server.grant({ guildId: GUILD, channelId: GENERAL, runId: 'r' })).toThrow(/closed/);
    await expect(fetch(url, { method: 'POST', headers: grant.headers })).rejects.toThrow();
  });
});

describe('failures and limits', () => {
  it('reports an unreachable channel as a tool error', async () => {
    const server = await startServer();
    const missing = await connect(grantFor(server, MISSING));
    const read = await missing.callTool('read_channel_history', {});
    expect(read.isError).toBe(true);
    expect(textOf(read)).toMatch(/no longer reachable/);

    const connection = await connect(grantFor(server, GENERAL));
    discord.failNext(
      { method: 'GET', path: new RegExp(`^/channels/${GENERAL}/messages$`) },
      { status: 404, body: { message: 'Unknown Channel', code: 10003 } },
    );
    const gone = await connection.callTool('read_channel_history', {});
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/no longer reachable/);
    discord.failNext(
      { method: 'POST', path: new RegExp(`^/channels/${GENERAL}/messages$`) },
      { status: 403, body: { message: 'Missing Permissions', code: 50013 } },
    );
    const denied = await connection.callTool('post_message', { content: 'hi' });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/lacks the Discord permission/);
    // The server survives all of it.
    expect((await connection.callTool('post_message', { content: 'works again' })).isError).toBe(false);
  });

  it('limits posts per minute and per grant, per token', async () => {
    const server = await startServer({ limits: { postsPerMinute: 2, postsPerGrant: 3 } });
    const connection = await connect(grantFor(server));
    for (const n of [1, 2])
      expect((await connection.callTool('post_message', { content: `post ${n}` })).isError).toBe(false);
    const limited = await connection.callTool('post_message', { content: 'post 3' });
    expect(limited.isError).toBe(true);
    expect(textOf(limited)).toMatch(/at most 2 posts per minute; try again in \d+ s/);
    expect(discord.messages(GENERAL).map((m) => m.content)).toEqual(['post 1', 'post 2']);
    // Another run's token has its own allowance.
    const other = await connect(grantFor(server));
    expect((await other.callTool('post_message', { content: 'other run' })).isError).toBe(false);
    expect(logLines.some((line) => line.includes('hit the post rate limit'))).toBe(true);
  });

  it('stops a grant after its total number of posts', async () => {
    const server = await startServer({ limits: { postsPerMinute: 10, postsPerGrant: 2 } });
    const connection = await connect(grantFor(server));
    await connection.callTool('post_message', { content: 'one' });
    await connection.callTool('post_message', { content: 'two' });
    const over = await connection.callTool('post_message', { content: 'three' });
    expect(over.isError).toBe(true);
    expect(textOf(over)).toMatch(/allowance of 2 messages/);
  });

  it('keeps concurrent posts of one grant in order', async () => {
    const server = await startServer();
    const connection = await connect(grantFor(server));
    const long = (label: string) => `${label} `.repeat(1500).trim();
    const results = await Promise.all([
      connection.callTool('post_message', { content: long('A') }),
      connection.callTool('post_message', { content: long('B') }),
    ]);
    expect(results.every((result) => !result.isError)).toBe(true);
    const firsts = discord.messages(GENERAL).map((m) => m.content[0]);
    expect(firsts.length).toBeGreaterThanOrEqual(4);
    expect(firsts.join('')).toMatch(/^(A+B+|B+A+)$/);
  });

  it('limits history reads per minute and in total', async () => {
    seed(GENERAL, 10);
    const server = await startServer({ maxHistory: 4, limits: { readsPerMinute: 3 } });
    const connection = await connect(grantFor(server));
    const first = await readHistory(connection, { limit: 3 });
    expect(first.messages).toHaveLength(3);
    expect(first.historyAllowanceLeft).toBe(1);
    const second = await readHistory(connection, { before: first.nextBefore, limit: 3 });
    expect(second.messages.map((m) => m.content)).toEqual(['message 7']);
    const spent = await connection.callTool('read_channel_history', { limit: 3 });
    expect(spent.isError).toBe(true);
    expect(textOf(spent)).toMatch(/allowance of 4 messages/);

    const fresh = await connect(grantFor(server));
    for (let i = 0; i < 3; i++) await fresh.callTool('read_channel_history', { limit: 1 });
    const limited = await fresh.callTool('read_channel_history', { limit: 1 });
    expect(limited.isError).toBe(true);
    expect(textOf(limited)).toMatch(/at most 3 history reads per minute/);
  });
});
