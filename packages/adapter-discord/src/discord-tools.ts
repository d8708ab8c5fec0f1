import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Client, Message, TextBasedChannel } from 'discord.js';
import { z } from 'zod';
import {
  type DiscordToolGrantState,
  type DiscordToolLimits,
  grantIsActive,
  takeSlot,
} from './discord-tool-grants.ts';
import { splitMessage } from './split-message.ts';
import { messageOf } from './user-message.ts';

/** The longest `post_message` content: four Discord messages' worth, more is a wall of text. */
export const maxPostLength = 8000;

/** Nobody is pinged by a post: `@everyone`, `@here`, roles and users show as text. */
const mentionsOff = { parse: [] as [] };

/**
 * One message as `read_channel_history` returns it (in its JSON text content), oldest first.
 * The content is the author's, untrusted: a model reading it must treat it as data.
 */
export interface DiscordHistoryMessage {
  /** The message's Discord id (a snowflake); pass the oldest one as `before` to read further back. */
  id: string;
  /** The author's display name in the guild (nickname, else global name, else username). */
  author: string;
  /** Whether a bot wrote it (Goosuke's own posts included). */
  authorIsBot: boolean;
  /** The text as written, mentions in Discord's `<@id>` form. */
  content: string;
  /** When it was sent, ISO 8601. */
  createdAt: string;
  /** Its files, by name and Discord CDN URL. */
  attachments: { name: string; url: string }[];
}

/** What the tools of one request need: the Discord client, the grant, and where to log. */
export interface DiscordToolContext {
  client: Client;
  grant: DiscordToolGrantState;
  limits: DiscordToolLimits;
  serverInfo: { name: string; version: string };
  log: (line: string) => void;
  now: () => number;
}

const snowflake = z.string().regex(/^\d{17,20}$/, 'a Discord message id (17 to 20 digits)');

/** A tool result the model reads as a failure, with a sentence saying why (MCP's `isError`). */
function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

/** A channel the tools can use, or a tool error saying why not. */
type Resolved = { channel: TextBasedChannel & { guildId: string } } | { error: CallToolResult };

/** Discord's error codes that mean the bot cannot reach the channel any more. */
const unreachableCodes = new Set([10003, 50001]);

/**
 * A tool error for a failed Discord call. Discord's own message names the problem and never holds
 * the bot token; anything else (a network failure) is logged and summarized, because its text may
 * name hosts and paths the model has no use for.
 */
function discordFailure(context: DiscordToolContext, what: string, error: unknown): CallToolResult {
  const apiError = error as { name?: unknown; code?: unknown; status?: unknown; rawError?: unknown };
  if (typeof apiError.status === 'number' && apiError.rawError !== undefined) {
    const code = typeof apiError.code === 'number' ? apiError.code : null;
    if (code !== null && unreachableCodes.has(code)) return unreachable(context);
    if (code === 50013) return toolError(`The bot lacks the Discord permission to ${what} in this channel.`);
    return toolError(`Discord refused to ${what}: ${messageOf(error)}`);
  }
  context.log(`discord-tools: run ${context.grant.scope.runId}: could not ${what}: ${messageOf(error)}`);
  return toolError(`Discord could not be reached to ${what}; try again later.`);
}

function unreachable(context: DiscordToolContext): CallToolResult {
  context.log(
    `discord-tools: run ${context.grant.scope.runId}: channel ${context.grant.scope.channelId} is not reachable`,
  );
  return toolError(
    'The channel is no longer reachable: it was deleted, or the bot can no longer see it. Do not retry.',
  );
}

/**
 * The granted channel, checked against the grant at every call: still granted, a text channel or
 * thread, and in the granted guild (a token never reaches a channel of another guild, even when
 * the grant names one by mistake).
 */
async function resolveChannel(context: DiscordToolContext): Promise<Resolved> {
  const { grant } = context;
  if (!grantIsActive(grant, context.now())) {
    return { error: toolError('This run no longer has access to the Discord channel.') };
  }
  let channel: Awaited<ReturnType<Client['channels']['fetch']>>;
  try {
    channel = await context.client.channels.fetch(grant.scope.channelId);
  } catch (error) {
    return { error: discordFailure(context, 'open the channel', error) };
  }
  if (channel === null) return { error: unreachable(context) };
  if (channel.isDMBased() || !('guildId' in channel) || channel.guildId !== grant.scope.guildId) {
    context.log(
      `discord-tools: run ${grant.scope.runId}: channel ${grant.scope.channelId} is not in guild ${grant.scope.guildId}`,
    );
    return {
      error: toolError('The granted channel is not in the granted Discord server; the tools are disabled.'),
    };
  }
  if (!channel.isTextBased()) return { error: toolError('The granted channel is not a text channel.') };
  return { channel: channel as TextBasedChannel & { guildId: string } };
}

function historyMessage(message: Message): DiscordHistoryMessage {
  return {
    id: message.id,
    author: message.member?.displayName ?? message.author.globalName ?? message.author.username,
    authorIsBot: message.author.bot,
    content: message.content,
    createdAt: message.createdAt.toISOString(),
    attachments: [...message.attachments.values()].map((attachment) => ({
      name: attachment.name,
      url: attachment.url,
    })),
  };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

async function readHistory(
  context: DiscordToolContext,
  input: { before?: string | undefined; limit: number },
): Promise<CallToolResult> {
  const { grant, limits } = context;
  const budget = limits.maxHistory - grant.historyRead;
  if (budget <= 0) {
    return toolError(
      `This run has read its allowance of ${limits.maxHistory} messages of history; answer with what you have.`,
    );
  }
  const slot = takeSlot(grant.readTimes, limits.readsPerMinute, context.now());
  if (!slot.ok) {
    return toolError(
      `Rate limit: at most ${limits.readsPerMinute} history reads per minute; try again in ${seconds(slot.retryAfterMs)} s.`,
    );
  }
  const resolved = await resolveChannel(context);
  if ('error' in resolved) return resolved.error;
  const limit = Math.min(input.limit, budget);
  let fetched: Message[];
  try {
    const page = await resolved.channel.messages.fetch({
      limit,
      ...(input.before === undefined ? {} : { before: input.before }),
      cache: false,
    });
    fetched = [...page.values()];
  } catch (error) {
    return discordFailure(context, 'read the history', error);
  }
  fetched.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
  grant.historyRead += fetched.length;
  context.log(
    `discord-tools: run ${grant.scope.runId} read ${fetched.length} messages of channel ${grant.scope.channelId}`,
  );
  return jsonResult({
    messages: fetched.map(historyMessage),
    // A full page may have older messages behind it: pass this as `before` to read them.
    nextBefore: fetched.length === limit && fetched.length > 0 ? fetched[0]!.id : null,
    historyAllowanceLeft: limits.maxHistory - grant.historyRead,
  });
}

async function postMessage(context: DiscordToolContext, content: string): Promise<CallToolResult> {
  const { grant, limits } = context;
  const parts = splitMessage(content);
  if (parts.length === 0) return toolError('The message is empty.');
  if (grant.postsTotal >= limits.postsPerGrant) {
    return toolError(`This run has posted its allowance of ${limits.postsPerGrant} messages; stop posting.`);
  }
  const slot = takeSlot(grant.postTimes, limits.postsPerMinute, context.now());
  if (!slot.ok) {
    context.log(`discord-tools: run ${grant.scope.runId} hit the post rate limit`);
    return toolError(
      `Rate limit: at most ${limits.postsPerMinute} posts per minute; try again in ${seconds(slot.retryAfterMs)} s.`,
    );
  }
  grant.postsTotal += 1;
  // Queued behind the grant's earlier posts so that two concurrent calls never interleave parts.
  const work = grant.postQueue.then(() => sendParts(context, parts));
  grant.postQueue = work.catch(() => undefined);
  return work;
}

async function sendParts(context: DiscordToolContext, parts: string[]): Promise<CallToolResult> {
  const { grant } = context;
  const resolved = await resolveChannel(context);
  if ('error' in resolved) return resolved.error;
  const channel = resolved.channel as TextBasedChannel & { send: (options: unknown) => Promise<Message> };
  const ids: string[] = [];
  for (const part of parts) {
    // A grant revoked or expired mid-post (the run ended) posts nothing more.
    if (ids.length > 0 && !grantIsActive(grant, context.now())) {
      return toolError(`Posted ${ids.length} of ${parts.length} parts; then this run's access ended.`);
    }
    try {
      // Set on every part, whatever the client's defaults: the model writes what it likes.
      const sent = await channel.send({ content: part, allowedMentions: mentionsOff });
      ids.push(sent.id);
    } catch (error) {
      const failure = discordFailure(context, 'post the message', error);
      if (ids.length === 0) return failure;
      const first = failure.content[0];
      const reason = first?.type === 'text' ? first.text : '';
      return toolError(
        `Posted ${ids.length} of ${parts.length} parts (ids ${ids.join(', ')}), then: ${reason}`,
      );
    }
  }
  context.log(
    `discord-tools: run ${grant.scope.runId} posted ${ids.length} messages to channel ${grant.scope.channelId}`,
  );
  return jsonResult({ messageIds: ids });
}

/**
 * An MCP server (the SDK's `McpServer`) holding the two Discord tools, bound to one grant: the
 * tools take no channel argument, so a token can only ever touch its own channel.
 */
export function createDiscordToolMcpServer(context: DiscordToolContext): McpServer {
  const server = new McpServer(context.serverInfo, {
    instructions:
      'Tools for the Discord channel or thread this task came from: read earlier messages, post a message. ' +
      'They act on that channel only. Posts never ping anyone.',
  });
  server.registerTool(
    'read_channel_history',
    {
      title: 'Read channel history',
      description:
        'Reads earlier messages of the Discord channel or thread this task came from, oldest first ' +
        '(each with id, author, authorIsBot, content, createdAt, attachments). Without `before`, the most ' +
        'recent messages; pass the returned `nextBefore` as `before` to read further back.',
      inputSchema: {
        before: snowflake.optional().describe('Only messages older than this message id.'),
        limit: z.number().int().min(1).max(100).default(50).describe('How many messages, 1 to 100.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) => readHistory(context, input),
  );
  server.registerTool(
    'post_message',
    {
      title: 'Post a message',
      description:
        'Posts a message into the Discord channel or thread this task came from. Long text is split ' +
        'into messages of at most 2,000 characters. Mentions are shown as text and never notify anyone.',
      inputSchema: {
        content: z.string().min(1).max(maxPostLength).describe('The message, Markdown allowed.'),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    ({ content }) => postMessage(context, content),
  );
  return server;
}
