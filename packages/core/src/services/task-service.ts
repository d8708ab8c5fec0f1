import { z } from 'zod';
import {
  idSchema,
  type Message,
  maxExtensionsPerRun,
  messageSchema,
  type Run,
  type Task,
  taskSchema,
} from '../domain/index.ts';
import { InvalidInputError, NotFoundError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { ListOptions, Page, TaskListFilter } from '../ports/store.ts';
import { assertCallerBaseRef, noOwnBranches } from '../runs/base-ref-policy.ts';
import { type IdempotencyOptions, runIdempotent } from './idempotency.ts';
import { parseInput } from './parse-input.ts';
import { createReadCache } from './read-cache.ts';
import { chooseRun } from './run-base.ts';
import { assertExtensionsExist } from './run-extensions.ts';
import { assertTextWithin, defaultRunLimits, type RunLimits } from './run-limits.ts';
import type { ServiceContext } from './service-context.ts';

/** Input of {@link TaskService.create}. A repo task names `repoId`; its base branch defaults to the repo's. */
export const createTaskInputSchema = z
  .object({
    title: taskSchema.shape.title.optional(),
    repoId: taskSchema.shape.repoId.optional(),
    baseBranch: z.string().min(1).max(255).optional(),
    /**
     * The first user message; the title defaults to its first line. At most the configured size
     * (default 200 KiB of UTF-8; larger is a 413).
     */
    message: z.string().min(1).max(1_000_000).optional(),
    actionId: taskSchema.shape.actionId.optional(),
    createdBy: taskSchema.shape.createdBy.optional(),
    /** MCP extensions, by id, every run of the task gets (see `Run.extensions`). */
    extensionIds: taskSchema.shape.extensionIds.max(maxExtensionsPerRun).default([]),
  })
  .strict()
  .meta({ id: 'CreateTaskInput' });
/** Input to create a task. */
export type CreateTaskInput = z.input<typeof createTaskInputSchema>;

/** Input of {@link TaskService.addMessage}. */
export const addMessageInputSchema = z
  .object({
    role: messageSchema.shape.role.default('user'),
    /** At most the configured size (default 200 KiB of UTF-8; larger is a 413). */
    content: z.string().min(1, 'a message cannot be empty').max(1_000_000),
    runId: messageSchema.shape.runId.optional(),
    createdBy: messageSchema.shape.createdBy.optional(),
  })
  .strict()
  .meta({ id: 'AddMessageInput' });
/** Input to add a message. */
export type AddMessageInput = z.input<typeof addMessageInputSchema>;

/** A task with its conversation. */
export interface TaskWithMessages {
  task: Task;
  messages: Message[];
}

/** A task with its conversation and its runs, each in order. */
export interface TaskDetail extends TaskWithMessages {
  runs: Run[];
}

/** How many task details {@link TaskService.getDetail} keeps for reuse. */
const detailCacheSize = 256;

/** How many messages and runs {@link TaskService.getDetail} returns at most. */
export const taskDetailLimit = 500;

/** Tasks (conversations) and their messages. */
export interface TaskService {
  /**
   * Creates a task, and its first user message when `message` is given, in one transaction.
   * NotFoundError when `repoId` names no repo; InvalidInputError for a base branch without a repo
   * or a task with neither title nor message; PayloadTooLargeError for a message over
   * `RunLimits.maxInstructionBytes`. With `idempotency`, the caller's key is recorded
   * with the task (see runIdempotent): a retry returns the first task and message.
   */
  create(input: CreateTaskInput, options?: { idempotency?: IdempotencyOptions }): Promise<TaskWithMessages>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Task>;
  /** Tasks newest first; `createdBy` keeps the tasks one user created (a member's own view). */
  list(options?: ListOptions & TaskListFilter): Promise<Page<Task>>;
  /** Renames a task. */
  rename(id: string, title: string): Promise<Task>;
  /** Archives or restores a task. */
  setArchived(id: string, archived: boolean): Promise<Task>;
  /** Deletes a task with its messages, runs, events and pull request records. */
  delete(id: string): Promise<void>;
  /**
   * Chooses the run the task continues from (`Task.chosenRunId`) and returns the task: later
   * messages without `fromRun` and without an open pull request build on it (a text task's
   * follow-ups see its answer). A pick is not a pull request. NotFoundError for a missing task or
   * a run that is not the task's; ConflictError for a run that did not succeed, or a repository
   * run without a commit.
   */
  choose(taskId: string, runId: string): Promise<Task>;
  /**
   * Appends a message to a task's conversation. NotFoundError for a missing task;
   * PayloadTooLargeError for content over `RunLimits.maxInstructionBytes`.
   */
  addMessage(taskId: string, input: AddMessageInput): Promise<Message>;
  /** One message. NotFoundError when missing. */
  getMessage(id: string): Promise<Message>;
  /** The conversation in order. NotFoundError for a missing task. */
  listMessages(taskId: string, options?: ListOptions): Promise<Page<Message>>;
  /**
   * A task with its first {@link taskDetailLimit} messages and runs, oldest first. NotFoundError
   * for a missing task. Reads the task once (a `get` then `listMessages` would read it twice).
   * The detail is deeply frozen: while the store's change token stays the same (nothing was
   * written, here or by another process), callers get the very detail read before instead of
   * three reads again.
   */
  getDetail(id: string): Promise<TaskDetail>;
}

/** A task title from a message: its first line, at most 120 characters. */
export function taskTitleFrom(message: string): string {
  const firstLine = message.trim().split('\n', 1)[0]!.trim();
  return firstLine.length > 120 ? `${firstLine.slice(0, 119)}…` : firstLine;
}

/** Builds the task service on the given ports; messages are bounded by `limits` (default {@link defaultRunLimits}). */
export function createTaskService(context: ServiceContext & { limits?: RunLimits }): TaskService {
  const { store, clock, ids } = context;
  const maxBytes = (context.limits ?? defaultRunLimits).maxInstructionBytes;
  const details = createReadCache<TaskDetail>(detailCacheSize);

  async function get(id: string): Promise<Task> {
    const task = await store.tasks.get(id);
    if (!task) throw new NotFoundError('task', id);
    return task;
  }

  return {
    async create(raw, options = {}) {
      assertTextWithin((raw as { message?: unknown } | null)?.message, maxBytes, 'message');
      const input = parseInput(createTaskInputSchema, raw, 'task');
      const repoId = input.repoId ?? null;
      if (repoId === null && input.baseBranch !== undefined) {
        throw new InvalidInputError('a base branch needs a repo: give repoId too', [
          { path: ['baseBranch'], message: 'requires repoId' },
        ]);
      }
      // A user's new task has no branches of its own: its base is one of the repository's.
      if (input.baseBranch !== undefined && input.createdBy !== undefined) {
        await assertCallerBaseRef(input.baseBranch, noOwnBranches, 'baseBranch');
      }
      const title = input.title ?? (input.message === undefined ? undefined : taskTitleFrom(input.message));
      if (title === undefined || title === '') {
        throw new InvalidInputError('a task needs a title or a first message', [
          { path: ['title'], message: 'required without message' },
        ]);
      }
      return runIdempotent<TaskWithMessages>({
        store,
        clock,
        operation: 'tasks.create',
        target: '',
        options: options.idempotency,
        request: input,
        replay: async (record) => {
          const task = await get(record.taskId);
          const message = record.messageId === null ? null : await store.messages.get(record.messageId);
          return { task, messages: message === null ? [] : [message] };
        },
        create: (claim) =>
          store.transaction(async (tx) => {
            let baseBranch: string | null = null;
            if (repoId !== null) {
              const repo = await tx.repos.get(repoId);
              if (!repo) throw new NotFoundError('repo', repoId);
              baseBranch = input.baseBranch ?? repo.defaultBranch;
            }
            await assertExtensionsExist(tx, input.extensionIds, 'extensionIds');
            const now = isoNow(clock);
            const task = await tx.tasks.insert({
              id: ids.next('task'),
              title,
              repoId,
              baseBranch,
              actionId: input.actionId ?? null,
              templateId: null,
              trigger: null,
              status: 'idle',
              createdBy: input.createdBy ?? null,
              firedBy: null,
              chosenRunId: null,
              archived: false,
              extensionIds: [...new Set(input.extensionIds)],
              discordChannel: null,
              createdAt: now,
              updatedAt: now,
            });
            const messages: Message[] = [];
            if (input.message !== undefined) {
              messages.push(
                await tx.messages.insert({
                  id: ids.next('msg'),
                  taskId: task.id,
                  role: 'user',
                  content: input.message,
                  runId: null,
                  createdBy: input.createdBy ?? null,
                  createdAt: now,
                }),
              );
            }
            await claim?.(tx, { taskId: task.id, messageId: messages[0]?.id ?? null });
            return { task, messages };
          }),
      });
    },

    get,

    list(options) {
      return store.tasks.list(options);
    },

    async rename(id, title) {
      const parsed = parseInput(taskSchema.shape.title, title, 'task title');
      await get(id);
      return store.tasks.update(id, { title: parsed, updatedAt: isoNow(clock) });
    },

    async setArchived(id, archived) {
      await get(id);
      return store.tasks.update(id, { archived, updatedAt: isoNow(clock) });
    },

    async delete(id) {
      if (!(await store.tasks.delete(id))) throw new NotFoundError('task', id);
    },

    async choose(taskId, runId) {
      const id = parseInput(idSchema, runId, 'run id');
      return store.transaction((tx) => chooseRun(tx, taskId, id, isoNow(clock)));
    },

    async addMessage(taskId, raw) {
      assertTextWithin((raw as { content?: unknown } | null)?.content, maxBytes, 'message');
      const input = parseInput(addMessageInputSchema, raw, 'message');
      return store.transaction(async (tx) => {
        const task = await tx.tasks.get(taskId);
        if (!task) throw new NotFoundError('task', taskId);
        const now = isoNow(clock);
        const message = await tx.messages.insert({
          id: ids.next('msg'),
          taskId,
          role: input.role,
          content: input.content,
          runId: input.runId ?? null,
          createdBy: input.createdBy ?? null,
          createdAt: now,
        });
        await tx.tasks.update(taskId, { updatedAt: now });
        return message;
      });
    },

    async getMessage(id) {
      const message = await store.messages.get(id);
      if (message === null) throw new NotFoundError('message', id);
      return message;
    },

    async listMessages(taskId, options) {
      await get(taskId);
      return store.messages.list({ ...options, taskId });
    },

    async getDetail(id) {
      // Taken before reading: a write while reading moves it, and the next call reads again.
      const token = await store.changeToken();
      const held = details.get(id, token);
      if (held !== undefined) return held;
      const task = await get(id);
      const messages = await store.messages.list({ taskId: id, limit: taskDetailLimit });
      const runs = await store.runs.list({ taskId: id, limit: taskDetailLimit });
      const detail = { task, messages: messages.items, runs: runs.items };
      details.set(id, token, detail);
      return detail;
    },
  };
}
