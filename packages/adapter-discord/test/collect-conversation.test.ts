// collectConversation against the real discord.js Client logged in to the loopback fake Discord:
// the REST paging, reaction markers, member names and message parts come from real Client objects.
import { type AnyThreadChannel, type Client, Events, type Message, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { collectConversation, maximumCollectedMessages } from '../src/collect-conversation.ts';
import { createDiscordClient } from '../src/discord-bot.ts';
import { type FakeDiscordServer, type FakeGuildInput, startFakeDiscordServer } from '../src/testing/index.ts';

const GUILD = '200000000000000001';
const GENERAL = '300000000000000001';
const THREAD = '300000000000000002';
const BIG = '300000000000000003';
const BIG_THREAD = '300000000000000004';
const MEMBER_ROLE = '400000000000000001';
const ALICE = '500000000000000001';
const BOB = '500000000000000002';
const CAROL = '500000000000000003';
const DAVE = '500000000000000004';
const BOT = '100000000000000001';
const markers = ['✏️', '📝'];

const guild: FakeGuildInput = {
  id: GUILD,
  name: 'Test guild',
  ownerId: ALICE,
  channels: [
    { id: GENERAL, name: 'general' },
    { id: THREAD, name: 'design thread', type: 11, parentId: GENERAL },
    { id: BIG, name: 'big' },
    { id: BIG_THREAD, name: 'big thread', type: 11, parentId: BIG },
  ],
  roles: [{ id: MEMBER_ROLE, name: 'member' }],
  members: [
    { user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [MEMBER_ROLE] },
    { user: { id: BOB, username: 'bob' }, nick: 'Bobby', roles: [] },
    { user: { id: CAROL, username: 'carol' }, roles: [] },
    { user: { id: DAVE, username: 'dave', globalName: 'Dave' }, nick: 'D-nick', roles: [] },
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

/** Seeds the fake (history and reactions exist before the bot logs in), then logs the real Client in. */
async function connect(
  seed: (fake: FakeDiscordServer) => void = () => {},
): Promise<{ fake: FakeDiscordServer; bot: Client<true> }> {
  server = await startFakeDiscordServer({ guilds: [guild] });
  seed(server);
  // The client as the bot makes it: the same intents and partials.
  client = createDiscordClient({ apiUrl: server.apiUrl, retries: 0 });
  const ready = new Promise<void>((resolve) => client!.once(Events.ClientReady, () => resolve()));
  await client.login(server.token);
  await ready;
  return { fake: server, bot: client as Client<true> };
}

function text(bot: Client<true>, id: string): TextChannel {
  const channel = bot.channels.cache.get(id);
  if (!channel?.isTextBased() || channel.isDMBased() || channel.isThread()) throw new Error(`no text ${id}`);
  return channel as TextChannel;
}

function thread(bot: Client<true>, id: string): AnyThreadChannel {
  const channel = bot.channels.cache.get(id);
  if (!channel?.isThread()) throw new Error(`no thread ${id}`);
  return channel;
}

async function fetchMessage(channel: TextChannel | AnyThreadChannel, id: string): Promise<Message> {
  return channel.messages.fetch(id);
}

const texts = (collected: { messages: { text: string }[] }) => collected.messages.map((m) => m.text);

describe('collectConversation with the real discord.js Client', () => {
  it('last: exactly `count` of the newest messages, oldest first, without the bot’s own', async () => {
    const { bot } = await connect((fake) => {
      for (let i = 0; i < 12; i++) {
        fake.addMessage(GENERAL, { authorId: i % 2 ? ALICE : BOB, content: `note ${i}` });
        if (i % 3 === 0) fake.addMessage(GENERAL, { authorId: BOT, content: `bot reply ${i}` });
      }
    });
    const channel = text(bot, GENERAL);
    const five = await collectConversation(channel, { kind: 'last', count: 5 }, BOT);
    expect(texts(five)).toEqual(['note 7', 'note 8', 'note 9', 'note 10', 'note 11']);
    expect(five.messages.map((m) => m.author)).toEqual(['Alice', 'Bobby', 'Alice', 'Bobby', 'Alice']);
    expect(five.truncated).toBe(false);
    const all = await collectConversation(channel, { kind: 'last', count: 100 }, BOT);
    expect(texts(all)).toEqual(Array.from({ length: 12 }, (_, i) => `note ${i}`));
    expect(all.truncated).toBe(false);
    expect(all.messages[0]!.at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  it('last: pages back past 100 and stops at exactly `count`', async () => {
    const { fake, bot } = await connect((fake) => {
      for (let i = 0; i < 260; i++)
        fake.addMessage(BIG, { authorId: i % 5 === 4 ? BOT : CAROL, content: `m${i}` });
    });
    const collected = await collectConversation(text(bot, BIG), { kind: 'last', count: 150 }, BOT);
    expect(collected.messages).toHaveLength(150);
    const kept = Array.from({ length: 260 }, (_, i) => i).filter((i) => i % 5 !== 4);
    expect(texts(collected)).toEqual(kept.slice(-150).map((i) => `m${i}`));
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.path === `/channels/${BIG}/messages`);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.every((r) => Number(r.query.limit) <= 100)).toBe(true);
  });

  it('since: from the start message (included) to the end, paged over more than 100', async () => {
    let startId = '';
    const { fake, bot } = await connect((fake) => {
      for (let i = 0; i < 260; i++) {
        const message = fake.addMessage(BIG, { authorId: i % 2 ? ALICE : DAVE, content: `s${i}` });
        if (i === 20) startId = message.id;
        if (i === 100) fake.addMessage(BIG, { authorId: BOT, content: 'bot in between' });
      }
    });
    const channel = text(bot, BIG);
    const start = await fetchMessage(channel, startId);
    const collected = await collectConversation(channel, { kind: 'since', start }, BOT);
    expect(texts(collected)).toEqual(Array.from({ length: 240 }, (_, i) => `s${i + 20}`));
    expect(collected.truncated).toBe(false);
    const afterPages = fake.requests.filter((r) => r.path === `/channels/${BIG}/messages` && r.query.after);
    expect(afterPages.length).toBeGreaterThanOrEqual(3);
  });

  it('marked: back from the end to the previous pencil-marked message (excluded)', async () => {
    const ids: string[] = [];
    const { bot } = await connect((fake) => {
      for (let i = 0; i < 10; i++)
        ids.push(fake.addMessage(GENERAL, { authorId: i % 2 ? ALICE : BOB, content: `t${i}` }).id);
      // The previous summary's marker (variation selector dropped, as some clients send it) and the trigger.
      fake.addReaction({ guildId: GUILD, channelId: GENERAL, messageId: ids[3]!, userId: CAROL, emoji: '✏' });
      fake.addReaction({ guildId: GUILD, channelId: GENERAL, messageId: ids[9]!, userId: ALICE, emoji: '✏️' });
      // Some other reaction is no marker.
      fake.addReaction({
        guildId: GUILD,
        channelId: GENERAL,
        messageId: ids[6]!,
        userId: CAROL,
        emoji: '👍',
      });
    });
    const channel = text(bot, GENERAL);
    const end = await fetchMessage(channel, ids[9]!);
    const collected = await collectConversation(
      channel,
      { kind: 'marked', end, markers, maxMessages: 100, maxAgeMs: 86_400_000 },
      BOT,
    );
    expect(texts(collected)).toEqual(['t4', 't5', 't6', 't7', 't8', 't9']);
    expect(collected.truncated).toBe(false);

    // The 📝 marker counts too, and a marker placed by the bot itself is one.
    const endAt7 = await fetchMessage(channel, ids[7]!);
    await (await fetchMessage(channel, ids[5]!)).react('📝');
    const shorter = await collectConversation(
      channel,
      { kind: 'marked', end: endAt7, markers, maxMessages: 100, maxAgeMs: 86_400_000 },
      BOT,
    );
    expect(texts(shorter)).toEqual(['t6', 't7']);
  });

  it('marked: stops at maxMessages and at maxAgeMs, saying it was cut short', async () => {
    const ids: string[] = [];
    const base = Date.now() - 3_600_000;
    const { bot } = await connect((fake) => {
      for (let i = 0; i < 10; i++) {
        const timestamp = new Date(base + i * 60_000);
        ids.push(
          fake.addMessage(GENERAL, { authorId: i % 2 ? ALICE : CAROL, content: `u${i}`, timestamp }).id,
        );
      }
    });
    const channel = text(bot, GENERAL);
    const end = await fetchMessage(channel, ids[9]!);
    const byCount = await collectConversation(
      channel,
      { kind: 'marked', end, markers, maxMessages: 4, maxAgeMs: 86_400_000 },
      BOT,
    );
    expect(texts(byCount)).toEqual(['u6', 'u7', 'u8', 'u9']);
    expect(byCount.truncated).toBe(true);

    // 150 s before u9: u8 (60 s) and u7 (120 s) are inside, u6 (180 s) is not.
    const byAge = await collectConversation(
      channel,
      { kind: 'marked', end, markers, maxMessages: 100, maxAgeMs: 150_000 },
      BOT,
    );
    expect(texts(byAge)).toEqual(['u7', 'u8', 'u9']);
    expect(byAge.truncated).toBe(true);
    expect(byAge.messages.map((m) => m.at)).toEqual(
      [7, 8, 9].map((i) => new Date(base + i * 60_000).toISOString().slice(0, 16).replace('T', ' ')),
    );

    const everything = await collectConversation(
      channel,
      { kind: 'marked', end, markers, maxMessages: 100, maxAgeMs: 86_400_000 },
      BOT,
    );
    expect(texts(everything)).toEqual(Array.from({ length: 10 }, (_, i) => `u${i}`));
    expect(everything.truncated).toBe(false);
  });

  it('thread: the whole thread, and a thread started from a message opens with that message', async () => {
    let starterId = '';
    const { fake, bot } = await connect((fake) => {
      for (let i = 0; i < 5; i++)
        fake.addMessage(THREAD, { authorId: i % 2 ? ALICE : BOB, content: `th${i}` });
      fake.addMessage(THREAD, { authorId: BOT, content: 'bot note' });
      starterId = fake.addMessage(GENERAL, { authorId: DAVE, content: 'shall we discuss this?' }).id;
    });
    const whole = await collectConversation(thread(bot, THREAD), { kind: 'thread' }, BOT);
    expect(texts(whole)).toEqual(['th0', 'th1', 'th2', 'th3', 'th4']);
    expect(whole.truncated).toBe(false);

    const starter = await fetchMessage(text(bot, GENERAL), starterId);
    const started = await starter.startThread({ name: 'discussion' });
    fake.addMessage(started.id, { authorId: ALICE, content: 'yes' });
    fake.addMessage(started.id, { authorId: BOB, content: 'agreed' });
    const collected = await collectConversation(started, { kind: 'thread' }, BOT);
    expect(texts(collected)).toEqual(['shall we discuss this?', 'yes', 'agreed']);
    expect(collected.messages[0]!.author).toBe('D-nick');
  });

  it(`caps at ${maximumCollectedMessages} messages (620 written) and says so`, async () => {
    let firstId = '';
    const { bot } = await connect((fake) => {
      for (let i = 0; i < 620; i++) {
        const message = fake.addMessage(BIG, { authorId: ALICE, content: `c${i}` });
        if (i === 0) firstId = message.id;
        fake.addMessage(BIG_THREAD, { authorId: BOB, content: `d${i}` });
      }
    });
    expect(maximumCollectedMessages).toBe(500);
    const channel = text(bot, BIG);
    const since = await collectConversation(
      channel,
      { kind: 'since', start: await fetchMessage(channel, firstId) },
      BOT,
    );
    expect(since.messages).toHaveLength(500);
    expect(texts(since)).toEqual(Array.from({ length: 500 }, (_, i) => `c${i}`));
    expect(since.truncated).toBe(true);

    const whole = await collectConversation(thread(bot, BIG_THREAD), { kind: 'thread' }, BOT);
    expect(whole.messages).toHaveLength(500);
    expect(texts(whole)).toEqual(Array.from({ length: 500 }, (_, i) => `d${i + 120}`));
    expect(whole.truncated).toBe(true);

    const last = await collectConversation(channel, { kind: 'last', count: 620 }, BOT);
    expect(texts(last)).toEqual(Array.from({ length: 500 }, (_, i) => `c${i + 120}`));
  });

  // A `last` request above the cap is cut to 500 and says so.
  it('last: a count above the cap is reported as truncated', async () => {
    const { bot } = await connect((fake) => {
      for (let i = 0; i < 620; i++) fake.addMessage(BIG, { authorId: ALICE, content: `c${i}` });
    });
    const last = await collectConversation(text(bot, BIG), { kind: 'last', count: 620 }, BOT);
    expect(last.messages).toHaveLength(500);
    expect(last.truncated).toBe(true);
  });

  it('since: exactly the cap is not truncated, and the bot’s own messages do not count against it', async () => {
    let firstId = '';
    const { bot, fake } = await connect((fake) => {
      for (let i = 0; i < 500; i++) {
        const message = fake.addMessage(BIG, { authorId: ALICE, content: `c${i}` });
        if (i === 0) firstId = message.id;
        if (i % 50 === 0) fake.addMessage(BIG, { authorId: fake.botUser.id, content: `bot ${i}` });
      }
    });
    expect(fake.messages(BIG)).toHaveLength(510);
    const channel = text(bot, BIG);
    const since = await collectConversation(
      channel,
      { kind: 'since', start: await fetchMessage(channel, firstId) },
      BOT,
    );
    expect(since.messages).toHaveLength(500);
    expect(since.truncated).toBe(false);
  });

  it('renders mentions, attachments, embeds and reply targets readably', async () => {
    let daveId = '';
    let aliceId = '';
    let carolId = '';
    let outsideId = '';
    const { bot } = await connect((fake) => {
      outsideId = fake.addMessage(GENERAL, { authorId: ALICE, content: 'long ago' }).id;
      daveId = fake.addMessage(GENERAL, { authorId: DAVE, content: 'a question' }).id;
      aliceId = fake.addMessage(GENERAL, { authorId: ALICE, content: 'another' }).id;
      carolId = fake.addMessage(GENERAL, { authorId: CAROL, content: 'a third' }).id;
      fake.addMessage(GENERAL, {
        authorId: ALICE,
        content: `hi <@${BOB}> and <@!${CAROL}> and <@${DAVE}>, <@&${MEMBER_ROLE}> see <#${GENERAL}>; <@999999999999999999> is gone`,
      });
      fake.addMessage(GENERAL, {
        authorId: BOB,
        content: 'files',
        attachments: [{ filename: 'report.pdf', description: 'Q3 numbers' }, { filename: 'photo.png' }],
      });
      fake.addMessage(GENERAL, {
        authorId: CAROL,
        content: '',
        embeds: [
          { title: 'Release notes', description: 'v2 is out' },
          { title: 'Only a title' },
          { url: 'https://example.invalid' },
        ],
      });
      fake.addMessage(GENERAL, { authorId: BOB, content: 'to dave', replyTo: daveId });
      fake.addMessage(GENERAL, { authorId: BOB, content: 'to alice', replyTo: aliceId });
      fake.addMessage(GENERAL, { authorId: BOB, content: 'to carol', replyTo: carolId });
      fake.addMessage(GENERAL, { authorId: BOB, content: 'to the past', replyTo: outsideId });
    });
    const collected = await collectConversation(text(bot, GENERAL), { kind: 'last', count: 10 }, BOT);
    const byText = (prefix: string) => {
      const found = collected.messages.find((m) => m.text.startsWith(prefix));
      if (!found) throw new Error(`no message starting ${prefix}: ${JSON.stringify(collected.messages)}`);
      return found;
    };
    expect(collected.messages.map((m) => m.author)).toEqual([
      'D-nick',
      'Alice',
      'carol',
      'Alice',
      'Bobby',
      'carol',
      'Bobby',
      'Bobby',
      'Bobby',
      'Bobby',
    ]);
    expect(byText('hi').text).toBe(
      'hi @Bobby and @carol and @D-nick, @member see #general; <@999999999999999999> is gone',
    );
    expect(byText('files').text).toBe(
      'files\n[attachment: report.pdf — Q3 numbers]\n[attachment: photo.png]',
    );
    expect(byText('[embed').text).toBe('[embed: Release notes — v2 is out]\n[embed: Only a title]');
    expect(byText('to dave').replyTo).toBe('D-nick');
    expect(byText('to alice').replyTo).toBe('Alice');
    expect(byText('to carol').replyTo).toBe('carol');
    // The replied-to message is outside the collected range: no name to give.
    expect(byText('to the past')).not.toHaveProperty('replyTo');
    expect(byText('a question')).not.toHaveProperty('replyTo');
  });
});
