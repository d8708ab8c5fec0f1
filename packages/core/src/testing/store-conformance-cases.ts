import {
  type Action,
  type AgentDefinition,
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
  type Repo,
  type Run,
  repoSchema,
  runSchema,
  type Task,
  type Template,
  taskSchema,
  templateSchema,
  type User,
  userSchema,
} from '../domain/index.ts';
import type { EntityRepository, Store } from '../ports/index.ts';
import {
  buildAction,
  buildAgentDefinition,
  buildExtension,
  buildId,
  buildMessage,
  buildModelProfile,
  buildPullRequest,
  buildRepo,
  buildRun,
  buildTask,
  buildTemplate,
  buildUser,
} from './entity-builders.ts';
import {
  lateTimestamp,
  longText,
  nestedJsonSample,
  type SeededGraph,
  seedGraph,
  seedTask,
  unicodeSample,
} from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

/** What every entity has. */
export interface StoredEntity {
  id: string;
  createdAt: string;
}

/** What `update` accepts for `T`. */
export type EntityPatch<T> = Partial<Omit<T, 'id' | 'createdAt'>>;

/** Makes valid entities of one kind whose references point at stored entities. */
export interface EntityMaker<T extends StoredEntity> {
  /** A new valid entity: fresh id and fresh unique keys, then `overrides`. */
  make(overrides?: Partial<T>): T;
  /** Entities that exercise every field: all set, nullable fields null, unicode, long and empty values. */
  variants(): Array<{ label: string; entity: T }>;
  /** A valid patch that changes several fields of `entity` (value to null, null to value, nested JSON). */
  patch(entity: T): EntityPatch<T>;
  /** The stored graph the made entities reference. */
  graph: SeededGraph | null;
}

/** A unique key of an entity kind, besides the id. */
export interface UniqueCase<T extends StoredEntity> {
  label: string;
  /** A new entity (new id) with the same key as `existing`. */
  duplicateOf(existing: T, maker: EntityMaker<T>): T;
  /** A patch that gives an entity the key of `other`. */
  keyOf(other: T): EntityPatch<T>;
  /** A new entity that shares part of a composite key with `existing` and must be accepted. */
  partialOverlapOf?(existing: T, maker: EntityMaker<T>, store: Store): Promise<T>;
}

function pick<T, K extends keyof T>(entity: T, field: K): Pick<T, K> {
  return { [field]: entity[field] } as Pick<T, K>;
}

/** The unique key made of one field: the common case of {@link UniqueCase}. */
function uniqueField<T extends StoredEntity, K extends Exclude<keyof T, 'id' | 'createdAt'> & string>(
  field: K,
): UniqueCase<T> {
  return {
    label: field,
    duplicateOf: (existing, maker) => maker.make(pick(existing, field) as Partial<T>),
    keyOf: (other) => pick(other, field) as EntityPatch<T>,
  };
}

/** One list filter of an entity kind. */
export interface FilterCase<T extends StoredEntity, F extends object> {
  label: string;
  /** Stores entities that do and do not match; returns the filter and the predicate it means. */
  seed(store: Store, maker: EntityMaker<T>): Promise<{ filter: F; matches(entity: T): boolean }>;
}

/** An entity repository as the Store offers it for one kind: `update` and `delete` may be left out. */
export type EntityCaseRepository<T extends StoredEntity, F extends object> = Pick<
  EntityRepository<T, F>,
  'get' | 'insert' | 'list'
> &
  Partial<Pick<EntityRepository<T, F>, 'update' | 'delete'>>;

/** Everything the generic repository tests need to know about one entity kind. */
export interface EntityCase<T extends StoredEntity, F extends object> {
  /** The repository's property name on Store. */
  name: string;
  /** The entity's field names, sorted. */
  fields: string[];
  repository(store: Store): EntityCaseRepository<T, F>;
  /**
   * Operations of EntityRepository the port leaves out for this kind (messages never change;
   * messages, runs and pull requests are deleted with their task only): their tests are replaced
   * by one that checks the repository does not offer them.
   */
  omits?: ReadonlyArray<'update' | 'delete'>;
  /** Stores what the entities reference and returns a maker. */
  prepare(store: Store): Promise<EntityMaker<T>>;
  uniques: UniqueCase<T>[];
  filters: FilterCase<T, F>[];
}

function fieldsOf(schema: { shape: Record<string, unknown> }): string[] {
  return Object.keys(schema.shape).sort();
}

/** A timestamp one minute after `at`. */
export function later(at: string): string {
  return new Date(Date.parse(at) + 60_000).toISOString();
}

export const modelCase: EntityCase<ModelProfile, { provider?: ModelProfile['provider'] }> = {
  name: 'models',
  fields: fieldsOf(modelProfileSchema),
  repository: (store) => store.models,
  prepare: async () => ({
    graph: null,
    make: (overrides) => buildModelProfile(overrides),
    variants: () => [
      { label: 'every field set', entity: buildModelProfile() },
      {
        label: 'nullable fields null, nothing overridden',
        entity: buildModelProfile({ provider: 'anthropic', baseUrl: null, capabilities: {} }),
      },
      {
        label: 'unicode, maximum lengths, every capability overridden',
        entity: buildModelProfile({
          provider: 'google',
          modelName: longText(200),
          displayName: unicodeSample,
          baseUrl: 'https://llm.example.com:8443/v1/models?x=1&y=%20',
          capabilities: {
            contextWindow: 2_000_000,
            maxOutputTokens: 1,
            outputLimitParameter: 'max_completion_tokens',
            supportsTemperature: true,
            supportsTools: false,
            preferredEditFormat: 'unified-diff',
          },
        }),
      },
    ],
    patch: (entity) => ({
      provider: entity.provider === 'openai' ? 'anthropic' : 'openai',
      displayName: `renamed ${unicodeSample}`.slice(0, 200),
      baseUrl: entity.baseUrl === null ? 'https://llm.example.com/v1' : null,
      // Replaces the whole object: overrides cleared, or set where there were none.
      capabilities:
        Object.keys(entity.capabilities).length === 0
          ? { maxOutputTokens: 4_096, preferredEditFormat: 'search-replace' }
          : {},
      updatedAt: later(entity.updatedAt),
    }),
  }),
  uniques: [],
  filters: [
    {
      label: 'provider',
      seed: async (store) => {
        for (const provider of ['openai', 'anthropic', 'openai', 'google', 'openai-compatible'] as const) {
          await store.models.insert(buildModelProfile({ provider }));
        }
        return { filter: { provider: 'openai' }, matches: (model) => model.provider === 'openai' };
      },
    },
  ],
};

export const repoCase: EntityCase<Repo, Record<string, never>> = {
  name: 'repos',
  fields: fieldsOf(repoSchema),
  repository: (store) => store.repos,
  prepare: async () => ({
    graph: null,
    make: (overrides) => buildRepo(overrides),
    variants: () => [
      { label: 'every field set', entity: buildRepo() },
      {
        label: 'nullable fields null',
        entity: buildRepo({ codeHost: null, url: `file:///srv/git/${buildId('bare')}.git` }),
      },
      {
        label: 'unicode and maximum lengths',
        entity: buildRepo({
          name: unicodeSample,
          url: `https://git.example.com/${buildId('long')}/${longText(2048).replace(/\s/g, '-')}`.slice(
            0,
            2048,
          ),
          defaultBranch: `release/${longText(200).replace(/\s/g, '-')}`.slice(0, 255),
        }),
      },
    ],
    patch: (entity) => ({
      name: `${entity.name} (renamed)`.slice(0, 200),
      url: `${entity.url}-moved`,
      defaultBranch: 'trunk',
      codeHost: entity.codeHost === null ? 'github' : null,
      updatedAt: later(entity.updatedAt),
    }),
  }),
  uniques: [uniqueField('url')],
  filters: [],
};

export const taskCase: EntityCase<Task, { repoId?: string; archived?: boolean; createdBy?: string }> = {
  name: 'tasks',
  fields: fieldsOf(taskSchema),
  repository: (store) => store.tasks,
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<Task> = {}) =>
      buildTask({ repoId: graph.repo.id, actionId: graph.action.id, createdBy: graph.user.id, ...overrides });
    return {
      graph,
      make,
      variants: () => [
        { label: 'every field set', entity: make() },
        {
          label: 'nullable fields null (a text task)',
          entity: make({ repoId: null, baseBranch: null, actionId: null, createdBy: null }),
        },
        { label: 'unicode and maximum lengths', entity: make({ title: longText(500), archived: true }) },
        {
          label: 'unicode title',
          entity: make({ title: unicodeSample, baseBranch: 'feature/\u00e9t\u00e9' }),
        },
        { label: 'continuing from a run', entity: make({ chosenRunId: graph.run.id }) },
      ],
      patch: (entity) => ({
        title: `${unicodeSample} (patched)`,
        repoId: entity.repoId === null ? graph.repo.id : null,
        baseBranch: entity.baseBranch === null ? 'develop' : null,
        chosenRunId: entity.chosenRunId === null ? graph.run.id : null,
        archived: !entity.archived,
        updatedAt: later(entity.updatedAt),
      }),
    };
  },
  uniques: [],
  filters: [
    {
      label: 'repoId',
      seed: async (store, maker) => {
        const otherRepo = await store.repos.insert(buildRepo());
        await store.tasks.insert(maker.make({ repoId: otherRepo.id }));
        await store.tasks.insert(maker.make({ repoId: null, baseBranch: null }));
        await store.tasks.insert(maker.make({ repoId: otherRepo.id, archived: true }));
        await store.tasks.insert(maker.make());
        return { filter: { repoId: otherRepo.id }, matches: (task) => task.repoId === otherRepo.id };
      },
    },
    {
      label: 'createdBy',
      seed: async (store, maker) => {
        const other = await store.users.insert(buildUser());
        await store.tasks.insert(maker.make({ createdBy: other.id }));
        await store.tasks.insert(maker.make({ createdBy: null }));
        await store.tasks.insert(maker.make());
        await store.tasks.insert(maker.make({ createdBy: other.id, repoId: null, baseBranch: null }));
        return { filter: { createdBy: other.id }, matches: (task) => task.createdBy === other.id };
      },
    },
    {
      label: 'archived: true',
      seed: async (store, maker) => {
        await store.tasks.insert(maker.make({ archived: true }));
        await store.tasks.insert(maker.make({ archived: false }));
        await store.tasks.insert(maker.make({ archived: true, repoId: null, baseBranch: null }));
        return { filter: { archived: true }, matches: (task) => task.archived };
      },
    },
    {
      label: 'archived: false',
      seed: async (store, maker) => {
        await store.tasks.insert(maker.make({ archived: true }));
        await store.tasks.insert(maker.make({ archived: false }));
        await store.tasks.insert(maker.make({ archived: true }));
        return { filter: { archived: false }, matches: (task) => !task.archived };
      },
    },
    {
      label: 'repoId and archived together',
      seed: async (store, maker) => {
        const otherRepo = await store.repos.insert(buildRepo());
        await store.tasks.insert(maker.make({ repoId: otherRepo.id, archived: false }));
        await store.tasks.insert(maker.make({ repoId: otherRepo.id, archived: true }));
        await store.tasks.insert(maker.make({ archived: true }));
        await store.tasks.insert(maker.make({ repoId: otherRepo.id, archived: true }));
        return {
          filter: { repoId: otherRepo.id, archived: true },
          matches: (task) => task.repoId === otherRepo.id && task.archived,
        };
      },
    },
  ],
};

export const messageCase: EntityCase<Message, { taskId?: string }> = {
  name: 'messages',
  fields: fieldsOf(messageSchema),
  repository: (store) => store.messages,
  omits: ['update', 'delete'],
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<Message> = {}) =>
      buildMessage({ taskId: graph.task.id, runId: graph.run.id, createdBy: graph.user.id, ...overrides });
    return {
      graph,
      make,
      variants: () => [
        { label: 'every field set', entity: make() },
        { label: 'nullable fields null', entity: make({ role: 'user', runId: null, createdBy: null }) },
        { label: 'empty content', entity: make({ role: 'system', content: '' }) },
        { label: 'unicode content', entity: make({ content: unicodeSample }) },
        { label: 'maximum length content', entity: make({ content: longText(1_000_000) }) },
      ],
      patch: (entity) => ({
        content: `${entity.content.slice(0, 100)} (edited) ${unicodeSample}`,
        runId: entity.runId === null ? graph.run.id : null,
        role: entity.role === 'assistant' ? 'system' : 'assistant',
      }),
    };
  },
  uniques: [],
  filters: [
    {
      label: 'taskId',
      seed: async (store, maker) => {
        const graph = maker.graph!;
        const other = await seedTask(store, graph);
        await store.messages.insert(maker.make({ taskId: other.task.id, runId: other.run.id }));
        await store.messages.insert(maker.make());
        await store.messages.insert(maker.make({ taskId: other.task.id, runId: null }));
        return { filter: { taskId: other.task.id }, matches: (message) => message.taskId === other.task.id };
      },
    },
  ],
};

export const runCase: EntityCase<Run, { taskId?: string; messageId?: string; status?: Run['status'] }> = {
  name: 'runs',
  fields: fieldsOf(runSchema),
  repository: (store) => store.runs,
  omits: ['delete'],
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<Run> = {}) =>
      buildRun({
        taskId: graph.task.id,
        messageId: graph.userMessage.id,
        executor: { kind: 'model', modelProfileId: graph.model.id },
        ...overrides,
      });
    return {
      graph,
      make,
      variants: () => [
        { label: 'every field set', entity: make() },
        {
          label: 'nullable fields null and empty lists',
          entity: make({
            executor: { kind: 'agent', agent: 'codex', modelProfileId: null },
            status: 'queued',
            baseRef: null,
            baseSource: null,
            baseCommit: null,
            workingBranch: null,
            summary: null,
            patch: null,
            filesChanged: [],
            warnings: [],
            error: null,
            usage: null,
            startedAt: null,
            completedAt: null,
            cancelRequestedAt: null,
            maxCostUsd: null,
            maxTokens: null,
            allowShell: true,
            agentSession: null,
            extensions: [],
          }),
        },
        {
          label: 'empty strings are not nulls',
          entity: make({
            executor: { kind: 'agent', agent: 'claude-code', modelProfileId: 'model_for_agent' },
            status: 'succeeded',
            summary: '',
            patch: '',
            warnings: [''],
            error: { code: 'x', message: '' },
            usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0 },
          }),
        },
        {
          label: 'started from a pull request',
          entity: make({
            baseRef: 'goosuke/fix-the-widget',
            baseSource: { kind: 'pull-request', pullRequestId: buildId('pr'), number: 4_242 },
          }),
        },
        {
          label: 'unicode and long text',
          entity: make({
            instruction: longText(200_000),
            baseRef: `goosuke/run-${graph.run.id}`,
            baseSource: { kind: 'from-run', runId: graph.run.id },
            summary: unicodeSample,
            patch: `--- a/${unicodeSample}\n+++ b/x\n${longText(50_000)}`,
            warnings: [unicodeSample, 'second'],
            usage: { inputTokens: 2_000_000_000, outputTokens: 1, cachedInputTokens: 3, costUsd: null },
            filesChanged: [
              { path: '\u65e5\u672c/\u00e9.ts', oldPath: null, status: 'added', added: 10, removed: 0 },
              { path: 'gone.ts', oldPath: null, status: 'deleted', added: 0, removed: 99 },
            ],
          }),
        },
      ],
      patch: (entity) => ({
        baseSource:
          entity.baseSource?.kind === 'chosen-run'
            ? { kind: 'explicit-ref' }
            : { kind: 'chosen-run', runId: graph.run.id },
        status: entity.status === 'succeeded' ? 'failed' : 'succeeded',
        summary: entity.summary === null ? 'now summarised' : null,
        patch: entity.patch === null ? 'diff --git a/a b/a\n' : null,
        filesChanged: [{ path: 'only.ts', oldPath: null, status: 'modified', added: 2, removed: 3 }],
        warnings: ['replaced'],
        error: entity.error === null ? { code: 'timeout', message: 'took too long' } : null,
        usage: { inputTokens: 1, outputTokens: 2, cachedInputTokens: 0, costUsd: 0.5 },
        startedAt: entity.startedAt === null ? lateTimestamp : null,
        completedAt: lateTimestamp,
        agentSession:
          entity.agentSession === null
            ? { id: `${unicodeSample}-session`, directoryRunId: graph.run.id, resumed: true }
            : null,
      }),
    };
  },
  uniques: [],
  filters: [
    {
      label: 'taskId',
      seed: async (store, maker) => {
        const other = await seedTask(store, maker.graph!);
        await store.runs.insert(maker.make({ taskId: other.task.id, messageId: other.userMessage.id }));
        await store.runs.insert(maker.make());
        return { filter: { taskId: other.task.id }, matches: (run) => run.taskId === other.task.id };
      },
    },
    {
      label: 'messageId',
      seed: async (store, maker) => {
        const graph = maker.graph!;
        const followUp = await store.messages.insert(
          buildMessage({ taskId: graph.task.id, role: 'user', runId: null, createdBy: null }),
        );
        await store.runs.insert(maker.make({ messageId: followUp.id }));
        await store.runs.insert(maker.make());
        await store.runs.insert(maker.make({ messageId: followUp.id, status: 'running' }));
        return { filter: { messageId: followUp.id }, matches: (run) => run.messageId === followUp.id };
      },
    },
    {
      label: 'status',
      seed: async (store, maker) => {
        for (const status of ['queued', 'running', 'queued', 'succeeded', 'canceled'] as const) {
          await store.runs.insert(maker.make({ status }));
        }
        return { filter: { status: 'queued' }, matches: (run) => run.status === 'queued' };
      },
    },
    {
      label: 'taskId, messageId and status together',
      seed: async (store, maker) => {
        const other = await seedTask(store, maker.graph!);
        const base = { taskId: other.task.id, messageId: other.userMessage.id };
        await store.runs.insert(maker.make({ ...base, status: 'running' }));
        await store.runs.insert(maker.make({ ...base, status: 'failed' }));
        await store.runs.insert(maker.make({ status: 'running' }));
        await store.runs.insert(maker.make({ ...base, status: 'running' }));
        return {
          filter: { ...base, status: 'running' },
          matches: (run) =>
            run.taskId === base.taskId && run.messageId === base.messageId && run.status === 'running',
        };
      },
    },
  ],
};

export const pullRequestCase: EntityCase<PullRequest, { taskId?: string; repoId?: string }> = {
  name: 'pullRequests',
  fields: fieldsOf(pullRequestSchema),
  repository: (store) => store.pullRequests,
  omits: ['delete'],
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<PullRequest> = {}) =>
      buildPullRequest({ taskId: graph.task.id, repoId: graph.repo.id, runId: graph.run.id, ...overrides });
    return {
      graph,
      make,
      variants: () => [
        { label: 'every field set', entity: make() },
        { label: 'empty body, merged', entity: make({ body: '', state: 'merged' }) },
        {
          label: 'unicode and maximum lengths',
          entity: make({
            title: longText(500),
            body: longText(65_536),
            branch: `goosuke/${unicodeSample.replace(/\s/g, '-')}`,
            state: 'closed',
          }),
        },
      ],
      patch: (entity) => ({
        title: `${unicodeSample} v2`,
        body: entity.body === '' ? 'now with a body' : '',
        state: entity.state === 'open' ? 'closed' : 'open',
        branch: `${entity.branch}-2`,
        updatedAt: later(entity.updatedAt),
      }),
    };
  },
  uniques: [
    {
      label: '(repoId, number)',
      duplicateOf: (existing, maker) => maker.make({ repoId: existing.repoId, number: existing.number }),
      keyOf: (other) => ({ repoId: other.repoId, number: other.number }),
      partialOverlapOf: async (existing, maker, store) => {
        // The same number on another repo is another pull request.
        const otherRepo = await store.repos.insert(buildRepo());
        return maker.make({ repoId: otherRepo.id, number: existing.number });
      },
    },
  ],
  filters: [
    {
      label: 'taskId',
      seed: async (store, maker) => {
        const other = await seedTask(store, maker.graph!);
        await store.pullRequests.insert(maker.make({ taskId: other.task.id, runId: other.run.id }));
        await store.pullRequests.insert(maker.make());
        await store.pullRequests.insert(maker.make({ taskId: other.task.id, runId: other.run.id }));
        return { filter: { taskId: other.task.id }, matches: (pr) => pr.taskId === other.task.id };
      },
    },
    {
      label: 'repoId',
      seed: async (store, maker) => {
        const otherRepo = await store.repos.insert(buildRepo());
        await store.pullRequests.insert(maker.make({ repoId: otherRepo.id }));
        await store.pullRequests.insert(maker.make());
        await store.pullRequests.insert(maker.make({ repoId: otherRepo.id }));
        return { filter: { repoId: otherRepo.id }, matches: (pr) => pr.repoId === otherRepo.id };
      },
    },
  ],
};

export const userCase: EntityCase<User, Record<string, never>> = {
  name: 'users',
  fields: fieldsOf(userSchema),
  repository: (store) => store.users,
  prepare: async () => ({
    graph: null,
    make: (overrides) => buildUser(overrides),
    variants: () => [
      { label: 'every field set', entity: buildUser() },
      { label: 'disabled member', entity: buildUser({ role: 'member', disabled: true }) },
      {
        label: 'unicode and maximum lengths',
        entity: ((user) => ({ ...user, username: `${user.username}-${'x'.repeat(64)}`.slice(0, 64) }))(
          buildUser({ displayName: unicodeSample }),
        ),
      },
    ],
    patch: (entity) => ({
      displayName: `${unicodeSample} 2`,
      role: entity.role === 'admin' ? 'member' : 'admin',
      disabled: !entity.disabled,
      updatedAt: later(entity.updatedAt),
    }),
  }),
  uniques: [uniqueField('username')],
  filters: [],
};

export const actionCase: EntityCase<Action, { templateId?: string; enabled?: boolean; ownerId?: string }> = {
  name: 'actions',
  fields: fieldsOf(actionSchema),
  repository: (store) => store.actions,
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<Action> = {}) =>
      buildAction({
        templateId: graph.template.id,
        repoId: graph.repo.id,
        ownerId: graph.user.id,
        ...overrides,
      });
    return {
      graph,
      make,
      variants: () => [
        { label: 'every field set', entity: make() },
        {
          label: 'nullable fields null, empty config and mapping',
          entity: make({
            repoId: null,
            ownerId: null,
            callbackUrl: null,
            parameterMapping: {},
            config: {},
            enabled: false,
            trigger: 'manual',
          }),
        },
        {
          label: 'nested JSON config',
          entity: make({
            name: unicodeSample,
            trigger: 'discord-reaction',
            config: nestedJsonSample,
            callbackUrl: `http://127.0.0.1:8080/${'c'.repeat(1950)}?q=%E6%97%A5`,
            parameterMapping: { [unicodeSample]: unicodeSample, long: `$.${'x'.repeat(498)}` },
          }),
        },
      ],
      patch: (entity) => ({
        // A patch replaces a JSON field wholesale; it does not merge into it.
        config: { replaced: [unicodeSample] },
        enabled: !entity.enabled,
        trigger: entity.trigger === 'schedule' ? 'manual' : 'schedule',
        repoId: entity.repoId === null ? graph.repo.id : null,
        ownerId: entity.ownerId === null ? graph.user.id : null,
        callbackUrl: entity.callbackUrl === null ? 'https://example.com/done' : null,
        // Replaced whole, like every JSON field.
        parameterMapping: { only: '$.replaced' },
        updatedAt: later(entity.updatedAt),
      }),
    };
  },
  uniques: [uniqueField('name')],
  filters: [
    {
      label: 'templateId',
      seed: async (store, maker) => {
        const otherTemplate = await store.templates.insert(buildTemplate({ repoId: null }));
        await store.actions.insert(maker.make({ templateId: otherTemplate.id }));
        await store.actions.insert(maker.make());
        await store.actions.insert(maker.make({ templateId: otherTemplate.id, enabled: false }));
        return {
          filter: { templateId: otherTemplate.id },
          matches: (action) => action.templateId === otherTemplate.id,
        };
      },
    },
    {
      label: 'ownerId',
      seed: async (store, maker) => {
        const otherUser = await store.users.insert(buildUser());
        await store.actions.insert(maker.make({ ownerId: otherUser.id }));
        await store.actions.insert(maker.make());
        await store.actions.insert(maker.make({ ownerId: null }));
        await store.actions.insert(maker.make({ ownerId: otherUser.id, enabled: false }));
        return {
          filter: { ownerId: otherUser.id },
          matches: (action) => action.ownerId === otherUser.id,
        };
      },
    },
    {
      label: 'enabled: true',
      seed: async (store, maker) => {
        await store.actions.insert(maker.make({ enabled: false }));
        await store.actions.insert(maker.make({ enabled: true }));
        await store.actions.insert(maker.make({ enabled: false }));
        return { filter: { enabled: true }, matches: (action) => action.enabled };
      },
    },
    {
      label: 'enabled: false',
      seed: async (store, maker) => {
        await store.actions.insert(maker.make({ enabled: false }));
        await store.actions.insert(maker.make({ enabled: true }));
        await store.actions.insert(maker.make({ enabled: false }));
        return { filter: { enabled: false }, matches: (action) => !action.enabled };
      },
    },
  ],
};

export const templateCase: EntityCase<Template, Record<string, never>> = {
  name: 'templates',
  fields: fieldsOf(templateSchema),
  repository: (store) => store.templates,
  prepare: async (store) => {
    const graph = await seedGraph(store);
    const make = (overrides: Partial<Template> = {}) =>
      buildTemplate({
        defaultModelProfileIds: [graph.model.id],
        extensionIds: [graph.extension.id],
        repoId: graph.repo.id,
        ...overrides,
      });
    return {
      graph,
      make,
      variants: () => [
        {
          label: 'every field set',
          entity: make({
            defaultAgents: [{ agent: 'claude-code', model: graph.model.id }, { agent: 'codex' }],
            allowShell: true,
            maxCostUsd: 2.5,
            maxTokens: 1_000_000,
            outputKind: 'patch',
          }),
        },
        {
          label: 'empty lists and description',
          entity: make({
            description: '',
            parameters: [],
            defaultModelProfileIds: [],
            defaultAgents: [],
            extensionIds: [],
            outputKind: 'pull-request',
            repoId: null,
          }),
        },
        {
          label: 'unicode and maximum lengths',
          entity: make({
            name: unicodeSample,
            description: longText(2000),
            prompt: `${unicodeSample} {{thread}} ${longText(90_000)}`,
            outputKind: 'patch',
          }),
        },
      ],
      patch: (entity) => ({
        prompt: `${entity.prompt.slice(0, 50)} {{extra}}`,
        parameters: [
          {
            name: 'extra',
            type: 'string',
            description: unicodeSample,
            required: true,
            options: null,
            default: '',
          },
        ],
        defaultModelProfileIds: [],
        defaultAgents: entity.defaultAgents.length === 0 ? [{ agent: 'gemini' }] : [],
        allowShell: !entity.allowShell,
        maxCostUsd: entity.maxCostUsd === null ? 0.75 : null,
        maxTokens: entity.maxTokens === null ? 4096 : null,
        outputKind: entity.outputKind === 'text' ? 'pull-request' : 'text',
        repoId: entity.repoId === null ? graph.repo.id : null,
        updatedAt: later(entity.updatedAt),
      }),
    };
  },
  uniques: [uniqueField('name')],
  filters: [],
};

export const agentDefinitionCase: EntityCase<AgentDefinition, Record<string, never>> = {
  name: 'agents',
  fields: fieldsOf(agentDefinitionSchema),
  repository: (store) => store.agents,
  prepare: async () => ({
    graph: null,
    make: (overrides) => buildAgentDefinition(overrides),
    variants: () => [
      { label: 'every field set', entity: buildAgentDefinition() },
      {
        label: 'nullable fields null, no arguments',
        entity: buildAgentDefinition({ args: [], sessionMode: null, description: null, wire: 'anthropic' }),
      },
      {
        label: 'arguments with spaces, empty strings and unicode',
        entity: buildAgentDefinition({ args: ['', unicodeSample, '--flag=a b'], description: unicodeSample }),
      },
    ],
    patch: (entity) => ({
      args: ['--only'],
      wire: entity.wire === 'gemini' ? 'openai-responses' : 'gemini',
      sessionMode: entity.sessionMode === null ? 'yolo' : null,
      updatedAt: later(entity.updatedAt),
    }),
  }),
  uniques: [uniqueField('name')],
  filters: [],
};

export const extensionCase: EntityCase<Extension, Record<string, never>> = {
  name: 'extensions',
  fields: fieldsOf(extensionSchema),
  repository: (store) => store.extensions,
  prepare: async () => ({
    graph: null,
    make: (overrides) => buildExtension(overrides),
    variants: () => [
      { label: 'every field set', entity: buildExtension() },
      {
        label: 'nullable fields null, empty lists',
        entity: buildExtension({
          type: 'builtin',
          description: '',
          command: null,
          cwd: null,
          uri: null,
          args: [],
          headers: [],
          env: [],
          alwaysOn: false,
          server: null,
        }),
      },
      {
        label: 'null and empty env values',
        entity: buildExtension({
          type: 'streamable_http',
          command: null,
          env: [
            { name: 'SECRET_UNSET', value: null, secret: true },
            { name: 'EMPTY', value: '', secret: false },
            { name: 'UNICODE', value: unicodeSample, secret: false },
          ],
          headers: [
            { name: 'authorization', value: null, secret: true },
            { name: 'x-unicode', value: unicodeSample, secret: false },
          ],
          description: unicodeSample,
          args: ['', unicodeSample, '--flag=a b'],
        }),
      },
    ],
    patch: (entity) => ({
      env: [{ name: 'ONLY', value: 'one', secret: false }],
      headers: [{ name: 'replaced', value: 'yes', secret: false }],
      enabled: !entity.enabled,
      alwaysOn: !entity.alwaysOn,
      server:
        entity.server === null
          ? { name: 'mcp-server', version: '1.2.3', checkedAt: later(entity.updatedAt) }
          : null,
      timeoutSeconds: entity.timeoutSeconds === 3600 ? 1 : 3600,
      command: entity.command === null ? 'node' : null,
      updatedAt: later(entity.updatedAt),
    }),
  }),
  uniques: [uniqueField('name')],
  filters: [],
};
