// The Discord bot's per-guild configuration over HTTP: admins read and change it; the bot reads
// the same stored configuration through `goosuke.discord`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, startHarness } from './harness.ts';

const guildId = '200000000000000001';
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const api = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
  call(harness.url, method, `${apiPrefix}${url}`, options);

describe('GET and PUT /discord/guilds/{guildId}/config', () => {
  it('gives the defaults, merges a change, and the bot sees what was stored', async () => {
    const token = harness.admin.token;
    const initial = await api('get', `/discord/guilds/${guildId}/config`, { token });
    expect(initial.status).toBe(200);
    expect(initial.json).toEqual({
      enabled: true,
      channelIds: [],
      roleIds: [],
      emojiActions: {},
      language: 'auto',
      dailyRunCap: 50,
      summaryWindow: { messages: 200, hours: 24 },
    });
    const changed = await api('put', `/discord/guilds/${guildId}/config`, {
      token,
      body: { language: 'ja', dailyRunCap: 10, channelIds: ['300000000000000001'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      language: 'ja',
      dailyRunCap: 10,
      channelIds: ['300000000000000001'],
    });
    const again = await api('put', `/discord/guilds/${guildId}/config`, { token, body: { enabled: false } });
    expect(again.json).toMatchObject({ enabled: false, language: 'ja', dailyRunCap: 10 });
    expect(await harness.goosuke.discord.getGuildConfig(guildId)).toEqual(again.json);
  });

  it('refuses members, bad guild ids and bad values', async () => {
    const member = await api('put', `/discord/guilds/${guildId}/config`, {
      token: harness.alice.token,
      body: { dailyRunCap: 1000 },
    });
    expect(isProblem(member, 403)).toBe(true);
    expect(
      isProblem(await api('get', '/discord/guilds/not-a-guild/config', { token: harness.admin.token }), 400),
    ).toBe(true);
    const bad = await api('put', `/discord/guilds/${guildId}/config`, {
      token: harness.admin.token,
      body: { dailyRunCap: -1, language: 'fr' },
    });
    expect(isProblem(bad, 400)).toBe(true);
    expect(bad.json.issues.map((issue: { path: string[] }) => issue.path.join('.')).sort()).toEqual([
      'dailyRunCap',
      'language',
    ]);
    expect((await harness.goosuke.discord.getGuildConfig(guildId)).dailyRunCap).not.toBe(1000);
  });
});

describe('GET /discord/guilds', () => {
  it("lists the configured guilds with their configuration and today's runs against the cap", async () => {
    const otherGuildId = '200000000000000002';
    await harness.goosuke.discord.setGuildConfig(otherGuildId, { dailyRunCap: 3, language: 'en' });
    await harness.goosuke.discord.consumeDailyRun(otherGuildId, 2);
    const listed = await api('get', '/discord/guilds', { token: harness.admin.token });
    expect(listed.status).toBe(200);
    const byId = new Map(
      listed.json.items.map((entry: { guildId: string }) => [entry.guildId, entry] as const),
    );
    expect(byId.get(otherGuildId)).toEqual({
      guildId: otherGuildId,
      config: { ...(await harness.goosuke.discord.getGuildConfig(otherGuildId)), dailyRunCap: 3 },
      usage: { used: 2, cap: 3 },
    });
    // The counters are settings too, never listed as guilds; a guild nobody configured is absent.
    expect(listed.json.items.every((entry: { guildId: string }) => /^\d+$/.test(entry.guildId))).toBe(true);
    expect(byId.has('200000000000000009')).toBe(false);
  });

  it('is for admins only', async () => {
    expect(isProblem(await api('get', '/discord/guilds', { token: harness.alice.token }), 403)).toBe(true);
    expect(isProblem(await api('get', '/discord/guilds'), 401)).toBe(true);
  });
});
