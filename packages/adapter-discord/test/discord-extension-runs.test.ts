// The built-in `discord` MCP extension end to end: a run of a task started by `/goosuke run` in a
// channel of the loopback fake Discord (discord.js's real Client, REST and gateway) gets a grant
// from the bot process's tool server, connects to it over real streamable HTTP with
// `@goosuke/mcp`'s connector, and the real OpenAI provider SDK against its fake scripts the
// model's tool calls. Goosuke runs on the real stack (SQLite file and queue, isomorphic-git).
// The wiring of `builtinExtensions` is the CLI's (`goosuke discord`), wrapped to see each grant.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BuiltinExtensions,
  createGoosuke,
  createWebCryptoSecretBox,
  type Goosuke,
  type Logger,
  type Run,
  type RunEvent,
  type RunWorkers,
  type Task,
} from '@goosuke/core';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createMcpExtensionConnector } from '@goosuke/mcp';
import { createOpenAIProvider } from '@goosuke/openai';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDiscordBot,
  createDiscordClient,
  createDiscordToolServer,
  type DiscordBot,
  type DiscordHistoryMessage,
  type DiscordToolGrant,
  type DiscordToolServer,
} from '../src/index.ts';
import { type FakeDiscordServer, type FakeGuildInput, startFakeDiscordServer } from '../src/testing/index.ts';

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const GENERAL = '300000000000000001';
const RANDOM = '300000000000000003';
const FOREIGN = '300000000000000009';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';
const CAROL = '500000000000000003';
const openaiKey = 'sk-discord-extension-test-key-0123456789';

const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const guilds: FakeGuildInput[] = [
  {
    id: GUILD,
    name: 'Test guild',
    ownerId: ALICE,
    channels: [
      { id: GENERAL, name: 'general' },
      { id: RANDOM, name: 'random' },
    ],
    roles: [],
    members: [
      { user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [] },
      { user: { id: BOB, username: 'bob' }, nick: 'Bobby', roles: [] },
      { user: { id: CAROL, username: 'carol', globalName: 'Carol' }, roles: [] },
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

/** One call of the wrapped `builtinExtensions.grant`, with what it handed out. */
interface GrantCall {
  name: string;
  runId: string;
  discordChannel: Task['discordChannel'];
  grant: DiscordToolGrant | null;
}

interface World {
  discord: FakeDiscordServer;
  openai: FakeOpenAIServer;
  goosuke: Goosuke;
  bot: DiscordBot;
  tools: DiscordToolServer;
  /** The `discord` built-in extension and the `ask` template (prompt `Answer in the channel: {{question}}`). */
  extensionId: string;
  actionId: string;
  grantCalls: GrantCall[];
  /** Every line the tool server, the bot and Goosuke's logger wrote. */
  logLines: string[];
  dataDir: string;
  close(): Promise<void>;
}

let world: World | undefined;

/** A Logger keeping every line (message and fields) in `lines`. */
function capturingLogger(lines: string[], bindings: Record<string, unknown> = {}): Logger {
  const write =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      const { err, ...rest } = { ...bindings, ...fields } as { err?: unknown };
      const error = err instanceof Error ? ` ${err.stack ?? err.message}` : '';
      lines.push(`${level} ${message} ${JSON.stringify(rest)}${error}`);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => capturingLogger(lines, { ...bindings, ...more }),
  };
}

/**
 * Goosuke, its workers, the bot and the Discord tool server on one discord.js Client, composed as
 * `goosuke discord` composes them; a `discord` built-in extension, a text template naming it and
 * a `discord-command` action on the template.
 */
async function startWorld(): Promise<World> {
  const root = await mkdtemp(path.join(tmpdir(), 'goosuke-discord-ext-'));
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir, { recursive: true });
  const logLines: string[] = [];
  const grantCalls: GrantCall[] = [];
  const openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  const discord = await startFakeDiscordServer({ guilds });
  const store = await createSqliteStore({ database: path.join(dataDir, 'goosuke.db') });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });

  // As the CLI does: the tool server once it runs; a grant only for a task started from Discord.
  let tools: DiscordToolServer | null = null;
  const builtinExtensions: BuiltinExtensions = {
    async grant({ name, runId, task }) {
      const grant =
        name !== 'discord' || tools === null || task.discordChannel === null
          ? null
          : tools.grant({ ...task.discordChannel, runId });
      grantCalls.push({ name, runId, discordChannel: task.discordChannel, grant });
      return grant;
    },
  };

  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'discord-ext-test-master-secret-0123456789abcdef' }),
    logger: capturingLogger(logLines),
    runtime: {
      queue,
      git: createIsomorphicGitBackend({ checkout: 'hardlink' }),
      languageModels: (profile, apiKey) =>
        createOpenAIProvider({
          provider: 'openai',
          apiKey: apiKey ?? openaiKey,
          baseUrl: openai.url,
          maxRetries: 0,
        })(profile.modelName, { capabilities: profile.capabilities }),
      extensionConnector: createMcpExtensionConnector({ hiddenPaths: [dataDir] }),
      builtinExtensions,
      layout: {
        cloneDir: (repo) => path.join(dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(dataDir, 'worktrees', run.id),
      },
    },
  });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
  const extension = await goosuke.extensions.create({ name: 'discord', type: 'builtin', command: 'discord' });
  await goosuke.templates.create({
    name: 'ask',
    prompt: 'Answer in the channel: {{question}}',
    parameters: [{ name: 'question', type: 'string', required: true }],
    defaultModelProfileIds: [model.id],
    extensionIds: [extension.id],
    outputKind: 'text',
  });
  const { action } = await goosuke.actions.create({
    name: 'ask',
    template: 'ask',
    trigger: 'discord-command',
  });

  const workers: RunWorkers = goosuke.runs.startWorkers({ concurrency: 2 });
  const client = createDiscordClient({ apiUrl: discord.apiUrl, retries: 0 });
  const bot = createDiscordBot({
    client,
    goosuke,
    options: { cooldownMs: 0, editEveryMs: 50, log: (line) => logLines.push(`bot: ${line}`) },
  });
  const toolServer = createDiscordToolServer({ client, log: (line) => logLines.push(line) });
  await bot.start(discord.token);
  await toolServer.start();
  tools = toolServer;
  return {
    discord,
    openai,
    goosuke,
    bot,
    tools: toolServer,
    extensionId: extension.id,
    actionId: action.id,
    grantCalls,
    logLines,
    dataDir,
    async close() {
      await bot.stop({ graceMs: 2_000 });
      await workers.stop();
      tools = null;
      await toolServer.close();
      await queue.close();
      await goosuke.close();
      await discord.close();
      await openai.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

beforeEach(async () => {
  world = await startWorld();
});

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `/goosuke run template:ask params:question=<question>` by Carol in `channelId`; resolves with
 * the task's one run once it ended and the bot has posted its result.
 */
async function askInDiscord(w: World, channelId: string, question: string): Promise<Run> {
  const { token } = w.discord.interact({
    guildId: GUILD,
    channelId,
    userId: CAROL,
    data: {
      name: 'goosuke',
      options: [
        {
          type: 1,
          name: 'run',
          options: [
            { type: 3, name: 'template', value: 'ask' },
            { type: 3, name: 'params', value: `question=${question}` },
          ],
        },
      ],
    },
  });
  const taskId = await until(
    () => w.discord.interactionResponses(token).original?.content.match(/task `(task_[^`]+)`/)?.[1],
    'the started line',
  );
  const detail = await w.goosuke.tasks.getDetail(taskId);
  expect(detail.task.discordChannel).toEqual({ guildId: GUILD, channelId });
  expect(detail.runs).toHaveLength(1);
  const [run] = await w.goosuke.runs.waitFor([detail.runs[0]!.id]);
  const threadId = w.discord.interactionResponses(token).original!.content.match(/<#(\d+)>/)![1]!;
  // The bot's own result in the task's thread: its last edit is the run's summary.
  await until(
    () =>
      w.discord
        .messages(threadId)
        .some((message) => message.author.id === w.discord.botUser.id && !message.content.startsWith('▶️')),
    'the result in the thread',
  );
  await w.bot.idle();
  return run!;
}

/** The run's `run-log` events of one `data.kind`. */
function logsOf(events: readonly RunEvent[], kind: string): RunEvent[] {
  return events.filter((event) => event.type === 'run-log' && event.data.kind === kind);
}

interface OpenAIToolSpec {
  type: 'function';
  function: { name: string; parameters: { properties?: Record<string, unknown> } };
}

interface OpenAIMessage {
  role: string;
  content: unknown;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

const toolsOf = (w: World, index: number): OpenAIToolSpec[] =>
  (w.openai.requests[index]!.body?.tools as OpenAIToolSpec[] | undefined) ?? [];
const messagesOf = (w: World, index: number): OpenAIMessage[] =>
  w.openai.requests[index]!.body!.messages as OpenAIMessage[];
/** The text of the tool results in request `index`, in order. */
const toolResultsOf = (w: World, index: number): string[] =>
  messagesOf(w, index)
    .filter((message) => message.role === 'tool')
    .map((message) =>
      typeof message.content === 'string'
        ? message.content
        : (message.content as Array<{ text?: string }>).map((part) => part.text ?? '').join(''),
    );

/** The status of a POST of an MCP `tools/list` to `url` with `headers`. */
async function mcpStatus(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Every byte Goosuke's SQLite database (and its WAL) holds, as text. */
async function databaseText(dataDir: string): Promise<string> {
  const files = (await readdir(dataDir)).filter((name) => name.startsWith('goosuke.db'));
  const contents = await Promise.all(files.map((name) => readFile(path.join(dataDir, name))));
  return contents.map((content) => content.toString('latin1')).join('\n');
}

/** Seeds `count` messages in `channelId`, alternating Alice and Bob, one minute apart. */
function seed(w: World, channelId: string, count: number, label: string): string[] {
  const start = Date.now() - 3_600_000;
  return Array.from(
    { length: count },
    (_, index) =>
      w.discord.addMessage(channelId, {
        authorId: index % 2 === 0 ? ALICE : BOB,
        content: `${label} ${index + 1}`,
        timestamp: new Date(start + index * 60_000),
      }).id,
  );
}

const botPosts = (w: World, channelId: string) =>
  w.discord.messages(channelId).filter((message) => message.author.id === w.discord.botUser.id);

describe('a Discord-triggered run with the built-in discord extension', () => {
  it('reads the channel, posts into it with mentions off, and its token ends with the run', async () => {
    const w = world!;
    seed(w, GENERAL, 8, 'general note');
    seed(w, RANDOM, 3, 'random note');
    const posted = `Hello @everyone <@${ALICE}>`;
    w.openai.respond(
      { kind: 'reply', toolCalls: [{ name: 'discord__read_channel_history', arguments: { limit: 5 } }] },
      { kind: 'reply', toolCalls: [{ name: 'discord__post_message', arguments: { content: posted } }] },
      { kind: 'reply', text: 'I answered in #general.' },
    );

    const run = await askInDiscord(w, GENERAL, 'What did we decide?');
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.summary).toBe('I answered in #general.');
    expect(run.warnings).toEqual([]);
    expect(w.openai.pending()).toBe(0);
    expect(w.openai.requests).toHaveLength(3);

    // One grant, for this run, scoped to the channel the command came from.
    expect(w.grantCalls.map(({ grant, ...call }) => ({ ...call, granted: grant !== null }))).toEqual([
      {
        name: 'discord',
        runId: run.id,
        discordChannel: { guildId: GUILD, channelId: GENERAL },
        granted: true,
      },
    ]);
    const grant = w.grantCalls[0]!.grant!;
    const token = grant.headers.Authorization.replace(/^Bearer /, '');
    expect(token.length).toBeGreaterThanOrEqual(40);

    // The model was offered the two tools, neither taking a channel, with the template's prompt.
    for (const index of [0, 1, 2]) {
      expect(toolsOf(w, index).map((tool) => tool.function.name)).toEqual(
        expect.arrayContaining(['discord__read_channel_history', 'discord__post_message']),
      );
    }
    const offered = toolsOf(w, 0);
    const post = offered.find((tool) => tool.function.name === 'discord__post_message')!;
    expect(Object.keys(post.function.parameters.properties ?? {})).toEqual(['content']);
    const read = offered.find((tool) => tool.function.name === 'discord__read_channel_history')!;
    expect(Object.keys(read.function.parameters.properties ?? {}).sort()).toEqual(['before', 'limit']);
    expect(JSON.stringify(messagesOf(w, 0))).toContain('Answer in the channel: What did we decide?');

    // The second request carries the channel's last five messages (oldest first), nothing of #random.
    const [history] = toolResultsOf(w, 1);
    const read5 = JSON.parse(history!) as { messages: DiscordHistoryMessage[]; nextBefore: string | null };
    const message = w.discord.messages(GENERAL).find((each) => each.content === posted)!;
    const before = w.discord.messages(GENERAL).filter((each) => BigInt(each.id) < BigInt(message.id));
    expect(read5.messages.map((each) => each.id)).toEqual(before.slice(-5).map((each) => each.id));
    expect(read5.messages).toHaveLength(5);
    expect(history).toContain('general note 8');
    expect(history).toContain('general note 5');
    expect(history).not.toContain('general note 1"');
    expect(history).not.toContain('random note');
    expect(read5.nextBefore).toBe(read5.messages[0]!.id);

    // Posted into #general once, with every mention off; nowhere else.
    expect(message.author.id).toBe(w.discord.botUser.id);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.mention_everyone).toBe(false);
    expect(message.mentions).toEqual([]);
    const postRequests = w.discord.requests.filter(
      (request) =>
        request.method === 'POST' &&
        /^\/channels\/\d+\/messages$/.test(request.path) &&
        (request.body as { content?: string } | null)?.content === posted,
    );
    expect(postRequests.map((request) => request.path)).toEqual([`/channels/${GENERAL}/messages`]);
    expect((postRequests[0]!.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    expect(botPosts(w, RANDOM)).toEqual([]);
    // The third request carries the post's result: the id of the message.
    expect(JSON.parse(toolResultsOf(w, 2)[1]!)).toEqual({ messageIds: [message.id] });

    // The run recorded the server, and its events show the connection and both calls.
    expect(run.extensions).toEqual([
      {
        id: w.extensionId,
        name: 'discord',
        server: { name: 'goosuke-discord', version: packageVersion, checkedAt: expect.any(String) },
      },
    ]);
    const events = await w.goosuke.runs.events(run.id);
    expect(logsOf(events, 'extension_connected').map((event) => event.data)).toEqual([
      expect.objectContaining({
        extension: 'discord',
        server: { name: 'goosuke-discord', version: packageVersion },
        tools: expect.arrayContaining(['discord__read_channel_history', 'discord__post_message']),
      }),
    ]);
    expect(logsOf(events, 'tool_call').map((event) => event.data)).toEqual([
      expect.objectContaining({
        status: 'in_progress',
        toolKind: 'mcp',
        extension: 'discord',
        tool: 'read_channel_history',
        arguments: '{"limit":5}',
      }),
      expect.objectContaining({
        status: 'in_progress',
        toolKind: 'mcp',
        extension: 'discord',
        tool: 'post_message',
        arguments: JSON.stringify({ content: posted }),
      }),
    ]);
    expect(logsOf(events, 'tool_call_update').map((event) => [event.data.tool, event.data.status])).toEqual([
      ['read_channel_history', 'completed'],
      ['post_message', 'completed'],
    ]);

    // The token is in no event, run field, task, log line, model request, Discord request or row.
    const detail = await w.goosuke.tasks.getDetail(run.taskId);
    const places: Record<string, string> = {
      events: JSON.stringify(events),
      run: JSON.stringify(await w.goosuke.runs.get(run.id)),
      task: JSON.stringify(detail),
      logs: w.logLines.join('\n'),
      model: JSON.stringify(w.openai.requests),
      discord: JSON.stringify(w.discord.requests),
      database: await databaseText(w.dataDir),
    };
    for (const [place, text] of Object.entries(places)) expect(text.includes(token), place).toBe(false);
    expect(w.logLines).toContain(`discord-tools: granted run ${run.id} channel ${GENERAL} of guild ${GUILD}`);
    expect(w.logLines).toContain(`discord-tools: revoked run ${run.id}`);

    // The run ended: its token is revoked, while the server itself still answers other grants.
    expect(await mcpStatus(grant.url, { ...grant.headers })).toBe(401);
    const other = w.tools.grant({ guildId: GUILD, channelId: GENERAL, runId: 'probe' });
    expect(await mcpStatus(other.url, { ...other.headers })).toBe(200);
    other.revoke();
  });

  it('goes without the extension, with a warning, for the same template triggered by hand', async () => {
    const w = world!;
    w.openai.respond({ kind: 'reply', text: 'Answered here, not in Discord.' });
    const discordRequests = w.discord.requests.length;

    const { task, runs } = await w.goosuke.actions.trigger(w.actionId, {
      parameters: { question: 'Anyone there?' },
    });
    expect(task.discordChannel).toBeNull();
    const [run] = await w.goosuke.runs.waitFor(runs.map((each) => each.id));
    expect([run!.status, run!.error]).toEqual(['succeeded', null]);
    expect(run!.summary).toBe('Answered here, not in Discord.');

    // Asked, but no grant for a task not started from Discord.
    expect(w.grantCalls).toEqual([{ name: 'discord', runId: run!.id, discordChannel: null, grant: null }]);
    expect(run!.warnings).toEqual([
      'extension discord: the built-in discord extension serves tasks started from Discord, in the process that runs the Discord bot; the run went without it',
    ]);
    expect(run!.extensions).toEqual([{ id: w.extensionId, name: 'discord', server: null }]);
    const events = await w.goosuke.runs.events(run!.id);
    expect(logsOf(events, 'extension_unavailable')).toEqual([
      expect.objectContaining({ level: 'warn', data: expect.objectContaining({ extension: 'discord' }) }),
    ]);
    expect(logsOf(events, 'extension_connected')).toEqual([]);

    // One model call, without any discord tool; nothing reached Discord.
    expect(w.openai.requests).toHaveLength(1);
    expect(toolsOf(w, 0).filter((tool) => tool.function.name.startsWith('discord__'))).toEqual([]);
    expect(JSON.stringify(w.openai.requests[0]!.body)).toContain('Answer in the channel: Anyone there?');
    expect(w.discord.requests.slice(discordRequests).filter((request) => request.method !== 'GET')).toEqual(
      [],
    );
    expect(w.logLines.filter((line) => line.startsWith('discord-tools: granted'))).toEqual([]);
  });

  it("is scoped to the triggering channel: a model's channel or guild argument changes nothing", async () => {
    const w = world!;
    seed(w, GENERAL, 3, 'general secret');
    seed(w, RANDOM, 3, 'random note');
    seed(w, FOREIGN, 2, 'foreign secret');
    w.openai.respond(
      {
        kind: 'reply',
        toolCalls: [
          { name: 'discord__read_channel_history', arguments: { limit: 10, channelId: GENERAL } },
          {
            name: 'discord__post_message',
            arguments: { content: 'Posted to general?', channelId: GENERAL },
          },
          {
            name: 'discord__post_message',
            arguments: { content: 'Posted abroad?', channelId: FOREIGN, guildId: OTHER_GUILD },
          },
        ],
      },
      { kind: 'reply', text: 'Done.' },
    );

    const run = await askInDiscord(w, RANDOM, 'Post elsewhere');
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(w.grantCalls.map((call) => call.discordChannel)).toEqual([{ guildId: GUILD, channelId: RANDOM }]);

    // The read was of #random, whatever the model asked.
    const [history, ...posts] = toolResultsOf(w, 1);
    expect(history).toContain('random note 3');
    expect(history).not.toContain('general secret');
    expect(history).not.toContain('foreign secret');
    expect(posts).toHaveLength(2);
    for (const result of posts) expect(JSON.parse(result)).toEqual({ messageIds: [expect.any(String)] });

    // Both posts landed in #random, none in #general or the other guild.
    expect(
      botPosts(w, RANDOM)
        .map((message) => message.content)
        .filter((content) => content.startsWith('Posted')),
    ).toEqual(['Posted to general?', 'Posted abroad?']);
    expect(botPosts(w, GENERAL)).toEqual([]);
    expect(botPosts(w, FOREIGN)).toEqual([]);
    const posted = w.discord.requests.filter(
      (request) =>
        request.method === 'POST' &&
        /^\/channels\/\d+\/messages$/.test(request.path) &&
        String((request.body as { content?: string } | null)?.content).startsWith('Posted'),
    );
    expect(posted.map((request) => request.path)).toEqual([
      `/channels/${RANDOM}/messages`,
      `/channels/${RANDOM}/messages`,
    ]);
    expect(w.discord.requests.some((request) => request.path.includes(FOREIGN))).toBe(false);
    expect(
      w.discord.requests.some(
        (request) => request.path === `/channels/${GENERAL}/messages` && request.method === 'GET',
      ),
    ).toBe(false);
  });
});
