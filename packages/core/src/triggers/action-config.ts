import { z } from 'zod';
import type { ActionTrigger } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { parseCron } from './cron.ts';

/** A Discord id (a snowflake: a guild, channel, role or user): decimal digits. */
export const discordIdSchema = z.string().regex(/^\d{1,20}$/, 'a Discord id (digits)');
const snowflakes = z.array(discordIdSchema).max(100).default([]);

/**
 * `webhook` actions. `github` marks an action that receives GitHub's own webhooks: GitHub's
 * `X-Hub-Signature-256` is accepted besides Goosuke's timestamped signature, `X-GitHub-Delivery`
 * is the idempotency key, and `githubEvents` (when not empty) lists the `X-GitHub-Event` values
 * that start work (others, such as `ping`, are acknowledged and ignored).
 */
export const webhookTriggerConfigSchema = z
  .object({
    github: z.boolean().default(false),
    githubEvents: z
      .array(z.string().regex(/^[a-z_]{1,60}$/, 'a GitHub event name'))
      .max(50)
      .default([]),
  })
  .strict()
  .meta({ id: 'WebhookTriggerConfig' });
/** Settings of a `webhook` action. */
export type WebhookTriggerConfig = z.infer<typeof webhookTriggerConfigSchema>;

/** The emoji that ask for a summary by default: pencil and memo, with and without the variation selector. */
export const defaultSummaryEmojis = ['✏️', '📝'] as const;

/**
 * `discord-reaction` actions: which emoji (by default the pencil ✏️ and the memo 📝; a custom
 * emoji by its name or id), where (guild and channel ids; empty = everywhere the bot reads) and
 * who (role ids; empty = everyone). `window` bounds how far back the conversation is collected
 * when no earlier marked message ends it.
 */
export const discordReactionTriggerConfigSchema = z
  .object({
    emojis: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(20)
      .default([...defaultSummaryEmojis]),
    guildIds: snowflakes,
    channelIds: snowflakes,
    roleIds: snowflakes,
    window: z
      .object({
        messages: z.number().int().min(1).max(1000).default(200),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
      })
      .strict()
      .default({ messages: 200, hours: 24 }),
  })
  .strict()
  .meta({ id: 'DiscordReactionTriggerConfig' });
/** Settings of a `discord-reaction` action. */
export type DiscordReactionTriggerConfig = z.infer<typeof discordReactionTriggerConfigSchema>;

/** `discord-command` actions (`/goosuke run`): where and by whom (empty lists = no limit). */
export const discordCommandTriggerConfigSchema = z
  .object({ guildIds: snowflakes, channelIds: snowflakes, roleIds: snowflakes })
  .strict()
  .meta({ id: 'DiscordCommandTriggerConfig' });
/** Settings of a `discord-command` action. */
export type DiscordCommandTriggerConfig = z.infer<typeof discordCommandTriggerConfigSchema>;

/**
 * `schedule` actions: a five-field cron expression (or a macro such as `@daily`) read in an IANA
 * time zone, and the template parameters every tick fills in.
 */
export const scheduleTriggerConfigSchema = z
  .object({
    cron: z.string().min(1).max(200),
    timeZone: z.string().min(1).max(100).default('UTC'),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict()
  .superRefine((config, context) => {
    try {
      parseCron(config.cron, config.timeZone);
    } catch (error) {
      const where = error instanceof InvalidInputError ? error.issues[0]?.path[0] : undefined;
      context.addIssue({
        code: 'custom',
        path: [where === 'timeZone' ? 'timeZone' : 'cron'],
        message: (error as Error).message,
      });
    }
  })
  .meta({ id: 'ScheduleTriggerConfig' });
/** Settings of a `schedule` action. */
export type ScheduleTriggerConfig = z.infer<typeof scheduleTriggerConfigSchema>;

/** `manual` actions take no settings. */
export const manualTriggerConfigSchema = z.object({}).strict().meta({ id: 'ManualTriggerConfig' });

/** Each trigger kind's settings schema. */
export const actionConfigSchemas = {
  manual: manualTriggerConfigSchema,
  webhook: webhookTriggerConfigSchema,
  'discord-reaction': discordReactionTriggerConfigSchema,
  'discord-command': discordCommandTriggerConfigSchema,
  schedule: scheduleTriggerConfigSchema,
} as const satisfies Record<ActionTrigger, z.ZodType>;

/** The settings type of each trigger kind. */
export interface ActionConfigs {
  manual: Record<string, never>;
  webhook: WebhookTriggerConfig;
  'discord-reaction': DiscordReactionTriggerConfig;
  'discord-command': DiscordCommandTriggerConfig;
  schedule: ScheduleTriggerConfig;
}

/**
 * Validates an action's `config` for its trigger kind and returns it with defaults filled in.
 * InvalidInputError naming the field (`config.cron`, `config.emojis.0` …) for anything the
 * trigger does not take or any wrong value.
 */
export function parseActionConfig<Trigger extends ActionTrigger>(
  trigger: Trigger,
  config: unknown,
): ActionConfigs[Trigger] {
  const result = actionConfigSchemas[trigger].safeParse(config ?? {});
  if (!result.success) {
    throw InvalidInputError.fromIssues(
      `${trigger} action config`,
      result.error.issues.map((issue) => ({ ...issue, path: ['config', ...issue.path] })),
    );
  }
  return result.data as ActionConfigs[Trigger];
}
