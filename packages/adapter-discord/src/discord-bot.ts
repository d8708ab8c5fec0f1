import {
  type Action,
  collectPages,
  type DiscordGuildConfig,
  type DiscordReactionTriggerConfig,
  emojiKey,
  emojiMatches,
  formatConversation,
  type Goosuke,
  GoosukeError,
  InvalidInputError,
  parseActionConfig,
  type Run,
  summarizeConversationTemplateName,
  type Template,
  type TriggeredTask,
} from '@goosuke/core';
import {
  ActionRowBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type GuildMember,
  type Interaction,
  type Message,
  MessageFlags,
  type MessageReaction,
  ModalBuilder,
  type ModalSubmitInteraction,
  type PartialMessageReaction,
  Partials,
  type PartialUser,
  PermissionFlagsBits,
  type SendableChannels,
  TextInputBuilder,
  TextInputStyle,
  type User,
} from 'discord.js';
import {
  type CollectedConversation,
  type ConversationRange,
  collectConversation,
} from './collect-conversation.ts';

import { clip, followRuns, noMentions, type ReplySurface } from './reply-surface.ts';
import { commandName, goosukeCommand, messageIdOf, parseIdList, parseParams } from './slash-commands.ts';

/** How many handled reactions (and cooldowns) the bot remembers in memory. */
const rememberedReactions = 10_000;

/** The name of the action the bot creates when no action summarizes on reactions yet. */
export const defaultSummaryActionName = 'discord-summary';

/** Options of {@link createDiscordBot}. */
export interface DiscordBotOptions {
  /**
   * Model profile ids for templates without default models (the built-in summary template has
   * none): e.g. the profile of `GOOSUKE_DEFAULT_MODEL`. When absent or empty, the first stored
   * model profile is used.
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

/** What a Discord trigger hands to an action. */
interface DiscordRequest {
  guildId: string;
  /** The guild's configuration, as the caller read it to decide whether to answer. */
  config: DiscordGuildConfig;
  action: Action;
  template: Template;
  member: GuildMember;
  conversation?: CollectedConversation;
  /** The reacted message, for templates that take `message`. */
  message?: Message;
  parameters?: Record<string, string>;
  idempotencyKey: string;
  title: string;
}

/** Thrown to tell the user something short; never carries secrets. */
class Refusal extends Error {}

/**
 * Goosuke's Discord bot on an injected discord.js Client (see {@link createDiscordClient}):
 * - a summary emoji (✏️ or 📝 by default, as set by `discord-reaction` actions and the guild's
 *   `emojiActions`) on a message summarizes the conversation back to the previous marked message
 *   (or the configured window; the whole thread in a thread): a "working…" reply at once, edited
 *   with progress, then the summary, split at 2,000 characters, with mentions disabled;
 * - `/goosuke summarize|run|status|config` with deferred replies; `run` answers in a thread;
 * - per-guild configuration (channels, roles, language, daily cap) from `goosuke.discord`.
 * One reaction is handled once per message and emoji (across processes, by the trigger's
 * idempotency key), each user has a cooldown per channel, and users without an allowed role get
 * a quiet refusal. Runs execute on the Goosuke's workers (start them in the same process or
 * another sharing the store).
 */
export function createDiscordBot(input: {
  client: Client;
  goosuke: Goosuke;
  options?: DiscordBotOptions;
}): DiscordBot {
  const { client, goosuke } = input;
  const options = input.options ?? {};
  const cooldownMs = options.cooldownMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const inFlight = new Set<Promise<void>>();
  const handled = new Set<string>();
  const cooldowns = new Map<string, number>();
  let stopped = false;

  const track = (work: () => Promise<void>): void => {
    if (stopped) return;
    const promise = work().catch((error: unknown) => log(`discord: ${messageOf(error)}`));
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };

  const botId = (): string => client.user?.id ?? '';

  /** Keeps the in-process memory of handled reactions and cooldowns bounded on a busy bot. */
  const forgetOld = (now: number): void => {
    // Sets iterate in insertion order: the oldest keys go first. Older duplicates are still
    // caught by the trigger's idempotency key in the store.
    for (const key of handled) {
      if (handled.size <= rememberedReactions) break;
      handled.delete(key);
    }
    if (cooldowns.size > rememberedReactions) {
      for (const [key, at] of cooldowns) if (now - at >= cooldownMs) cooldowns.delete(key);
    }
  };

  // ---- actions, templates and models ----------------------------------------------------------

  const enabledActions = async (): Promise<Action[]> =>
    collectPages((cursor) => goosuke.actions.list({ enabled: true, limit: 500, cursor }));

  async function ensureSummaryAction(): Promise<void> {
    const template = await goosuke.templates.ensureSummarizeConversation();
    const actions = await enabledActions();
    if (actions.some((action) => action.trigger === 'discord-reaction')) return;
    if (actions.some((action) => action.name === defaultSummaryActionName)) return;
    try {
      await goosuke.actions.create({
        name: defaultSummaryActionName,
        template: template.id,
        trigger: 'discord-reaction',
      });
    } catch (error) {
      // Another bot process created it first, or a disabled one keeps the name: both fine.
      if (!(GoosukeError.isInstance(error) && error.code === 'conflict')) throw error;
    }
  }

  async function summaryAction(): Promise<Action> {
    const template = await goosuke.templates.ensureSummarizeConversation();
    const actions = await enabledActions();
    const action =
      actions.find((each) => each.templateId === template.id && each.trigger === 'discord-reaction') ??
      actions.find((each) => each.templateId === template.id);
    if (action === undefined)
      throw new Refusal('Summaries are turned off: no enabled action uses the summary template.');
    return action;
  }

  async function modelsFor(template: Template): Promise<string[] | undefined> {
    if (template.defaultModelProfileIds.length > 0) return undefined;
    const configured = (await options.defaultModels?.()) ?? [];
    if (configured.length > 0) return configured;
    const first = await goosuke.models.list({ limit: 1 });
    if (first.items.length === 0) {
      throw new Refusal(
        'No model is set up: the operator needs to set GOOSUKE_DEFAULT_MODEL or add a model profile.',
      );
    }
    return [first.items[0]!.id];
  }

  /** Which reaction action (if any) this emoji asks for here. */
  async function reactionActionFor(
    emoji: { name: string | null; id: string | null },
    config: DiscordGuildConfig,
    where: { guildId: string; channelId: string; parentId: string | null },
  ): Promise<{ action: Action; settings: DiscordReactionTriggerConfig | null } | null> {
    const actions = await enabledActions();
    for (const action of actions) {
      if (action.trigger !== 'discord-reaction') continue;
      const settings = parseActionConfig('discord-reaction', action.config);
      if (!emojiMatches(emoji, settings.emojis)) continue;
      if (settings.guildIds.length > 0 && !settings.guildIds.includes(where.guildId)) continue;
      if (!inChannels(settings.channelIds, where)) continue;
      return { action, settings };
    }
    for (const [mapped, name] of Object.entries(config.emojiActions)) {
      if (!emojiMatches(emoji, [mapped])) continue;
      const action = actions.find((each) => each.name === name || each.id === name);
      if (action !== undefined) {
        const settings =
          action.trigger === 'discord-reaction' ? parseActionConfig('discord-reaction', action.config) : null;
        return { action, settings };
      }
    }
    return null;
  }

  const inChannels = (
    ids: readonly string[],
    where: { channelId: string; parentId: string | null },
  ): boolean =>
    ids.length === 0 ||
    ids.includes(where.channelId) ||
    (where.parentId !== null && ids.includes(where.parentId));

  const hasRole = (member: GuildMember, ...lists: ReadonlyArray<readonly string[]>): boolean =>
    lists.every((roles) => roles.length === 0 || roles.some((role) => member.roles.cache.has(role)));

  /** Fills the action's template from what Discord gave and starts it, counting against the daily cap. */
  async function start(request: DiscordRequest): Promise<TriggeredTask> {
    const { template } = request;
    const { config } = request;
    const declared = new Set(template.parameters.map((parameter) => parameter.name));
    const parameters: Record<string, string> = {};
    const untrusted: string[] = [];
    if (request.conversation !== undefined && declared.has('conversation')) {
      parameters.conversation = formatConversation(request.conversation.messages);
      untrusted.push('conversation');
    }
    if (request.message !== undefined && declared.has('message')) {
      parameters.message = request.message.content;
      untrusted.push('message');
    }
    if (template.name === summarizeConversationTemplateName && declared.has('language')) {
      parameters.language = config.language;
    }
    Object.assign(parameters, request.parameters);
    const models = await modelsFor(template);
    const runs = models?.length ?? template.defaultModelProfileIds.length;
    const allowance = await goosuke.discord.consumeDailyRun(request.guildId, runs);
    if (!allowance.allowed) {
      throw new Refusal(
        `This server has used ${allowance.used} of its ${allowance.cap} Goosuke runs today; try again tomorrow (UTC).`,
      );
    }
    let triggered: TriggeredTask;
    try {
      triggered = await goosuke.actions.trigger(request.action.id, {
        parameters,
        untrusted,
        ...(models === undefined ? {} : { models }),
        idempotencyKey: request.idempotencyKey,
        title: request.title,
      });
    } catch (error) {
      await goosuke.discord.releaseDailyRun(request.guildId, runs).catch(() => undefined);
      throw error;
    }
    // An earlier delivery of this event started them: they were counted then.
    if (!triggered.created)
      await goosuke.discord.releaseDailyRun(request.guildId, runs).catch(() => undefined);
    return triggered;
  }

  async function labelOf(run: Run): Promise<string> {
    if (run.executor.kind !== 'model') return run.executor.cli;
    const profile = await goosuke.models.get(run.executor.modelProfileId).catch(() => null);
    return profile?.displayName ?? run.executor.modelProfileId;
  }

  const taskLink = (taskId: string): string | undefined =>
    options.publicUrl === undefined
      ? undefined
      : `${options.publicUrl.replace(/\/+$/, '')}/api/v1/tasks/${taskId}`;

  async function follow(triggered: TriggeredTask, surface: ReplySurface, working: string): Promise<void> {
    const labels = new Map(
      await Promise.all(triggered.runs.map(async (run) => [run.id, await labelOf(run)] as const)),
    );
    const link = taskLink(triggered.task.id);
    await followRuns({
      goosuke,
      runs: triggered.runs,
      surface,
      working,
      label: (run) => labels.get(run.id) ?? run.id,
      ...(link === undefined ? {} : { footer: `-# ${link}` }),
      ...(options.editEveryMs === undefined ? {} : { editEveryMs: options.editEveryMs }),
    });
  }

  // ---- the pencil reaction --------------------------------------------------------------------

  async function onReaction(
    partialReaction: MessageReaction | PartialMessageReaction,
    partialUser: User | PartialUser,
  ): Promise<void> {
    if (partialUser.id === botId()) return;
    const reaction = partialReaction.partial ? await partialReaction.fetch() : partialReaction;
    const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
    if (!message.inGuild()) return;
    const user = partialUser.partial ? await partialUser.fetch() : partialUser;
    if (user.bot) return;
    const guildId = message.guildId;
    const config = await goosuke.discord.getGuildConfig(guildId);
    if (!config.enabled) return;
    const channel = message.channel;
    const where = { guildId, channelId: channel.id, parentId: channel.isThread() ? channel.parentId : null };
    if (!inChannels(config.channelIds, where)) return;
    const emoji = { name: reaction.emoji.name, id: reaction.emoji.id };
    const found = await reactionActionFor(emoji, config, where);
    if (found === null) return;
    const key = `${message.id}:${emoji.id ?? emojiKey(emoji.name ?? '')}`;
    if (handled.has(key)) return;
    const member = await message.guild.members.fetch(user.id);
    if (!hasRole(member, config.roleIds, found.settings?.roleIds ?? [])) {
      await message.reply({
        content: `${member.displayName}: only some roles may ask Goosuke for summaries here.`,
        allowedMentions: noMentions,
        flags: MessageFlags.SuppressNotifications,
      });
      return;
    }
    const coolKey = `${user.id}:${channel.id}`;
    const now = Date.now();
    if (now - (cooldowns.get(coolKey) ?? Number.NEGATIVE_INFINITY) < cooldownMs) return;
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
      const template = await goosuke.templates.get(found.action.templateId);
      const window = {
        messages: Math.min(
          config.summaryWindow.messages,
          found.settings?.window.messages ?? Number.POSITIVE_INFINITY,
        ),
        hours: Math.min(config.summaryWindow.hours, found.settings?.window.hours ?? Number.POSITIVE_INFINITY),
      };
      const range: ConversationRange = channel.isThread()
        ? { kind: 'thread' }
        : {
            kind: 'marked',
            end: message,
            markers: found.settings?.emojis ?? [emoji.name ?? ''],
            maxMessages: window.messages,
            maxAgeMs: window.hours * 3_600_000,
          };
      const conversation = await collectConversation(channel, range, botId());
      if (conversation.messages.length === 0) throw new Refusal('There is nothing to summarize here.');
      const count = conversation.messages.length;
      const workingLine = `✏️ Working on ${count} ${count === 1 ? 'message' : 'messages'}…`;
      await surface.edit(workingLine);
      const triggered = await start({
        guildId,
        config,
        action: found.action,
        template,
        member,
        conversation,
        message,
        idempotencyKey: `discord:reaction:${key}`,
        title: `${found.action.name}: #${channelName(channel)}`,
      });
      if (!triggered.created) {
        // Another process (or an earlier delivery of this event) is already on it.
        await working.delete().catch(() => undefined);
        return;
      }
      await follow(triggered, surface, workingLine);
    } catch (error) {
      await surface.edit(userMessage(error)).catch(() => undefined);
    }
  }

  // ---- slash commands -------------------------------------------------------------------------

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return autocomplete(interaction);
    if (interaction.isModalSubmit() && interaction.customId.startsWith('goosuke-run:'))
      return modalRun(interaction);
    if (!interaction.isChatInputCommand() || interaction.commandName !== commandName) return;
    if (!interaction.inGuild()) {
      await interaction.reply({
        content: 'Goosuke works in servers, not in direct messages.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const sub = interaction.options.getSubcommand();
    try {
      if (sub === 'summarize') await summarizeCommand(interaction);
      else if (sub === 'run') await runCommand(interaction);
      else if (sub === 'status') await statusCommand(interaction);
      else if (sub === 'config') await configCommand(interaction);
    } catch (error) {
      const content = userMessage(error);
      if (interaction.deferred || interaction.replied)
        await interaction.editReply({ content, allowedMentions: noMentions });
      else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: noMentions });
    }
  }

  const interactionSurface = (
    interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
  ): ReplySurface => ({
    edit: async (content) => {
      await interaction.editReply({ content, allowedMentions: noMentions });
    },
    send: async (content) => {
      await interaction.followUp({ content, allowedMentions: noMentions });
    },
  });

  async function memberOf(
    interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
  ): Promise<GuildMember> {
    const guild = interaction.guild ?? (await client.guilds.fetch(interaction.guildId!));
    return guild.members.fetch(interaction.user.id);
  }

  async function allowedHere(
    interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
    roleLists: ReadonlyArray<readonly string[]> = [],
  ): Promise<{ config: DiscordGuildConfig; member: GuildMember }> {
    const config = await goosuke.discord.getGuildConfig(interaction.guildId!);
    if (!config.enabled) throw new Refusal('Goosuke is turned off in this server.');
    const channel = interaction.channel;
    const where = {
      channelId: interaction.channelId!,
      parentId: channel?.isThread() ? channel.parentId : null,
    };
    if (!inChannels(config.channelIds, where)) throw new Refusal('Goosuke does not work in this channel.');
    const member = await memberOf(interaction);
    if (!hasRole(member, config.roleIds, ...roleLists))
      throw new Refusal('You do not have a role that may use this.');
    return { config, member };
  }

  async function summarizeCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply();
    const { config, member } = await allowedHere(interaction);
    const channel = interaction.channel;
    if (channel === null || !channel.isTextBased()) throw new Refusal('This channel cannot be read.');
    const last = interaction.options.getInteger('last');
    const since = interaction.options.getString('since');
    let range: ConversationRange;
    if (since !== null) {
      const { channelId, messageId } = messageIdOf(since);
      if (channelId !== null && channelId !== channel.id)
        throw new Refusal('That message is in another channel; link a message in this one.');
      const start = await channel.messages.fetch(messageId).catch(() => null);
      if (start === null) throw new Refusal('That message was not found in this channel.');
      range = { kind: 'since', start };
    } else if (last !== null) range = { kind: 'last', count: last };
    else if (channel.isThread()) range = { kind: 'thread' };
    else range = { kind: 'last', count: config.summaryWindow.messages };
    const action = await summaryAction();
    const template = await goosuke.templates.get(action.templateId);
    const conversation = await collectConversation(channel, range, botId());
    if (conversation.messages.length === 0) throw new Refusal('There is nothing to summarize here.');
    const workingLine = `✏️ Working on ${conversation.messages.length} messages…`;
    await interaction.editReply({ content: workingLine, allowedMentions: noMentions });
    const triggered = await start({
      guildId: interaction.guildId!,
      config,
      action,
      template,
      member,
      conversation,
      idempotencyKey: `discord:interaction:${interaction.id}`,
      title: `${action.name}: #${channelName(channel)}`,
    });
    await follow(triggered, interactionSurface(interaction), workingLine);
  }

  async function commandAction(name: string): Promise<{ action: Action; template: Template }> {
    const actions = (await enabledActions()).filter((action) => action.trigger === 'discord-command');
    let action = actions.find((each) => each.name === name || each.id === name);
    if (action === undefined) {
      for (const each of actions) {
        const template = await goosuke.templates.get(each.templateId).catch(() => null);
        if (template?.name === name) {
          action = each;
          break;
        }
      }
    }
    if (action === undefined)
      throw new Refusal(`There is no template "${name}" to run here; pick one from the list.`);
    return { action, template: await goosuke.templates.get(action.templateId) };
  }

  async function autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    if (interaction.commandName !== commandName) return;
    const typed = interaction.options.getFocused().toLowerCase();
    const actions = (await enabledActions()).filter((action) => action.trigger === 'discord-command');
    const choices: Array<{ name: string; value: string }> = [];
    for (const action of actions) {
      const template = await goosuke.templates.get(action.templateId).catch(() => null);
      if (template === null) continue;
      const label = template.name === action.name ? action.name : `${action.name} (${template.name})`;
      if (label.toLowerCase().includes(typed))
        choices.push({ name: label.slice(0, 100), value: action.name });
      if (choices.length === 25) break;
    }
    await interaction.respond(choices);
  }

  async function runCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const { action, template } = await commandAction(interaction.options.getString('template', true));
    const settings = parseActionConfig('discord-command', action.config);
    const params = interaction.options.getString('params');
    const missing = template.parameters.filter(
      (parameter) => parameter.required && parameter.default === null,
    );
    if (params === null && missing.length > 0) {
      if (template.parameters.length > 5) {
        throw new Refusal(
          `${template.name} takes more than five parameters; give them as params: name=value; …`,
        );
      }
      // A form with the template's parameters (a modal must be the first answer: no deferral).
      await allowedHere(interaction, [settings.roleIds]);
      const modal = new ModalBuilder()
        .setCustomId(`goosuke-run:${action.id}`)
        .setTitle(template.name.slice(0, 45));
      for (const parameter of template.parameters) {
        const field = new TextInputBuilder()
          .setCustomId(parameter.name)
          .setLabel(parameter.name.slice(0, 45))
          .setStyle(parameter.type === 'text' ? TextInputStyle.Paragraph : TextInputStyle.Short)
          .setRequired(parameter.required && parameter.default === null);
        if (parameter.description !== '') field.setPlaceholder(parameter.description.slice(0, 100));
        modal.addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(field));
      }
      await interaction.showModal(modal);
      return;
    }
    await interaction.deferReply();
    await runAction(interaction, action, template, params === null ? {} : parseParams(params));
  }

  async function modalRun(interaction: ModalSubmitInteraction): Promise<void> {
    try {
      if (!interaction.inGuild()) return;
      await interaction.deferReply();
      const action = await goosuke.actions.get(interaction.customId.slice('goosuke-run:'.length));
      const template = await goosuke.templates.get(action.templateId);
      const parameters: Record<string, string> = {};
      for (const parameter of template.parameters) {
        const value = interaction.fields.getTextInputValue(parameter.name);
        if (value !== '') parameters[parameter.name] = value;
      }
      await runAction(interaction, action, template, parameters);
    } catch (error) {
      const content = userMessage(error);
      if (interaction.deferred || interaction.replied)
        await interaction.editReply({ content, allowedMentions: noMentions });
      else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    }
  }

  async function runAction(
    interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
    action: Action,
    template: Template,
    parameters: Record<string, string>,
  ): Promise<void> {
    const settings = parseActionConfig('discord-command', action.config);
    const where = {
      channelId: interaction.channelId!,
      parentId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
    };
    if (settings.guildIds.length > 0 && !settings.guildIds.includes(interaction.guildId!)) {
      throw new Refusal(`${action.name} is not available in this server.`);
    }
    if (!inChannels(settings.channelIds, where))
      throw new Refusal(`${action.name} is not available in this channel.`);
    const { config, member } = await allowedHere(interaction, [settings.roleIds]);
    const triggered = await start({
      guildId: interaction.guildId!,
      config,
      action,
      template,
      member,
      parameters,
      idempotencyKey: `discord:interaction:${interaction.id}`,
      title: `${action.name} (Discord, ${member.displayName})`,
    });
    const workingLine = `▶️ Running **${template.name}** on ${triggered.runs.length} ${triggered.runs.length === 1 ? 'model' : 'models'}…`;
    const channel = interaction.channel;
    if (channel === null || channel.isThread() || !('threads' in channel)) {
      await interaction.editReply({ content: workingLine, allowedMentions: noMentions });
      await follow(triggered, interactionSurface(interaction), workingLine);
      return;
    }
    // One thread per task: the result and any discussion of it stay together.
    const thread = await channel.threads.create({
      name: `${template.name} · ${triggered.task.id}`.slice(0, 100),
      autoArchiveDuration: 1440,
      reason: `Goosuke task ${triggered.task.id}`,
    });
    const link = taskLink(triggered.task.id);
    await interaction.editReply({
      content: `▶️ Started **${template.name}** (task \`${triggered.task.id}\`) — following in <#${thread.id}>${link === undefined ? '' : `\n-# ${link}`}`,
      allowedMentions: noMentions,
    });
    const first = await thread.send({ content: workingLine, allowedMentions: noMentions });
    await follow(triggered, threadSurface(thread, first), workingLine);
  }

  const threadSurface = (thread: SendableChannels, first: Message): ReplySurface => ({
    edit: async (content) => {
      await first.edit({ content, allowedMentions: noMentions });
    },
    send: async (content) => {
      await thread.send({ content, allowedMentions: noMentions });
    },
  });

  async function statusCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const health = await goosuke.system.health();
    const config = await goosuke.discord.getGuildConfig(interaction.guildId!);
    const usage = await goosuke.discord.dailyUsage(interaction.guildId!);
    const lines = [
      `Goosuke is ${health.status === 'ok' ? 'up' : `degraded (store ${health.store}, queue ${health.queue})`}; ${health.jobs?.queued ?? 0} queued, ${health.jobs?.running ?? 0} running.`,
      `This server: ${usage.used} of ${usage.cap} runs used today (UTC).`,
      describeConfig(config),
    ];
    await interaction.editReply({ content: lines.join('\n'), allowedMentions: noMentions });
  }

  async function configCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      throw new Refusal('Only members who may manage this server can change Goosuke settings.');
    }
    const guildId = interaction.guildId!;
    const change: Record<string, unknown> = {};
    const enabled = interaction.options.getBoolean('enabled');
    if (enabled !== null) change.enabled = enabled;
    const language = interaction.options.getString('language');
    if (language !== null) change.language = language;
    const cap = interaction.options.getInteger('daily_cap');
    if (cap !== null) change.dailyRunCap = cap;
    const channels = interaction.options.getString('channels');
    if (channels !== null) change.channelIds = parseIdList(channels);
    const roles = interaction.options.getString('roles');
    if (roles !== null) change.roleIds = parseIdList(roles);
    const emoji = interaction.options.getString('emoji');
    if (emoji !== null) {
      const at = emoji.indexOf('=');
      if (at <= 0) throw new InvalidInputError('write emoji as 🔍=action-name, or 🔍= to remove it');
      const key = emoji.slice(0, at).trim();
      const name = emoji.slice(at + 1).trim();
      const current = (await goosuke.discord.getGuildConfig(guildId)).emojiActions;
      const next = { ...current };
      if (name === '') delete next[key];
      else next[key] = (await goosuke.actions.resolve(name)).name;
      change.emojiActions = next;
    }
    const config =
      Object.keys(change).length === 0
        ? await goosuke.discord.getGuildConfig(guildId)
        : await goosuke.discord.setGuildConfig(guildId, change);
    await interaction.editReply({
      content: `${Object.keys(change).length === 0 ? 'Current settings' : 'Saved'}:\n${describeConfig(config)}`,
      allowedMentions: noMentions,
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  client.on(Events.MessageReactionAdd, (reaction, user) => track(() => onReaction(reaction, user)));
  client.on(Events.InteractionCreate, (interaction) => track(() => onInteraction(interaction)));

  return {
    async start(token) {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(token);
      await ready;
      await ensureSummaryAction();
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

function describeConfig(config: DiscordGuildConfig): string {
  const list = (ids: readonly string[], mention: (id: string) => string, none: string) =>
    ids.length === 0 ? none : ids.map(mention).join(' ');
  const emoji = Object.entries(config.emojiActions)
    .map(([key, name]) => `${key}→${name}`)
    .join(', ');
  return [
    `Enabled: ${config.enabled ? 'yes' : 'no'} · language: ${config.language} · daily cap: ${config.dailyRunCap}`,
    `Channels: ${list(config.channelIds, (id) => `<#${id}>`, 'all')} · roles: ${list(config.roleIds, (id) => `<@&${id}>`, 'everyone')}`,
    ...(emoji === '' ? [] : [`Emoji: ${emoji}`]),
  ].join('\n');
}

function channelName(channel: { id: string }): string {
  return 'name' in channel && typeof channel.name === 'string' ? channel.name : channel.id;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the user reads when something went wrong: short, and never a stack or a secret. */
function userMessage(error: unknown): string {
  if (error instanceof Refusal) return error.message;
  if (GoosukeError.isInstance(error)) return `⚠️ ${clip(error.message)}`;
  return '⚠️ Something went wrong; the operator can find the details in the bot’s log.';
}
