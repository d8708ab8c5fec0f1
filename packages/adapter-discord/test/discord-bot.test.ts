// The Discord bot end to end: discord.js's real Client against the loopback fake Discord (REST and
// gateway), Goosuke on the real stack (SQLite file and queue, isomorphic-git) with the OpenAI fake
// answering the runs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGoosuke, createWebCryptoSecretBox, type Goosuke, type RunWorkers } from '@goosuke/core';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createOpenAIProvider } from '@goosuke/openai';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordBot, createDiscordClient, type DiscordBot } from '../src/index.ts';
import { type FakeDiscordServer, type FakeGuildInput, startFakeDiscordServer } from '../src/testing/index.ts';

const GUILD = '200000000000000001';
const GENERAL = '300000000000000001';
const THREAD = '300000000000000002';
const MEMBER_ROLE = '400000000000000001';
const MANAGER_ROLE = '400000000000000002';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';
const CAROL = '500000000000000003';
const openaiKey = 'sk-discord-bot-test-key-0123456789';

const guild: FakeGuildInput = {
  id: GUILD,
  name: 'Test guild',
  ownerId: ALICE,
  channels: [
    { id: GENERAL, name: 'general' },
    { id: THREAD, name: 'design thread', type: 11, parentId: GENERAL },
  ],
  roles: [
    { id: MEMBER_ROLE, name: 'member' },
    { id: MANAGER_ROLE, name: 'manager', permissions: '32' },
  ],
  members: [
    { user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [MEMBER_ROLE, MANAGER_ROLE] },
    { user: { id: BOB, username: 'bob' }, nick: 'Bobby', roles: [] },
    { user: { id: CAROL, username: 'carol', globalName: 'Carol' }, roles: [MEMBER_ROLE] },
  ],
};

interface World {
  discord: FakeDiscordServer;
  openai: FakeOpenAIServer;
  goosuke: Goosuke;
  workers: RunWorkers;
  bot: DiscordBot;
  root: string;
  close(): Promise<void>;
}

let world: World | undefined;

async function startWorld(
  options: { setup?: (goosuke: Goosuke) => Promise<void>; cooldownMs?: number; publicUrl?: string } = {},
): Promise<World> {
  const root = await mkdtemp(path.join(tmpdir(), 'goosuke-discord-'));
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir, { recursive: true });
  const openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  const discord = await startFakeDiscordServer({ guilds: [guild] });
  const store = await createSqliteStore({ database: path.join(dataDir, 'goosuke.db') });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'discord-test-master-secret-0123456789abcdef' }),
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
      layout: {
        cloneDir: (repo) => path.join(dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(dataDir, 'worktrees', run.id),
      },
    },
  });
  await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
  await options.setup?.(goosuke);
  const workers = goosuke.runs.startWorkers({ concurrency: 2 });
  const client = createDiscordClient({ apiUrl: discord.apiUrl, retries: 0 });
  const bot = createDiscordBot({
    client,
    goosuke,
    options: {
      cooldownMs: options.cooldownMs ?? 0,
      editEveryMs: 50,
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      log: (line) => process.stderr.write(`${line}\n`),
    },
  });
  await bot.start(discord.token);
  return {
    discord,
    openai,
    goosuke,
    workers,
    bot,
    root,
    async close() {
      await bot.stop({ graceMs: 2_000 });
      await workers.stop();
      await queue.close();
      await goosuke.close();
      await discord.close();
      await openai.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The text of every user prompt the OpenAI fake received since `from`. */
function promptsSince(openai: FakeOpenAIServer, from: number): string[] {
  return openai.requests.slice(from).map((request) => JSON.stringify(request.body));
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const botMessages = (discord: FakeDiscordServer, channelId: string) =>
  discord.messages(channelId).filter((message) => message.author.id === discord.botUser.id);

describe('the Discord bot', () => {
  beforeEach(async () => {
    world = await startWorld();
  });

  it('summarizes an uncached 120-message conversation back to the previous pencil mark, once', async () => {
    const { discord, openai, bot } = world!;
    const authors = [ALICE, BOB, CAROL];
    const start = Date.now() - 60 * 60_000;
    const ids: string[] = [];
    for (let index = 0; index < 130; index++) {
      const message = discord.addMessage(GENERAL, {
        authorId: authors[index % 3]!,
        content: `message ${index}: point ${index}`,
        timestamp: new Date(start + index * 10_000),
        ...(index === 50 ? { replyTo: ids[49]! } : {}),
        ...(index === 60 ? { attachments: [{ filename: 'plan.pdf', description: 'the plan' }] } : {}),
      });
      ids.push(message.id);
    }
    // Message 9 was marked by an earlier summary: the new range starts after it.
    // (Marked by the bot itself here, so that the bot does not act on it now.)
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: ids[9]!,
      userId: discord.botUser.id,
      emoji: '✏️',
    });
    await bot.idle();
    const seen = openai.requests.length;
    openai.respond({ kind: 'reply', text: '## Summary\nThe team agreed on points 10 to 129.' });

    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: ids[129]!,
      userId: ALICE,
      emoji: '✏',
    });
    const summary = await until(
      () => botMessages(discord, GENERAL).find((message) => message.content.includes('agreed on points')),
      'the summary reply',
    );
    await bot.idle();
    expect(summary.content).toBe('## Summary\nThe team agreed on points 10 to 129.');
    // The reply was posted at once and edited: first the range, then the result.
    const edits = discord.requests.filter(
      (request) =>
        request.method === 'PATCH' && request.path === `/channels/${GENERAL}/messages/${summary.id}`,
    );
    expect((edits[0]!.body as { content: string }).content).toBe('✏️ Working on 120 messages…');
    expect((edits.at(-1)!.body as { content: string }).content).toBe(summary.content);
    expect(summary.message_reference?.message_id).toBe(ids[129]);
    expect(summary.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(botMessages(discord, GENERAL)).toHaveLength(1);

    const prompts = promptsSince(openai, seen);
    expect(prompts).toHaveLength(1);
    const prompt = prompts[0]!;
    expect(prompt).toContain('message 10: point 10');
    expect(prompt).toContain('message 129: point 129');
    expect(prompt).not.toContain('message 9: point 9');
    expect(prompt).toContain('Bobby');
    expect(prompt).toContain('(reply to Bobby)');
    expect(prompt).toContain('[attachment: plan.pdf — the plan]');
    // Chronological: 10 before 11 before 129.
    expect(prompt.indexOf('message 10:')).toBeLessThan(prompt.indexOf('message 11:'));
    expect(prompt.indexOf('message 11:')).toBeLessThan(prompt.indexOf('message 129:'));
    expect(prompt).toContain('<data name=\\"conversation\\">');

    // A second pencil (another user, the other emoji of the pair) on the same message: nothing.
    const requestsBefore = discord.requests.length;
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: ids[129]!,
      userId: CAROL,
      emoji: '✏️',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bot.idle();
    expect(botMessages(discord, GENERAL)).toHaveLength(1);
    expect(openai.requests.length).toBe(seen + 1);
    expect(discord.requests.slice(requestsBefore).filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('splits a 5,000-character result at 2,000 characters, with mentions disabled', async () => {
    const { discord, openai, bot } = world!;
    const first = discord.addMessage(GENERAL, { authorId: ALICE, content: 'Please write a long report' });
    const paragraphs = Array.from({ length: 50 }, (_, index) => `Paragraph ${index} ${'x'.repeat(88)}`);
    const long = paragraphs.join('\n\n');
    expect(long.length).toBeGreaterThan(4_900);
    openai.respond({ kind: 'reply', text: long });
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: first.id,
      userId: ALICE,
      emoji: '📝',
    });
    await until(
      () =>
        botMessages(discord, GENERAL).length >= 3 &&
        botMessages(discord, GENERAL).at(-1)?.content.includes('Paragraph 49'),
      'all parts',
    );
    await bot.idle();
    const parts = botMessages(discord, GENERAL);
    expect(parts).toHaveLength(3);
    expect(parts.every((part) => part.content.length <= 2_000)).toBe(true);
    expect(parts.map((part) => part.content).join('\n\n')).toBe(long);
    expect(parts.every((part) => JSON.stringify(part.allowed_mentions).includes('"parse":[]'))).toBe(true);
  });

  it('refuses, quietly, a user without an allowed role', async () => {
    const { discord, openai, goosuke, bot } = world!;
    await goosuke.discord.setGuildConfig(GUILD, { roleIds: [MEMBER_ROLE] });
    const message = discord.addMessage(GENERAL, { authorId: BOB, content: 'summarize me' });
    const seen = openai.requests.length;
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: message.id,
      userId: BOB,
      emoji: '✏️',
    });
    const refusal = await until(() => botMessages(discord, GENERAL)[0], 'the refusal');
    await bot.idle();
    expect(refusal.content).toMatch(/only some roles/);
    expect(refusal.flags & 4096).toBe(4096);
    expect(openai.requests.length).toBe(seen);
    expect((await goosuke.tasks.list({})).items).toHaveLength(0);
  });

  it('answers /goosuke summarize with a deferred reply, then the result', async () => {
    const { discord, openai, bot } = world!;
    for (let index = 0; index < 8; index++) {
      discord.addMessage(GENERAL, { authorId: index % 2 ? ALICE : CAROL, content: `line ${index}` });
    }
    openai.respond({ kind: 'reply', text: 'Five lines, summarized.' });
    const seen = openai.requests.length;
    const { token } = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: ALICE,
      data: {
        name: 'goosuke',
        options: [{ type: 1, name: 'summarize', options: [{ type: 4, name: 'last', value: 5 }] }],
      },
    });
    await until(
      () => discord.interactionResponses(token).original?.content.includes('Five lines'),
      'the result',
    );
    await bot.idle();
    const responses = discord.interactionResponses(token);
    expect(responses.callbacks[0]!.type).toBe(5);
    expect(responses.original!.content).toBe('Five lines, summarized.');
    const prompt = promptsSince(openai, seen)[0]!;
    expect(prompt).toContain('line 7');
    expect(prompt).toContain('line 3');
    expect(prompt).not.toContain('line 2');
  });

  it('registers /goosuke and answers /goosuke status and /goosuke config (managers only)', async () => {
    const { discord, goosuke, bot } = world!;
    expect((discord.commands() as Array<{ name: string }>).map((command) => command.name)).toEqual([
      'goosuke',
    ]);
    const status = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: BOB,
      data: { name: 'goosuke', options: [{ type: 1, name: 'status' }] },
    });
    await until(() => discord.interactionResponses(status.token).original, 'status');
    await bot.idle();
    expect(discord.interactionResponses(status.token).original!.content).toMatch(/0 of 50 runs used today/);

    const refused = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: BOB,
      data: {
        name: 'goosuke',
        options: [{ type: 1, name: 'config', options: [{ type: 4, name: 'daily_cap', value: 3 }] }],
      },
    });
    await until(() => discord.interactionResponses(refused.token).original, 'refusal');
    await bot.idle();
    expect(discord.interactionResponses(refused.token).original!.content).toMatch(/manage this server/);
    expect((await goosuke.discord.getGuildConfig(GUILD)).dailyRunCap).toBe(50);

    const changed = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: ALICE,
      data: {
        name: 'goosuke',
        options: [
          {
            type: 1,
            name: 'config',
            options: [
              { type: 4, name: 'daily_cap', value: 3 },
              { type: 3, name: 'language', value: 'ja' },
              { type: 3, name: 'roles', value: `<@&${MEMBER_ROLE}>` },
            ],
          },
        ],
      },
    });
    await until(() => discord.interactionResponses(changed.token).original, 'saved');
    await bot.idle();
    expect(discord.interactionResponses(changed.token).original!.content).toMatch(/^Saved/);
    expect(await goosuke.discord.getGuildConfig(GUILD)).toMatchObject({
      dailyRunCap: 3,
      language: 'ja',
      roleIds: [MEMBER_ROLE],
    });
  });

  it('stops at the daily cap with a short message', async () => {
    const { discord, openai, goosuke, bot } = world!;
    await goosuke.discord.setGuildConfig(GUILD, { dailyRunCap: 1 });
    openai.respond({ kind: 'reply', text: 'first summary' });
    const one = discord.addMessage(GENERAL, { authorId: ALICE, content: 'one' });
    discord.addReaction({ guildId: GUILD, channelId: GENERAL, messageId: one.id, userId: ALICE, emoji: '✏️' });
    await until(
      () => botMessages(discord, GENERAL).find((message) => message.content === 'first summary'),
      'first',
    );
    await bot.idle();
    const two = discord.addMessage(GENERAL, { authorId: CAROL, content: 'two' });
    discord.addReaction({ guildId: GUILD, channelId: GENERAL, messageId: two.id, userId: CAROL, emoji: '✏️' });
    const limited = await until(
      () => botMessages(discord, GENERAL).find((message) => /runs today/.test(message.content)),
      'the cap message',
    );
    await bot.idle();
    expect(limited.content).toBe(
      'This server has used 1 of its 1 Goosuke runs today; try again tomorrow (UTC).',
    );
    expect((await goosuke.tasks.list({})).items).toHaveLength(1);
  });

  it('tells the user shortly when the model fails, and the run keeps the detail', async () => {
    const { discord, openai, goosuke, bot } = world!;
    openai.respond({
      kind: 'error',
      status: 400,
      message: 'context too long',
      type: 'invalid_request_error',
    });
    const message = discord.addMessage(GENERAL, { authorId: ALICE, content: 'hello' });
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: message.id,
      userId: ALICE,
      emoji: '✏️',
    });
    const reply = await until(
      () => botMessages(discord, GENERAL).find((each) => each.content.startsWith('⚠️')),
      'the failure reply',
    );
    await bot.idle();
    expect(reply.content.length).toBeLessThan(500);
    const [task] = (await goosuke.tasks.list({})).items;
    const detail = await goosuke.tasks.getDetail(task!.id);
    expect(detail.runs[0]!.status).toBe('failed');
    expect(reply.content).toContain(detail.runs[0]!.id);
    expect(reply.content).not.toContain(openaiKey);
  });

  it('summarizes a whole thread when the reaction is inside it', async () => {
    const { discord, openai, bot } = world!;
    for (let index = 0; index < 4; index++) {
      discord.addMessage(THREAD, { authorId: index % 2 ? ALICE : CAROL, content: `thread note ${index}` });
    }
    const last = discord.addMessage(THREAD, { authorId: ALICE, content: 'thread note 4' });
    const middle = discord.messages(THREAD)[1]!;
    openai.respond({ kind: 'reply', text: 'Thread summary.' });
    const seen = openai.requests.length;
    discord.addReaction({
      guildId: GUILD,
      channelId: THREAD,
      messageId: middle.id,
      userId: ALICE,
      emoji: '✏️',
    });
    await until(
      () => botMessages(discord, THREAD).find((message) => message.content === 'Thread summary.'),
      'summary',
    );
    await bot.idle();
    const prompt = promptsSince(openai, seen)[0]!;
    for (let index = 0; index < 5; index++) expect(prompt).toContain(`thread note ${index}`);
    expect(last.id).toBeDefined();
  });
});

describe('the Discord bot with a cooldown and an emoji mapped to another action', () => {
  beforeEach(async () => {
    world = await startWorld({
      cooldownMs: 60_000,
      setup: async (goosuke) => {
        const model = (await goosuke.models.list({ limit: 1 })).items[0]!;
        await goosuke.templates.create({
          name: 'explain',
          prompt: 'Explain this message simply:\n{{message}}',
          parameters: [{ name: 'message', type: 'text', required: true }],
          defaultModelProfileIds: [model.id],
        });
        await goosuke.actions.create({ name: 'explain-message', template: 'explain', trigger: 'manual' });
        await goosuke.discord.setGuildConfig(GUILD, { emojiActions: { '🔍': 'explain-message' } });
      },
    });
  });

  it('runs the mapped action on its emoji, with the message as data', async () => {
    const { discord, openai, bot } = world!;
    // A configured guild gets the command registered in it, not globally.
    expect((discord.commands(GUILD) as Array<{ name: string }>).map((command) => command.name)).toEqual([
      'goosuke',
    ]);
    expect(discord.commands()).toEqual([]);
    const message = discord.addMessage(GENERAL, { authorId: CAROL, content: 'Monads are burritos.' });
    openai.respond({ kind: 'reply', text: 'It is a joke about abstractions.' });
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: message.id,
      userId: ALICE,
      emoji: '🔍',
    });
    await until(
      () => botMessages(discord, GENERAL).find((each) => each.content.includes('joke')),
      'the answer',
    );
    await bot.idle();
    const prompt = JSON.stringify(openai.requests.at(-1)!.body);
    expect(prompt).toContain('Explain this message simply:');
    expect(prompt).toContain('<data name=\\"message\\">\\nMonads are burritos.\\n</data>');
  });

  it('ignores a second request by the same user in the same channel within the cooldown', async () => {
    const { discord, openai, goosuke, bot } = world!;
    const first = discord.addMessage(GENERAL, { authorId: CAROL, content: 'first' });
    const second = discord.addMessage(GENERAL, { authorId: CAROL, content: 'second' });
    openai.respond({ kind: 'reply', text: 'summary one' }, { kind: 'reply', text: 'summary two' });
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: first.id,
      userId: ALICE,
      emoji: '✏️',
    });
    await until(
      () => botMessages(discord, GENERAL).find((each) => each.content === 'summary one'),
      'the first summary',
    );
    await bot.idle();
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: second.id,
      userId: ALICE,
      emoji: '✏️',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bot.idle();
    expect((await goosuke.tasks.list({})).items).toHaveLength(1);
    // Another user is not held back by Alice's cooldown.
    discord.addReaction({
      guildId: GUILD,
      channelId: GENERAL,
      messageId: second.id,
      userId: CAROL,
      emoji: '✏️',
    });
    await until(
      () => botMessages(discord, GENERAL).find((each) => each.content === 'summary two'),
      'the second summary',
    );
    await bot.idle();
    expect((await goosuke.tasks.list({})).items).toHaveLength(2);
  });
});

describe('/goosuke run', () => {
  beforeEach(async () => {
    world = await startWorld({
      publicUrl: 'https://goosuke.example.test/',
      setup: async (goosuke) => {
        const model = (await goosuke.models.list({ limit: 1 })).items[0]!;
        await goosuke.templates.create({
          name: 'translate',
          prompt: 'Translate into {{language}}:\n{{text}}',
          parameters: [
            { name: 'language', type: 'enum', options: ['ja', 'en'], required: true },
            { name: 'text', type: 'text', required: true },
          ],
          defaultModelProfileIds: [model.id],
        });
        await goosuke.actions.create({
          name: 'translate',
          template: 'translate',
          trigger: 'discord-command',
        });
      },
    });
  });

  it('autocompletes templates, runs one with params in a thread and posts the result', async () => {
    const { discord, openai, bot } = world!;
    const auto = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: CAROL,
      type: 4,
      data: {
        name: 'goosuke',
        options: [
          { type: 1, name: 'run', options: [{ type: 3, name: 'template', value: 'tra', focused: true }] },
        ],
      },
    });
    await until(() => discord.interactionResponses(auto.token).callbacks[0], 'autocomplete');
    await bot.idle();
    expect(discord.interactionResponses(auto.token).callbacks[0]).toEqual({
      type: 8,
      data: { choices: [{ name: 'translate', value: 'translate' }] },
    });

    openai.respond({ kind: 'reply', text: 'こんにちは' });
    const run = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: CAROL,
      data: {
        name: 'goosuke',
        options: [
          {
            type: 1,
            name: 'run',
            options: [
              { type: 3, name: 'template', value: 'translate' },
              { type: 3, name: 'params', value: 'language=ja; text=hello' },
            ],
          },
        ],
      },
    });
    const created = await discord.waitForRequest(
      (request) => request.method === 'POST' && /\/channels\/\d+\/threads$/.test(request.path),
    );
    expect(created.path).toBe(`/channels/${GENERAL}/threads`);
    const threadId = await until(
      () =>
        discord.requests.find(
          (request) => request.method === 'POST' && request.path.endsWith('/threads') && request.status < 300,
        ) && discord.interactionResponses(run.token).original?.content.match(/<#(\d+)>/)?.[1],
      'thread link',
    );
    await until(
      () => discord.messages(threadId).find((message) => message.content.startsWith('こんにちは')),
      'result in thread',
    );
    await bot.idle();
    expect(discord.interactionResponses(run.token).callbacks[0]!.type).toBe(5);
    const original = discord.interactionResponses(run.token).original!.content;
    expect(original).toMatch(/https:\/\/goosuke\.example\.test\/api\/v1\/tasks\/task_\S+/);
    // The result in the thread, with the link to the task under it.
    const posted = discord.messages(threadId).find((message) => message.content.startsWith('こんにちは'))!;
    expect(posted.content).toMatch(
      /^こんにちは\n\n-# https:\/\/goosuke\.example\.test\/api\/v1\/tasks\/task_/,
    );
    const prompt = JSON.stringify(openai.requests.at(-1)!.body);
    expect(prompt).toContain('Translate into ja:');
  });

  it('asks for the parameters with a modal when none are given, then runs on submit', async () => {
    const { discord, openai, bot } = world!;
    const ask = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: CAROL,
      data: {
        name: 'goosuke',
        options: [{ type: 1, name: 'run', options: [{ type: 3, name: 'template', value: 'translate' }] }],
      },
    });
    await until(() => discord.interactionResponses(ask.token).callbacks[0], 'modal');
    await bot.idle();
    const modal = discord.interactionResponses(ask.token).callbacks[0]!;
    expect(modal.type).toBe(9);
    const customId = (modal.data as { custom_id: string }).custom_id;
    expect(customId).toMatch(/^goosuke-run:/);
    openai.respond({ kind: 'reply', text: 'Hello' });
    const submit = discord.interact({
      guildId: GUILD,
      channelId: GENERAL,
      userId: CAROL,
      type: 5,
      data: {
        custom_id: customId,
        components: [
          { type: 1, components: [{ type: 4, custom_id: 'language', value: 'en' }] },
          { type: 1, components: [{ type: 4, custom_id: 'text', value: 'こんにちは' }] },
        ],
      },
    });
    await until(
      () => discord.interactionResponses(submit.token).original?.content.includes('Started'),
      'started',
    );
    await bot.idle();
    expect(JSON.stringify(openai.requests.at(-1)!.body)).toContain('Translate into en:');
  });
});
