import { InvalidInputError, maximumDiscordSummarizeLast } from '@goosuke/core';
import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/** The name of the bot's one slash command; its subcommands do the work. */
export const commandName = 'goosuke';

/** The most messages `/goosuke summarize last:` takes: Goosuke's limit, so Discord checks it first. */
export const maximumSummarizeLast = maximumDiscordSummarizeLast;

/**
 * `/goosuke summarize|run|status|config`, as registered with Discord. `config` is for members
 * who may manage the server; Discord hides nothing by itself, so the bot checks again.
 */
export const goosukeCommand: RESTPostAPIChatInputApplicationCommandsJSONBody = {
  name: commandName,
  description: 'Goosuke: summaries and agent tasks',
  dm_permission: false,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'summarize',
      description: 'Summarize this channel or thread',
      options: [
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'last',
          description: 'How many recent messages (1-500)',
          min_value: 1,
          max_value: maximumSummarizeLast,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'since',
          description: 'Start at this message (a message link or id)',
          max_length: 200,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'run',
      description: 'Run a template',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'template',
          description: 'The template to run',
          required: true,
          autocomplete: true,
          max_length: 200,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'params',
          description: 'Parameters as k=v; k=v (leave out for a form)',
          max_length: 4000,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'status',
      description: "Goosuke's health and this server's usage today",
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'config',
      description: "Show or change this server's Goosuke settings (server managers)",
      options: [
        {
          type: ApplicationCommandOptionType.Boolean,
          name: 'enabled',
          description: 'Whether Goosuke answers here',
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'language',
          description: 'Language of summaries',
          choices: [
            { name: 'Japanese', value: 'ja' },
            { name: 'English', value: 'en' },
            { name: "The conversation's own", value: 'auto' },
          ],
        },
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'daily_cap',
          description: 'Most runs per day from this server',
          min_value: 0,
          max_value: 100_000,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'channels',
          description: 'Channels Goosuke works in (mentions or ids; "all" for every channel)',
          max_length: 2000,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'roles',
          description: 'Roles allowed to use Goosuke (mentions or ids; "all" for everyone)',
          max_length: 2000,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'emoji',
          description: 'Map an emoji to an action: "🔍=action-name" ("🔍=" removes it)',
          max_length: 300,
        },
      ],
    },
  ],
};

/**
 * Reads `k=v; k=v` (also newline-separated). Values may contain `=`; surrounding spaces are
 * trimmed. InvalidInputError for a part without `=`, an empty name, or a name given twice.
 */
export function parseParams(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const part of text.split(/[;\n]/)) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at === -1)
      throw new InvalidInputError(`"${part.trim()}" is not k=v; write params as name=value; other=value`);
    const name = part.slice(0, at).trim();
    if (name === '') throw new InvalidInputError(`"${part.trim()}" has no parameter name before =`);
    // It would set the object's prototype instead of a property, and no template takes it.
    if (name === '__proto__') throw new InvalidInputError('__proto__ is not a parameter name');
    if (Object.hasOwn(values, name)) throw new InvalidInputError(`parameter ${name} is given twice`);
    values[name] = part.slice(at + 1).trim();
  }
  return values;
}

/** Ids from mentions (`<#1>`, `<@&2>`) or plain ids in a list; `all` (or empty) means none. */
export function parseIdList(text: string): string[] {
  if (/^\s*(all|\*)?\s*$/i.test(text)) return [];
  const ids = [...text.matchAll(/\d{5,20}/g)].map((match) => match[0]);
  if (ids.length === 0)
    throw new InvalidInputError(`no channel or role ids in "${text}"; mention them or paste their ids`);
  return [...new Set(ids)];
}

/** The message id in a message link (`…/channels/guild/channel/message`) or a bare id. */
export function messageIdOf(text: string): { channelId: string | null; messageId: string } {
  const link = /channels\/(?:\d+|@me)\/(\d+)\/(\d+)/.exec(text);
  if (link !== null) return { channelId: link[1]!, messageId: link[2]! };
  const id = /^\s*(\d{5,20})\s*$/.exec(text);
  if (id === null) throw new InvalidInputError(`"${text}" is neither a message link nor a message id`);
  return { channelId: null, messageId: id[1]! };
}
