export {
  type CollectedConversation,
  type ConversationRange,
  collectConversation,
  maximumCollectedMessages,
} from './collect-conversation.ts';
export {
  createDiscordBot,
  createDiscordClient,
  type DiscordBot,
  type DiscordBotOptions,
} from './discord-bot.ts';
export {
  type FollowRunsOptions,
  failureSentence,
  followRuns,
  noMentions,
  type ReplySurface,
} from './reply-surface.ts';
export { commandName, goosukeCommand, messageIdOf, parseIdList, parseParams } from './slash-commands.ts';
export { discordMessageLimit, splitMessage } from './split-message.ts';
