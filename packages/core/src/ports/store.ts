import type {
  AccessToken,
  Action,
  ActionTriggerKey,
  AgentDefinition,
  Extension,
  ExtensionDeletion,
  IdempotencyRecord,
  IdempotentOperation,
  Message,
  ModelProfile,
  PullRequest,
  RefreshToken,
  Repo,
  Run,
  RunEvent,
  RunStatus,
  Setting,
  Task,
  Template,
  User,
} from '../domain/index.ts';

/**
 * Pagination for list calls. Lists are ordered by `createdAt` then `id`, ascending, and the
 * order is stable: a cursor taken from one page continues exactly after its last item, even
 * if items are added meanwhile.
 */
export interface ListOptions {
  /** Page size; 1 to 500, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. Opaque: only the store that made it reads it. */
  cursor?: string | null;
}

/** One page of a list. `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Every item of a paged list, reading page after page until the last: `list(cursor)` returns
 * the page after `cursor` (null for the first). For lists callers know to be small, such as a
 * task's runs or a deployment's model profiles.
 */
export async function collectPages<T>(list: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/**
 * The operations every entity repository offers. `get` returns null for a missing id;
 * `insert` throws ConflictError for a duplicate id or unique key; `update` throws
 * NotFoundError for a missing id and returns the stored result; `delete` returns whether
 * something was deleted. Every value written is read back with every field intact.
 */
export interface EntityRepository<T extends { id: string }, Filter extends object = object> {
  get(id: string): Promise<T | null>;
  insert(entity: T): Promise<T>;
  update(id: string, patch: Partial<Omit<T, 'id' | 'createdAt'>>): Promise<T>;
  delete(id: string): Promise<boolean>;
  list(options?: ListOptions & Filter): Promise<Page<T>>;
}

/** Model profiles; the encrypted API key is stored beside each profile, never inside it. */
export interface ModelProfileRepository
  extends EntityRepository<ModelProfile, { provider?: ModelProfile['provider'] }> {
  /** Stores (or, with null, removes) the SecretBox envelope of the profile's API key; keeps `hasApiKey` in step. */
  setEncryptedApiKey(id: string, encryptedApiKey: string | null): Promise<void>;
  /** The SecretBox envelope of the key, or null when none is set. NotFoundError for a missing profile. */
  getEncryptedApiKey(id: string): Promise<string | null>;
}

/** Repositories. `url` is unique. */
export type RepoRepository = EntityRepository<Repo>;

/** Tasks, filterable by repo and archived flag. */
export type TaskRepository = EntityRepository<Task, TaskListFilter>;

/** What the task list filters by, each by equality (combined: all must hold). */
export interface TaskListFilter {
  repoId?: string;
  archived?: boolean;
  createdBy?: string;
  status?: Task['status'];
  templateId?: string;
  trigger?: NonNullable<Task['trigger']>;
  actionId?: string;
}

/**
 * Messages of tasks, listed in conversation order. Append-only: a message is neither changed nor
 * deleted on its own (deleting its task deletes it).
 */
export type MessageRepository = Omit<EntityRepository<Message, { taskId?: string }>, 'update' | 'delete'>;

/** Runs, filterable by task, message and status. Deleted only with their task. */
export type RunRepository = Omit<
  EntityRepository<Run, { taskId?: string; messageId?: string; status?: RunStatus }>,
  'delete'
> & {
  /**
   * How many runs are `queued` or `running` whose message's author (`Message.createdBy`) is
   * `userId`: the per-user limit of active runs reads this at every run request, so a store
   * answers it without loading the runs (SQLite: one indexed count).
   */
  countActiveByAuthor(userId: string): Promise<number>;
};

/** What a caller gives to append a run event; the store assigns `sequence`. */
export type NewRunEvent = Omit<RunEvent, 'sequence'>;

/** The append-only log of run events. */
export interface RunEventRepository {
  /**
   * Appends an event and returns it with its `sequence`: 1 for a run's first event, then
   * one more than the last, without gaps, even under concurrent appends.
   */
  append(event: NewRunEvent): Promise<RunEvent>;
  /** Events of a run in sequence order, after `afterSequence` (exclusive), at most `limit` (default 500). */
  list(options: { runId: string; afterSequence?: number; limit?: number }): Promise<RunEvent[]>;
}

/** Pull requests. (`repoId`, `number`) is unique. Deleted only with their task. */
export type PullRequestRepository = Omit<
  EntityRepository<PullRequest, { taskId?: string; repoId?: string }>,
  'delete'
>;

/** Users. `username` is unique; the password hash is stored beside the user, never inside it. */
export interface UserRepository extends EntityRepository<User> {
  getByUsername(username: string): Promise<User | null>;
  /** Stores the password hash (a PasswordHasher string). NotFoundError for a missing user. */
  setPasswordHash(id: string, passwordHash: string | null): Promise<void>;
  /** The stored password hash, or null. NotFoundError for a missing user. */
  getPasswordHash(id: string): Promise<string | null>;
}

/**
 * Personal access tokens of users. Each record is stored with the SHA-256 hash of its token
 * (hex or any fixed encoding the caller picks), which is unique and never returned by a read.
 * Deleting a user deletes their tokens.
 */
export interface AccessTokenRepository {
  /**
   * Stores a new token record with its hash. ConflictError for a taken id or hash;
   * InvalidInputError for an invalid record or a user that does not exist.
   */
  insert(token: AccessToken, tokenHash: string): Promise<AccessToken>;
  /** The record, or null. */
  get(id: string): Promise<AccessToken | null>;
  /** The record whose token has this hash (exact match), or null. Revoked and expired ones too. */
  findByHash(tokenHash: string): Promise<AccessToken | null>;
  /** One user's tokens, revoked and expired ones included, ordered by createdAt then id. */
  list(options: ListOptions & { userId: string }): Promise<Page<AccessToken>>;
  /** Sets `lastUsedAt`. NotFoundError for a missing id. */
  setLastUsedAt(id: string, at: string): Promise<void>;
  /**
   * Revokes the token at `at` and returns the record; a token already revoked keeps its first
   * `revokedAt`. NotFoundError for a missing id.
   */
  revoke(id: string, at: string): Promise<AccessToken>;
  /** Revokes every token of the user not yet revoked, at `at`; returns how many it revoked. */
  revokeAllOfUser(userId: string, at: string): Promise<number>;
}

/**
 * Refresh tokens of users, each stored with the SHA-256 hash of its token (unique, never
 * returned by a read). Deleting a user deletes their tokens.
 */
export interface RefreshTokenRepository {
  /**
   * Stores a new token record with its hash. ConflictError for a taken id or hash;
   * InvalidInputError for an invalid record or a user that does not exist.
   */
  insert(token: RefreshToken, tokenHash: string): Promise<RefreshToken>;
  /** The record whose token has this hash (exact match), or null. Used, revoked and expired ones too. */
  findByHash(tokenHash: string): Promise<RefreshToken | null>;
  /**
   * Marks the token used at `at` if it is neither used nor revoked, and says whether this call
   * did: of two concurrent calls for one token, exactly one gets true. NotFoundError for a
   * missing id.
   */
  markUsed(id: string, at: string): Promise<boolean>;
  /** Revokes every token of the family not yet revoked, at `at`; returns how many it revoked. */
  revokeFamily(familyId: string, at: string): Promise<number>;
  /**
   * Whether the family (a session) is live: it has at least one token and none of its tokens is
   * revoked. Expiry is not considered. Access JWTs of a session are accepted only while it is.
   */
  isFamilyLive(familyId: string): Promise<boolean>;
  /** Revokes every token of the user not yet revoked, at `at`; returns how many it revoked. */
  revokeAllOfUser(userId: string, at: string): Promise<number>;
}

/**
 * Actions. `name` is unique. `ownerId` references a user and becomes null when that user is
 * deleted. The webhook secret (a SecretBox envelope) is stored beside the action, never inside
 * it; `hasWebhookSecret` follows it, whatever insert or update say.
 */
export interface ActionRepository
  extends EntityRepository<Action, { templateId?: string; enabled?: boolean; ownerId?: string }> {
  getByName(name: string): Promise<Action | null>;
  /** Stores (or, with null, removes) the sealed webhook secret; keeps `hasWebhookSecret` in step. NotFoundError for a missing action. */
  setWebhookSecret(id: string, sealedSecret: string | null): Promise<void>;
  /** The sealed webhook secret, or null when none is set. NotFoundError for a missing action. */
  getWebhookSecret(id: string): Promise<string | null>;
}

/**
 * Idempotency keys of action triggers, so that a retried trigger returns the task the first
 * one created. One record per (`actionId`, `key`); deleting the action or the task deletes it.
 */
export interface TriggerKeyRepository {
  /**
   * Claims `key` for the action. The first claim stores it and returns its `taskId` with
   * `created: true`; every later claim (also a concurrent one: exactly one of them wins)
   * returns the stored `taskId` with `created: false` and stores nothing. `taskId` must name
   * a stored task (claim inside the transaction that creates it). InvalidInputError for an
   * invalid claim (a key outside 1..200 characters) or a missing action or task.
   */
  claim(claim: ActionTriggerKey): Promise<{ taskId: string; created: boolean }>;
}

/** Which idempotency record to look up: one caller's key of one operation on one target. */
export interface IdempotencyLookup {
  userId: string;
  operation: IdempotentOperation;
  target: string;
  key: string;
}

/**
 * Idempotency keys of callers (see {@link IdempotencyRecord}): one live record per (`userId`,
 * `operation`, `target`, `key`). A record is live until its `expiresAt`; an expired one counts as
 * absent. Deleting the user or the task deletes their records.
 */
export interface IdempotencyKeyRepository {
  /** The record live at `now` (an ISO timestamp), or null. */
  find(lookup: IdempotencyLookup & { now: string }): Promise<IdempotencyRecord | null>;
  /**
   * Claims the key: stores `record` unless a live one is stored (an expired one is replaced) and
   * returns it with `created: true`; otherwise returns the stored one with `created: false` and
   * stores nothing. Of concurrent claims exactly one wins. Claim inside the transaction that
   * creates the record's task or message, so that neither outlives the other. InvalidInputError for
   * an invalid record or a missing user, task or message.
   */
  claim(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }>;
  /** Deletes the records expired at `now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}

/** Templates. `name` is unique; `repoId` references a repo and becomes null when it is deleted. */
export interface TemplateRepository extends EntityRepository<Template> {
  getByName(name: string): Promise<Template | null>;
}

/** Custom agents (see AgentDefinition). `name` is unique. */
export interface AgentDefinitionRepository extends EntityRepository<AgentDefinition> {
  getByName(name: string): Promise<AgentDefinition | null>;
}

/**
 * Extensions. `name` is unique. Secret env values are stored as SecretBox envelopes. Beside them,
 * the names of deleted extensions (see ExtensionDeletion), one record per name, kept apart from the
 * extensions themselves: deleting or renaming an extension records nothing by itself (the service
 * says when), and a record may name an extension that exists again.
 */
export interface ExtensionRepository extends EntityRepository<Extension> {
  getByName(name: string): Promise<Extension | null>;
  /** Records that `deletion.name` was deleted, replacing an earlier record of it. InvalidInputError for an invalid one. */
  recordDeletion(deletion: ExtensionDeletion): Promise<ExtensionDeletion>;
  /** The record of `name`, or null when none is kept. */
  getDeletion(name: string): Promise<ExtensionDeletion | null>;
  /** Forgets the record of `name`; whether there was one. */
  clearDeletion(name: string): Promise<boolean>;
  /** Every record, ordered by name. */
  listDeletions(): Promise<ExtensionDeletion[]>;
}

/**
 * Settings, keyed by name. A secret setting's `value` is already a SecretBox envelope when it
 * reaches the store: stores hold it as given and never see plaintext.
 */
export interface SettingRepository {
  get(key: string): Promise<Setting | null>;
  /** Creates or replaces a setting, every field included; InvalidInputError for an invalid one. */
  set(setting: Setting): Promise<Setting>;
  delete(key: string): Promise<boolean>;
  /** Every setting, ordered by key. */
  list(): Promise<Setting[]>;
}

/**
 * Persistence: one repository per entity. Deleting a task deletes its messages, runs, run
 * events, pull requests, trigger keys and idempotency keys; deleting a run deletes its events and clears
 * `chosenRunId` of the task that chose it; deleting a user deletes their access and refresh
 * tokens and idempotency keys and clears `ownerId` of their actions; deleting a repo clears `repoId` of templates;
 * deleting an action deletes its trigger keys.
 * Implementations: `@goosuke/store-sqlite` (default), the in-memory reference store in
 * `@goosuke/core/testing`.
 */
export interface Store {
  readonly models: ModelProfileRepository;
  readonly repos: RepoRepository;
  readonly tasks: TaskRepository;
  readonly messages: MessageRepository;
  readonly runs: RunRepository;
  readonly runEvents: RunEventRepository;
  readonly pullRequests: PullRequestRepository;
  readonly users: UserRepository;
  readonly accessTokens: AccessTokenRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly actions: ActionRepository;
  readonly templates: TemplateRepository;
  readonly triggerKeys: TriggerKeyRepository;
  readonly idempotencyKeys: IdempotencyKeyRepository;
  readonly extensions: ExtensionRepository;
  readonly agents: AgentDefinitionRepository;
  readonly settings: SettingRepository;
  /**
   * Runs `work` with a store whose writes commit together when it resolves and roll back
   * entirely when it throws (the error is rethrown). Use only the store passed to `work`
   * inside it. Nested calls join the outer transaction.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * A token for the state of the stored data, so that callers may reuse what they read while it
   * stays the same: it differs whenever committed data may have changed since it was last given
   * (a write through this store, committed or rolled back, at once; a commit by another
   * connection or process sharing the database, at the latest from the next turn of the event
   * loop, so that asking costs no database round trip per request). Take the token before reading, keep what was read under it,
   * reuse it only while the store gives that token again. Null when the store cannot tell, and
   * inside a transaction (uncommitted data is visible there): then nothing may be reused. Costs
   * one small query at most.
   */
  changeToken(): Promise<string | null>;
  /** Releases connections. Idempotent; calls after it fail. */
  close(): Promise<void>;
}
