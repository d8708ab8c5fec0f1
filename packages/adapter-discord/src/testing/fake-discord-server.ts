import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type ParsedFile, parseBody } from './fake-discord-body.ts';
import type {
  FakeAttachment,
  FakeDiscordServer,
  FakeDiscordServerOptions,
  FakeFailure,
  FakeGuildInput,
  FakeInteractionInput,
  FakeInteractionResponses,
  FakeMessage,
  FakeMessageInput,
  FakeReaction,
  FakeUser,
  FakeUserInput,
  RecordedRequest,
} from './fake-discord-types.ts';

const DISCORD_EPOCH = 1420070400000n;
const MAX_CONTENT = 2000;
/** What Discord gives @everyone on a new guild (view channels, send messages, read history, …). */
const DEFAULT_EVERYONE_PERMISSIONS = '104324673';
/** Every permission bit Discord currently defines (owners and administrators hold them all). */
const ALL_PERMISSIONS = (1n << 51n) - 1n;
const ADMINISTRATOR = 8n;
const MESSAGE_FLAG_EPHEMERAL = 64;
const MESSAGE_FLAG_LOADING = 128;
const MESSAGE_FLAG_HAS_THREAD = 32;

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  preferredLocale: string;
  joinedAt: string;
  roles: Json[];
  members: Map<string, MemberState>;
}

interface MemberState {
  userId: string;
  nick: string | null;
  roles: string[];
  joinedAt: string;
}

interface ChannelState {
  id: string;
  guildId: string;
  name: string;
  type: number;
  parentId: string | null;
  topic: string | null;
  position: number;
  ownerId: string;
  createdAt: string;
  autoArchiveDuration: number;
  lastMessageId: string | null;
}

interface InteractionState {
  id: string;
  token: string;
  type: number;
  guildId: string;
  channelId: string;
  userId: string;
  commandName: string | undefined;
  acknowledged: boolean;
  responses: FakeInteractionResponses;
}

interface Connection {
  socket: WebSocket;
  seq: number;
  identified: boolean;
}

interface Waiter {
  predicate: (r: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
}

interface ScriptedFailure {
  method: string | undefined;
  path: RegExp;
  response: FakeFailure;
  remaining: number;
}

interface RouteContext {
  params: string[];
  query: Record<string, string>;
  body: unknown;
  files: ParsedFile[];
}

type Handler = (ctx: RouteContext) => Reply;

class DiscordError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
    readonly errors?: Json,
  ) {}

  toReply(): Reply {
    const body: Json = { message: this.message, code: this.code };
    if (this.errors) body.errors = this.errors;
    return { status: this.status, body };
  }
}

const unknownChannel = () => new DiscordError(404, 10003, 'Unknown Channel');
const unknownMessage = () => new DiscordError(404, 10008, 'Unknown Message');
const unknownGuild = () => new DiscordError(404, 10004, 'Unknown Guild');
const unknownWebhook = () => new DiscordError(404, 10015, 'Unknown Webhook');

/** Discord's 50035 with one error at a dotted field path, e.g. `content` or `data.content`. */
function invalidFormBody(field: string, code: string, message: string): DiscordError {
  const errors: Json = {};
  let node = errors;
  const parts = field.split('.');
  parts.forEach((part, i) => {
    const child: Json = i === parts.length - 1 ? { _errors: [{ code, message }] } : {};
    node[part] = child;
    node = child;
  });
  return new DiscordError(400, 50035, 'Invalid Form Body', errors);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Json {
  return isObject(value) ? value : {};
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function parseEmoji(raw: string): { id: string | null; name: string } {
  const custom = /^(?:a:)?([^:]+):(\d+)$/.exec(raw);
  if (custom) return { id: custom[2]!, name: custom[1]! };
  return { id: null, name: raw };
}

function emojiKey(emoji: { id: string | null; name: string | null }): string {
  return emoji.id ?? emoji.name ?? '';
}

/**
 * Starts a loopback fake of Discord for the real discord.js Client: REST API v10 under `/api/v10`
 * and the gateway WebSocket at `/gateway`, both on one port of 127.0.0.1 (discord.js learns the
 * gateway URL from `GET /gateway/bot`, so they must share an origin it can reach).
 *
 * The fake keeps guilds, channels, members, messages, reactions, threads, interactions and
 * registered commands in memory and answers with Discord's shapes and error codes. Interaction
 * and webhook routes need no bot token, as on Discord; all other routes need `Bot <token>`.
 */
export async function startFakeDiscordServer(
  options: FakeDiscordServerOptions = {},
): Promise<FakeDiscordServer> {
  const token = options.token ?? 'fake-bot-token';
  const botInput = options.botUser ?? { id: '100000000000000001', username: 'goosuke' };
  const applicationId = options.applicationId ?? botInput.id;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 41250;

  const users = new Map<string, FakeUser>();
  const guilds = new Map<string, GuildState>();
  const channels = new Map<string, ChannelState>();
  const messagesByChannel = new Map<string, FakeMessage[]>();
  const reactionUsers = new Map<string, Map<string, { emoji: FakeReaction['emoji']; users: Set<string> }>>();
  const interactionsByToken = new Map<string, InteractionState>();
  const interactionsById = new Map<string, InteractionState>();
  const commandsByScope = new Map<string, Json[]>();
  const requests: RecordedRequest[] = [];
  const waiters = new Set<Waiter>();
  const failures: ScriptedFailure[] = [];
  const connections = new Set<Connection>();
  let snowflakeIncrement = 0n;
  let lastNow = 0;
  let commandVersion = 0n;

  const nowIso = () => new Date().toISOString();

  /** Wall-clock ms, strictly increasing between calls so default-timestamped ids keep their order. */
  function nextNow(): number {
    lastNow = Math.max(Date.now(), lastNow + 1);
    return lastNow;
  }

  function snowflake(ms: number = nextNow()): string {
    snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
    return (((BigInt(ms) - DISCORD_EPOCH) << 22n) | (1n << 17n) | snowflakeIncrement).toString();
  }

  function toUser(input: FakeUserInput): FakeUser {
    return {
      id: input.id,
      username: input.username,
      global_name: input.globalName ?? null,
      discriminator: '0',
      avatar: null,
      bot: input.bot ?? false,
    };
  }

  const botUser = toUser({ ...botInput, bot: true });
  users.set(botUser.id, botUser);

  for (const input of options.guilds ?? []) addGuild(input);

  function addGuild(input: FakeGuildInput): void {
    const joinedAt = nowIso();
    const roles: Json[] = input.roles.map((role, i) =>
      roleObject(role.id, role.name, role.permissions, i + 1),
    );
    if (!input.roles.some((r) => r.id === input.id)) {
      roles.unshift(roleObject(input.id, '@everyone', DEFAULT_EVERYONE_PERMISSIONS, 0));
    }
    const members = new Map<string, MemberState>();
    for (const member of input.members) {
      const user = toUser(member.user);
      users.set(user.id, user);
      members.set(user.id, {
        userId: user.id,
        nick: member.nick ?? null,
        roles: [...member.roles],
        joinedAt,
      });
    }
    if (!members.has(botUser.id))
      members.set(botUser.id, { userId: botUser.id, nick: null, roles: [], joinedAt });
    guilds.set(input.id, {
      id: input.id,
      name: input.name,
      ownerId: input.ownerId ?? input.members[0]?.user.id ?? botUser.id,
      preferredLocale: input.preferredLocale ?? 'en-US',
      joinedAt,
      roles,
      members,
    });
    input.channels.forEach((channel, position) => {
      const type = channel.type ?? 0;
      if (type === 11 && !channel.parentId) throw new Error(`thread ${channel.id} needs a parentId`);
      channels.set(channel.id, {
        id: channel.id,
        guildId: input.id,
        name: channel.name,
        type,
        parentId: channel.parentId ?? null,
        topic: channel.topic ?? null,
        position,
        ownerId: botUser.id,
        createdAt: joinedAt,
        autoArchiveDuration: 1440,
        lastMessageId: null,
      });
      messagesByChannel.set(channel.id, []);
    });
  }

  function roleObject(id: string, name: string, permissions: string | undefined, position: number): Json {
    return {
      id,
      name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: permissions ?? (position === 0 ? DEFAULT_EVERYONE_PERMISSIONS : '0'),
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  // ---- object builders (Discord API shapes) ----

  function memberObject(member: MemberState, withUser: boolean): Json {
    const object: Json = {
      nick: member.nick,
      avatar: null,
      banner: null,
      roles: [...member.roles],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
    if (withUser) object.user = { ...requireUser(member.userId) };
    return object;
  }

  function memberPermissions(guild: GuildState, member: MemberState | undefined): bigint {
    if (!member) return 0n;
    if (guild.ownerId === member.userId) return ALL_PERMISSIONS;
    let permissions = 0n;
    for (const role of guild.roles) {
      if (role.id === guild.id || member.roles.includes(String(role.id)))
        permissions |= BigInt(String(role.permissions));
    }
    return permissions & ADMINISTRATOR ? ALL_PERMISSIONS : permissions;
  }

  function channelObject(channel: ChannelState): Json {
    const base: Json = {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0,
    };
    if (channel.type === 0) {
      return {
        ...base,
        position: channel.position,
        permission_overwrites: [],
        parent_id: null,
        topic: channel.topic,
        nsfw: false,
      };
    }
    const count = messagesByChannel.get(channel.id)?.length ?? 0;
    return {
      ...base,
      parent_id: channel.parentId,
      owner_id: channel.ownerId,
      message_count: count,
      total_message_sent: count,
      member_count: 1,
      thread_metadata: {
        archived: false,
        auto_archive_duration: channel.autoArchiveDuration,
        archive_timestamp: channel.createdAt,
        locked: false,
        create_timestamp: channel.createdAt,
      },
    };
  }

  function guildObject(guild: GuildState): Json {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: guild.roles.map((r) => ({ ...r })),
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.preferredLocale,
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      max_members: 500000,
    };
  }

  function guildCreatePayload(guild: GuildState): Json {
    const guildChannels = [...channels.values()].filter((c) => c.guildId === guild.id);
    return {
      ...guildObject(guild),
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      members: [...guild.members.values()].map((m) => memberObject(m, true)),
      // GUILD_CREATE lists channels without guild_id and active threads separately.
      channels: guildChannels
        .filter((c) => c.type !== 11 && c.type !== 12)
        .map((c) => {
          const { guild_id: _omit, ...rest } = channelObject(c);
          return rest;
        }),
      threads: guildChannels.filter((c) => c.type === 11 || c.type === 12).map(channelObject),
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  function requireUser(id: string): FakeUser {
    const user = users.get(id);
    if (!user) throw new DiscordError(404, 10013, 'Unknown User');
    return user;
  }

  function requireChannel(id: string): ChannelState {
    const channel = channels.get(id);
    if (!channel) throw unknownChannel();
    return channel;
  }

  function requireGuild(id: string): GuildState {
    const guild = guilds.get(id);
    if (!guild) throw unknownGuild();
    return guild;
  }

  function requireMessage(channelId: string, messageId: string): FakeMessage {
    requireChannel(channelId);
    const message = messagesByChannel.get(channelId)?.find((m) => m.id === messageId);
    if (!message) throw unknownMessage();
    return message;
  }

  /** The message as sent over the wire: without the fake-only `allowed_mentions`. */
  function wire(message: FakeMessage): Json {
    const { allowed_mentions: _omit, referenced_message, ...rest } = message;
    const out: Json = structuredClone(rest) as Json;
    if (referenced_message !== undefined)
      out.referenced_message = referenced_message ? wire(referenced_message) : null;
    return out;
  }

  function resolveMentions(
    guild: GuildState | undefined,
    content: string,
    allowed: unknown,
    replyAuthor: FakeUser | undefined,
  ): { mentions: FakeUser[]; mention_roles: string[]; mention_everyone: boolean } {
    // Without allowed_mentions Discord pings everything written; with it, only what it allows,
    // and the replied-to author only when `replied_user` is true.
    const rules = isObject(allowed) ? allowed : undefined;
    const parse = rules && Array.isArray(rules.parse) ? (rules.parse as string[]) : rules ? [] : undefined;
    const allowUser = (id: string) =>
      !rules || parse?.includes('users') || (Array.isArray(rules.users) && rules.users.includes(id));
    const allowRole = (id: string) =>
      !rules || parse?.includes('roles') || (Array.isArray(rules.roles) && rules.roles.includes(id));
    const mentions: FakeUser[] = [];
    for (const match of content.matchAll(/<@!?(\d+)>/g)) {
      const user = users.get(match[1]!);
      if (user && allowUser(user.id) && !mentions.some((u) => u.id === user.id)) mentions.push({ ...user });
    }
    if (replyAuthor && (rules ? rules.replied_user === true : true)) {
      if (!mentions.some((u) => u.id === replyAuthor.id)) mentions.push({ ...replyAuthor });
    }
    const mention_roles: string[] = [];
    for (const match of content.matchAll(/<@&(\d+)>/g)) {
      const id = match[1]!;
      if (guild?.roles.some((r) => r.id === id) && allowRole(id) && !mention_roles.includes(id))
        mention_roles.push(id);
    }
    const mention_everyone =
      /@(everyone|here)/.test(content) && (!rules || parse?.includes('everyone') === true);
    return { mentions, mention_roles, mention_everyone };
  }

  function storeMessage(message: FakeMessage): void {
    const list = messagesByChannel.get(message.channel_id) ?? [];
    list.push(message);
    list.sort((a, b) => compareIds(a.id, b.id));
    messagesByChannel.set(message.channel_id, list);
    const channel = channels.get(message.channel_id);
    if (channel && (!channel.lastMessageId || compareIds(message.id, channel.lastMessageId) > 0)) {
      channel.lastMessageId = message.id;
    }
  }

  function buildAttachments(files: ParsedFile[], declared: unknown): FakeAttachment[] {
    const declaredList = Array.isArray(declared) ? declared.filter(isObject) : [];
    return files.map((file, index) => {
      const id = snowflake();
      const fieldIndex = /\[(\d+)\]/.exec(file.field)?.[1] ?? String(index);
      const meta = declaredList.find((a) => String(a.id) === fieldIndex);
      const url = `${baseUrl}/attachments/${id}/${encodeURIComponent(file.filename)}`;
      const attachment: FakeAttachment = {
        id,
        filename: file.filename,
        size: file.size,
        url,
        proxy_url: url,
        content_type: file.contentType,
      };
      if (typeof meta?.description === 'string') attachment.description = meta.description;
      return attachment;
    });
  }

  /** Checks a create/edit body like Discord does; `field` prefixes error paths (e.g. `data.`). */
  function validateContent(body: Json, prefix: string, requireSomething: boolean, files: ParsedFile[]): void {
    if (body.content !== undefined && body.content !== null && typeof body.content !== 'string') {
      throw invalidFormBody(`${prefix}content`, 'STRING_TYPE_CONVERT', 'Could not interpret "{}" as string.');
    }
    if (typeof body.content === 'string' && [...body.content].length > MAX_CONTENT) {
      throw invalidFormBody(`${prefix}content`, 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    }
    if (Array.isArray(body.embeds) && body.embeds.length > 10) {
      throw invalidFormBody(`${prefix}embeds`, 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    }
    if (requireSomething) {
      const hasContent = typeof body.content === 'string' && body.content.length > 0;
      const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
      const hasComponents = Array.isArray(body.components) && body.components.length > 0;
      const hasStickers = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
      if (!hasContent && !hasEmbeds && !hasComponents && !hasStickers && files.length === 0 && !body.poll) {
        throw new DiscordError(400, 50006, 'Cannot send an empty message');
      }
    }
  }

  function newMessage(
    channel: ChannelState,
    author: FakeUser,
    fields: Partial<FakeMessage> & { id: string },
  ): FakeMessage {
    const guild = guilds.get(channel.guildId);
    const member = guild?.members.get(author.id);
    const message: FakeMessage = {
      channel_id: channel.id,
      guild_id: channel.guildId,
      author: { ...author },
      content: '',
      timestamp: nowIso(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
      ...fields,
    };
    if (guild && member) {
      const { nick, roles, joined_at, deaf, mute, flags } = memberObject(member, false) as Json;
      message.member = {
        nick: nick as string | null,
        roles: roles as string[],
        joined_at: joined_at as string,
        deaf: deaf as boolean,
        mute: mute as boolean,
        flags: flags as number,
      };
    }
    return message;
  }

  /** POST /channels/:c/messages: a message written by the bot. */
  function createBotMessage(channel: ChannelState, body: Json, files: ParsedFile[]): FakeMessage {
    validateContent(body, '', true, files);
    const content = typeof body.content === 'string' ? body.content : '';
    const guild = guilds.get(channel.guildId);
    let reference: FakeMessage | undefined;
    let referenceField: FakeMessage['message_reference'];
    if (isObject(body.message_reference)) {
      const ref = body.message_reference;
      const refChannelId = typeof ref.channel_id === 'string' ? ref.channel_id : channel.id;
      reference = messagesByChannel.get(refChannelId)?.find((m) => m.id === ref.message_id);
      if (!reference && ref.fail_if_not_exists !== false) {
        throw invalidFormBody('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
      if (reference) {
        referenceField = {
          type: 0,
          message_id: reference.id,
          channel_id: refChannelId,
          guild_id: channel.guildId,
        };
      }
    }
    const mentions = resolveMentions(guild, content, body.allowed_mentions, reference?.author);
    const message = newMessage(channel, botUser, {
      id: snowflake(),
      content,
      ...mentions,
      tts: body.tts === true,
      embeds: Array.isArray(body.embeds) ? (structuredClone(body.embeds) as Json[]) : [],
      components: Array.isArray(body.components) ? structuredClone(body.components) : [],
      attachments: buildAttachments(files, body.attachments),
      flags: typeof body.flags === 'number' ? body.flags : 0,
      type: reference ? 19 : 0,
    });
    if (referenceField && reference) {
      message.message_reference = referenceField;
      message.referenced_message = stripReference(reference);
    }
    if (body.allowed_mentions !== undefined)
      message.allowed_mentions = structuredClone(body.allowed_mentions);
    storeMessage(message);
    dispatch('MESSAGE_CREATE', wire(message));
    return message;
  }

  function stripReference(message: FakeMessage): FakeMessage {
    const { referenced_message: _omit, allowed_mentions: _omit2, ...rest } = message;
    return structuredClone(rest);
  }

  /** Applies an edit body (PATCH message or webhook message) to a stored message. */
  function applyEdit(message: FakeMessage, body: Json, files: ParsedFile[], prefix = ''): void {
    validateContent(body, prefix, false, files);
    if ('content' in body) message.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body)
      message.embeds = Array.isArray(body.embeds) ? (structuredClone(body.embeds) as Json[]) : [];
    if ('components' in body)
      message.components = Array.isArray(body.components) ? structuredClone(body.components) : [];
    if ('flags' in body && typeof body.flags === 'number') {
      message.flags = (message.flags & (MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_HAS_THREAD)) | body.flags;
    }
    if ('attachments' in body || files.length > 0) {
      const keep = Array.isArray(body.attachments)
        ? message.attachments.filter((a) =>
            (body.attachments as unknown[]).some((k) => isObject(k) && k.id === a.id),
          )
        : message.attachments;
      message.attachments = [...keep, ...buildAttachments(files, body.attachments)];
    }
    if ('allowed_mentions' in body) message.allowed_mentions = structuredClone(body.allowed_mentions);
    const guild = message.guild_id ? guilds.get(message.guild_id) : undefined;
    const replyAuthor = message.referenced_message?.author;
    Object.assign(
      message,
      resolveMentions(guild, message.content, message.allowed_mentions ?? body.allowed_mentions, replyAuthor),
    );
    message.flags &= ~MESSAGE_FLAG_LOADING;
    message.edited_timestamp = nowIso();
  }

  function renderReactions(message: FakeMessage): void {
    const byEmoji = reactionUsers.get(message.id);
    const list: FakeReaction[] = [];
    for (const { emoji, users: who } of byEmoji?.values() ?? []) {
      if (who.size === 0) continue;
      list.push({
        count: who.size,
        count_details: { burst: 0, normal: who.size },
        me: who.has(botUser.id),
        me_burst: false,
        burst_colors: [],
        emoji: { ...emoji },
      });
    }
    if (list.length > 0) message.reactions = list;
    else delete message.reactions;
  }

  function recordReaction(
    message: FakeMessage,
    emoji: FakeReaction['emoji'],
    userId: string,
    add: boolean,
  ): boolean {
    let byEmoji = reactionUsers.get(message.id);
    if (!byEmoji) {
      byEmoji = new Map();
      reactionUsers.set(message.id, byEmoji);
    }
    const key = emojiKey(emoji);
    let entry = byEmoji.get(key);
    if (!entry) {
      entry = { emoji, users: new Set() };
      byEmoji.set(key, entry);
    }
    const had = entry.users.has(userId);
    if (add) entry.users.add(userId);
    else entry.users.delete(userId);
    renderReactions(message);
    return had !== add;
  }

  function reactionEvent(
    t: 'MESSAGE_REACTION_ADD' | 'MESSAGE_REACTION_REMOVE',
    channel: ChannelState,
    messageId: string,
    userId: string,
    emoji: FakeReaction['emoji'],
    authorId: string | undefined,
  ): void {
    const guild = guilds.get(channel.guildId);
    const member = guild?.members.get(userId);
    const d: Json = {
      user_id: userId,
      channel_id: channel.id,
      message_id: messageId,
      guild_id: channel.guildId,
      emoji: { ...emoji },
      burst: false,
      type: 0,
    };
    if (t === 'MESSAGE_REACTION_ADD') {
      if (guild && member) d.member = memberObject(member, true);
      if (authorId) d.message_author_id = authorId;
      d.burst_colors = [];
    }
    dispatch(t, d);
  }

  // ---- gateway ----

  function send(connection: Connection, payload: Json): void {
    if (connection.socket.readyState === connection.socket.OPEN)
      connection.socket.send(JSON.stringify(payload));
  }

  function sendDispatch(connection: Connection, t: string, d: unknown): void {
    connection.seq += 1;
    send(connection, { op: 0, t, s: connection.seq, d });
  }

  function dispatch(t: string, d: unknown): void {
    for (const connection of connections) {
      if (connection.identified) sendDispatch(connection, t, d);
    }
  }

  function onGatewayMessage(connection: Connection, raw: string): void {
    let payload: Json;
    try {
      payload = asObject(JSON.parse(raw));
    } catch {
      connection.socket.close(4002, 'Error while decoding payload.');
      return;
    }
    switch (payload.op) {
      case 1:
        send(connection, { op: 11 });
        return;
      case 2: {
        const d = asObject(payload.d);
        const given = typeof d.token === 'string' ? d.token.replace(/^Bot /, '') : '';
        if (given !== token) {
          connection.socket.close(4004, 'Authentication failed.');
          return;
        }
        if (connection.identified) {
          connection.socket.close(4005, 'Already authenticated.');
          return;
        }
        connection.identified = true;
        const sessionId = randomBytes(16).toString('hex');
        sendDispatch(connection, 'READY', {
          v: 10,
          user_settings: {},
          user: { ...botUser, verified: true, mfa_enabled: false, flags: 0 },
          guilds: [...guilds.keys()].map((id) => ({ id, unavailable: true })),
          session_id: sessionId,
          session_type: 'normal',
          resume_gateway_url: `${wsUrl}`,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
          private_channels: [],
          relationships: [],
          presences: [],
          guild_join_requests: [],
          geo_ordered_rtc_regions: [],
          _trace: ['fake-discord'],
        });
        for (const guild of guilds.values())
          sendDispatch(connection, 'GUILD_CREATE', guildCreatePayload(guild));
        return;
      }
      case 6:
        // Sessions are not kept: tell the client to identify afresh, as Discord does for stale sessions.
        send(connection, { op: 9, d: false });
        return;
      case 8: {
        const d = asObject(payload.d);
        const guild = typeof d.guild_id === 'string' ? guilds.get(d.guild_id) : undefined;
        if (!guild) return;
        const wanted = Array.isArray(d.user_ids) ? (d.user_ids as string[]) : undefined;
        const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
        const members = [...guild.members.values()].filter((m) =>
          wanted ? wanted.includes(m.userId) : requireUser(m.userId).username.toLowerCase().startsWith(query),
        );
        sendDispatch(connection, 'GUILD_MEMBERS_CHUNK', {
          guild_id: guild.id,
          members: members.map((m) => memberObject(m, true)),
          chunk_index: 0,
          chunk_count: 1,
          not_found: wanted ? wanted.filter((id) => !guild.members.has(id)) : [],
          nonce: d.nonce,
        });
        return;
      }
      default:
        return;
    }
  }

  // ---- REST routes ----

  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  function route(method: string, path: string, handler: Handler): void {
    const pattern = new RegExp(
      `^${path
        .split('/')
        .map((segment) =>
          segment.startsWith(':') ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\@]/g, '\\$&'),
        )
        .join('/')}$`,
    );
    routes.push({ method, pattern, handler });
  }
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const noContent = (): Reply => ({ status: 204 });

  route('GET', '/gateway', () => ok({ url: wsUrl }));
  route('GET', '/gateway/bot', () =>
    ok({
      url: wsUrl,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
    }),
  );
  route('GET', '/users/@me', () => ok({ ...botUser, verified: true, mfa_enabled: false, flags: 0 }));
  route('GET', '/users/:id', ({ params }) => ok({ ...requireUser(params[0]!) }));
  route('GET', '/applications/@me', () =>
    ok({
      id: applicationId,
      name: botUser.username,
      icon: null,
      description: '',
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: 0,
      team: null,
      owner: { ...botUser },
      bot: { ...botUser },
      approximate_guild_count: guilds.size,
    }),
  );

  route('GET', '/guilds/:g', ({ params }) => ok(guildObject(requireGuild(params[0]!))));
  route('GET', '/guilds/:g/channels', ({ params }) => {
    const guild = requireGuild(params[0]!);
    return ok(
      [...channels.values()]
        .filter((c) => c.guildId === guild.id && c.type !== 11 && c.type !== 12)
        .map(channelObject),
    );
  });
  route('GET', '/guilds/:g/roles', ({ params }) => ok(requireGuild(params[0]!).roles.map((r) => ({ ...r }))));
  route('GET', '/guilds/:g/members/:u', ({ params }) => {
    const guild = requireGuild(params[0]!);
    const member = guild.members.get(params[1]!);
    if (!member) throw new DiscordError(404, 10007, 'Unknown Member');
    return ok(memberObject(member, true));
  });

  route('GET', '/channels/:c', ({ params }) => ok(channelObject(requireChannel(params[0]!))));
  route('GET', '/channels/:c/messages/:m', ({ params }) => ok(wire(requireMessage(params[0]!, params[1]!))));
  route('GET', '/channels/:c/messages', ({ params, query }) => {
    requireChannel(params[0]!);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
    }
    const all = messagesByChannel.get(params[0]!) ?? [];
    let picked: FakeMessage[];
    if (query.around) {
      const around = query.around;
      // Discord centres the window on `around` (inclusive): about half older, half newer.
      const newer = all.filter((m) => compareIds(m.id, around) > 0).slice(0, Math.floor(limit / 2));
      const older = all.filter((m) => compareIds(m.id, around) <= 0);
      picked = [...older.slice(Math.max(0, older.length - (limit - newer.length))), ...newer];
    } else if (query.after) {
      const after = query.after;
      // The `limit` messages right after `after` (oldest of those first in time), answered newest first.
      picked = all.filter((m) => compareIds(m.id, after) > 0).slice(0, limit);
    } else {
      const before = query.before;
      const candidates = before ? all.filter((m) => compareIds(m.id, before) < 0) : all;
      picked = candidates.slice(Math.max(0, candidates.length - limit));
    }
    return ok([...picked].reverse().map(wire));
  });
  route('POST', '/channels/:c/messages', ({ params, body, files }) => {
    const channel = requireChannel(params[0]!);
    return ok(wire(createBotMessage(channel, asObject(body), files)));
  });
  route('PATCH', '/channels/:c/messages/:m', ({ params, body, files }) => {
    const message = requireMessage(params[0]!, params[1]!);
    if (message.author.id !== botUser.id) {
      throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
    }
    applyEdit(message, asObject(body), files);
    dispatch('MESSAGE_UPDATE', wire(message));
    return ok(wire(message));
  });
  route('DELETE', '/channels/:c/messages/:m', ({ params }) => {
    const channel = requireChannel(params[0]!);
    const message = requireMessage(params[0]!, params[1]!);
    const list = messagesByChannel.get(channel.id) ?? [];
    list.splice(list.indexOf(message), 1);
    reactionUsers.delete(message.id);
    dispatch('MESSAGE_DELETE', { id: message.id, channel_id: channel.id, guild_id: channel.guildId });
    return noContent();
  });
  route('PUT', '/channels/:c/messages/:m/reactions/:e/@me', ({ params }) => {
    const channel = requireChannel(params[0]!);
    const message = requireMessage(params[0]!, params[1]!);
    const emoji = parseEmoji(decodeURIComponent(params[2]!));
    if (emoji.id !== null) throw new DiscordError(400, 10014, 'Unknown Emoji');
    if (recordReaction(message, emoji, botUser.id, true)) {
      reactionEvent('MESSAGE_REACTION_ADD', channel, message.id, botUser.id, emoji, message.author.id);
    }
    return noContent();
  });
  route('DELETE', '/channels/:c/messages/:m/reactions/:e/@me', ({ params }) => {
    const channel = requireChannel(params[0]!);
    const message = requireMessage(params[0]!, params[1]!);
    const emoji = parseEmoji(decodeURIComponent(params[2]!));
    if (recordReaction(message, emoji, botUser.id, false)) {
      reactionEvent('MESSAGE_REACTION_REMOVE', channel, message.id, botUser.id, emoji, undefined);
    }
    return noContent();
  });
  route('POST', '/channels/:c/typing', ({ params }) => {
    requireChannel(params[0]!);
    return noContent();
  });
  route('POST', '/channels/:c/messages/:m/threads', ({ params, body }) => {
    const parent = requireChannel(params[0]!);
    const message = requireMessage(params[0]!, params[1]!);
    if (parent.type !== 0) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
    if (channels.has(message.id)) {
      throw new DiscordError(400, 160004, 'A thread has already been created for this message');
    }
    const thread = createThread(parent, message.id, asObject(body), 11);
    message.flags |= MESSAGE_FLAG_HAS_THREAD;
    message.thread = channelObject(thread);
    return { status: 201, body: channelObject(thread) };
  });
  route('POST', '/channels/:c/threads', ({ params, body }) => {
    const parent = requireChannel(params[0]!);
    if (parent.type !== 0) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
    const input = asObject(body);
    const type = input.type === 11 || input.type === 12 ? input.type : 12;
    const thread = createThread(parent, snowflake(), input, type);
    return { status: 201, body: channelObject(thread) };
  });

  function createThread(parent: ChannelState, id: string, body: Json, type: number): ChannelState {
    const name = typeof body.name === 'string' ? body.name : '';
    if (name.length < 1 || name.length > 100) {
      throw invalidFormBody('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const thread: ChannelState = {
      id,
      guildId: parent.guildId,
      name,
      type,
      parentId: parent.id,
      topic: null,
      position: 0,
      ownerId: botUser.id,
      createdAt: nowIso(),
      autoArchiveDuration: typeof body.auto_archive_duration === 'number' ? body.auto_archive_duration : 4320,
      lastMessageId: null,
    };
    channels.set(id, thread);
    messagesByChannel.set(id, []);
    dispatch('THREAD_CREATE', { ...channelObject(thread), newly_created: true });
    return thread;
  }

  // Interactions: no bot token on these routes; the interaction token is the credential.
  route('POST', '/interactions/:id/:token/callback', ({ params, query, body, files }) => {
    const interaction = interactionsById.get(params[0]!);
    if (!interaction || interaction.token !== params[1])
      throw new DiscordError(404, 10062, 'Unknown interaction');
    if (interaction.acknowledged)
      throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    const input = asObject(body);
    const type = input.type;
    const allowed =
      interaction.type === 4
        ? [8]
        : interaction.type === 5
          ? [4, 5, 6, 7]
          : interaction.type === 2
            ? [4, 5, 9]
            : [];
    if (typeof type !== 'number' || !allowed.includes(type)) {
      throw invalidFormBody('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Invalid interaction response type');
    }
    const data = isObject(input.data) ? input.data : undefined;
    if (type === 4 && data) validateContent(data, 'data.', true, files);
    if (type === 8) {
      const choices = data && Array.isArray(data.choices) ? data.choices : [];
      if (choices.length > 25) {
        throw invalidFormBody('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      }
    }
    interaction.acknowledged = true;
    interaction.responses.callbacks.push(
      data === undefined ? { type } : { type, data: structuredClone(data) },
    );
    let message: FakeMessage | undefined;
    if (type === 4 || type === 5) {
      message = interactionMessage(interaction, data ?? {}, files, type === 5, true);
      interaction.responses.original = message;
    }
    if (query.with_response !== 'true') return noContent();
    const flags = message?.flags ?? 0;
    const callback: Json = { id: interaction.id, type: interaction.type };
    if (message) {
      callback.response_message_id = message.id;
      callback.response_message_loading = type === 5;
      callback.response_message_ephemeral = (flags & MESSAGE_FLAG_EPHEMERAL) !== 0;
    }
    const resource: Json = { type };
    if (message) resource.message = wire(message);
    return ok({ interaction: callback, resource });
  });

  function interactionMessage(
    interaction: InteractionState,
    data: Json,
    files: ParsedFile[],
    loading: boolean,
    original: boolean,
  ): FakeMessage {
    const channel = requireChannel(interaction.channelId);
    const guild = guilds.get(channel.guildId);
    const content = typeof data.content === 'string' ? data.content : '';
    const flagsIn = typeof data.flags === 'number' ? data.flags : 0;
    const message = newMessage(channel, botUser, {
      id: snowflake(),
      content,
      ...resolveMentions(guild, content, data.allowed_mentions, undefined),
      embeds: Array.isArray(data.embeds) ? (structuredClone(data.embeds) as Json[]) : [],
      components: Array.isArray(data.components) ? structuredClone(data.components) : [],
      attachments: buildAttachments(files, data.attachments),
      flags: flagsIn | (loading ? MESSAGE_FLAG_LOADING : 0),
      type: original && interaction.type === 2 ? 20 : 0,
      webhook_id: applicationId,
      application_id: applicationId,
    });
    if (original) {
      message.interaction_metadata = {
        id: interaction.id,
        type: interaction.type,
        user: { ...requireUser(interaction.userId) },
        authorizing_integration_owners: { 0: interaction.guildId },
        ...(interaction.commandName ? { name: interaction.commandName, command_type: 1 } : {}),
      };
    }
    if (data.allowed_mentions !== undefined)
      message.allowed_mentions = structuredClone(data.allowed_mentions);
    // Ephemeral messages are seen only by the invoking user, never in channel history.
    if ((message.flags & MESSAGE_FLAG_EPHEMERAL) === 0) {
      storeMessage(message);
      dispatch('MESSAGE_CREATE', wire(message));
    }
    return message;
  }

  function requireWebhookInteraction(appId: string, interactionToken: string): InteractionState {
    const interaction = interactionsByToken.get(interactionToken);
    if (appId !== applicationId || !interaction) throw unknownWebhook();
    return interaction;
  }

  function webhookMessage(interaction: InteractionState, id: string): FakeMessage {
    const message =
      id === '@original'
        ? interaction.responses.original
        : (interaction.responses.followups.find((m) => m.id === id) ??
          (interaction.responses.original?.id === id ? interaction.responses.original : undefined));
    if (!message) throw unknownMessage();
    return message;
  }

  route('POST', '/webhooks/:app/:token', ({ params, query, body, files }) => {
    const interaction = requireWebhookInteraction(params[0]!, params[1]!);
    if (!interaction.acknowledged) throw unknownWebhook();
    const data = asObject(body);
    validateContent(data, '', true, files);
    const message = interactionMessage(interaction, data, files, false, false);
    interaction.responses.followups.push(message);
    return query.wait === 'true' ? ok(wire(message)) : noContent();
  });
  route('GET', '/webhooks/:app/:token/messages/:m', ({ params }) => {
    const interaction = requireWebhookInteraction(params[0]!, params[1]!);
    return ok(wire(webhookMessage(interaction, params[2]!)));
  });
  route('PATCH', '/webhooks/:app/:token/messages/:m', ({ params, body, files }) => {
    const interaction = requireWebhookInteraction(params[0]!, params[1]!);
    const message = webhookMessage(interaction, params[2]!);
    applyEdit(message, asObject(body), files);
    if ((message.flags & MESSAGE_FLAG_EPHEMERAL) === 0) dispatch('MESSAGE_UPDATE', wire(message));
    return ok(wire(message));
  });
  route('DELETE', '/webhooks/:app/:token/messages/:m', ({ params }) => {
    const interaction = requireWebhookInteraction(params[0]!, params[1]!);
    const message = webhookMessage(interaction, params[2]!);
    const list = messagesByChannel.get(message.channel_id) ?? [];
    const index = list.indexOf(message);
    if (index !== -1) {
      list.splice(index, 1);
      dispatch('MESSAGE_DELETE', {
        id: message.id,
        channel_id: message.channel_id,
        guild_id: message.guild_id,
      });
    }
    if (interaction.responses.original === message) delete interaction.responses.original;
    else interaction.responses.followups.splice(interaction.responses.followups.indexOf(message), 1);
    return noContent();
  });

  // Application commands.
  function requireApp(appId: string): void {
    if (appId !== applicationId) throw new DiscordError(403, 50001, 'Missing Access');
  }

  function normalizeCommand(input: unknown, scope: string, index: number, existing: Json[]): Json {
    const command = asObject(input);
    const type = typeof command.type === 'number' ? command.type : 1;
    const name = typeof command.name === 'string' ? command.name : '';
    const path = `${index}.`;
    if (!/^[-_\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u.test(name) && type === 1) {
      throw invalidFormBody(`${path}name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    const description = typeof command.description === 'string' ? command.description : '';
    if (type === 1 && (description.length < 1 || description.length > 100)) {
      throw invalidFormBody(
        `${path}description`,
        'BASE_TYPE_BAD_LENGTH',
        'Must be between 1 and 100 in length.',
      );
    }
    const previous = existing.find((c) => c.name === name && c.type === type);
    commandVersion += 1n;
    const out: Json = {
      id: typeof previous?.id === 'string' ? previous.id : snowflake(),
      application_id: applicationId,
      version: (BigInt(snowflake()) + commandVersion).toString(),
      default_member_permissions: command.default_member_permissions ?? null,
      type,
      name,
      name_localizations: command.name_localizations ?? null,
      description,
      description_localizations: command.description_localizations ?? null,
      nsfw: command.nsfw === true,
      contexts: command.contexts ?? null,
      integration_types: command.integration_types ?? [0],
    };
    if (Array.isArray(command.options)) out.options = structuredClone(command.options);
    if (scope) out.guild_id = scope;
    else out.dm_permission = command.dm_permission ?? true;
    return out;
  }

  function bulkOverwrite(scope: string, body: unknown): Reply {
    if (!Array.isArray(body)) throw invalidFormBody('_root', 'LIST_TYPE_CONVERT', 'Must be an array.');
    if (body.length > 100)
      throw invalidFormBody('_root', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    const existing = commandsByScope.get(scope) ?? [];
    const commands = body.map((c, i) => normalizeCommand(c, scope, i, existing));
    commandsByScope.set(scope, commands);
    return ok(structuredClone(commands));
  }

  function upsertCommand(scope: string, body: unknown): Reply {
    const existing = commandsByScope.get(scope) ?? [];
    const command = normalizeCommand(body, scope, 0, existing);
    const index = existing.findIndex((c) => c.id === command.id);
    const created = index === -1;
    if (created) existing.push(command);
    else existing[index] = command;
    commandsByScope.set(scope, existing);
    return { status: created ? 201 : 200, body: structuredClone(command) };
  }

  route('GET', '/applications/:app/commands', ({ params }) => {
    requireApp(params[0]!);
    return ok(structuredClone(commandsByScope.get('') ?? []));
  });
  route('PUT', '/applications/:app/commands', ({ params, body }) => {
    requireApp(params[0]!);
    return bulkOverwrite('', body);
  });
  route('POST', '/applications/:app/commands', ({ params, body }) => {
    requireApp(params[0]!);
    return upsertCommand('', body);
  });
  route('GET', '/applications/:app/guilds/:g/commands', ({ params }) => {
    requireApp(params[0]!);
    requireGuild(params[1]!);
    return ok(structuredClone(commandsByScope.get(params[1]!) ?? []));
  });
  route('PUT', '/applications/:app/guilds/:g/commands', ({ params, body }) => {
    requireApp(params[0]!);
    requireGuild(params[1]!);
    return bulkOverwrite(params[1]!, body);
  });
  route('POST', '/applications/:app/guilds/:g/commands', ({ params, body }) => {
    requireApp(params[0]!);
    requireGuild(params[1]!);
    return upsertCommand(params[1]!, body);
  });

  // ---- HTTP plumbing ----

  function needsAuth(method: string, path: string): boolean {
    if (path.startsWith('/interactions/') || path.startsWith('/webhooks/')) return false;
    return !(method === 'GET' && path === '/gateway');
  }

  function takeFailure(method: string, path: string): FakeFailure | undefined {
    const failure = failures.find(
      (f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && f.path.test(path),
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining === 0) failures.splice(failures.indexOf(failure), 1);
    return failure.response;
  }

  function failureReply(failure: FakeFailure): Reply {
    if (failure.status === 429) {
      return {
        status: 429,
        body: failure.body ?? {
          message: 'You are being rate limited.',
          retry_after: 0,
          global: false,
          code: 0,
        },
        headers: { 'retry-after': '0', 'x-ratelimit-scope': 'user', ...failure.headers },
      };
    }
    return {
      status: failure.status,
      body: failure.body ?? { message: `${failure.status}: scripted failure`, code: 0 },
      ...(failure.headers ? { headers: failure.headers } : {}),
    };
  }

  function handle(
    method: string,
    path: string,
    ctx: Omit<RouteContext, 'params'>,
    auth: string | undefined,
  ): Reply {
    if (needsAuth(method, path) && auth !== `Bot ${token}`) {
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    }
    const failure = takeFailure(method, path);
    if (failure) return failureReply(failure);
    let pathMatched = false;
    for (const r of routes) {
      const match = r.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      try {
        return r.handler({ ...ctx, params: match.slice(1).map((p) => decodeURIComponent(p)) });
      } catch (error) {
        if (error instanceof DiscordError) return error.toReply();
        throw error;
      }
    }
    return pathMatched
      ? { status: 405, body: { message: '405: Method Not Allowed', code: 0 } }
      : { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  function record(entry: RecordedRequest): void {
    requests.push(entry);
    for (const waiter of waiters) {
      if (waiter.predicate(entry)) {
        waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const prefix = '/api/v10';
    if (!url.pathname.startsWith(`${prefix}/`)) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: '404: Not Found', code: 0 }));
      return;
    }
    const path = url.pathname.slice(prefix.length);
    const query = Object.fromEntries(url.searchParams);
    const parsed = parseBody(Buffer.concat(chunks), req.headers['content-type']);
    let reply: Reply;
    if (parsed.error) {
      reply = { status: 400, body: { message: '400: Bad Request', code: 50109 } };
    } else {
      try {
        reply = handle(
          method,
          path,
          { query, body: parsed.body, files: parsed.files },
          req.headers.authorization,
        );
      } catch (error) {
        reply = { status: 500, body: { message: `fake-discord: ${(error as Error).message}`, code: 0 } };
      }
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
    } else {
      headers['content-type'] = 'application/json';
      res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
    }
    record({
      method,
      path,
      query,
      body: parsed.body,
      files: parsed.files.map((f) => ({ ...f })),
      status: reply.status,
    });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  const wss = new WebSocketServer({ server, path: '/gateway' });
  wss.on('connection', (socket) => {
    const connection: Connection = { socket, seq: 0, identified: false };
    connections.add(connection);
    socket.on('message', (data) => onGatewayMessage(connection, data.toString()));
    socket.on('close', () => connections.delete(connection));
    socket.on('error', () => connections.delete(connection));
    send(connection, { op: 10, d: { heartbeat_interval: heartbeatInterval, _trace: ['fake-discord'] } });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/gateway`;

  // ---- public API ----

  function addMessage(channelId: string, input: FakeMessageInput): FakeMessage {
    const channel = channels.get(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    const author = users.get(input.authorId);
    if (!author) throw new Error(`unknown user ${input.authorId}`);
    const ms = input.timestamp ? input.timestamp.getTime() : nextNow();
    let reference: FakeMessage | undefined;
    if (input.replyTo) {
      reference = messagesByChannel.get(channelId)?.find((m) => m.id === input.replyTo);
      if (!reference) throw new Error(`unknown message ${input.replyTo} in channel ${channelId}`);
    }
    const id = snowflake(ms);
    const message = newMessage(channel, author, {
      id,
      content: input.content,
      timestamp: new Date(ms).toISOString(),
      ...resolveMentions(guilds.get(channel.guildId), input.content, undefined, reference?.author),
      attachments: (input.attachments ?? []).map((a, i) => {
        const attachmentId = (BigInt(id) + BigInt(i + 1)).toString();
        const url =
          a.url ?? `${baseUrl}/attachments/${channelId}/${attachmentId}/${encodeURIComponent(a.filename)}`;
        const attachment: FakeAttachment = {
          id: attachmentId,
          filename: a.filename,
          size: a.size ?? 0,
          url,
          proxy_url: url,
        };
        if (a.content_type) attachment.content_type = a.content_type;
        if (a.description) attachment.description = a.description;
        return attachment;
      }),
      embeds: (input.embeds ?? []).map((e) => ({ type: 'rich', ...e })),
      type: reference ? 19 : 0,
    });
    if (reference) {
      message.message_reference = {
        type: 0,
        message_id: reference.id,
        channel_id: channelId,
        guild_id: channel.guildId,
      };
      message.referenced_message = stripReference(reference);
    }
    storeMessage(message);
    if (input.dispatch) dispatch('MESSAGE_CREATE', wire(message));
    return structuredClone(message);
  }

  function addReaction(input: {
    guildId: string;
    channelId: string;
    messageId: string;
    userId: string;
    emoji: string;
  }) {
    const channel = channels.get(input.channelId);
    if (!channel || channel.guildId !== input.guildId) throw new Error(`unknown channel ${input.channelId}`);
    const guild = requireGuild(input.guildId);
    if (!guild.members.has(input.userId))
      throw new Error(`user ${input.userId} is not a member of ${input.guildId}`);
    const emoji = parseEmoji(input.emoji);
    const message = messagesByChannel.get(channel.id)?.find((m) => m.id === input.messageId);
    if (message) recordReaction(message, emoji, input.userId, true);
    reactionEvent('MESSAGE_REACTION_ADD', channel, input.messageId, input.userId, emoji, message?.author.id);
  }

  function interact(input: FakeInteractionInput): { id: string; token: string } {
    const guild = guilds.get(input.guildId);
    if (!guild) throw new Error(`unknown guild ${input.guildId}`);
    const channel = channels.get(input.channelId);
    if (!channel || channel.guildId !== guild.id) throw new Error(`unknown channel ${input.channelId}`);
    const member = guild.members.get(input.userId);
    if (!member) throw new Error(`user ${input.userId} is not a member of ${input.guildId}`);
    const type = input.type ?? 2;
    const data: Json = structuredClone(asObject(input.data));
    let commandName: string | undefined;
    if (type === 2 || type === 4) {
      data.type ??= 1;
      commandName = typeof data.name === 'string' ? data.name : undefined;
      if (data.id === undefined) {
        const registered = [
          ...(commandsByScope.get(guild.id) ?? []),
          ...(commandsByScope.get('') ?? []),
        ].find((c) => c.name === commandName && c.type === data.type);
        data.id = registered?.id ?? snowflake();
        if (registered?.guild_id) data.guild_id = registered.guild_id;
      }
      if (data.resolved === undefined) {
        const resolved = resolveOptions(guild, data.options);
        if (resolved) data.resolved = resolved;
      }
    }
    const id = snowflake();
    const interactionToken = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
    const channelPartial: Json = {
      ...channelObject(channel),
      permissions: memberPermissions(guild, member).toString(),
    };
    const payload: Json = {
      id,
      application_id: applicationId,
      type,
      data,
      guild_id: guild.id,
      guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
      channel_id: channel.id,
      channel: channelPartial,
      member: {
        ...memberObject(member, true),
        permissions: memberPermissions(guild, member).toString(),
        unusual_dm_activity_until: null,
      },
      token: interactionToken,
      version: 1,
      app_permissions: memberPermissions(guild, guild.members.get(botUser.id)).toString(),
      locale: input.locale ?? 'en-US',
      guild_locale: guild.preferredLocale,
      entitlements: [],
      authorizing_integration_owners: { 0: guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
    };
    const state: InteractionState = {
      id,
      token: interactionToken,
      type,
      guildId: guild.id,
      channelId: channel.id,
      userId: input.userId,
      commandName,
      acknowledged: false,
      responses: { callbacks: [], followups: [] },
    };
    interactionsById.set(id, state);
    interactionsByToken.set(interactionToken, state);
    dispatch('INTERACTION_CREATE', payload);
    return { id, token: interactionToken };
  }

  /**
   * Discord sends the objects behind user, channel, role and mentionable options in
   * `data.resolved`; discord.js reads them from there, so build them from the guild state.
   */
  function resolveOptions(guild: GuildState, options: unknown): Json | undefined {
    const resolved: Record<'users' | 'members' | 'channels' | 'roles', Json> = {
      users: {},
      members: {},
      channels: {},
      roles: {},
    };
    let any = false;
    const walk = (list: unknown): void => {
      if (!Array.isArray(list)) return;
      for (const option of list.filter(isObject)) {
        walk(option.options);
        const value = String(option.value ?? '');
        if (option.type === 6 || option.type === 9) {
          const user = users.get(value);
          const member = guild.members.get(value);
          if (user) {
            resolved.users[value] = { ...user };
            any = true;
          }
          if (member)
            resolved.members[value] = {
              ...memberObject(member, false),
              permissions: memberPermissions(guild, member).toString(),
            };
        }
        if (option.type === 7) {
          const channel = channels.get(value);
          if (channel) {
            const { id, type, name, parent_id, thread_metadata } = channelObject(channel);
            resolved.channels[value] = { id, type, name, parent_id, thread_metadata, permissions: '0' };
            any = true;
          }
        }
        if (option.type === 8 || option.type === 9) {
          const role = guild.roles.find((r) => r.id === value);
          if (role) {
            resolved.roles[value] = { ...role };
            any = true;
          }
        }
      }
    };
    walk(options);
    if (!any) return undefined;
    const out: Json = {};
    for (const [key, value] of Object.entries(resolved)) if (Object.keys(value).length > 0) out[key] = value;
    return out;
  }

  function waitForRequest(
    predicate: (r: RecordedRequest) => boolean,
    timeoutMs = 5000,
  ): Promise<RecordedRequest> {
    const already = requests.find(predicate);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const seen = requests.map((r) => `  ${r.method} ${r.path} -> ${r.status}`).join('\n') || '  (none)';
        reject(new Error(`fake-discord: no matching request within ${timeoutMs} ms; recorded:\n${seen}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  async function close(): Promise<void> {
    for (const connection of connections) connection.socket.terminate();
    connections.clear();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    apiUrl: `${baseUrl}/api`,
    applicationId,
    botUser: { ...botUser },
    token,
    addMessage,
    messages: (channelId) => structuredClone(messagesByChannel.get(channelId) ?? []),
    dispatch,
    addReaction,
    interact,
    get requests() {
      return requests;
    },
    interactionResponses(interactionToken) {
      const state = interactionsByToken.get(interactionToken);
      return state ? structuredClone(state.responses) : { callbacks: [], followups: [] };
    },
    commands: (guildId) => structuredClone(commandsByScope.get(guildId ?? '') ?? []),
    waitForRequest,
    failNext(match, response, times = 1) {
      failures.push({ method: match.method, path: match.path, response, remaining: times });
    },
    close,
  };
}
