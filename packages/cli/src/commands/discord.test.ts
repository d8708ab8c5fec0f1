// `goosuke discord` against the loopback fake Discord and the OpenAI fake. The full run is a child
// process (from source), so that its signal handling is real.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { type FakeDiscordServer, startFakeDiscordServer } from '@goosuke/adapter-discord/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, runMain, spawnMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const openaiKey = 'sk-openai-discord-cli-0123456789';
const GUILD = '200000000000000001';
const CHANNEL = '300000000000000001';
const ALICE = '500000000000000001';

const children: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const close of closers.splice(0)) await close();
  await removeTemporaryDirectories();
});

async function fakes(): Promise<{ discord: FakeDiscordServer; openai: FakeOpenAIServer }> {
  const discord = await startFakeDiscordServer({
    guilds: [
      {
        id: GUILD,
        name: 'Team',
        channels: [{ id: CHANNEL, name: 'general' }],
        roles: [],
        members: [{ user: { id: ALICE, username: 'alice', globalName: 'Alice' }, roles: [] }],
      },
    ],
  });
  const openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  closers.push(
    () => discord.close(),
    () => openai.close(),
  );
  return { discord, openai };
}

function spawnDiscord(cwd: string, env: Record<string, string>) {
  const spawned = spawnMain(['discord'], { cwd, env });
  children.push(spawned.child);
  return spawned;
}

describe('goosuke discord', () => {
  it('refuses to start without DISCORD_BOT_TOKEN, and with a token Discord refuses (exit 3, one line)', async () => {
    const { discord } = await fakes();
    const cwd = await temporaryDirectory();
    const env = { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: path.join(cwd, 'data') };
    const missing = await runMain(['discord'], { cwd, env });
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/DISCORD_BOT_TOKEN is not set/);

    const refused = await runMain(['discord'], {
      cwd,
      env: { ...env, DISCORD_BOT_TOKEN: 'not-the-token', GOOSUKE_DISCORD_API_URL: discord.apiUrl },
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/Discord refused DISCORD_BOT_TOKEN/);
    expect(refused.stderr).not.toContain('not-the-token');

    const badUrl = await runMain(['discord'], {
      cwd,
      env: { ...env, DISCORD_BOT_TOKEN: discord.token, GOOSUKE_DISCORD_API_URL: 'ftp://x' },
    });
    expect(badUrl.code).toBe(3);
    expect(badUrl.stderr).toMatch(/GOOSUKE_DISCORD_API_URL must be an http or https URL/);

    const noKey = await runMain(['discord'], {
      cwd,
      env: {
        ...env,
        DISCORD_BOT_TOKEN: discord.token,
        GOOSUKE_DISCORD_API_URL: discord.apiUrl,
        GOOSUKE_DEFAULT_MODEL: 'anthropic:claude-sonnet-4-5',
      },
    });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toMatch(
      /GOOSUKE_DEFAULT_MODEL: no API key for anthropic:claude-sonnet-4-5; set ANTHROPIC_API_KEY/,
    );
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('answers a pencil reaction with a summary on GOOSUKE_DEFAULT_MODEL, then stops on SIGTERM', async () => {
    const { discord, openai } = await fakes();
    const cwd = await temporaryDirectory();
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
      DISCORD_BOT_TOKEN: discord.token,
      GOOSUKE_DISCORD_API_URL: discord.apiUrl,
      GOOSUKE_DEFAULT_MODEL: 'openai:gpt-4.1-mini',
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: openai.url,
    };
    const bot = spawnDiscord(cwd, env);
    await bot.said('Discord bot ready as goosuke in 1 server');
    expect((discord.commands() as Array<{ name: string }>).map((command) => command.name)).toEqual([
      'goosuke',
    ]);

    discord.addMessage(CHANNEL, { authorId: ALICE, content: 'We ship on Friday.' });
    const last = discord.addMessage(CHANNEL, { authorId: ALICE, content: 'I will write the notes.' });
    openai.respond({ kind: 'reply', text: '## Summary\nShip Friday; Alice writes the notes.' });
    discord.addReaction({
      guildId: GUILD,
      channelId: CHANNEL,
      messageId: last.id,
      userId: ALICE,
      emoji: '✏️',
    });
    for (let waited = 0; ; waited += 25) {
      const reply = discord
        .messages(CHANNEL)
        .find(
          (message) => message.author.id === discord.botUser.id && message.content.includes('Ship Friday'),
        );
      if (reply !== undefined) break;
      if (waited > 20_000) throw new Error(`no summary: ${bot.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const request = openai.requests.at(-1)!;
    expect((request.body as { model: string }).model).toBe('gpt-4.1-mini');
    expect(JSON.stringify(request.body)).toContain('We ship on Friday.');

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.stderr()).toContain('goosuke: stopped');
    expect(bot.stderr()).not.toContain(discord.token);
    expect(bot.stderr()).not.toContain(openaiKey);

    // What the bot stored: the built-in template, its action and the default model's profile.
    const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, cwd));
    try {
      expect((await goosuke.actions.list({})).items.map((action) => action.name)).toEqual([
        'discord-summary',
      ]);
      expect((await goosuke.models.list({})).items.map((profile) => profile.modelName)).toEqual([
        'gpt-4.1-mini',
      ]);
    } finally {
      await goosuke.close();
    }
  });
});
