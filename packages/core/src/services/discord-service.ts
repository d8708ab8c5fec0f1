import { InvalidInputError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import { discordIdSchema } from '../triggers/action-config.ts';
import {
  type DiscordGuildConfig,
  type DiscordGuildConfigInput,
  type DiscordGuildEntry,
  defaultDiscordGuildConfig,
  discordGuildConfigInputSchema,
  discordGuildConfigSchema,
} from '../triggers/discord-guild-config.ts';
import {
  createDiscordTriggerService,
  type DiscordTriggerService,
  type DiscordTriggerServiceContext,
} from './discord-trigger-service.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/** What {@link DiscordGuildService.consumeDailyRun} decided. */
export interface DailyRunAllowance {
  allowed: boolean;
  /** Runs counted today, this one included when allowed. */
  used: number;
  cap: number;
}

/** The Discord bot's stored state: per-guild configuration and daily run counts. */
export interface DiscordGuildService {
  /** The guild's configuration, defaults filled in (the default one when none is stored). */
  getGuildConfig(guildId: string): Promise<DiscordGuildConfig>;
  /** Changes the given fields and returns the whole configuration. InvalidInputError for bad values. */
  setGuildConfig(guildId: string, input: DiscordGuildConfigInput): Promise<DiscordGuildConfig>;
  /** Every guild with a stored configuration, by key order, with its run count today (UTC). */
  listGuildConfigs(): Promise<DiscordGuildEntry[]>;
  /**
   * Counts `runs` more runs for the guild today (UTC) if that stays within its cap, atomically
   * (two processes never both take the last one). Returns whether they were counted.
   */
  consumeDailyRun(guildId: string, runs?: number): Promise<DailyRunAllowance>;
  /**
   * Gives back runs counted by {@link consumeDailyRun} that did not start (the trigger failed,
   * or found the task an earlier delivery had started); never below zero.
   */
  releaseDailyRun(guildId: string, runs?: number): Promise<void>;
  /** Runs counted for the guild today (UTC), and its cap. */
  dailyUsage(guildId: string): Promise<{ used: number; cap: number }>;
}

const configKey = (guildId: string) => `discord.guilds.${guildId}.config`;
const usageKey = (guildId: string, day: string) => `discord.guilds.${guildId}.runs.${day}`;
const configKeyPattern = /^discord\.guilds\.(\d{1,20})\.config$/;

/**
 * Discord in core: the guilds' stored settings and daily run counts, and Discord as a trigger
 * source (routing, policy, daily cap, starting tasks); the bot only speaks discord.js.
 */
export interface DiscordService extends DiscordGuildService, DiscordTriggerService {}

/** What the Discord service is built from: the common context and the services triggering uses. */
export interface DiscordServiceContext extends ServiceContext, Omit<DiscordTriggerServiceContext, 'guilds'> {}

/** Builds the Discord service: guild settings on the store's settings, triggers on the other services. */
export function createDiscordService(context: DiscordServiceContext): DiscordService {
  const guilds = createDiscordGuildService(context);
  return { ...guilds, ...createDiscordTriggerService({ ...context, guilds }) };
}

/** Builds the guild settings and daily counts on the store's settings. */
export function createDiscordGuildService(context: ServiceContext): DiscordGuildService {
  const { store, clock } = context;

  const guild = (guildId: string): string => parseInput(discordIdSchema, guildId, 'guild id');

  const read = (value: unknown): DiscordGuildConfig => {
    // Stored values were valid when written; fields added later take their defaults.
    const merged = { ...defaultDiscordGuildConfig, ...(value as object) };
    const parsed = discordGuildConfigSchema.safeParse(merged);
    return parsed.success ? parsed.data : defaultDiscordGuildConfig;
  };

  const today = (): string => isoNow(clock).slice(0, 10);

  async function getGuildConfig(guildId: string): Promise<DiscordGuildConfig> {
    const stored = await store.settings.get(configKey(guild(guildId)));
    return stored === null ? defaultDiscordGuildConfig : read(stored.value);
  }

  return {
    getGuildConfig,

    async setGuildConfig(guildId, raw) {
      const id = guild(guildId);
      const input = parseInput(discordGuildConfigInputSchema, raw, 'Discord guild config');
      return store.transaction(async (tx) => {
        const stored = await tx.settings.get(configKey(id));
        const next = { ...(stored === null ? defaultDiscordGuildConfig : read(stored.value)), ...input };
        await tx.settings.set({
          key: configKey(id),
          value: next,
          secret: false,
          description: `Discord bot configuration of guild ${id}`,
          updatedAt: isoNow(clock),
        });
        return next;
      });
    },

    async listGuildConfigs() {
      const settings = await store.settings.list();
      // Today's counts are settings too: read them from the same list rather than once per guild.
      const counts = new Map(settings.map((setting) => [setting.key, setting.value]));
      const day = today();
      return settings.flatMap((setting) => {
        const match = configKeyPattern.exec(setting.key);
        if (match === null) return [];
        const guildId = match[1]!;
        const config = read(setting.value);
        const used = counts.get(usageKey(guildId, day));
        return [
          { guildId, config, usage: { used: typeof used === 'number' ? used : 0, cap: config.dailyRunCap } },
        ];
      });
    },

    async consumeDailyRun(guildId, runs = 1) {
      const id = guild(guildId);
      if (!Number.isInteger(runs) || runs < 1) throw new InvalidInputError('runs must be a positive integer');
      const { dailyRunCap: cap } = await getGuildConfig(id);
      const key = usageKey(id, today());
      return store.transaction(async (tx) => {
        const stored = await tx.settings.get(key);
        const used = typeof stored?.value === 'number' ? stored.value : 0;
        if (used + runs > cap) return { allowed: false, used, cap };
        await tx.settings.set({
          key,
          value: used + runs,
          secret: false,
          description: `Runs started from Discord guild ${id} on ${key.slice(-10)} (UTC)`,
          updatedAt: isoNow(clock),
        });
        return { allowed: true, used: used + runs, cap };
      });
    },

    async releaseDailyRun(guildId, runs = 1) {
      const id = guild(guildId);
      if (!Number.isInteger(runs) || runs < 1) throw new InvalidInputError('runs must be a positive integer');
      const key = usageKey(id, today());
      await store.transaction(async (tx) => {
        const stored = await tx.settings.get(key);
        if (stored === null || typeof stored.value !== 'number') return;
        await tx.settings.set({
          ...stored,
          value: Math.max(0, stored.value - runs),
          updatedAt: isoNow(clock),
        });
      });
    },

    async dailyUsage(guildId) {
      const id = guild(guildId);
      const { dailyRunCap: cap } = await getGuildConfig(id);
      const stored = await store.settings.get(usageKey(id, today()));
      return { used: typeof stored?.value === 'number' ? stored.value : 0, cap };
    },
  };
}
