import { beforeEach, describe, expect, it } from 'vitest';
import type { InvalidInputError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { expectGoosukeError, rejectionOf } from '../testing/conformance-assertions.ts';
import {
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
  type FixedClock,
} from '../testing/index.ts';
import { defaultDiscordDailyRunCap, defaultDiscordGuildConfig } from '../triggers/discord-guild-config.ts';
import { createDiscordGuildService, type DiscordGuildService } from './discord-service.ts';

const guildId = '123456789012345678';
const otherGuildId = '987654321098765432';

async function invalid(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await rejectionOf(() => promise);
  expectGoosukeError(error, 'invalid_input');
  return error as InvalidInputError;
}

describe('the Discord service', () => {
  let store: Store;
  let clock: FixedClock;
  let discord: DiscordGuildService;

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock('2026-01-02T22:00:00.000Z');
    discord = createDiscordGuildService({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-discord-tests-0123456' }),
      clock,
      ids: createSequentialIdGenerator(),
    });
  });

  describe('guild configuration', () => {
    it('gives the defaults for a guild nobody configured, and stores nothing', async () => {
      expect(await discord.getGuildConfig(guildId)).toEqual({
        enabled: true,
        channelIds: [],
        roleIds: [],
        emojiActions: {},
        language: 'auto',
        dailyRunCap: 50,
        summaryWindow: { messages: 200, hours: 24 },
      });
      expect(defaultDiscordDailyRunCap).toBe(50);
      expect(await discord.listGuildConfigs()).toEqual([]);
      expect(await store.settings.list()).toEqual([]);
    });

    it('merges a partial change into the defaults, then into what is stored', async () => {
      const first = await discord.setGuildConfig(guildId, { language: 'ja', channelIds: ['111'] });
      expect(first).toEqual({ ...defaultDiscordGuildConfig, language: 'ja', channelIds: ['111'] });
      const second = await discord.setGuildConfig(guildId, {
        dailyRunCap: 3,
        emojiActions: { '🐛': 'triage' },
      });
      expect(second).toEqual({
        ...defaultDiscordGuildConfig,
        language: 'ja',
        channelIds: ['111'],
        dailyRunCap: 3,
        emojiActions: { '🐛': 'triage' },
      });
      expect(await discord.getGuildConfig(guildId)).toEqual(second);
      // Another guild keeps the defaults.
      expect(await discord.getGuildConfig(otherGuildId)).toEqual(defaultDiscordGuildConfig);
    });

    it('stores the configuration as a plain (not secret) setting stamped with the clock', async () => {
      await discord.setGuildConfig(guildId, { enabled: false });
      const stored = await store.settings.get(`discord.guilds.${guildId}.config`);
      expect(stored).toMatchObject({ secret: false, updatedAt: '2026-01-02T22:00:00.000Z' });
      expect(stored?.value).toMatchObject({ enabled: false, language: 'auto' });
    });

    it('refuses invalid values, every one listed, and changes nothing', async () => {
      await discord.setGuildConfig(guildId, { language: 'en' });
      const error = await invalid(
        discord.setGuildConfig(guildId, {
          language: 'fr' as 'en',
          dailyRunCap: -1,
          roleIds: ['admins'],
          summaryWindow: { messages: 0, hours: 1 },
        }),
      );
      expect(error.issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining([
          ['language'],
          ['dailyRunCap'],
          ['roleIds', 0],
          ['summaryWindow', 'messages'],
        ]),
      );
      expect(error.issues).toHaveLength(4);
      expect((await discord.getGuildConfig(guildId)).language).toBe('en');
    });

    it('refuses unknown fields and a non-integer cap', async () => {
      expect((await invalid(discord.setGuildConfig(guildId, { prefix: '!' } as never))).message).toContain(
        'prefix',
      );
      await invalid(discord.setGuildConfig(guildId, { dailyRunCap: 1.5 }));
      await invalid(discord.setGuildConfig(guildId, { summaryWindow: { messages: 10 } as never }));
    });

    it('refuses a guild id that is not a Discord id, in every method', async () => {
      for (const bad of ['', 'guild', '12ab', '1'.repeat(21), '../1']) {
        await invalid(discord.getGuildConfig(bad));
        await invalid(discord.setGuildConfig(bad, { enabled: false }));
        await invalid(discord.consumeDailyRun(bad));
        await invalid(discord.dailyUsage(bad));
      }
      expect(await store.settings.list()).toEqual([]);
    });

    it("lists every configured guild with its full configuration and today's usage, not the counters as guilds", async () => {
      await discord.setGuildConfig(guildId, { language: 'ja', dailyRunCap: 7 });
      await discord.setGuildConfig(otherGuildId, { enabled: false });
      await discord.consumeDailyRun(guildId, 2);
      const listed = await discord.listGuildConfigs();
      expect(listed).toHaveLength(2);
      expect(listed).toEqual(
        expect.arrayContaining([
          {
            guildId,
            config: { ...defaultDiscordGuildConfig, language: 'ja', dailyRunCap: 7 },
            usage: { used: 2, cap: 7 },
          },
          {
            guildId: otherGuildId,
            config: { ...defaultDiscordGuildConfig, enabled: false },
            usage: { used: 0, cap: defaultDiscordGuildConfig.dailyRunCap },
          },
        ]),
      );
    });

    it('fills fields missing from an older stored configuration with their defaults', async () => {
      await store.settings.set({
        key: `discord.guilds.${guildId}.config`,
        value: { enabled: false, language: 'en' },
        secret: false,
        description: 'written by an older version',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
      expect(await discord.getGuildConfig(guildId)).toEqual({
        ...defaultDiscordGuildConfig,
        enabled: false,
        language: 'en',
      });
    });
  });

  describe('daily run counts', () => {
    it('counts runs and refuses once the cap is reached', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 2 });
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 0, cap: 2 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: true, used: 1, cap: 2 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: true, used: 2, cap: 2 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: false, used: 2, cap: 2 });
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 2, cap: 2 });
      // Another guild has its own count, under the default cap.
      expect(await discord.consumeDailyRun(otherGuildId)).toEqual({ allowed: true, used: 1, cap: 50 });
    });

    it('counts several runs at once, all or none', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 5 });
      expect(await discord.consumeDailyRun(guildId, 3)).toEqual({ allowed: true, used: 3, cap: 5 });
      // Three more would pass the cap: none is counted, though two would still fit.
      expect(await discord.consumeDailyRun(guildId, 3)).toEqual({ allowed: false, used: 3, cap: 5 });
      expect(await discord.consumeDailyRun(guildId, 2)).toEqual({ allowed: true, used: 5, cap: 5 });
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 5, cap: 5 });
    });

    it('gives back runs that did not start, never below zero', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 2 });
      await discord.consumeDailyRun(guildId, 2);
      expect((await discord.consumeDailyRun(guildId)).allowed).toBe(false);
      await discord.releaseDailyRun(guildId);
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 1, cap: 2 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: true, used: 2, cap: 2 });
      await discord.releaseDailyRun(guildId, 5);
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 0, cap: 2 });
      // Nothing counted yet for another guild: nothing to give back, nothing stored.
      await discord.releaseDailyRun(otherGuildId);
      expect(await discord.dailyUsage(otherGuildId)).toEqual({ used: 0, cap: 50 });
      await invalid(discord.releaseDailyRun(guildId, 0));
    });

    it('refuses a run count that is not a positive integer', async () => {
      for (const runs of [0, -1, 1.5, Number.NaN]) await invalid(discord.consumeDailyRun(guildId, runs));
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 0, cap: 50 });
    });

    it('allows nothing with a cap of 0', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 0 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: false, used: 0, cap: 0 });
    });

    it('starts again from zero on the next UTC day', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 1 });
      expect((await discord.consumeDailyRun(guildId)).allowed).toBe(true);
      expect((await discord.consumeDailyRun(guildId)).allowed).toBe(false);
      // 22:00 → 23:59:59.999 is still the same UTC day.
      clock.set('2026-01-02T23:59:59.999Z');
      expect((await discord.consumeDailyRun(guildId)).allowed).toBe(false);
      clock.advance(1);
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 0, cap: 1 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: true, used: 1, cap: 1 });
      expect((await discord.consumeDailyRun(guildId)).allowed).toBe(false);
    });

    it('a lowered cap applies to runs already counted today', async () => {
      expect((await discord.consumeDailyRun(guildId, 4)).used).toBe(4);
      await discord.setGuildConfig(guildId, { dailyRunCap: 3 });
      expect(await discord.consumeDailyRun(guildId)).toEqual({ allowed: false, used: 4, cap: 3 });
    });

    it('never lets concurrent consumers pass the cap', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 5 });
      const results = await Promise.all(Array.from({ length: 10 }, () => discord.consumeDailyRun(guildId)));
      expect(results.filter((result) => result.allowed)).toHaveLength(5);
      expect(
        results
          .filter((result) => result.allowed)
          .map((result) => result.used)
          .sort(),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(results.filter((result) => !result.allowed).every((result) => result.used === 5)).toBe(true);
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 5, cap: 5 });
    });

    it('never lets concurrent multi-run consumers pass the cap', async () => {
      await discord.setGuildConfig(guildId, { dailyRunCap: 7 });
      const results = await Promise.all(Array.from({ length: 6 }, () => discord.consumeDailyRun(guildId, 2)));
      expect(results.filter((result) => result.allowed)).toHaveLength(3);
      expect(await discord.dailyUsage(guildId)).toEqual({ used: 6, cap: 7 });
    });
  });
});
