import {
  type AccessToken,
  type Action,
  type AgentDefinition,
  accessTokenSchema,
  actionSchema,
  agentDefinitionSchema,
  type Extension,
  extensionSchema,
  type Message,
  type ModelProfile,
  messageSchema,
  modelProfileSchema,
  type PullRequest,
  pullRequestSchema,
  type RefreshToken,
  type Repo,
  type Run,
  refreshTokenSchema,
  repoSchema,
  runSchema,
  type Task,
  type Template,
  taskSchema,
  templateSchema,
  type User,
  userSchema,
} from '@goosuke/core';
import type { ErrorSubject } from './sqlite-error.ts';

/** How a field is stored: as is, as 0/1 (booleans) or as JSON text (SQL NULL for null). */
export type ColumnKind = 'value' | 'boolean' | 'json';

/** One entity field and the column that holds it. */
export interface ColumnDefinition {
  readonly field: string;
  readonly column: string;
  readonly kind: ColumnKind;
}

/** A zod issue, as much of it as errors need. */
export interface SchemaIssue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly code?: string;
}

/** The part of a zod schema the store uses (structural, so this package needs no zod). */
export interface EntitySchema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}

/** A column referencing another entity's id under a foreign key. */
export interface ReferenceDefinition {
  readonly field: string;
  readonly entity: string;
  readonly table: string;
}

/** How one entity maps onto its table. */
export interface TableDefinition<T> extends ErrorSubject {
  readonly table: string;
  readonly schema: EntitySchema<T>;
  /** The readable columns, in order; secret columns are not among them. */
  readonly columns: readonly ColumnDefinition[];
  /** List filters: option name to column. */
  readonly filters: Readonly<Record<string, ColumnDefinition>>;
  /** Foreign keys, to say which referenced entity is missing when one is violated. */
  readonly references: readonly ReferenceDefinition[];
  /** Whether the entity has an immutable `createdAt`. */
  readonly hasCreatedAt: boolean;
  /**
   * Fields the store maintains itself, with the value a new entity gets: insert overrides
   * them and update ignores them (e.g. `hasApiKey`, which follows the stored key).
   */
  readonly managedFields: Readonly<Record<string, unknown>>;
}

function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function column(field: string, kind: ColumnKind = 'value'): ColumnDefinition {
  return { field, column: snakeCase(field), kind };
}

function defineTable<T>(definition: {
  entity: string;
  table: string;
  schema: EntitySchema<T>;
  columns: readonly ColumnDefinition[];
  filters?: readonly string[];
  references?: readonly ReferenceDefinition[];
  managedFields?: Readonly<Record<string, unknown>>;
}): TableDefinition<T> {
  const byColumn = new Map(definition.columns.map((entry) => [entry.column, entry.field]));
  const byField = new Map(definition.columns.map((entry) => [entry.field, entry]));
  const filters: Record<string, ColumnDefinition> = {};
  for (const name of definition.filters ?? []) {
    const entry = byField.get(name);
    if (entry === undefined) throw new Error(`no column for filter ${name} of ${definition.table}`);
    filters[name] = entry;
  }
  return {
    entity: definition.entity,
    table: definition.table,
    schema: definition.schema,
    columns: definition.columns,
    filters,
    references: definition.references ?? [],
    hasCreatedAt: byField.has('createdAt'),
    managedFields: definition.managedFields ?? {},
    fieldOf: (name) => byColumn.get(name) ?? name,
  };
}

const timestamps = [column('createdAt'), column('updatedAt')];

/** Model profiles; `encrypted_api_key` is a further, secret column. */
export const modelProfileTable = defineTable<ModelProfile>({
  entity: 'model profile',
  table: 'goosuke_model_profiles',
  schema: modelProfileSchema,
  columns: [
    column('id'),
    column('provider'),
    column('modelName'),
    column('displayName'),
    column('baseUrl'),
    column('hasApiKey', 'boolean'),
    column('capabilities', 'json'),
    ...timestamps,
  ],
  filters: ['provider'],
  // A new profile has no stored key; only setEncryptedApiKey turns this on or off.
  managedFields: { hasApiKey: false },
});

/** Repositories. */
export const repoTable = defineTable<Repo>({
  entity: 'repo',
  table: 'goosuke_repos',
  schema: repoSchema,
  columns: [
    column('id'),
    column('name'),
    column('url'),
    column('defaultBranch'),
    column('codeHost'),
    ...timestamps,
  ],
});

/** Tasks. */
export const taskTable = defineTable<Task>({
  entity: 'task',
  table: 'goosuke_tasks',
  schema: taskSchema,
  columns: [
    column('id'),
    column('title'),
    column('repoId'),
    column('baseBranch'),
    column('actionId'),
    column('templateId'),
    column('trigger'),
    column('status'),
    column('createdBy'),
    column('firedBy'),
    column('chosenRunId'),
    column('archived', 'boolean'),
    column('extensionIds', 'json'),
    column('discordChannel', 'json'),
    ...timestamps,
  ],
  filters: ['repoId', 'archived', 'createdBy', 'status', 'templateId', 'trigger', 'actionId'],
  // The runs table is defined below; it references tasks in turn.
  references: [
    { field: 'chosenRunId', entity: 'run', table: 'goosuke_runs' },
    { field: 'firedBy', entity: 'user', table: 'goosuke_users' },
  ],
});

const taskReference: ReferenceDefinition = { field: 'taskId', entity: 'task', table: taskTable.table };

/** Messages, owned by their task. */
export const messageTable = defineTable<Message>({
  entity: 'message',
  table: 'goosuke_messages',
  schema: messageSchema,
  columns: [
    column('id'),
    column('taskId'),
    column('role'),
    column('content'),
    column('runId'),
    column('createdBy'),
    column('createdAt'),
  ],
  filters: ['taskId'],
  references: [taskReference],
});

/** Runs, owned by their task. */
export const runTable = defineTable<Run>({
  entity: 'run',
  table: 'goosuke_runs',
  schema: runSchema,
  columns: [
    column('id'),
    column('taskId'),
    column('messageId'),
    column('executor', 'json'),
    column('instruction'),
    column('baseRef'),
    column('baseSource', 'json'),
    column('baseCommit'),
    column('workingBranch'),
    column('status'),
    column('summary'),
    column('patch'),
    column('filesChanged', 'json'),
    column('warnings', 'json'),
    column('error', 'json'),
    column('usage', 'json'),
    column('createdAt'),
    column('startedAt'),
    column('completedAt'),
    column('cancelRequestedAt'),
    column('maxCostUsd'),
    column('maxTokens'),
    column('allowShell', 'boolean'),
    column('agentSession', 'json'),
    column('extensions', 'json'),
  ],
  filters: ['taskId', 'messageId', 'status'],
  references: [taskReference],
});

/** Pull requests, owned by their task. */
export const pullRequestTable = defineTable<PullRequest>({
  entity: 'pull request',
  table: 'goosuke_pull_requests',
  schema: pullRequestSchema,
  columns: [
    column('id'),
    column('taskId'),
    column('repoId'),
    column('runId'),
    column('number'),
    column('url'),
    column('title'),
    column('body'),
    column('branch'),
    column('baseBranch'),
    column('state'),
    ...timestamps,
  ],
  filters: ['taskId', 'repoId'],
  references: [taskReference],
});

/** Users; `password_hash` is a further, secret column. */
export const userTable = defineTable<User>({
  entity: 'user',
  table: 'goosuke_users',
  schema: userSchema,
  columns: [
    column('id'),
    column('username'),
    column('displayName'),
    column('role'),
    column('disabled', 'boolean'),
    ...timestamps,
  ],
});

const userReference: ReferenceDefinition = { field: 'userId', entity: 'user', table: userTable.table };

/** Personal access tokens, owned by their user; `token_hash` is a further, secret column. */
export const accessTokenTable = defineTable<AccessToken>({
  entity: 'access token',
  table: 'goosuke_access_tokens',
  schema: accessTokenSchema,
  columns: [
    column('id'),
    column('userId'),
    column('name'),
    column('prefix'),
    column('expiresAt'),
    column('lastUsedAt'),
    column('revokedAt'),
    column('createdAt'),
  ],
  filters: ['userId'],
  references: [userReference],
});

/** Refresh tokens, owned by their user; `token_hash` is a further, secret column. */
export const refreshTokenTable = defineTable<RefreshToken>({
  entity: 'refresh token',
  table: 'goosuke_refresh_tokens',
  schema: refreshTokenSchema,
  columns: [
    column('id'),
    column('userId'),
    column('familyId'),
    column('expiresAt'),
    column('usedAt'),
    column('revokedAt'),
    column('createdAt'),
    column('authenticatedAt'),
  ],
  filters: ['userId'],
  references: [userReference],
});

/** Actions; `webhook_secret` is a further, secret column. */
export const actionTable = defineTable<Action>({
  entity: 'action',
  table: 'goosuke_actions',
  schema: actionSchema,
  columns: [
    column('id'),
    column('name'),
    column('templateId'),
    column('trigger'),
    column('config', 'json'),
    column('repoId'),
    column('ownerId'),
    column('callbackUrl'),
    column('parameterMapping', 'json'),
    column('hasWebhookSecret', 'boolean'),
    column('enabled', 'boolean'),
    column('extensionIds', 'json'),
    ...timestamps,
  ],
  filters: ['templateId', 'enabled', 'ownerId'],
  references: [{ field: 'ownerId', entity: 'user', table: userTable.table }],
  // A new action has no stored secret; only setWebhookSecret turns this on or off.
  managedFields: { hasWebhookSecret: false },
});

/** Templates. */
export const templateTable = defineTable<Template>({
  entity: 'template',
  table: 'goosuke_templates',
  schema: templateSchema,
  columns: [
    column('id'),
    column('name'),
    column('description'),
    column('prompt'),
    column('parameters', 'json'),
    column('defaultModelProfileIds', 'json'),
    column('defaultAgents', 'json'),
    column('allowShell', 'boolean'),
    column('maxCostUsd'),
    column('maxTokens'),
    column('extensionIds', 'json'),
    column('outputKind'),
    column('repoId'),
    ...timestamps,
  ],
  references: [{ field: 'repoId', entity: 'repo', table: repoTable.table }],
});

/** Custom agents. */
export const agentDefinitionTable = defineTable<AgentDefinition>({
  entity: 'agent',
  table: 'goosuke_agents',
  schema: agentDefinitionSchema,
  columns: [
    column('id'),
    column('name'),
    column('command'),
    column('args', 'json'),
    column('wire'),
    column('sessionMode'),
    column('description'),
    ...timestamps,
  ],
});

/** Extensions. */
export const extensionTable = defineTable<Extension>({
  entity: 'extension',
  table: 'goosuke_extensions',
  schema: extensionSchema,
  columns: [
    column('id'),
    column('name'),
    column('description'),
    column('type'),
    column('command'),
    column('args', 'json'),
    column('cwd'),
    column('uri'),
    column('headers', 'json'),
    column('timeoutSeconds'),
    column('env', 'json'),
    column('enabled', 'boolean'),
    column('alwaysOn', 'boolean'),
    column('server', 'json'),
    ...timestamps,
  ],
});

/** Encodes one field for its column. */
export function encodeValue(kind: ColumnKind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (kind === 'boolean') return value === true ? 1 : 0;
  if (kind === 'json') return JSON.stringify(value);
  return value;
}

/** Decodes one column for its field. */
export function decodeValue(kind: ColumnKind, value: unknown): unknown {
  if (kind === 'boolean') return value === 1 || value === 1n;
  if (kind === 'json') return value === null ? null : JSON.parse(value as string);
  return value;
}
