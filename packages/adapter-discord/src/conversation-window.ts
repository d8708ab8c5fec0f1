import type { DiscordConversationWindow } from '@goosuke/core';
import type { Message, TextBasedChannel } from 'discord.js';
import type { ConversationRange } from './collect-conversation.ts';
import { Refusal } from './user-message.ts';

/**
 * The messages to collect for the window Goosuke chose, in discord.js terms: `reacted` ends a
 * `marked` window (the reaction's message); a `since` window's first message is fetched here.
 * Refusal when that message is not in the channel.
 */
export async function rangeForWindow(
  channel: TextBasedChannel,
  window: DiscordConversationWindow,
  reacted: Message | null,
): Promise<ConversationRange> {
  switch (window.kind) {
    case 'marked':
      if (reacted === null) throw new Error('a marked conversation window needs the reacted message');
      return {
        kind: 'marked',
        end: reacted,
        markers: window.markers,
        maxMessages: window.maxMessages,
        maxAgeMs: window.maxAgeMs,
      };
    case 'thread':
      return { kind: 'thread' };
    case 'last':
      return { kind: 'last', count: window.count };
    case 'since': {
      const start = await channel.messages.fetch(window.messageId).catch(() => null);
      if (start === null) throw new Refusal('That message was not found in this channel.');
      return { kind: 'since', start };
    }
  }
}
