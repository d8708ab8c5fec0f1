import { type DiscordRouteInput, emojiKey } from '@goosuke/core';
import {
  MessageFlags,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import { type BotContext, channelName, memberFacts } from './bot-context.ts';
import { type CollectedConversation, collectConversation } from './collect-conversation.ts';
import { rangeForWindow } from './conversation-window.ts';
import { noMentions, type ReplySurface } from './reply-surface.ts';
import { userMessage } from './user-message.ts';

/** How many handled reactions (and cooldowns) the bot remembers in memory. */
const rememberedReactions = 10_000;

/** A reaction event handler. */
export type ReactionHandler = (
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
) => Promise<void>;

/**
 * Handles reactions: asks Goosuke what the emoji asks for here (`goosuke.discord.route`), and if
 * anything, replies "working…", collects the conversation Goosuke asked for, starts the task
 * (`goosuke.discord.trigger`) and follows its runs in the reply. Two in-process memories keep a
 * busy channel calm: a message and emoji is handled once (across processes the trigger's
 * idempotency key does it), and each member has a cooldown per channel. Both are discord.js
 * event concerns, so they live here rather than in core.
 */
export function createReactionHandler(context: BotContext, options: { cooldownMs: number }): ReactionHandler {
  const { goosuke } = context;
  const handled = new Set<string>();
  const cooldowns = new Map<string, number>();

  /** Keeps the memory of handled reactions and cooldowns bounded on a busy bot. */
  const forgetOld = (now: number): void => {
    // Sets iterate in insertion order: the oldest keys go first. Older duplicates are still
    // caught by the trigger's idempotency key in the store.
    for (const key of handled) {
      if (handled.size <= rememberedReactions) break;
      handled.delete(key);
    }
    if (cooldowns.size > rememberedReactions) {
      for (const [key, at] of cooldowns) if (now - at >= options.cooldownMs) cooldowns.delete(key);
    }
  };

  return async function onReaction(partialReaction, partialUser) {
    if (partialUser.id === context.botId()) return;
    const reaction = partialReaction.partial ? await partialReaction.fetch() : partialReaction;
    const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
    if (!message.inGuild()) return;
    const user = partialUser.partial ? await partialUser.fetch() : partialUser;
    if (user.bot) return;
    const emoji = { name: reaction.emoji.name, id: reaction.emoji.id };
    const key = `${message.id}:${emoji.id ?? emojiKey(emoji.name ?? '')}`;
    if (handled.has(key)) return;
    const channel = message.channel;
    const request: DiscordRouteInput = {
      place: {
        guildId: message.guildId,
        channelId: channel.id,
        parentId: channel.isThread() ? channel.parentId : null,
      },
      member: async () => memberFacts(await message.guild.members.fetch(user.id)),
      request: { kind: 'reaction', emoji },
    };
    const route = await goosuke.discord.route(request);
    if (route.kind === 'ignored') return;
    if (route.kind === 'refused') {
      await message.reply({
        content: route.message,
        allowedMentions: noMentions,
        ...(route.quiet ? { flags: MessageFlags.SuppressNotifications } : {}),
      });
      return;
    }
    const coolKey = `${user.id}:${channel.id}`;
    const now = Date.now();
    if (now - (cooldowns.get(coolKey) ?? Number.NEGATIVE_INFINITY) < options.cooldownMs) return;
    cooldowns.set(coolKey, now);
    handled.add(key);
    forgetOld(now);

    const working = await message.reply({ content: '✏️ Working on it…', allowedMentions: noMentions });
    const surface: ReplySurface = {
      edit: async (content) => {
        await working.edit({ content, allowedMentions: noMentions });
      },
      send: async (content) => {
        await channel.send({ content, allowedMentions: noMentions });
      },
    };
    try {
      let conversation: CollectedConversation | undefined;
      if (route.conversation !== null) {
        const range = await rangeForWindow(channel, route.conversation, message);
        conversation = await collectConversation(channel, range, context.botId());
      }
      const outcome = await goosuke.discord.trigger({
        ...request,
        ...(conversation === undefined ? {} : { conversation: conversation.messages }),
        message: message.content,
        idempotencyKey: `discord:reaction:${key}`,
        channelName: channelName(channel),
        defaultModels: await context.defaultModels(),
      });
      if (outcome.kind === 'refused') {
        await surface.edit(outcome.message);
        return;
      }
      if (outcome.kind === 'ignored' || !outcome.created) {
        // Goosuke stopped answering here meanwhile, or another process (or an earlier delivery
        // of this event) is already on it.
        await working.delete().catch(() => undefined);
        return;
      }
      const count = conversation?.messages.length;
      let workingLine = '✏️ Working on it…';
      if (count !== undefined) {
        workingLine = `✏️ Working on ${count} ${count === 1 ? 'message' : 'messages'}…`;
        await surface.edit(workingLine);
      }
      await context.follow(outcome, surface, workingLine);
    } catch (error) {
      await surface.edit(userMessage(error)).catch(() => undefined);
    }
  };
}
