/**
 * @goosuke/adapter-discord: Goosuke's Discord bot on discord.js. Every decision is core's
 * (`goosuke.discord`); the bot speaks discord.js. `createDiscordToolServer` is the built-in Discord
 * MCP extension (read the triggering channel, post into it) that the bot's process serves to runs.
 * A loopback fake of Discord for tests is in `@goosuke/adapter-discord/testing`.
 */
export {
  createDiscordBot,
  createDiscordClient,
  type DiscordBot,
  type DiscordBotOptions,
} from './discord-bot.ts';
export {
  createDiscordToolServer,
  type DiscordToolGrant,
  type DiscordToolLimits,
  type DiscordToolScope,
  type DiscordToolServer,
  type DiscordToolServerOptions,
  discordToolServerDefaults,
} from './discord-tool-server.ts';
export type { DiscordHistoryMessage } from './discord-tools.ts';
