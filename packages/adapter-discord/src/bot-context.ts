import {
  type DiscordMemberInput,
  type DiscordStarted,
  executorLabel,
  type Goosuke,
  type Run,
} from '@goosuke/core';
import { type Client, type GuildMember, PermissionFlagsBits } from 'discord.js';
import { followRuns, type ReplySurface } from './reply-surface.ts';

/** What the reaction and slash-command handlers share: the client, Goosuke and the bot's options. */
export interface BotContext {
  client: Client;
  goosuke: Goosuke;
  /** The bot's own user id ('' before login). */
  botId(): string;
  /** The bot's `defaultModels` option, asked for at each trigger. */
  defaultModels(): Promise<string[]>;
  /** A link to the task, when a public URL is configured. */
  taskLink(taskId: string): string | undefined;
  /** Shows a started task's runs on a surface until they end (see `followRuns`). */
  follow(started: DiscordStarted, surface: ReplySurface, working: string): Promise<void>;
}

/** Builds the shared context of one bot. */
export function createBotContext(input: {
  client: Client;
  goosuke: Goosuke;
  defaultModels?: () => Promise<string[]>;
  publicUrl?: string;
  editEveryMs?: number;
}): BotContext {
  const { client, goosuke } = input;

  const taskLink = (taskId: string): string | undefined =>
    input.publicUrl === undefined
      ? undefined
      : `${input.publicUrl.replace(/\/+$/, '')}/api/v1/tasks/${taskId}`;

  async function labelOf(run: Run): Promise<string> {
    const id = run.executor.modelProfileId;
    const profile = id === null ? null : await goosuke.models.get(id).catch(() => null);
    return executorLabel(run.executor, profile);
  }

  return {
    client,
    goosuke,
    botId: () => client.user?.id ?? '',
    defaultModels: async () => (await input.defaultModels?.()) ?? [],
    taskLink,
    async follow(started, surface, working) {
      const labels = new Map(
        await Promise.all(started.runs.map(async (run) => [run.id, await labelOf(run)] as const)),
      );
      const link = taskLink(started.task.id);
      await followRuns({
        goosuke,
        runs: started.runs,
        surface,
        working,
        label: (run) => labels.get(run.id) ?? run.id,
        ...(link === undefined ? {} : { footer: `-# ${link}` }),
        ...(input.editEveryMs === undefined ? {} : { editEveryMs: input.editEveryMs }),
      });
    },
  };
}

/** What Goosuke's rules need of a guild member. */
export function memberFacts(member: GuildMember): DiscordMemberInput {
  return {
    roleIds: [...member.roles.cache.keys()],
    displayName: member.displayName,
    canManageGuild: member.permissions.has(PermissionFlagsBits.ManageGuild),
  };
}

/** A channel's name for titles, its id when it has none. */
export function channelName(channel: { id: string }): string {
  return 'name' in channel && typeof channel.name === 'string' && channel.name !== ''
    ? channel.name.slice(0, 100)
    : channel.id;
}
