import { z } from 'zod';
import { discordIdSchema } from './action-config.ts';

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

/** Input of `goosuke.discord.setGuildConfig`: the fields to change. */
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

/** A configured guild as listed: its id, its configuration and today's run count against its cap. */
export const discordGuildEntrySchema = z
  .object({
    guildId: discordIdSchema,
    config: discordGuildConfigSchema,
    /** Runs started from the guild today (UTC) and its daily cap. */
    usage: z.object({ used: z.number().int().nonnegative(), cap: z.number().int().nonnegative() }),
  })
  .meta({ id: 'DiscordGuild' });
/** One entry of `goosuke.discord.listGuildConfigs`. */
export type DiscordGuildEntry = z.infer<typeof discordGuildEntrySchema>;
