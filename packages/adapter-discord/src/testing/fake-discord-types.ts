/** A user as the fake is given it. */
export interface FakeUserInput {
  id: string;
  username: string;
  /** Display name (`global_name` on the wire); default null. */
  globalName?: string | null;
  bot?: boolean;
}

/** A guild channel: 0 text channel, 11 public thread (needs `parentId`). */
export interface FakeChannelInput {
  id: string;
  name: string;
  type?: 0 | 11;
  /** The text channel a thread lives in (required for type 11). */
  parentId?: string;
  topic?: string | null;
}

/** A guild role. `permissions` is Discord's decimal bit string; default a plain member's set. */
export interface FakeRoleInput {
  id: string;
  name: string;
  permissions?: string;
}

/** A guild member. `roles` are role ids (the @everyone role is implicit, as on Discord). */
export interface FakeMemberInput {
  user: FakeUserInput;
  nick?: string | null;
  roles: string[];
}

/**
 * A guild the fake holds. The @everyone role (id = guild id) is added when missing, and the bot
 * user is added as a member when missing, as it would be on a guild the bot joined.
 */
export interface FakeGuildInput {
  id: string;
  name: string;
  /** Default: the first member's id, else the bot's. */
  ownerId?: string;
  /** Guild locale (`preferred_locale`); default 'en-US'. */
  preferredLocale?: string;
  channels: FakeChannelInput[];
  roles: FakeRoleInput[];
  members: FakeMemberInput[];
}

/** Options of `startFakeDiscordServer`. */
export interface FakeDiscordServerOptions {
  /** The accepted bot token; default 'fake-bot-token'. */
  token?: string;
  /** The bot's user; default `{ id: '100000000000000001', username: 'goosuke' }`. */
  botUser?: { id: string; username: string };
  /** The application id; default the bot user's id (as for every bot created since 2020). */
  applicationId?: string;
  guilds?: FakeGuildInput[];
  /** Gateway heartbeat interval sent in HELLO; default 41250 ms. */
  heartbeatIntervalMs?: number;
}

/** A user in Discord API shape. */
export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot: boolean;
}

/** An attachment in Discord API shape. */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  description?: string;
}

/** A reaction summary in Discord API shape. */
export interface FakeReaction {
  count: number;
  count_details: { burst: number; normal: number };
  me: boolean;
  me_burst: boolean;
  burst_colors: string[];
  emoji: { id: string | null; name: string | null; animated?: boolean };
}

/**
 * A stored message in Discord API shape (what REST returns), plus `allowed_mentions` exactly as
 * the bot sent it (not part of Discord's message object; kept so tests can assert on it and
 * never sent over the wire).
 */
export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  member?: {
    nick: string | null;
    roles: string[];
    joined_at: string;
    deaf: boolean;
    mute: boolean;
    flags: number;
  };
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: FakeUser[];
  mention_roles: string[];
  attachments: FakeAttachment[];
  embeds: Record<string, unknown>[];
  components: unknown[];
  pinned: boolean;
  /** 0 default, 19 reply, 20 chat input command response. */
  type: number;
  flags: number;
  message_reference?: { type: number; message_id: string; channel_id: string; guild_id?: string };
  referenced_message?: FakeMessage | null;
  reactions?: FakeReaction[];
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: Record<string, unknown>;
  thread?: Record<string, unknown>;
  allowed_mentions?: unknown;
}

/** Input of `addMessage`. */
export interface FakeMessageInput {
  authorId: string;
  content: string;
  /** Default now, kept strictly increasing across calls. */
  timestamp?: Date;
  attachments?: {
    filename: string;
    url?: string;
    content_type?: string;
    description?: string;
    size?: number;
  }[];
  embeds?: { title?: string; description?: string; url?: string }[];
  /** Id of a message in the same channel this one replies to. */
  replyTo?: string;
  /** Also send MESSAGE_CREATE over the gateway, as when a user writes live; default false (history). */
  dispatch?: boolean;
}

/** A REST request the fake received. */
export interface RecordedRequest {
  method: string;
  /** Path without `/api/v10` and without the query, e.g. `/channels/1/messages`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or for multipart the parsed `payload_json` merged with the other text fields. */
  body: unknown;
  /** Files of a multipart body. */
  files: { field: string; filename: string; contentType: string; size: number; text: string }[];
  /** HTTP status the fake answered with. */
  status: number;
}

/** What the bot answered to one interaction. */
export interface FakeInteractionResponses {
  /** Every accepted callback, in order. */
  callbacks: { type: number; data?: Record<string, unknown> }[];
  /** The @original response message as last edited (absent before a type 4/5 callback or after delete). */
  original?: FakeMessage;
  followups: FakeMessage[];
}

/** A scripted failure (see `FakeDiscordServer.failNext`). */
export interface FakeFailure {
  status: number;
  /** JSON body; default `{ message, code: 0 }` (for 429, Discord's rate-limit body with retry_after 0). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Input of `interact`. */
export interface FakeInteractionInput {
  guildId: string;
  channelId: string;
  userId: string;
  /** 2 application command (default), 4 autocomplete, 5 modal submit. */
  type?: 2 | 4 | 5;
  /**
   * The interaction's `data` as Discord sends it. For types 2 and 4, `type` defaults to 1 (chat
   * input) and `id` to the registered command of that name (else a fresh snowflake).
   */
  data: unknown;
  /** User locale; default 'en-US'. */
  locale?: string;
}

/** A running fake Discord (REST under `/api/v10`, gateway at `/gateway`, one port on 127.0.0.1). */
export interface FakeDiscordServer {
  /** 'http://127.0.0.1:P/api': pass as the Client's `rest.api` with `version: '10'`. */
  readonly apiUrl: string;
  /** The application id READY announces and command routes expect. */
  readonly applicationId: string;
  /** The bot's user as REST and READY return it. */
  readonly botUser: FakeUser;
  /** The accepted bot token (pass it to `client.login`). */
  readonly token: string;
  /**
   * Stores a message as if a user wrote it and returns it. Ids are snowflakes built from the
   * timestamp, so they sort as the timestamps do. Throws on an unknown channel, author or reply target.
   */
  addMessage(channelId: string, input: FakeMessageInput): FakeMessage;
  /** The channel's messages, oldest first (copies). */
  messages(channelId: string): FakeMessage[];
  /** Sends a gateway dispatch (op 0) to every identified connection, with its own sequence number. */
  dispatch(t: string, d: unknown): void;
  /**
   * Sends MESSAGE_REACTION_ADD with a full `member` (so uncached users resolve) and records the
   * reaction on the stored message, if there is one. `emoji` is a unicode emoji or `name:id`.
   */
  addReaction(input: {
    guildId: string;
    channelId: string;
    messageId: string;
    userId: string;
    emoji: string;
  }): void;
  /** Sends INTERACTION_CREATE and returns the interaction's id and token. */
  interact(input: FakeInteractionInput): { id: string; token: string };
  /** Every REST request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Callbacks, @original and follow-ups of one interaction; empty for an unknown token. */
  interactionResponses(token: string): FakeInteractionResponses;
  /** Registered commands: global without `guildId`, else that guild's. */
  commands(guildId?: string): unknown[];
  /**
   * Resolves with the first request (already recorded, or arriving within `timeoutMs`, default 5000)
   * matching `predicate`; it is checked once the fake has answered, so state changes are visible.
   * Rejects on timeout listing the recorded requests.
   */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** The next `times` (default 1) REST requests matching method (any if absent) and path get `response`. */
  failNext(match: { method?: string; path: RegExp }, response: FakeFailure, times?: number): void;
  /** Closes gateway sockets and the HTTP server. */
  close(): Promise<void>;
}
