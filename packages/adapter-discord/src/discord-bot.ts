import type { Goosuke } from '@goosuke/core';
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { createBotContext } from './bot-context.ts';
import { createReactionHandler } from './reactions.ts';
import { noMentions } from './reply-surface.ts';
import { createInteractionHandler } from './slash-command-handlers.ts';
import { goosukeCommand } from './slash-commands.ts';
import { messageOf } from './user-message.ts';

/** Options of {@link createDiscordBot}. */
export interface DiscordBotOptions {
  /**
   * Model profile ids for templates without default models (the built-in summary template has
   * none): e.g. the profile of `GOOSUKE_DEFAULT_MODEL`. Asked for at each trigger and handed to
   * `goosuke.discord.trigger` as its `defaultModels`; when absent or empty, Goosuke uses the first
   * stored model profile.
   */
  defaultModels?: () => Promise<string[]>;
  /** The Goosuke server's public base URL (`GOOSUKE_PUBLIC_URL`), for links to tasks. */
  publicUrl?: string;
  /** Least time between two reaction requests of one user in one channel. Default 30 s. */
  cooldownMs?: number;
  /** Least time between two progress edits of one reply. Default 1.5 s. */
  editEveryMs?: number;
  /** Registers `/goosuke` at start (per configured guild, else globally). Default true. */
  registerCommands?: boolean;
  /** Where the bot reports its own problems (one line each; never secrets). Default: nowhere. */
  log?: (line: string) => void;
}

/** The running bot. */
export interface DiscordBot {
  /**
   * Logs the client in, waits until it is ready, makes sure an action summarizes on the pencil
   * reaction (creating `discord-summary` on the built-in template when none does) and registers
   * the slash command. Rejects when the login fails.
   */
  start(token: string): Promise<void>;
  /** Stops answering, waits (at most `graceMs`, default 10 s) for work in flight, and destroys the client. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Resolves once every event handled so far has been dealt with (for tests and shutdown). */
  idle(): Promise<void>;
}

/**
 * A discord.js Client set up as the bot needs: guild, message, reaction and Message Content
 * intents (Message Content is privileged: enable it for the bot in the Developer Portal), and
 * partials so that reactions on messages the bot never cached still arrive. `apiUrl` replaces
 * Discord's REST base URL (`GOOSUKE_DISCORD_API_URL`, for proxies and tests); the gateway URL
 * comes from the REST API as usual.
 */
export function createDiscordClient(options: { apiUrl?: string; retries?: number } = {}): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.MessageContent,
    ],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User, Partials.GuildMember],
    rest: {
      version: '10',
      ...(options.apiUrl === undefined ? {} : { api: options.apiUrl.replace(/\/+$/, '') }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    },
    allowedMentions: noMentions,
  });
}

/**
 * Goosuke's Discord bot on an injected discord.js Client (see {@link createDiscordClient}):
 * - a summary emoji (✏️ or 📝 by default, as set by `discord-reaction` actions and the guild's
 *   `emojiActions`) on a message summarizes the conversation back to the previous marked message
 *   (or the configured window; the whole thread in a thread): a "working…" reply at once, edited
 *   with progress, then the summary, split at 2,000 characters, with mentions disabled;
 * - `/goosuke summarize|run|status|config` with deferred replies; `run` answers in a thread;
 * - per-guild configuration (channels, roles, language, daily cap) from `goosuke.discord`.
 * Goosuke decides (`goosuke.discord.route` and `trigger`: the action, the guild's and the action's
 * rules, the models, the daily cap); the bot does the discord.js work: events, replies, collecting
 * conversations. One reaction is handled once per message and emoji (across processes, by the
 * trigger's idempotency key), each user has a cooldown per channel, and users without an allowed
 * role get a quiet refusal. Runs execute on the Goosuke's workers (start them in the same process
 * or another sharing the store).
 */
export function createDiscordBot(input: {
  client: Client;
  goosuke: Goosuke;
  options?: DiscordBotOptions;
}): DiscordBot {
  const { client, goosuke } = input;
  const options = input.options ?? {};
  const log = options.log ?? (() => undefined);
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const track = (work: () => Promise<void>): void => {
    if (stopped) return;
    const promise = work().catch((error: unknown) => log(`discord: ${messageOf(error)}`));
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };

  const context = createBotContext({
    client,
    goosuke,
    ...(options.defaultModels === undefined ? {} : { defaultModels: options.defaultModels }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    ...(options.editEveryMs === undefined ? {} : { editEveryMs: options.editEveryMs }),
  });
  const onReaction = createReactionHandler(context, { cooldownMs: options.cooldownMs ?? 30_000 });
  const onInteraction = createInteractionHandler(context);
  client.on(Events.MessageReactionAdd, (reaction, user) => track(() => onReaction(reaction, user)));
  client.on(Events.InteractionCreate, (interaction) => track(() => onInteraction(interaction)));

  return {
    async start(token) {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(token);
      await ready;
      await goosuke.discord.ensureSummaryAction();
      if (options.registerCommands !== false) {
        const guilds = (await goosuke.discord.listGuildConfigs()).map((entry) => entry.guildId);
        if (guilds.length === 0) await client.application!.commands.set([goosukeCommand]);
        for (const guildId of guilds) await client.application!.commands.set([goosukeCommand], guildId);
      }
    },
    async stop(stopOptions = {}) {
      stopped = true;
      const grace = new Promise((resolve) => setTimeout(resolve, stopOptions.graceMs ?? 10_000).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      // destroy() can hang if a handler failed mid-connect: never let shutdown wait on it forever.
      await Promise.race([client.destroy(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
