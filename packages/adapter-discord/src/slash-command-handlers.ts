import {
  type DiscordGuildConfig,
  type DiscordGuildConfigInput,
  type DiscordRefusal,
  type DiscordRouteInput,
  InvalidInputError,
} from '@goosuke/core';
import {
  ActionRowBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  ComponentType,
  type Interaction,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { type BotContext, channelName, memberFacts } from './bot-context.ts';
import { collectConversation } from './collect-conversation.ts';
import { rangeForWindow } from './conversation-window.ts';
import { noMentions, type ReplySurface } from './reply-surface.ts';
import { commandName, messageIdOf, parseIdList, parseParams } from './slash-commands.ts';
import { Refusal, userMessage } from './user-message.ts';

/** The custom id prefix of `/goosuke run`'s parameter form; the action id follows. */
const runModalPrefix = 'goosuke-run:';

type CommandInteraction = ChatInputCommandInteraction | ModalSubmitInteraction;

/** An interaction event handler. */
export type InteractionHandler = (interaction: Interaction) => Promise<void>;

/**
 * Handles `/goosuke summarize|run|status|config`, `run`'s template autocomplete and its parameter
 * form. Every decision (which action, who may, the daily cap, the models) is Goosuke's
 * (`goosuke.discord`); this speaks discord.js: deferred replies, the modal, the thread `run`
 * answers in, the conversation collected for `summarize`.
 */
export function createInteractionHandler(context: BotContext): InteractionHandler {
  const { client, goosuke } = context;

  const placeOf = (
    interaction: CommandInteraction | AutocompleteInteraction,
  ): DiscordRouteInput['place'] => ({
    guildId: interaction.guildId!,
    channelId: interaction.channelId!,
    parentId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
  });

  const routeInput = (
    interaction: CommandInteraction,
    request: DiscordRouteInput['request'],
  ): DiscordRouteInput => ({
    place: placeOf(interaction),
    member: async () => {
      const guild = interaction.guild ?? (await client.guilds.fetch(interaction.guildId!));
      return memberFacts(await guild.members.fetch(interaction.user.id));
    },
    request,
  });

  const interactionSurface = (interaction: CommandInteraction): ReplySurface => ({
    edit: async (content) => {
      await interaction.editReply({ content, allowedMentions: noMentions });
    },
    send: async (content) => {
      await interaction.followUp({ content, allowedMentions: noMentions });
    },
  });

  /** Shows a refusal in the reply, deferred or not. */
  async function tell(interaction: CommandInteraction, content: string): Promise<void> {
    if (interaction.deferred || interaction.replied)
      await interaction.editReply({ content, allowedMentions: noMentions });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: noMentions });
  }

  /** Goosuke's refusal as the member reads it (commands are never ignored, only reactions are). */
  const refuse = (outcome: DiscordRefusal | { kind: 'ignored' }): Refusal =>
    new Refusal(outcome.kind === 'refused' ? outcome.message : 'Goosuke does not answer here.');

  async function summarizeCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    await interaction.deferReply();
    const channel = interaction.channel;
    const last = interaction.options.getInteger('last');
    const since = interaction.options.getString('since');
    const request = routeInput(interaction, {
      kind: 'summarize',
      ...(last === null ? {} : { last }),
      ...(since === null ? {} : { since: messageIdOf(since) }),
    });
    const route = await goosuke.discord.route(request);
    if (route.kind !== 'routed') throw refuse(route);
    if (channel === null || !channel.isTextBased()) throw new Refusal('This channel cannot be read.');
    const conversation =
      route.conversation === null
        ? undefined
        : await collectConversation(
            channel,
            await rangeForWindow(channel, route.conversation, null),
            context.botId(),
          );
    const outcome = await goosuke.discord.trigger({
      ...request,
      ...(conversation === undefined ? {} : { conversation: conversation.messages }),
      idempotencyKey: `discord:interaction:${interaction.id}`,
      channelName: channelName(channel),
      defaultModels: await context.defaultModels(),
    });
    if (outcome.kind !== 'started') throw refuse(outcome);
    const count = conversation?.messages.length ?? 0;
    const workingLine = `✏️ Working on ${count} ${count === 1 ? 'message' : 'messages'}…`;
    await interaction.editReply({ content: workingLine, allowedMentions: noMentions });
    await context.follow(outcome, interactionSurface(interaction), workingLine);
  }

  async function autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    if (interaction.commandName !== commandName || !interaction.inGuild()) return;
    const typed = interaction.options.getFocused().toLowerCase();
    const commands = await goosuke.discord.commands(placeOf(interaction));
    const choices: Array<{ name: string; value: string }> = [];
    for (const { action, template } of commands) {
      const label = template.name === action.name ? action.name : `${action.name} (${template.name})`;
      if (label.toLowerCase().includes(typed))
        choices.push({ name: label.slice(0, 100), value: action.name });
      if (choices.length === 25) break;
    }
    await interaction.respond(choices);
  }

  async function runCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const request = routeInput(interaction, {
      kind: 'command',
      name: interaction.options.getString('template', true),
    });
    const params = interaction.options.getString('params');
    const route = await goosuke.discord.route(request);
    if (route.kind !== 'routed') throw refuse(route);
    const { action, template } = route;
    const missing = template.parameters.some((parameter) => parameter.required && parameter.default === null);
    if (params === null && missing) {
      // Discord forms hold at most five fields.
      if (template.parameters.length > 5) {
        throw new Refusal(
          `${template.name} takes more than five parameters; give them as params: name=value; …`,
        );
      }
      // A form with the template's parameters (a modal must be the first answer: no deferral).
      const modal = new ModalBuilder()
        .setCustomId(`${runModalPrefix}${action.id}`)
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
    const parameters = params === null ? {} : parseParams(params);
    await interaction.deferReply();
    await runAction(interaction, request, parameters);
  }

  async function modalRun(interaction: ModalSubmitInteraction): Promise<void> {
    await interaction.deferReply();
    const parameters: Record<string, string> = {};
    for (const [name, field] of interaction.fields.fields) {
      if (field.type === ComponentType.TextInput && field.value !== '') parameters[name] = field.value;
    }
    const actionId = interaction.customId.slice(runModalPrefix.length);
    await runAction(interaction, routeInput(interaction, { kind: 'command', name: actionId }), parameters);
  }

  async function runAction(
    interaction: CommandInteraction,
    request: DiscordRouteInput,
    parameters: Record<string, string>,
  ): Promise<void> {
    const outcome = await goosuke.discord.trigger({
      ...request,
      parameters,
      idempotencyKey: `discord:interaction:${interaction.id}`,
      defaultModels: await context.defaultModels(),
    });
    if (outcome.kind !== 'started') throw refuse(outcome);
    const { template, runs, task } = outcome;
    const workingLine = `▶️ Running **${template.name}** on ${runs.length} ${runs.length === 1 ? 'model' : 'models'}…`;
    const channel = interaction.channel;
    if (channel === null || channel.isThread() || !('threads' in channel)) {
      await interaction.editReply({ content: workingLine, allowedMentions: noMentions });
      await context.follow(outcome, interactionSurface(interaction), workingLine);
      return;
    }
    // One thread per task: the result and any discussion of it stay together.
    const thread = await channel.threads.create({
      name: `${template.name} · ${task.id}`.slice(0, 100),
      autoArchiveDuration: 1440,
      reason: `Goosuke task ${task.id}`,
    });
    const link = context.taskLink(task.id);
    await interaction.editReply({
      content: `▶️ Started **${template.name}** (task \`${task.id}\`) — following in <#${thread.id}>${link === undefined ? '' : `\n-# ${link}`}`,
      allowedMentions: noMentions,
    });
    const first = await thread.send({ content: workingLine, allowedMentions: noMentions });
    const surface: ReplySurface = {
      edit: async (content) => {
        await first.edit({ content, allowedMentions: noMentions });
      },
      send: async (content) => {
        await thread.send({ content, allowedMentions: noMentions });
      },
    };
    await context.follow(outcome, surface, workingLine);
  }

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
    const options = interaction.options;
    const change: DiscordGuildConfigInput = {};
    const enabled = options.getBoolean('enabled');
    if (enabled !== null) change.enabled = enabled;
    const language = options.getString('language');
    if (language !== null) change.language = language as DiscordGuildConfig['language'];
    const cap = options.getInteger('daily_cap');
    if (cap !== null) change.dailyRunCap = cap;
    const channels = options.getString('channels');
    if (channels !== null) change.channelIds = parseIdList(channels);
    const roles = options.getString('roles');
    if (roles !== null) change.roleIds = parseIdList(roles);
    const emoji = options.getString('emoji');
    let emojiAction: { emoji: string; action: string } | undefined;
    if (emoji !== null) {
      const at = emoji.indexOf('=');
      if (at <= 0) throw new InvalidInputError('write emoji as 🔍=action-name, or 🔍= to remove it');
      emojiAction = { emoji: emoji.slice(0, at), action: emoji.slice(at + 1) };
    }
    const outcome = await goosuke.discord.configure({
      guildId: interaction.guildId!,
      member: {
        canManageGuild: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
      },
      change,
      ...(emojiAction === undefined ? {} : { emojiAction }),
    });
    if (outcome.kind === 'refused') throw refuse(outcome);
    await interaction.editReply({
      content: `${outcome.changed ? 'Saved' : 'Current settings'}:\n${describeConfig(outcome.config)}`,
      allowedMentions: noMentions,
    });
  }

  /** Runs a command's work; whatever goes wrong is told to the member in one short line. */
  async function answer(interaction: CommandInteraction, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await tell(interaction, userMessage(error));
    }
  }

  const subcommands: Record<string, (interaction: ChatInputCommandInteraction) => Promise<void>> = {
    summarize: summarizeCommand,
    run: runCommand,
    status: statusCommand,
    config: configCommand,
  };

  return async function onInteraction(interaction) {
    if (interaction.isAutocomplete()) return autocomplete(interaction);
    if (interaction.isModalSubmit()) {
      if (!interaction.customId.startsWith(runModalPrefix) || !interaction.inGuild()) return;
      return answer(interaction, () => modalRun(interaction));
    }
    if (!interaction.isChatInputCommand() || interaction.commandName !== commandName) return;
    if (!interaction.inGuild()) {
      await interaction.reply({
        content: 'Goosuke works in servers, not in direct messages.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const handler = subcommands[interaction.options.getSubcommand()];
    if (handler !== undefined) await answer(interaction, () => handler(interaction));
  };
}

/** A guild's settings in a few lines, channels and roles as mentions (mentions never ping here). */
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
