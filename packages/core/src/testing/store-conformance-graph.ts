import type {
  Action,
  Extension,
  Message,
  ModelProfile,
  Repo,
  Run,
  Task,
  Template,
  User,
} from '../domain/index.ts';
import type { Store } from '../ports/index.ts';
import {
  buildAction,
  buildExtension,
  buildMessage,
  buildModelProfile,
  buildRepo,
  buildRun,
  buildTask,
  buildTemplate,
  buildUser,
} from './entity-builders.ts';

// Shared by the store conformance suite; not exported from the package.

/**
 * Text that trips naive storage: combining marks, astral emoji (surrogate pairs), a ZWJ
 * sequence, right-to-left script, quotes, backslashes, SQL and LIKE metacharacters,
 * tabs and CRLF. Under 150 UTF-16 units so it fits every bounded field.
 */
export const unicodeSample =
  "Gr\u00fc\u00dfe e\u0301 \u65e5\u672c\u8a9e \u05e2\u05d1\u05e8\u05d9\u05ea \ud83d\udc4b\ud83c\udffd \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \"q\" 's' \\ 100% _x_ '; DROP TABLE x; --\t\r\n\u2028end";

/** A string of exactly `length` UTF-16 units, mixing ASCII, accents, CJK and newlines (no surrogates). */
export function longText(length: number): string {
  const unit = 'lorem ipsum \u00e9\u00e8 \u65e5\u672c \u0416\n';
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** A JSON object using every JSON kind, nesting, unicode keys and edge numbers. */
export const nestedJsonSample = {
  string: unicodeSample,
  empty: '',
  integer: 42,
  negative: -7,
  float: 0.1,
  tiny: 1.5e-7,
  huge: 1e21,
  maxSafe: Number.MAX_SAFE_INTEGER,
  yes: true,
  no: false,
  nothing: null,
  list: [1, 'two', null, false, { three: [3] }, []],
  nested: { deeper: { deepest: { leaf: 'leaf', emptyObject: {} } } },
  'key with spaces': 'value',
  '\u00fcn\u00efc\u00f8d\u00e9 \u65e5\u672c': '\ud83d\udd11',
};

/** Timestamps for ordering tests, in increasing order, some of them a millisecond apart. */
export const orderedTimestamps = [
  '1999-12-31T23:59:59.998Z',
  '1999-12-31T23:59:59.999Z',
  '2000-01-01T00:00:00.000Z',
  '2000-01-01T00:00:00.001Z',
  '2000-01-01T00:00:01.000Z',
  '2000-06-15T12:30:45.123Z',
] as const;

/** A timestamp after every timestamp the builders make. */
export const lateTimestamp = '2099-12-31T23:59:59.999Z';

/** Entities stored together so that every reference of a new entity can point at a stored one. */
export interface SeededGraph {
  user: User;
  repo: Repo;
  model: ModelProfile;
  extension: Extension;
  template: Template;
  action: Action;
  task: Task;
  userMessage: Message;
  run: Run;
}

/**
 * Inserts a fresh, fully connected set of entities (user, repo, model, extension, template,
 * action, task, the task's user message and a run of it) and returns them. Stores that
 * enforce references accept it; call it as often as needed, every call makes new ones.
 */
export async function seedGraph(store: Store): Promise<SeededGraph> {
  const user = await store.users.insert(buildUser());
  const repo = await store.repos.insert(buildRepo());
  const model = await store.models.insert(buildModelProfile());
  const extension = await store.extensions.insert(buildExtension());
  const template = await store.templates.insert(
    buildTemplate({ defaultModelProfileIds: [model.id], extensionIds: [extension.id], repoId: repo.id }),
  );
  const action = await store.actions.insert(
    buildAction({ templateId: template.id, repoId: repo.id, ownerId: user.id }),
  );
  const task = await store.tasks.insert(
    buildTask({ repoId: repo.id, actionId: action.id, createdBy: user.id, baseBranch: repo.defaultBranch }),
  );
  const userMessage = await store.messages.insert(
    buildMessage({ taskId: task.id, role: 'user', runId: null, createdBy: user.id }),
  );
  const run = await store.runs.insert(
    buildRun({
      taskId: task.id,
      messageId: userMessage.id,
      executor: { kind: 'model', modelProfileId: model.id },
    }),
  );
  return { user, repo, model, extension, template, action, task, userMessage, run };
}

/**
 * Inserts another task on the graph's repo with a user message and a run, and returns them.
 */
export async function seedTask(
  store: Store,
  graph: SeededGraph,
  overrides: Partial<Task> = {},
): Promise<{ task: Task; userMessage: Message; run: Run }> {
  const task = await store.tasks.insert(
    buildTask({
      repoId: graph.repo.id,
      actionId: graph.action.id,
      createdBy: graph.user.id,
      ...overrides,
    }),
  );
  const userMessage = await store.messages.insert(
    buildMessage({ taskId: task.id, role: 'user', runId: null, createdBy: graph.user.id }),
  );
  const run = await store.runs.insert(
    buildRun({
      taskId: task.id,
      messageId: userMessage.id,
      executor: { kind: 'model', modelProfileId: graph.model.id },
    }),
  );
  return { task, userMessage, run };
}
