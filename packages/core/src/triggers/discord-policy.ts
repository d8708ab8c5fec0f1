import { z } from 'zod';
import type { Action } from '../domain/index.ts';
import { discordIdSchema, parseActionConfig } from './action-config.ts';
import type { DiscordGuildConfig } from './discord-guild-config.ts';

/** Where a Discord request was made. */
export const discordPlaceSchema = z
  .object({
    guildId: discordIdSchema,
    channelId: discordIdSchema,
    /**
     * The channel a thread belongs to when `channelId` is a thread, else null: a channel limit
     * that names the parent admits its threads.
     */
    parentId: discordIdSchema.nullable().default(null),
  })
  .strict()
  .meta({ id: 'DiscordPlace' });
/** A guild, a channel and (for a thread) its parent channel. */
export type DiscordPlace = z.infer<typeof discordPlaceSchema>;

/** Who made a Discord request, as far as Goosuke's rules care. */
export const discordMemberSchema = z
  .object({
    /** The member's role ids in the guild. */
    roleIds: z.array(discordIdSchema).max(250),
    /** The name the guild shows for the member (for titles and replies). */
    displayName: z.string().trim().min(1).max(100),
    /** Whether the member may manage the guild (Discord's Manage Server permission). */
    canManageGuild: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'DiscordMember' });
/** A guild member: roles, display name, and whether they may manage the guild. */
export type DiscordMember = z.infer<typeof discordMemberSchema>;

/** The Discord limits an action sets for itself (empty lists: no limit). */
export interface DiscordActionLimits {
  guildIds: readonly string[];
  channelIds: readonly string[];
  roleIds: readonly string[];
}

/** An action without Discord limits: one whose trigger is not a Discord one. */
export const noDiscordActionLimits: DiscordActionLimits = Object.freeze({
  guildIds: [],
  channelIds: [],
  roleIds: [],
});

/**
 * The limits of a `discord-reaction` or `discord-command` action (its config's guild, channel and
 * role ids); none for other triggers. They hold however Discord reaches the action (its own
 * emoji or command, or a guild's emoji mapping).
 */
export function discordActionLimits(action: Pick<Action, 'trigger' | 'config'>): DiscordActionLimits {
  if (action.trigger !== 'discord-reaction' && action.trigger !== 'discord-command')
    return noDiscordActionLimits;
  const { guildIds, channelIds, roleIds } = parseActionConfig(action.trigger, action.config);
  return { guildIds, channelIds, roleIds };
}

/** Whether a channel list admits the place: empty, naming the channel, or naming a thread's parent. */
export function channelsAdmit(channelIds: readonly string[], place: DiscordPlace): boolean {
  return (
    channelIds.length === 0 ||
    channelIds.includes(place.channelId) ||
    (place.parentId !== null && channelIds.includes(place.parentId))
  );
}

/** Whether an action's guild and channel limits admit the place (roles aside). */
export function limitsAdmitPlace(limits: DiscordActionLimits, place: DiscordPlace): boolean {
  return (
    (limits.guildIds.length === 0 || limits.guildIds.includes(place.guildId)) &&
    channelsAdmit(limits.channelIds, place)
  );
}

/**
 * Why the policy refused: the guild turned Goosuke off (`disabled`), the guild's channel list
 * leaves this channel out (`channel`), the action is limited to other guilds (`action-guild`) or
 * channels (`action-channel`), or the member has no role the guild or the action asks for (`role`).
 */
export type DiscordPolicyReason = 'disabled' | 'channel' | 'action-guild' | 'action-channel' | 'role';

/** What {@link evaluateDiscordPolicy} decided. */
export type DiscordPolicyVerdict = { allowed: true } | { allowed: false; reason: DiscordPolicyReason };

/** Input of {@link evaluateDiscordPolicy}. */
export interface DiscordPolicyInput {
  /** The guild's settings (a {@link DiscordGuildConfig} will do). */
  config: { enabled: boolean; channelIds: readonly string[]; roleIds: readonly string[] };
  place: DiscordPlace;
  /** The limits of the action asked for ({@link noDiscordActionLimits} when none was found). */
  limits: DiscordActionLimits;
  /** The member's role ids, looked up only when everything before the role check passed. */
  roleIds: () => Promise<readonly string[]>;
}

/**
 * The one rule of who may use Goosuke where from Discord, for every path (reactions, emoji
 * mappings, `/goosuke summarize` and `/goosuke run`). In order: the guild has Goosuke enabled; the
 * guild's channel list admits the place; the action's guild list names the guild and its channel
 * list admits the place; the member holds one of the guild's roles and one of the action's roles
 * (an empty list asks for none). Roles are asked for last, because looking a member up costs
 * Discord a request.
 */
export async function evaluateDiscordPolicy(input: DiscordPolicyInput): Promise<DiscordPolicyVerdict> {
  const { config, place, limits } = input;
  const refuse = (reason: DiscordPolicyReason): DiscordPolicyVerdict => ({ allowed: false, reason });
  if (!config.enabled) return refuse('disabled');
  if (!channelsAdmit(config.channelIds, place)) return refuse('channel');
  if (limits.guildIds.length > 0 && !limits.guildIds.includes(place.guildId)) return refuse('action-guild');
  if (!channelsAdmit(limits.channelIds, place)) return refuse('action-channel');
  if (config.roleIds.length > 0 || limits.roleIds.length > 0) {
    const held = new Set(await input.roleIds());
    const holdsOne = (wanted: readonly string[]) =>
      wanted.length === 0 || wanted.some((role) => held.has(role));
    if (!holdsOne(config.roleIds) || !holdsOne(limits.roleIds)) return refuse('role');
  }
  return { allowed: true };
}
