import {
  type Action,
  type ActionRepository,
  type AgentDefinition,
  type Extension,
  type ExtensionRepository,
  GoosukeError,
  type Message,
  type MessageRepository,
  type ModelProfile,
  type ModelProfileRepository,
  type PullRequest,
  type PullRequestRepository,
  type Repo,
  type RepoRepository,
  type Run,
  type RunRepository,
  type Store,
  type Task,
  type TaskRepository,
  type Template,
  type TemplateRepository,
  UnsupportedError,
  type User,
  type UserRepository,
} from '@goosuke/core';
import { createAccessTokenRepository, createRefreshTokenRepository } from './auth-token-repositories.ts';
import { createEntityRepository, createSecretColumn } from './entity-repository.ts';
import { connectionScope, type ExecutionScope, transactionScope } from './execution-scope.ts';
import { createExtensionDeletions } from './extension-deletion-repository.ts';
import { createIdempotencyKeyRepository } from './idempotency-key-repository.ts';
import { createRunEventRepository } from './run-event-repository.ts';
import { createSettingRepository } from './setting-repository.ts';
import {
  openSqliteConnection,
  type SqliteConnection,
  type SqliteConnectionOptions,
  type SqliteDatabase,
} from './sqlite-connection.ts';
import {
  actionTable,
  agentDefinitionTable,
  extensionTable,
  messageTable,
  modelProfileTable,
  pullRequestTable,
  repoTable,
  runTable,
  taskTable,
  templateTable,
  userTable,
} from './table-definitions.ts';
import { createTriggerKeyRepository } from './trigger-key-repository.ts';

// The per-user limit of active runs asks this at every run request: counted in SQL on the partial
// index of active runs by author (migration 0011), reading only this user's, never loading runs.
const countActiveByAuthorSql = `select count(*) as "count" from "goosuke_runs"
  where "author_id" = ? and "status" in ('queued', 'running')`;

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions extends SqliteConnectionOptions {}

/**
 * The Store port on SQLite. `database` is the better-sqlite3 handle, e.g. to give
 * {@link createSqliteJobQueue} the same connection.
 */
export interface SqliteStore extends Store {
  /** The better-sqlite3 handle the store works through. */
  readonly database: SqliteDatabase;
}

function buildStore(
  connection: SqliteConnection,
  scope: ExecutionScope,
  transaction: Store['transaction'],
  close: () => Promise<void>,
): SqliteStore {
  const models = createEntityRepository<ModelProfile, { provider?: ModelProfile['provider'] }>(
    modelProfileTable,
    scope,
  );
  const apiKey = createSecretColumn(modelProfileTable, 'encrypted_api_key', scope);
  const modelRepository: ModelProfileRepository = {
    get: models.get,
    insert: models.insert,
    update: models.update,
    delete: models.delete,
    list: models.list,
    setEncryptedApiKey: (id, encryptedApiKey) =>
      apiKey.set(id, encryptedApiKey, { has_api_key: encryptedApiKey === null ? 0 : 1 }),
    getEncryptedApiKey: (id) => apiKey.get(id),
  };

  const users = createEntityRepository<User>(userTable, scope);
  const passwordHash = createSecretColumn(userTable, 'password_hash', scope);
  const userRepository: UserRepository = {
    get: users.get,
    insert: users.insert,
    update: users.update,
    delete: users.delete,
    list: users.list,
    getByUsername: (username) => users.findBy('username', username),
    setPasswordHash: (id, hash) => passwordHash.set(id, hash),
    getPasswordHash: (id) => passwordHash.get(id),
  };

  const actions = createEntityRepository<
    Action,
    { templateId?: string; enabled?: boolean; ownerId?: string }
  >(actionTable, scope);
  const webhookSecret = createSecretColumn(actionTable, 'webhook_secret', scope);
  const templates = createEntityRepository<Template>(templateTable, scope);
  const extensions = createEntityRepository<Extension>(extensionTable, scope);
  const agents = createEntityRepository<AgentDefinition>(agentDefinitionTable, scope);
  const byName = <T extends { id: string }, F extends object>(
    repository: ReturnType<typeof createEntityRepository<T, F>>,
  ) => ({
    get: repository.get,
    insert: repository.insert,
    update: repository.update,
    delete: repository.delete,
    list: repository.list,
    getByName: (name: string) => repository.findBy('name', name),
  });

  const repos: RepoRepository = createEntityRepository<Repo>(repoTable, scope);
  const tasks: TaskRepository = createEntityRepository<Task, { repoId?: string; archived?: boolean }>(
    taskTable,
    scope,
  );
  // Messages, runs and pull requests are deleted with their task only, and messages never change:
  // the port leaves those operations out, so the repositories do not carry them either.
  const messageRows = createEntityRepository<Message, { taskId?: string }>(messageTable, scope);
  const messages: MessageRepository = {
    get: messageRows.get,
    insert: messageRows.insert,
    list: messageRows.list,
  };
  const runRows = createEntityRepository<
    Run,
    { taskId?: string; messageId?: string; status?: Run['status'] }
  >(runTable, scope);
  const runs: RunRepository = {
    get: runRows.get,
    insert: runRows.insert,
    update: runRows.update,
    list: runRows.list,
    // One count over the status index, each run's message found by its key: no run is loaded.
    countActiveByAuthor: (userId) =>
      scope.run(
        () =>
          (
            scope.connection.statement(countActiveByAuthorSql).get([userId]) as {
              count: number;
            }
          ).count,
      ),
  };
  const pullRequestRows = createEntityRepository<PullRequest, { taskId?: string; repoId?: string }>(
    pullRequestTable,
    scope,
  );
  const pullRequests: PullRequestRepository = {
    get: pullRequestRows.get,
    insert: pullRequestRows.insert,
    update: pullRequestRows.update,
    list: pullRequestRows.list,
  };
  const actionRepository: ActionRepository = {
    ...byName(actions),
    setWebhookSecret: (id, sealedSecret) =>
      webhookSecret.set(id, sealedSecret, { has_webhook_secret: sealedSecret === null ? 0 : 1 }),
    getWebhookSecret: (id) => webhookSecret.get(id),
  };
  const templateRepository: TemplateRepository = byName(templates);
  const extensionRepository: ExtensionRepository = {
    ...byName(extensions),
    ...createExtensionDeletions(scope),
  };

  return {
    database: connection.database,
    models: modelRepository,
    repos,
    tasks,
    messages,
    runs,
    runEvents: createRunEventRepository(scope),
    pullRequests,
    users: userRepository,
    accessTokens: createAccessTokenRepository(scope),
    refreshTokens: createRefreshTokenRepository(scope),
    actions: actionRepository,
    templates: templateRepository,
    triggerKeys: createTriggerKeyRepository(scope),
    idempotencyKeys: createIdempotencyKeyRepository(scope),
    extensions: extensionRepository,
    agents: byName(agents),
    settings: createSettingRepository(scope),
    transaction,
    changeToken: () => scope.run(() => changeTokenOf(connection, scope)),
    close,
  };
}

/** See `Store.changeToken` and `ChangeTokenSource`: null inside any transaction on the connection. */
function changeTokenOf(connection: SqliteConnection, scope: ExecutionScope): string | null {
  return scope.transaction !== null ? null : connection.changeToken();
}

/**
 * Opens the Store on SQLite: opens or joins the connection for `options.database`, sets
 * WAL (for files), synchronous NORMAL, foreign keys and the busy timeout, and runs pending
 * migrations in one transaction. Async because of the migrations.
 *
 * Ownership: a filename is opened by the store and closed by its `close()`; an injected
 * better-sqlite3 handle belongs to the host and is never closed by the store. A store and a
 * job queue given the same handle share one connection and its transaction lock.
 *
 * Transactions: `transaction(work)` runs `work` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK
 * and rethrow when it throws); nested calls join the outer one. Use only the store passed to
 * `work`: meanwhile every statement issued from outside the transaction waits for it to end.
 * (Calls made through the outer store from inside `work`'s own async context join the
 * transaction rather than deadlock, but do not rely on it.) Statements of the host on an
 * injected handle are not coordinated and become part of an open transaction.
 *
 * Errors: duplicates are ConflictError, invalid entities and references to missing entities
 * InvalidInputError, a busy database a retryable GoosukeError `storage`, anything else
 * GoosukeError `storage`. After `close()` (idempotent) every call rejects with `storage`.
 *
 * @throws GoosukeError `storage` when the database cannot be opened or migrated.
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const { connection, owned } = await openSqliteConnection(options);
  const closedMessage = 'the SQLite store is closed';
  let closed = false;
  let closing: Promise<void> | undefined;
  const scope = connectionScope(connection, () => closed, closedMessage);

  const transaction = <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new GoosukeError('storage', closedMessage));
    return connection.transaction((token) => {
      const boundScope = transactionScope(connection, token);
      const bound: SqliteStore = buildStore(
        connection,
        boundScope,
        // Nested calls join: the work runs on the same bound store, inside the same transaction.
        (nestedWork) => boundScope.run(() => undefined).then(() => nestedWork(bound)),
        () =>
          Promise.reject(
            new UnsupportedError(
              'close the store that opened the transaction, not the one passed to its work',
            ),
          ),
      );
      return work(bound);
    });
  };

  const close = (): Promise<void> => {
    closed = true;
    closing ??= owned ? connection.close() : Promise.resolve();
    return closing;
  };

  return buildStore(connection, scope, transaction, close);
}
