/**
 * @goosuke/adapter-discord: Goosuke's Discord bot on discord.js. Every decision is core's
 * (`goosuke.discord`); the bot speaks discord.js. A loopback fake of Discord for tests is in
 * `@goosuke/adapter-discord/testing`.
 */
export {
  createDiscordBot,
  createDiscordClient,
  type DiscordBot,
  type DiscordBotOptions,
} from './discord-bot.ts';
