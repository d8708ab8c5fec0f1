import type { z } from 'zod';
import {
  type AccessToken,
  type Action,
  type AgentDefinition,
  accessTokenSchema,
  actionSchema,
  actionTriggerKeySchema,
  agentDefinitionSchema,
  type Extension,
  type ExtensionDeletion,
  extensionSchema,
  type IdempotencyRecord,
  type Message,
  type ModelProfile,
  messageSchema,
  modelProfileSchema,
  type PullRequest,
  pullRequestSchema,
  type RefreshToken,
  type Repo,
  type Run,
  type RunEvent,
  refreshTokenSchema,
  repoSchema,
  runEventSchema,
  runSchema,
  type Setting,
  settingSchema,
  type Task,
  type Template,
  taskSchema,
  templateSchema,
  timestampSchema,
  type User,
  userSchema,
} from '../domain/index.ts';
import {
  ConflictError,
  GoosukeError,
  InvalidInputError,
  NotFoundError,
  UnsupportedError,
} from '../errors/index.ts';
import type {
  AccessTokenRepository,
  ActionRepository,
  AgentDefinitionRepository,
  ExtensionRepository,
  ListOptions,
  MessageRepository,
  ModelProfileRepository,
  Page,
  PullRequestRepository,
  RefreshTokenRepository,
  RunEventRepository,
  RunRepository,
  SettingRepository,
  Store,
  TaskListFilter,
  TemplateRepository,
  TriggerKeyRepository,
  UserRepository,
} from '../ports/index.ts';
import {
  copy,
  createMemoryEntityRepository,
  type MemoryRunner,
  pageOf,
  validate,
} from './memory-entity-repository.ts';
import { createMemoryExtensionDeletions } from './memory-extension-deletions.ts';
import { createMemoryIdempotencyKeys, deleteIdempotencyKeysOf } from './memory-idempotency-keys.ts';

interface MemoryState {
  models: Map<string, ModelProfile>;
  modelKeys: Map<string, string>;
  repos: Map<string, Repo>;
  tasks: Map<string, Task>;
  messages: Map<string, Message>;
  runs: Map<string, Run>;
  /** Events of each run, in sequence order. */
  runEvents: Map<string, RunEvent[]>;
  runEventIds: Set<string>;
  pullRequests: Map<string, PullRequest>;
  users: Map<string, User>;
  passwordHashes: Map<string, string>;
  accessTokens: Map<string, AccessToken>;
  /** Token hash by access token id. */
  accessTokenHashes: Map<string, string>;
  refreshTokens: Map<string, RefreshToken>;
  /** Token hash by refresh token id. */
  refreshTokenHashes: Map<string, string>;
  actions: Map<string, Action>;
  webhookSecrets: Map<string, string>;
  /** Task id by JSON `[actionId, key]`. */
  triggerKeys: Map<string, { actionId: string; taskId: string }>;
  idempotencyKeys: Map<string, IdempotencyRecord>;
  templates: Map<string, Template>;
  extensions: Map<string, Extension>;
  /** Deleted extension names, by name. */
  extensionDeletions: Map<string, ExtensionDeletion>;
  agents: Map<string, AgentDefinition>;
  settings: Map<string, Setting>;
}

function emptyState(): MemoryState {
  return {
    models: new Map(),
    modelKeys: new Map(),
    repos: new Map(),
    tasks: new Map(),
    messages: new Map(),
    runs: new Map(),
    runEvents: new Map(),
    runEventIds: new Set(),
    pullRequests: new Map(),
    users: new Map(),
    passwordHashes: new Map(),
    accessTokens: new Map(),
    accessTokenHashes: new Map(),
    refreshTokens: new Map(),
    refreshTokenHashes: new Map(),
    actions: new Map(),
    webhookSecrets: new Map(),
    triggerKeys: new Map(),
    idempotencyKeys: new Map(),
    templates: new Map(),
    extensions: new Map(),
    extensionDeletions: new Map(),
    agents: new Map(),
    settings: new Map(),
  };
}

const newRunEventSchema = runEventSchema.omit({ sequence: true });
const defaultEventLimit = 500;

function deleteRunEvents(state: MemoryState, runId: string): void {
  for (const event of state.runEvents.get(runId) ?? []) state.runEventIds.delete(event.id);
  state.runEvents.delete(runId);
}

function deleteRun(state: MemoryState, runId: string): void {
  deleteRunEvents(state, runId);
  state.runs.delete(runId);
}

function closedError(): GoosukeError {
  return new GoosukeError('storage', 'the store is closed');
}

/** Serialises store calls so that a transaction sees no foreign write and undoes only its own. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<R>(work: () => R | Promise<R>): Promise<R> {
    const result = this.#tail.then(work);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

type Repositories = Omit<Store, 'transaction' | 'changeToken' | 'close'>;

type TokenRecord = { id: string; userId: string; createdAt: string; revokedAt: string | null };

function deleteToken(rows: Map<string, TokenRecord>, hashes: Map<string, string>, id: string): void {
  rows.delete(id);
  hashes.delete(id);
}

function insertToken<T extends TokenRecord>(
  state: MemoryState,
  token: T,
  tokenHash: string,
  table: { entity: string; schema: z.ZodType<T>; rows: Map<string, T>; hashes: Map<string, string> },
): T {
  const record = copy(validate(table.schema, token, table.entity));
  if (typeof tokenHash !== 'string' || tokenHash === '') {
    throw new InvalidInputError(`invalid ${table.entity}: the token hash must be a non-empty string`, [
      { path: ['tokenHash'], message: 'a non-empty string' },
    ]);
  }
  if (!state.users.has(record.userId)) {
    throw new InvalidInputError(
      `invalid ${table.entity}: user ${JSON.stringify(record.userId)} does not exist`,
      [{ path: ['userId'], message: 'no user with this id exists', code: 'custom' }],
    );
  }
  if (table.rows.has(record.id)) {
    throw new ConflictError(`a ${table.entity} with id ${JSON.stringify(record.id)} already exists`);
  }
  for (const hash of table.hashes.values()) {
    if (hash === tokenHash) throw new ConflictError(`a ${table.entity} with this hash already exists`);
  }
  table.rows.set(record.id, record);
  table.hashes.set(record.id, tokenHash);
  return copy(record);
}

function findByHash<T>(rows: Map<string, T>, hashes: Map<string, string>, tokenHash: string): T | null {
  for (const [id, hash] of hashes) if (hash === tokenHash) return copy(rows.get(id) ?? null);
  return null;
}

function listOfUser<T extends TokenRecord>(
  rows: Map<string, T>,
  options: ListOptions & { userId: string },
): Page<T> {
  return copy(
    pageOf(
      [...rows.values()].filter((token) => token.userId === options.userId),
      options,
    ),
  );
}

function revokeWhere<T extends TokenRecord>(
  rows: Map<string, T>,
  matches: (token: T) => boolean,
  at: string,
): number {
  validate(timestampSchema, at, 'revocation time');
  let revoked = 0;
  for (const token of rows.values()) {
    if (token.revokedAt === null && matches(token)) {
      rows.set(token.id, { ...token, revokedAt: at });
      revoked += 1;
    }
  }
  return revoked;
}

function createRepositories(run: MemoryRunner<MemoryState>): Repositories {
  const modelBase = createMemoryEntityRepository<
    MemoryState,
    ModelProfile,
    { provider?: ModelProfile['provider'] }
  >(run, {
    entity: 'model profile',
    schema: modelProfileSchema,
    rows: (state) => state.models,
    filterFields: ['provider'],
    // `hasApiKey` is derived from the stored key, whatever a caller writes.
    present: (state, row) => ({ ...row, hasApiKey: state.modelKeys.has(row.id) }),
    onDelete: (state, row) => {
      state.modelKeys.delete(row.id);
    },
  });
  const models: ModelProfileRepository = {
    ...modelBase,
    setEncryptedApiKey: (id, encryptedApiKey) =>
      run((state) => {
        if (!state.models.has(id)) throw new NotFoundError('model profile', id);
        if (encryptedApiKey === null) state.modelKeys.delete(id);
        else state.modelKeys.set(id, encryptedApiKey);
      }),
    getEncryptedApiKey: (id) =>
      run((state) => {
        if (!state.models.has(id)) throw new NotFoundError('model profile', id);
        return state.modelKeys.get(id) ?? null;
      }),
  };

  const repos = createMemoryEntityRepository<MemoryState, Repo, Record<string, never>>(run, {
    entity: 'repo',
    schema: repoSchema,
    rows: (state) => state.repos,
    uniques: [{ label: 'url', key: (repo) => repo.url }],
    onDelete: (state, repo) => {
      for (const template of state.templates.values()) {
        if (template.repoId === repo.id) state.templates.set(template.id, { ...template, repoId: null });
      }
    },
  });

  const tasks = createMemoryEntityRepository<MemoryState, Task, TaskListFilter>(run, {
    entity: 'task',
    schema: taskSchema,
    rows: (state) => state.tasks,
    filterFields: ['repoId', 'archived', 'createdBy', 'status', 'templateId', 'trigger', 'actionId'],
    onDelete: (state, task) => {
      for (const message of [...state.messages.values()]) {
        if (message.taskId === task.id) state.messages.delete(message.id);
      }
      for (const run of [...state.runs.values()]) {
        if (run.taskId === task.id) deleteRun(state, run.id);
      }
      for (const pullRequest of [...state.pullRequests.values()]) {
        if (pullRequest.taskId === task.id) state.pullRequests.delete(pullRequest.id);
      }
      for (const [key, claim] of [...state.triggerKeys]) {
        if (claim.taskId === task.id) state.triggerKeys.delete(key);
      }
      deleteIdempotencyKeysOf(state, { taskId: task.id });
    },
  });

  // Messages never change, and messages, runs and pull requests are deleted with their task only:
  // the port leaves those operations out, so the repositories do not carry them either.
  const messageRows = createMemoryEntityRepository<MemoryState, Message, { taskId?: string }>(run, {
    entity: 'message',
    schema: messageSchema,
    rows: (state) => state.messages,
    filterFields: ['taskId'],
  });
  const messages: MessageRepository = {
    get: messageRows.get,
    insert: messageRows.insert,
    list: messageRows.list,
  };

  const runRows = createMemoryEntityRepository<
    MemoryState,
    Run,
    { taskId?: string; messageId?: string; status?: Run['status'] }
  >(run, {
    entity: 'run',
    schema: runSchema,
    rows: (state) => state.runs,
    filterFields: ['taskId', 'messageId', 'status'],
  });
  const runs: RunRepository = {
    get: runRows.get,
    insert: runRows.insert,
    update: runRows.update,
    list: runRows.list,
    countActiveByAuthor: (userId) =>
      run((state) => {
        let count = 0;
        for (const each of state.runs.values()) {
          if (each.status !== 'queued' && each.status !== 'running') continue;
          if (state.messages.get(each.messageId)?.createdBy === userId) count++;
        }
        return count;
      }),
  };

  const runEvents: RunEventRepository = {
    append: (event) =>
      run((state) => {
        const parsed = validate(newRunEventSchema, event, 'run event');
        if (state.runEventIds.has(parsed.id)) {
          throw new ConflictError(`a run event with id ${JSON.stringify(parsed.id)} already exists`);
        }
        const log = state.runEvents.get(parsed.runId) ?? [];
        const stored: RunEvent = { ...copy(parsed), sequence: log.length + 1 };
        log.push(stored);
        state.runEvents.set(parsed.runId, log);
        state.runEventIds.add(stored.id);
        return copy(stored);
      }),
    list: ({ runId, afterSequence = 0, limit = defaultEventLimit }) =>
      run((state) => {
        if (!Number.isInteger(limit) || limit < 1) {
          throw new InvalidInputError(`limit must be a positive integer, got ${limit}`, [
            { path: ['limit'], message: 'a positive integer' },
          ]);
        }
        const log = state.runEvents.get(runId) ?? [];
        return copy(log.filter((event) => event.sequence > afterSequence).slice(0, limit));
      }),
  };

  const pullRequestRows = createMemoryEntityRepository<
    MemoryState,
    PullRequest,
    { taskId?: string; repoId?: string }
  >(run, {
    entity: 'pull request',
    schema: pullRequestSchema,
    rows: (state) => state.pullRequests,
    uniques: [{ label: '(repoId, number)', key: (pr) => JSON.stringify([pr.repoId, pr.number]) }],
    filterFields: ['taskId', 'repoId'],
  });
  const pullRequests: PullRequestRepository = {
    get: pullRequestRows.get,
    insert: pullRequestRows.insert,
    update: pullRequestRows.update,
    list: pullRequestRows.list,
  };

  const userBase = createMemoryEntityRepository<MemoryState, User, Record<string, never>>(run, {
    entity: 'user',
    schema: userSchema,
    rows: (state) => state.users,
    uniques: [{ label: 'username', key: (user) => user.username }],
    onDelete: (state, user) => {
      state.passwordHashes.delete(user.id);
      for (const action of state.actions.values()) {
        if (action.ownerId === user.id) state.actions.set(action.id, { ...action, ownerId: null });
      }
      for (const token of [...state.accessTokens.values()]) {
        if (token.userId === user.id) deleteToken(state.accessTokens, state.accessTokenHashes, token.id);
      }
      for (const token of [...state.refreshTokens.values()]) {
        if (token.userId === user.id) deleteToken(state.refreshTokens, state.refreshTokenHashes, token.id);
      }
      deleteIdempotencyKeysOf(state, { userId: user.id });
      for (const task of state.tasks.values()) {
        if (task.firedBy === user.id) state.tasks.set(task.id, { ...task, firedBy: null });
      }
    },
  });
  const users: UserRepository = {
    ...userBase,
    getByUsername: (username) =>
      run((state) => {
        for (const user of state.users.values()) if (user.username === username) return copy(user);
        return null;
      }),
    setPasswordHash: (id, passwordHash) =>
      run((state) => {
        if (!state.users.has(id)) throw new NotFoundError('user', id);
        if (passwordHash === null) state.passwordHashes.delete(id);
        else state.passwordHashes.set(id, passwordHash);
      }),
    getPasswordHash: (id) =>
      run((state) => {
        if (!state.users.has(id)) throw new NotFoundError('user', id);
        return state.passwordHashes.get(id) ?? null;
      }),
  };

  const accessTokens: AccessTokenRepository = {
    insert: (token, tokenHash) =>
      run((state) =>
        insertToken(state, token, tokenHash, {
          entity: 'access token',
          schema: accessTokenSchema,
          rows: state.accessTokens,
          hashes: state.accessTokenHashes,
        }),
      ),
    get: (id) => run((state) => copy(state.accessTokens.get(id) ?? null)),
    findByHash: (tokenHash) =>
      run((state) => findByHash(state.accessTokens, state.accessTokenHashes, tokenHash)),
    list: (options) => run((state) => listOfUser(state.accessTokens, options)),
    setLastUsedAt: (id, at) =>
      run((state) => {
        const token = state.accessTokens.get(id);
        if (token === undefined) throw new NotFoundError('access token', id);
        state.accessTokens.set(id, validate(accessTokenSchema, { ...token, lastUsedAt: at }, 'access token'));
      }),
    revoke: (id, at) =>
      run((state) => {
        const token = state.accessTokens.get(id);
        if (token === undefined) throw new NotFoundError('access token', id);
        if (token.revokedAt !== null) return copy(token);
        const revoked = validate(accessTokenSchema, { ...token, revokedAt: at }, 'access token');
        state.accessTokens.set(id, revoked);
        return copy(revoked);
      }),
    revokeAllOfUser: (userId, at) =>
      run((state) => revokeWhere(state.accessTokens, (token) => token.userId === userId, at)),
  };

  const refreshTokens: RefreshTokenRepository = {
    insert: (token, tokenHash) =>
      run((state) =>
        insertToken(state, token, tokenHash, {
          entity: 'refresh token',
          schema: refreshTokenSchema,
          rows: state.refreshTokens,
          hashes: state.refreshTokenHashes,
        }),
      ),
    findByHash: (tokenHash) =>
      run((state) => findByHash(state.refreshTokens, state.refreshTokenHashes, tokenHash)),
    markUsed: (id, at) =>
      run((state) => {
        const token = state.refreshTokens.get(id);
        if (token === undefined) throw new NotFoundError('refresh token', id);
        if (token.usedAt !== null || token.revokedAt !== null) return false;
        state.refreshTokens.set(id, validate(refreshTokenSchema, { ...token, usedAt: at }, 'refresh token'));
        return true;
      }),
    revokeFamily: (familyId, at) =>
      run((state) => revokeWhere(state.refreshTokens, (token) => token.familyId === familyId, at)),
    isFamilyLive: (familyId) =>
      run((state) => {
        let found = false;
        for (const token of state.refreshTokens.values()) {
          if (token.familyId !== familyId) continue;
          if (token.revokedAt !== null) return false;
          found = true;
        }
        return found;
      }),
    revokeAllOfUser: (userId, at) =>
      run((state) => revokeWhere(state.refreshTokens, (token) => token.userId === userId, at)),
  };

  function byName<T extends { name: string }>(rows: (state: MemoryState) => Map<string, T>) {
    return (name: string) =>
      run((state) => {
        for (const row of rows(state).values()) if (row.name === name) return copy(row);
        return null;
      });
  }

  const actionBase = createMemoryEntityRepository<
    MemoryState,
    Action,
    { templateId?: string; enabled?: boolean; ownerId?: string }
  >(run, {
    entity: 'action',
    schema: actionSchema,
    rows: (state) => state.actions,
    uniques: [{ label: 'name', key: (action) => action.name }],
    filterFields: ['templateId', 'enabled', 'ownerId'],
    // `hasWebhookSecret` is derived from the stored secret, whatever a caller writes.
    present: (state, row) => ({ ...row, hasWebhookSecret: state.webhookSecrets.has(row.id) }),
    onDelete: (state, row) => {
      state.webhookSecrets.delete(row.id);
      for (const [key, claim] of [...state.triggerKeys]) {
        if (claim.actionId === row.id) state.triggerKeys.delete(key);
      }
    },
  });
  const actions: ActionRepository = {
    ...actionBase,
    getByName: (name) =>
      run((state) => {
        for (const row of state.actions.values()) {
          if (row.name === name) return copy({ ...row, hasWebhookSecret: state.webhookSecrets.has(row.id) });
        }
        return null;
      }),
    setWebhookSecret: (id, sealedSecret) =>
      run((state) => {
        if (!state.actions.has(id)) throw new NotFoundError('action', id);
        if (sealedSecret === null) state.webhookSecrets.delete(id);
        else state.webhookSecrets.set(id, sealedSecret);
      }),
    getWebhookSecret: (id) =>
      run((state) => {
        if (!state.actions.has(id)) throw new NotFoundError('action', id);
        return state.webhookSecrets.get(id) ?? null;
      }),
  };

  const triggerKeys: TriggerKeyRepository = {
    claim: (claim) =>
      run((state) => {
        const parsed = validate(actionTriggerKeySchema, claim, 'trigger key');
        const slot = JSON.stringify([parsed.actionId, parsed.key]);
        const existing = state.triggerKeys.get(slot);
        if (existing !== undefined) return { taskId: existing.taskId, created: false };
        for (const [field, entity, rows] of [
          ['actionId', 'action', state.actions],
          ['taskId', 'task', state.tasks],
        ] as const) {
          const id = parsed[field];
          if (!rows.has(id)) {
            throw new InvalidInputError(
              `invalid trigger key: ${entity} ${JSON.stringify(id)} does not exist`,
              [{ path: [field], message: `no ${entity} with this id exists`, code: 'custom' }],
            );
          }
        }
        state.triggerKeys.set(slot, { actionId: parsed.actionId, taskId: parsed.taskId });
        return { taskId: parsed.taskId, created: true };
      }),
  };

  const templates: TemplateRepository = {
    ...createMemoryEntityRepository<MemoryState, Template, Record<string, never>>(run, {
      entity: 'template',
      schema: templateSchema,
      rows: (state) => state.templates,
      uniques: [{ label: 'name', key: (template) => template.name }],
    }),
    getByName: byName((state) => state.templates),
  };

  const extensions: ExtensionRepository = {
    ...createMemoryEntityRepository<MemoryState, Extension, Record<string, never>>(run, {
      entity: 'extension',
      schema: extensionSchema,
      rows: (state) => state.extensions,
      uniques: [{ label: 'name', key: (extension) => extension.name }],
    }),
    getByName: byName((state) => state.extensions),
    ...createMemoryExtensionDeletions(run, (state) => state.extensionDeletions),
  };

  const agents: AgentDefinitionRepository = {
    ...createMemoryEntityRepository<MemoryState, AgentDefinition, Record<string, never>>(run, {
      entity: 'agent',
      schema: agentDefinitionSchema,
      rows: (state) => state.agents,
      uniques: [{ label: 'name', key: (agent) => agent.name }],
    }),
    getByName: byName((state) => state.agents),
  };

  const settings: SettingRepository = {
    get: (key) => run((state) => copy(state.settings.get(key) ?? null)),
    set: (setting) =>
      run((state) => {
        const stored = copy(validate(settingSchema, setting, 'setting'));
        state.settings.set(stored.key, stored);
        return copy(stored);
      }),
    delete: (key) => run((state) => state.settings.delete(key)),
    list: () =>
      run((state) =>
        copy([...state.settings.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))),
      ),
  };

  return {
    models,
    repos,
    tasks,
    messages,
    runs,
    runEvents,
    pullRequests,
    users,
    accessTokens,
    refreshTokens,
    actions,
    templates,
    triggerKeys,
    idempotencyKeys: createMemoryIdempotencyKeys(run),
    extensions,
    agents,
    settings,
  };
}

/**
 * The in-memory reference Store: every repository of the port, with the behaviour the
 * store conformance suite demands. Values are deep-copied in and out; writes are validated
 * with the domain schemas (InvalidInputError); unique keys give ConflictError; deleting a
 * task deletes its messages, runs, run events, pull requests and trigger keys (and deleting a
 * run, its events, and clears `chosenRunId` of the task that chose it); deleting an action deletes its webhook secret and trigger keys; deleting a
 * user clears `ownerId` of its actions, deleting a repo `repoId` of its templates. Calls are serialised: a transaction snapshots the whole state and restores it
 * when its work throws, calls made outside it wait until it ends, and nested transactions
 * join the outer one (so a call on the outer store inside `work` waits forever: use the
 * store passed to `work`, as the port asks). A limit outside 1..500 or a foreign cursor is an
 * InvalidInputError. `close` is idempotent; calls after it reject with a `storage` GoosukeError.
 */
export function createMemoryStore(): Store {
  const holder = { state: emptyState() };
  const mutex = new Mutex();
  let closing = false;
  let closed: Promise<void> | null = null;

  const runOutside: MemoryRunner<MemoryState> = (operation) => {
    if (closing) return Promise.reject(closedError());
    return mutex.run(() => operation(holder.state));
  };

  function transactionHandle(): { store: Store; end(): void } {
    let active = true;
    const runInside: MemoryRunner<MemoryState> = (operation) => {
      if (!active) return Promise.reject(new GoosukeError('storage', 'the transaction has already ended'));
      try {
        return Promise.resolve(operation(holder.state));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const store: Store = {
      ...createRepositories(runInside),
      // Nested transactions join the outer one: its commit or rollback covers them.
      transaction: (work) =>
        active
          ? Promise.resolve().then(() => work(store))
          : Promise.reject(new GoosukeError('storage', 'the transaction has already ended')),
      changeToken: () => Promise.resolve(null),
      close: () =>
        Promise.reject(new UnsupportedError('close the store, not the store passed to a transaction')),
    };
    return {
      store,
      end: () => {
        active = false;
      },
    };
  }

  return {
    ...createRepositories(runOutside),
    transaction: (work) => {
      if (closing) return Promise.reject(closedError());
      return mutex.run(async () => {
        const snapshot = copy(holder.state);
        const handle = transactionHandle();
        try {
          return await work(handle.store);
        } catch (error) {
          holder.state = snapshot;
          throw error;
        } finally {
          handle.end();
        }
      });
    },
    // A reference store for tests: it does not track changes, so callers never reuse reads.
    changeToken: () => (closing ? Promise.reject(closedError()) : Promise.resolve(null)),
    close: () => {
      if (closed === null) {
        closing = true;
        // Calls made before close still run; those after it are refused.
        closed = mutex.run(() => undefined);
      }
      return closed;
    },
  };
}
