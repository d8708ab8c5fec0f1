import type { ConversationMessage } from '@goosuke/core';
import { emojiMatches } from '@goosuke/core';
import type { Collection, Message, TextBasedChannel } from 'discord.js';

/** The most messages one summary collects, whatever the request or configuration says. */
export const maximumCollectedMessages = 500;

/** How a conversation range is chosen. */
export type ConversationRange =
  /** Back from `end` (included) to the previous message marked with a summary emoji (excluded), within the window. */
  | { kind: 'marked'; end: Message; markers: readonly string[]; maxMessages: number; maxAgeMs: number }
  /** The last `count` messages before now. */
  | { kind: 'last'; count: number }
  /** From `start` (included) to now. */
  | { kind: 'since'; start: Message }
  /** The whole thread (with its starter message). */
  | { kind: 'thread' };

/** A collected conversation, oldest first, ready for the summarizer. */
export interface CollectedConversation {
  messages: ConversationMessage[];
  /** Whether the cap or the window cut the range short. */
  truncated: boolean;
}

type FetchableChannel = TextBasedChannel & {
  messages: {
    fetch(options: { limit: number; before?: string; after?: string }): Promise<Collection<string, Message>>;
  };
};

/** Newest first, `limit` at most, before `before` (exclusive) when given. */
async function page(channel: FetchableChannel, limit: number, before?: string): Promise<Message[]> {
  const fetched = await channel.messages.fetch({
    limit: Math.min(100, limit),
    ...(before ? { before } : {}),
  });
  return [...fetched.values()].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
}

/** Oldest first, after `after` (exclusive), up to `limit`. */
async function pageAfter(channel: FetchableChannel, limit: number, after: string): Promise<Message[]> {
  const fetched = await channel.messages.fetch({ limit: Math.min(100, limit), after });
  return [...fetched.values()].sort((a, b) => (BigInt(a.id) > BigInt(b.id) ? 1 : -1));
}

/**
 * Collects the messages of a range from Discord (REST pages of 100), skipping the bot's own
 * messages and system messages, capped at {@link maximumCollectedMessages}, oldest first.
 */
export async function collectConversation(
  channel: TextBasedChannel,
  range: ConversationRange,
  botUserId: string,
): Promise<CollectedConversation> {
  const source = channel as FetchableChannel;
  const cap = maximumCollectedMessages;
  const keep = (message: Message): boolean => message.author.id !== botUserId && !message.system;
  const collected: Message[] = [];
  let truncated = false;

  if (range.kind === 'since') {
    collected.push(range.start);
    let after = range.start.id;
    let kept = keep(range.start) ? 1 : 0;
    // One message past the cap tells a range that was cut from one that fits exactly.
    outer: for (;;) {
      const batch = await pageAfter(source, 100, after);
      if (batch.length === 0) break;
      for (const message of batch) {
        if (keep(message) && kept === cap) {
          truncated = true;
          break outer;
        }
        collected.push(message);
        if (keep(message)) kept++;
      }
      after = batch[batch.length - 1]!.id;
    }
  } else {
    const limit =
      range.kind === 'last'
        ? Math.min(range.count, cap)
        : range.kind === 'marked'
          ? Math.min(range.maxMessages, cap)
          : cap;
    const oldest =
      range.kind === 'marked' ? range.end.createdTimestamp - range.maxAgeMs : Number.NEGATIVE_INFINITY;
    let before: string | undefined;
    if (range.kind === 'marked') {
      collected.push(range.end);
      before = range.end.id;
    }
    let done = false;
    while (!done && collected.filter(keep).length < limit) {
      const batch = await page(source, 100, before);
      if (batch.length === 0) break;
      for (const message of batch) {
        if (range.kind === 'marked') {
          if (message.createdTimestamp < oldest) {
            truncated = true;
            done = true;
            break;
          }
          const reactions = [...message.reactions.cache.values()];
          if (reactions.some((reaction) => emojiMatches(reaction.emoji, range.markers))) {
            done = true;
            break;
          }
        }
        collected.push(message);
        if (collected.filter(keep).length >= limit) {
          // `last` asks for a count: only the cap cuts it short.
          truncated = range.kind !== 'last' || range.count > cap;
          done = true;
          break;
        }
      }
      before = batch[batch.length - 1]!.id;
    }
    if (range.kind === 'thread' && channel.isThread() && !done) {
      // A thread started from a message: that message opens the conversation.
      const starter = await channel.fetchStarterMessage().catch(() => null);
      if (starter !== null) collected.push(starter);
    }
    collected.reverse();
  }
  const messages = collected.filter(keep);
  const byId = new Map(messages.map((message) => [message.id, message]));
  return { messages: messages.map((message) => toConversationMessage(message, byId)), truncated };
}

function displayName(message: Message): string {
  return message.member?.displayName ?? message.author.globalName ?? message.author.username;
}

/** Replaces user, role and channel mentions with readable names, so the model sees who was meant. */
function readableContent(message: Message): string {
  return message.content
    .replace(/<@!?(\d+)>/g, (whole, id: string) => {
      const member = message.mentions.members?.get(id);
      const user = message.mentions.users.get(id);
      const name = member?.displayName ?? user?.globalName ?? user?.username;
      return name === undefined ? whole : `@${name}`;
    })
    .replace(/<@&(\d+)>/g, (whole, id: string) => {
      const role = message.mentions.roles.get(id);
      return role === undefined ? whole : `@${role.name}`;
    })
    .replace(/<#(\d+)>/g, (whole, id: string) => {
      const mentioned = message.mentions.channels.get(id);
      return mentioned !== undefined && 'name' in mentioned && mentioned.name ? `#${mentioned.name}` : whole;
    });
}

function toConversationMessage(message: Message, byId: ReadonlyMap<string, Message>): ConversationMessage {
  const parts = [readableContent(message).trim()];
  for (const attachment of message.attachments.values()) {
    parts.push(
      `[attachment: ${attachment.name}${attachment.description ? ` — ${attachment.description}` : ''}]`,
    );
  }
  for (const embed of message.embeds) {
    const text = [embed.title, embed.description].filter((value) => value).join(' — ');
    if (text !== '') parts.push(`[embed: ${text}]`);
  }
  const referenced = message.reference?.messageId;
  const repliedTo = referenced === undefined ? undefined : byId.get(referenced);
  return {
    author: displayName(message),
    text: parts.filter((part) => part !== '').join('\n'),
    at: new Date(message.createdTimestamp).toISOString().slice(0, 16).replace('T', ' '),
    ...(repliedTo === undefined ? {} : { replyTo: displayName(repliedTo) }),
  };
}
