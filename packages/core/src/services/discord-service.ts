import { z } from 'zod';
import { InvalidInputError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import { discordIdSchema } from '../triggers/action-config.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/** The default per-guild cap on runs started from Discord per day (UTC). */
export const defaultDiscordDailyRunCap = 50;

/**
 * How the Discord bot behaves in one guild. Empty `channelIds` and `roleIds` mean no limit:
 * with nothing configured the pencil reaction works in every channel the bot can read, for
 * everyone. `emojiActions` maps further emoji to actions (by name) besides the reaction
 * actions' own emoji. `dailyRunCap` bounds runs started from this guild per UTC day, so that a
 * busy guild cannot spend the operator's keys without limit.
 */
export const discordGuildConfigSchema = z
  .object({
    enabled: z.boolean(),
    channelIds: z.array(discordIdSchema).max(200),
    roleIds: z.array(discordIdSchema).max(100),
    emojiActions: z.record(z.string().min(1).max(100), z.string().min(1).max(200)),
    language: z.enum(['ja', 'en', 'auto']),
    dailyRunCap: z.number().int().min(0).max(100_000),
    /** How far back a summary reaches when no earlier pencil-marked message ends it. */
    summaryWindow: z
      .object({
        messages: z.number().int().min(1).max(500),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'DiscordGuildConfig' });
/** A guild's Discord bot configuration. */
export type DiscordGuildConfig = z.infer<typeof discordGuildConfigSchema>;

/** Input of {@link DiscordService.setGuildConfig}: the fields to change. */
export const discordGuildConfigInputSchema = discordGuildConfigSchema
  .partial()
  .strict()
  .meta({ id: 'DiscordGuildConfigInput' });
/** Input to change a guild's configuration. */
export type DiscordGuildConfigInput = z.input<typeof discordGuildConfigInputSchema>;

/** The configuration of a guild nobody configured. */
export const defaultDiscordGuildConfig: DiscordGuildConfig = Object.freeze({
  enabled: true,
  channelIds: [],
  roleIds: [],
  emojiActions: {},
  language: 'auto',
  dailyRunCap: defaultDiscordDailyRunCap,
  summaryWindow: { messages: 200, hours: 24 },
}) as DiscordGuildConfig;

/** What {@link DiscordService.consumeDailyRun} decided. */
export interface DailyRunAllowance {
  allowed: boolean;
  /** Runs counted today, this one included when allowed. */
  used: number;
  cap: number;
}

/** The Discord bot's stored state: per-guild configuration and daily run counts. */
export interface DiscordService {
  /** The guild's configuration, defaults filled in (the default one when none is stored). */
  getGuildConfig(guildId: string): Promise<DiscordGuildConfig>;
  /** Changes the given fields and returns the whole configuration. InvalidInputError for bad values. */
  setGuildConfig(guildId: string, input: DiscordGuildConfigInput): Promise<DiscordGuildConfig>;
  /** Every guild with a stored configuration. */
  listGuildConfigs(): Promise<Array<{ guildId: string; config: DiscordGuildConfig }>>;
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

/** Builds the Discord service on the store's settings. */
export function createDiscordService(context: ServiceContext): DiscordService {
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
      return settings.flatMap((setting) => {
        const match = configKeyPattern.exec(setting.key);
        return match === null ? [] : [{ guildId: match[1]!, config: read(setting.value) }];
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
