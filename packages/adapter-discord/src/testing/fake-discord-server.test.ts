import {
  ActionRowBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  type MessageReaction,
  ModalBuilder,
  type PartialMessageReaction,
  Partials,
  type PartialUser,
  type TextChannel,
  TextInputBuilder,
  TextInputStyle,
  type User,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeDiscordServer } from './fake-discord-server.ts';
import type { FakeDiscordServer, FakeGuildInput } from './fake-discord-types.ts';

const GUILD = '200000000000000001';
const TEXT = '300000000000000001';
const THREAD = '300000000000000002';
const ADMIN_ROLE = '400000000000000001';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';

const guild: FakeGuildInput = {
  id: GUILD,
  name: 'Test guild',
  ownerId: ALICE,
  channels: [
    { id: TEXT, name: 'general' },
    { id: THREAD, name: 'a thread', type: 11, parentId: TEXT },
  ],
  roles: [{ id: ADMIN_ROLE, name: 'admin', permissions: '8' }],
  members: [
    { user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [ADMIN_ROLE] },
    { user: { id: BOB, username: 'bob' }, nick: 'Bobby', roles: [] },
  ],
};

let server: FakeDiscordServer | undefined;
let client: Client | undefined;

afterEach(async () => {
  if (client) {
    // destroy() can hang when a handler crashed mid-connect; never let that stall the suite.
    await Promise.race([client.destroy(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    client = undefined;
  }
  await server?.close();
  server = undefined;
});

function newClient(fake: FakeDiscordServer): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.MessageContent,
    ],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User, Partials.GuildMember],
    rest: { api: fake.apiUrl, version: '10', retries: 0 },
  });
}

async function connect(): Promise<{ fake: FakeDiscordServer; bot: Client<true> }> {
  server = await startFakeDiscordServer({ guilds: [guild] });
  client = newClient(server);
  const ready = new Promise<void>((resolve) => client!.once(Events.ClientReady, () => resolve()));
  await client.login(server.token);
  await ready;
  return { fake: server, bot: client as Client<true> };
}

function textChannel(bot: Client<true>): TextChannel {
  const channel = bot.channels.cache.get(TEXT);
  if (!channel?.isTextBased() || channel.isDMBased() || channel.isThread())
    throw new Error('no text channel');
  return channel as TextChannel;
}

function nextEvent<T>(bot: Client, event: string, timeoutMs = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    bot.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('fake Discord with the real discord.js Client', () => {
  it('logs in, becomes ready and caches the guild, channels, thread, roles and members', async () => {
    const { fake, bot } = await connect();
    expect(bot.user.id).toBe(fake.botUser.id);
    expect(bot.application.id).toBe(fake.applicationId);
    const cached = bot.guilds.cache.get(GUILD);
    expect(cached?.name).toBe('Test guild');
    expect(cached?.channels.cache.get(TEXT)?.name).toBe('general');
    const thread = bot.channels.cache.get(THREAD);
    expect(thread?.isThread() && thread.parentId).toBe(TEXT);
    expect(cached?.roles.cache.get(ADMIN_ROLE)?.name).toBe('admin');
    expect(cached?.roles.everyone.id).toBe(GUILD);
    expect(cached?.members.cache.get(BOB)?.nickname).toBe('Bobby');
    expect(cached?.members.me?.id).toBe(fake.botUser.id);
    expect(fake.requests.some((r) => r.path === '/gateway/bot')).toBe(true);
  });

  it('rejects login with a wrong token (REST 401) and requests without the token', async () => {
    server = await startFakeDiscordServer({ guilds: [guild] });
    client = newClient(server);
    await expect(client.login('not-the-token')).rejects.toThrow();
    const res = await fetch(`${server.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  });

  it('speaks the gateway protocol: HELLO first, heartbeat ACK, 4004 on a wrong IDENTIFY token', async () => {
    server = await startFakeDiscordServer({ guilds: [guild] });
    const res = await fetch(`${server.apiUrl}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${server.token}` },
    });
    const { url } = (await res.json()) as { url: string };
    const socket = new WebSocket(`${url}?v=10&encoding=json`);
    const received: { op: number; d?: unknown }[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const acked = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const payload = JSON.parse(data.toString()) as { op: number; d?: unknown };
        received.push(payload);
        if (payload.op === 10) socket.send(JSON.stringify({ op: 1, d: null }));
        if (payload.op === 11) resolve();
      }),
    );
    await acked;
    expect(received[0]).toEqual({ op: 10, d: expect.objectContaining({ heartbeat_interval: 41250 }) });
    socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 0, properties: {} } }));
    expect(await closed).toBe(4004);
  });

  it('delivers a reaction on an uncached message as a partial that fetches its content', async () => {
    const { fake, bot } = await connect();
    const stored = fake.addMessage(TEXT, { authorId: ALICE, content: 'summarise me' });
    const both = new Promise<[MessageReaction | PartialMessageReaction, User | PartialUser]>((resolve) =>
      bot.once(Events.MessageReactionAdd, (reaction, user) => resolve([reaction, user])),
    );
    fake.addReaction({ guildId: GUILD, channelId: TEXT, messageId: stored.id, userId: BOB, emoji: '✏️' });
    const [reaction, user] = await both;
    expect(reaction.partial).toBe(true);
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe('✏️');
    expect(user.id).toBe(BOB);
    const message = await reaction.message.fetch();
    expect(message.content).toBe('summarise me');
    expect(message.author.id).toBe(ALICE);
    expect(message.reactions.cache.get('✏️')?.count).toBe(1);
    expect(fake.messages(TEXT)[0]?.reactions?.[0]?.count).toBe(1);
  });

  it('dispatches MESSAGE_CREATE for a live user message when asked, with member and reply data', async () => {
    const { fake, bot } = await connect();
    const first = fake.addMessage(TEXT, { authorId: BOB, content: 'history only' });
    const created = nextEvent<Message>(bot, Events.MessageCreate);
    fake.addMessage(THREAD, { authorId: ALICE, content: 'live', dispatch: true });
    const message = await created;
    expect(message.content).toBe('live');
    expect(message.channelId).toBe(THREAD);
    expect(message.member?.roles.cache.has(ADMIN_ROLE)).toBe(true);
    expect(textChannel(bot).messages.cache.has(first.id)).toBe(false);
    const reply = fake.addMessage(TEXT, { authorId: ALICE, content: 'reply', replyTo: first.id });
    expect(reply).toMatchObject({ type: 19, message_reference: { message_id: first.id } });
    expect(reply.referenced_message?.content).toBe('history only');
  });

  it('pages through 150 messages with limit/before, newest first, and answers after/around', async () => {
    const { fake, bot } = await connect();
    const start = Date.UTC(2025, 0, 1);
    const ids: string[] = [];
    for (let i = 0; i < 150; i += 1) {
      ids.push(
        fake.addMessage(TEXT, {
          authorId: i % 2 ? ALICE : BOB,
          content: `m${i}`,
          timestamp: new Date(start + i * 1000),
        }).id,
      );
    }
    const sorted = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(sorted).toEqual(ids);
    const channel = textChannel(bot);
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await channel.messages.fetch({ limit: 100, ...(before ? { before } : {}) });
      if (page.size === 0) break;
      const contents = [...page.values()].map((m) => m.content);
      seen.push(...contents);
      before = page.lastKey();
    }
    expect(seen).toHaveLength(150);
    expect(seen[0]).toBe('m149');
    expect(seen[149]).toBe('m0');
    expect(new Set(seen).size).toBe(150);
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.path === `/channels/${TEXT}/messages`);
    expect(pages.map((r) => r.query.limit)).toEqual(['100', '100', '100']);

    const after = await channel.messages.fetch({ limit: 3, after: ids[10]! });
    expect([...after.values()].map((m) => m.content)).toEqual(['m13', 'm12', 'm11']);
    const around = await channel.messages.fetch({ limit: 5, around: ids[50]! });
    expect([...around.values()].map((m) => m.content).sort()).toEqual(['m48', 'm49', 'm50', 'm51', 'm52']);
    await expect(channel.messages.fetch({ limit: 101 })).rejects.toBeInstanceOf(Error);
  });

  it('sends and edits a reply with mentions disabled, and records it', async () => {
    const { fake, bot } = await connect();
    const original = fake.addMessage(TEXT, { authorId: ALICE, content: 'question <@500000000000000002>' });
    expect(original.mentions.map((u) => u.id)).toEqual([BOB]);
    const fetched = await textChannel(bot).messages.fetch(original.id);
    const reply = await fetched.reply({
      content: 'answer for <@500000000000000001>',
      allowedMentions: { parse: [] },
    });
    expect(reply.reference?.messageId).toBe(original.id);
    expect(reply.mentions.users.size).toBe(0);
    const edited = await reply.edit({ content: 'better answer', allowedMentions: { parse: [] } });
    expect(edited.content).toBe('better answer');
    expect(edited.editedTimestamp).not.toBeNull();

    const stored = fake.messages(TEXT).find((m) => m.id === reply.id);
    expect(stored?.type).toBe(19);
    expect(stored?.content).toBe('better answer');
    expect(stored?.message_reference?.message_id).toBe(original.id);
    expect(stored?.allowed_mentions).toEqual({ parse: [] });
    expect(stored?.mentions).toEqual([]);
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${TEXT}/messages`);
    expect(post?.body).toMatchObject({
      allowed_mentions: { parse: [] },
      message_reference: { message_id: original.id },
    });

    // Another user's message cannot be edited.
    await expect(fetched.edit('hijack')).rejects.toMatchObject({ code: 50005, status: 403 });
  });

  it('sends files as multipart and reacts, starts a thread and deletes', async () => {
    const { fake, bot } = await connect();
    const channel = textChannel(bot);
    const sent = await channel.send({
      content: 'with a file',
      files: [{ attachment: Buffer.from('hello'), name: 'hello.txt' }],
    });
    expect(sent.attachments.first()?.name).toBe('hello.txt');
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${TEXT}/messages`);
    expect(post?.body).toMatchObject({ content: 'with a file' });
    expect(post?.files[0]).toMatchObject({ filename: 'hello.txt', text: 'hello' });

    await sent.react('👀');
    expect(fake.messages(TEXT)[0]?.reactions?.[0]).toMatchObject({
      count: 1,
      me: true,
      emoji: { name: '👀' },
    });
    const thread = await sent.startThread({ name: 'discussion' });
    expect(thread.id).toBe(sent.id);
    expect(thread.parentId).toBe(TEXT);
    await thread.send('inside');
    expect(fake.messages(thread.id).map((m) => m.content)).toEqual(['inside']);
    await channel.sendTyping();
    await sent.delete();
    expect(fake.messages(TEXT)).toEqual([]);
    await expect(channel.messages.fetch(sent.id)).rejects.toMatchObject({ code: 10008 });
  });

  it('rejects a message over 2000 characters with 50035 and an empty one with 50006', async () => {
    const { fake, bot } = await connect();
    const channel = textChannel(bot);
    const error = await channel.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50035);
    expect((error as DiscordAPIError).status).toBe(400);
    expect(fake.messages(TEXT)).toEqual([]);
    await expect(channel.send('x'.repeat(2000))).resolves.toBeDefined();
    await expect(bot.rest.post(`/channels/${TEXT}/messages`, { body: {} })).rejects.toMatchObject({
      code: 50006,
    });
    await expect(bot.rest.get('/channels/999/messages')).rejects.toMatchObject({ code: 10003 });
  });

  it('answers a chat-input command: deferReply, editReply, followUp', async () => {
    const { fake, bot } = await connect();
    const handled = new Promise<string>((resolve, reject) => {
      bot.on(Events.InteractionCreate, (interaction: Interaction) => {
        if (!interaction.isChatInputCommand()) return;
        const run = async (i: ChatInputCommandInteraction) => {
          const sub = i.options.getSubcommand();
          const prompt = i.options.getString('prompt', true);
          await i.deferReply();
          await i.editReply({ content: `${sub}: ${prompt}`, allowedMentions: { parse: [] } });
          await i.followUp({ content: 'done' });
          expect((await i.fetchReply()).content).toBe(`${sub}: ${prompt}`);
          return `${i.user.id}/${i.guildId}/${i.channelId}/${i.locale}/${i.memberPermissions?.has('Administrator')}`;
        };
        run(interaction).then(resolve, reject);
      });
    });
    const { token } = fake.interact({
      guildId: GUILD,
      channelId: TEXT,
      userId: ALICE,
      locale: 'ja',
      data: {
        name: 'goosuke',
        options: [{ type: 1, name: 'ask', options: [{ type: 3, name: 'prompt', value: 'hello' }] }],
      },
    });
    expect(await handled).toBe(`${ALICE}/${GUILD}/${TEXT}/ja/true`);
    const responses = fake.interactionResponses(token);
    expect(responses.callbacks.map((c) => c.type)).toEqual([5]);
    expect(responses.original?.content).toBe('ask: hello');
    expect(responses.original?.flags).toBe(0);
    expect(responses.followups.map((m) => m.content)).toEqual(['done']);
    // A second acknowledgement is refused as on Discord.
    const interactionId = fake.requests.find((r) => r.path.endsWith('/callback'))?.path.split('/')[2];
    await expect(
      bot.rest.post(`/interactions/${interactionId}/${token}/callback`, {
        body: { type: 4, data: { content: 'x' } },
      }),
    ).rejects.toMatchObject({ code: 40060 });
  });

  it('returns the callback resource when discord.js asks with_response', async () => {
    const { fake, bot } = await connect();
    const result = new Promise<string | undefined>((resolve, reject) => {
      bot.on(Events.InteractionCreate, (interaction: Interaction) => {
        if (!interaction.isChatInputCommand()) return;
        interaction
          .reply({ content: 'pong', withResponse: true })
          .then((response) => resolve(response.resource?.message?.content), reject);
      });
    });
    const { token } = fake.interact({ guildId: GUILD, channelId: TEXT, userId: BOB, data: { name: 'ping' } });
    expect(await result).toBe('pong');
    expect(fake.interactionResponses(token).original?.type).toBe(20);
  });

  it('answers autocomplete with respond() and shows a modal', async () => {
    const { fake, bot } = await connect();
    const done = new Promise<void>((resolve, reject) => {
      let count = 0;
      bot.on(Events.InteractionCreate, (interaction: Interaction) => {
        const work = interaction.isAutocomplete()
          ? (interaction as AutocompleteInteraction).respond([
              { name: `repo ${interaction.options.getFocused()}`, value: 'owner/repo' },
            ])
          : interaction.isChatInputCommand()
            ? interaction.showModal(
                new ModalBuilder()
                  .setCustomId('config')
                  .setTitle('Config')
                  .addComponents(
                    new ActionRowBuilder<TextInputBuilder>().addComponents(
                      new TextInputBuilder()
                        .setCustomId('key')
                        .setLabel('Key')
                        .setStyle(TextInputStyle.Short),
                    ),
                  ),
              )
            : interaction.isModalSubmit()
              ? interaction.reply({
                  content: `saved ${interaction.fields.getTextInputValue('key')}`,
                  flags: 64,
                })
              : Promise.resolve();
        work.then(() => {
          count += 1;
          if (count === 3) resolve();
        }, reject);
      });
    });
    const auto = fake.interact({
      guildId: GUILD,
      channelId: TEXT,
      userId: BOB,
      type: 4,
      data: { name: 'goosuke', options: [{ type: 3, name: 'repo', value: 'own', focused: true }] },
    });
    const modal = fake.interact({ guildId: GUILD, channelId: TEXT, userId: BOB, data: { name: 'config' } });
    const submit = fake.interact({
      guildId: GUILD,
      channelId: TEXT,
      userId: BOB,
      type: 5,
      data: {
        custom_id: 'config',
        components: [{ type: 1, components: [{ type: 4, custom_id: 'key', value: 'v1' }] }],
      },
    });
    await done;
    expect(fake.interactionResponses(auto.token).callbacks).toEqual([
      { type: 8, data: { choices: [{ name: 'repo own', value: 'owner/repo' }] } },
    ]);
    const shown = fake.interactionResponses(modal.token).callbacks[0];
    expect(shown?.type).toBe(9);
    expect(shown?.data).toMatchObject({ custom_id: 'config', title: 'Config' });
    const submitted = fake.interactionResponses(submit.token);
    expect(submitted.original?.content).toBe('saved v1');
    // Ephemeral answers never appear in the channel history.
    expect(fake.messages(TEXT)).toEqual([]);
  });

  it('registers guild commands in bulk and keeps ids on re-registration', async () => {
    const { fake, bot } = await connect();
    const first = await bot.application.commands.set(
      [
        {
          name: 'goosuke',
          description: 'Ask Goosuke',
          options: [{ type: 3, name: 'prompt', description: 'p' }],
        },
      ],
      GUILD,
    );
    expect(first.first()?.name).toBe('goosuke');
    const registered = fake.commands(GUILD) as { id: string; name: string; guild_id: string }[];
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({ name: 'goosuke', guild_id: GUILD });
    const second = await bot.application.commands.set([{ name: 'goosuke', description: 'Ask again' }], GUILD);
    expect(second.first()?.id).toBe(registered[0]?.id);
    expect(fake.commands()).toEqual([]);
    await expect(
      bot.application.commands.set([{ name: 'Bad Name', description: 'x' }], GUILD),
    ).rejects.toMatchObject({
      code: 50035,
    });
    // An interaction for a registered command carries that command's id.
    const got = nextEvent<Interaction>(bot, Events.InteractionCreate);
    fake.interact({
      guildId: GUILD,
      channelId: TEXT,
      userId: ALICE,
      data: {
        name: 'goosuke',
        options: [
          { type: 6, name: 'who', value: BOB },
          { type: 7, name: 'where', value: THREAD },
          { type: 8, name: 'role', value: ADMIN_ROLE },
        ],
      },
    });
    const interaction = await got;
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.commandId).toBe(registered[0]?.id);
    // Option objects come from `data.resolved`, which the fake builds from the guild.
    expect(interaction.options.getUser('who')?.username).toBe('bob');
    expect(interaction.options.getChannel('where')?.id).toBe(THREAD);
    expect(interaction.options.getRole('role')?.name).toBe('admin');
  });

  it('scripts failures and waits for requests', async () => {
    const { fake, bot } = await connect();
    fake.failNext({ method: 'POST', path: /\/messages$/ }, { status: 429 });
    const sent = await textChannel(bot).send('after a rate limit');
    expect(sent.content).toBe('after a rate limit');
    const statuses = fake.requests.filter((r) => r.method === 'POST').map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
    fake.failNext({ path: /\/messages$/ }, { status: 500, body: { message: 'boom', code: 0 } });
    await expect(textChannel(bot).send('fails')).rejects.toThrow();
    const waited = fake.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${TEXT}/typing`);
    await textChannel(bot).sendTyping();
    expect((await waited).status).toBe(204);
    await expect(fake.waitForRequest((r) => r.path === '/never', 50)).rejects.toThrow(/no matching request/);
  });
});
