import { z } from 'zod';
import { type ActingUser, assertTaskVisible, taskListAuthor } from '../auth/access-policy.ts';
import {
  type Message,
  messageSchema,
  type PullRequest,
  type Run,
  type RunEvent,
  type Task,
} from '../domain/index.ts';
import { ForbiddenError, NotFoundError } from '../errors/index.ts';
import type { ListOptions, Page, TaskListFilter } from '../ports/store.ts';
import { parseInput } from '../services/parse-input.ts';
import type { CreatePullRequestInput, UpdatePullRequestInput } from '../services/pull-request-service.ts';
import type { RunComparison } from '../services/run-comparison.ts';
import { assertTextWithin } from '../services/run-limits.ts';
import { createRunsInputSchema, type TaskUsage } from '../services/run-service.ts';
import { createTaskInputSchema, type TaskDetail, type TaskWithMessages } from '../services/task-service.ts';
import type { ActorRunner } from './actor.ts';
import type { SystemServices } from './system-services.ts';

/** Input of `as(actor).tasks.create`: the author is the actor, and only triggers set an action. */
export const actorCreateTaskInputSchema = createTaskInputSchema
  .omit({ createdBy: true, actionId: true })
  .meta({ id: 'CreateTaskBody' });
/** Input to create a task as an actor. */
export type ActorCreateTaskInput = z.input<typeof actorCreateTaskInputSchema>;

/** Input of `as(actor).tasks.addMessage`: a user message, written by the actor. */
export const actorAddMessageInputSchema = z
  .object({ content: messageSchema.shape.content.min(1, 'a message cannot be empty') })
  .strict()
  .meta({ id: 'AddMessageBody' });
/** Input to add a message as an actor. */
export type ActorAddMessageInput = z.input<typeof actorAddMessageInputSchema>;

/** Input of `as(actor).runs.create`: the author is the actor. */
export const actorCreateRunsInputSchema = createRunsInputSchema
  .omit({ createdBy: true })
  .meta({ id: 'CreateRunsBody' });
/** Input to start runs as an actor. */
export type ActorCreateRunsInput = z.input<typeof actorCreateRunsInputSchema>;

/** A caller's `Idempotency-Key` for a creating call. */
export interface ActorIdempotency {
  idempotencyKey?: string;
}

/** The system view's idempotency option for the acting user's key. */
function idempotencyOf(acting: ActingUser, options: ActorIdempotency) {
  return options.idempotencyKey === undefined
    ? {}
    : { idempotency: { userId: acting.user.id, key: options.idempotencyKey } };
}

/** Tasks as the actor sees them: a member their own, an admin every one. */
export interface ActorTasks {
  /** Tasks newest first: a member's own (asking for another author's is ForbiddenError); an admin's all. */
  list(options?: ListOptions & TaskListFilter): Promise<Page<Task>>;
  /**
   * Creates a task written by the actor, with its first message when given. With
   * `idempotencyKey` (the actor's own), a retry with the same input returns the first task; the
   * same key with another input is a ConflictError.
   */
  create(input: ActorCreateTaskInput, options?: ActorIdempotency): Promise<TaskWithMessages>;
  /** NotFoundError for a task that does not exist or that the actor may not see. */
  get(id: string): Promise<Task>;
  /** The task with its conversation and runs; NotFoundError as for `get`. */
  getDetail(id: string): Promise<TaskDetail>;
  rename(id: string, title: string): Promise<Task>;
  setArchived(id: string, archived: boolean): Promise<Task>;
  delete(id: string): Promise<void>;
  /** Appends a user message written by the actor, without starting runs. */
  addMessage(taskId: string, input: ActorAddMessageInput): Promise<Message>;
  listMessages(taskId: string, options?: ListOptions): Promise<Page<Message>>;
  /**
   * Makes `runId` (a run of the task that succeeded with a commit; a text task's with an answer)
   * the run the task continues from: later messages build on it. NotFoundError for a run of
   * another task; ConflictError for a run with nothing to build on.
   */
  choose(taskId: string, runId: string): Promise<Task>;
}

/** Runs of the tasks the actor may see. A run of another member's task answers as missing. */
export interface ActorRuns {
  /**
   * Stores the actor's message and one queued run per model (see `goosuke.runs.create`). With
   * `idempotencyKey` (the actor's own, per task), a retry with the same input returns the first
   * message and runs and starts nothing; the same key with another input is a ConflictError.
   */
  create(
    taskId: string,
    input: ActorCreateRunsInput,
    options?: ActorIdempotency,
  ): Promise<{ message: Message; runs: Run[] }>;
  get(id: string): Promise<Run>;
  /**
   * Runs of one task (`taskId`) or one message (`messageId`); without either, every run, for
   * admins only (ForbiddenError for a member).
   */
  list(
    options?: ListOptions & { taskId?: string; messageId?: string; status?: Run['status'] },
  ): Promise<Page<Run>>;
  events(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<RunEvent[]>;
  cancel(id: string): Promise<Run>;
  compare(messageId: string): Promise<RunComparison>;
  taskUsage(taskId: string): Promise<TaskUsage>;
  /** Resolves once every run has ended; rejects with the signal's reason when it aborts. */
  waitFor(runIds: readonly string[], options?: { signal?: AbortSignal; pollMs?: number }): Promise<Run[]>;
}

/** Pull requests of the tasks the actor may see. */
export interface ActorPullRequests {
  create(taskId: string, input: CreatePullRequestInput): Promise<PullRequest>;
  update(taskId: string, input: UpdatePullRequestInput, pullRequestId?: string): Promise<PullRequest>;
  get(taskId: string, pullRequestId: string): Promise<PullRequest>;
  list(taskId: string): Promise<PullRequest[]>;
}

/** The task, if the actor may see it; else NotFoundError for `entity` (the task by default). */
async function visibleTask(
  system: SystemServices,
  acting: ActingUser,
  taskId: string,
  entity: { kind: string; id: string } = { kind: 'task', id: taskId },
): Promise<Task> {
  let task: Task;
  try {
    task = await system.tasks.get(taskId);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(entity.kind, entity.id);
    throw error;
  }
  assertTaskVisible(acting, task, entity);
  return task;
}

/** The run, if the actor may see its task; a hidden run answers as missing. */
async function visibleRun(system: SystemServices, acting: ActingUser, runId: string): Promise<Run> {
  const found = await system.runs.get(runId);
  await visibleTask(system, acting, found.taskId, { kind: 'run', id: runId });
  return found;
}

/** The message, if the actor may see its task; a hidden message answers as missing. */
async function visibleMessage(
  system: SystemServices,
  acting: ActingUser,
  messageId: string,
): Promise<Message> {
  const message = await system.tasks.getMessage(messageId);
  await visibleTask(system, acting, message.taskId, { kind: 'message', id: messageId });
  return message;
}

/**
 * A field of a raw input, for checks made before parsing (an oversized text is a
 * PayloadTooLargeError, not the schema's InvalidInputError).
 */
function fieldOf(raw: unknown, name: string): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : undefined;
}

/** Tasks as the actor may see and change them. */
export function createActorTasks(system: SystemServices, runner: ActorRunner): ActorTasks {
  const run = runner.run.bind(runner);
  return {
    list: (options = {}) =>
      run('tasks.list', (acting) => {
        const createdBy = taskListAuthor(acting, options.createdBy);
        const { createdBy: _ignored, ...rest } = options;
        return system.tasks.list({ ...rest, ...(createdBy === undefined ? {} : { createdBy }) });
      }),
    create: (raw, options = {}) =>
      run('tasks.create', (acting) => {
        assertTextWithin(fieldOf(raw, 'message'), system.limits.maxInstructionBytes, 'message');
        const input = parseInput(actorCreateTaskInputSchema, raw, 'task');
        return system.tasks.create({ ...input, createdBy: acting.user.id }, idempotencyOf(acting, options));
      }),
    get: (id) => run('tasks.get', (acting) => visibleTask(system, acting, id)),
    getDetail: (id) =>
      run('tasks.getDetail', async (acting) => {
        const detail = await system.tasks.getDetail(id);
        assertTaskVisible(acting, detail.task);
        return detail;
      }),
    rename: (id, title) =>
      run('tasks.rename', async (acting) => {
        await visibleTask(system, acting, id);
        return system.tasks.rename(id, title);
      }),
    setArchived: (id, archived) =>
      run('tasks.setArchived', async (acting) => {
        await visibleTask(system, acting, id);
        return system.tasks.setArchived(id, archived);
      }),
    delete: (id) =>
      run('tasks.delete', async (acting) => {
        await visibleTask(system, acting, id);
        return system.tasks.delete(id);
      }),
    addMessage: (taskId, raw) =>
      run('tasks.addMessage', async (acting) => {
        assertTextWithin(fieldOf(raw, 'content'), system.limits.maxInstructionBytes, 'message');
        const input = parseInput(actorAddMessageInputSchema, raw, 'message');
        await visibleTask(system, acting, taskId);
        return system.tasks.addMessage(taskId, {
          content: input.content,
          role: 'user',
          createdBy: acting.user.id,
        });
      }),
    listMessages: (taskId, options) =>
      run('tasks.listMessages', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.tasks.listMessages(taskId, options);
      }),
    choose: (taskId, runId) =>
      run('tasks.choose', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.tasks.choose(taskId, runId);
      }),
  };
}

/** Runs of the tasks the actor may see. */
export function createActorRuns(system: SystemServices, runner: ActorRunner): ActorRuns {
  const run = runner.run.bind(runner);
  return {
    create: (taskId, raw, options = {}) =>
      run('runs.create', async (acting) => {
        assertTextWithin(fieldOf(raw, 'instruction'), system.limits.maxInstructionBytes, 'instruction');
        const input = parseInput(actorCreateRunsInputSchema, raw, 'runs');
        await visibleTask(system, acting, taskId);
        return system.runs.create(
          taskId,
          { ...input, createdBy: acting.user.id },
          idempotencyOf(acting, options),
        );
      }),
    get: (id) => run('runs.get', (acting) => visibleRun(system, acting, id)),
    list: (options = {}) =>
      run('runs.list', async (acting) => {
        if (options.taskId !== undefined) await visibleTask(system, acting, options.taskId);
        else if (options.messageId !== undefined) await visibleMessage(system, acting, options.messageId);
        else if (acting.user.role !== 'admin') {
          throw new ForbiddenError('only an admin may list runs across tasks; give taskId or messageId');
        }
        return system.runs.list(options);
      }),
    events: (runId, options) =>
      run('runs.events', async (acting) => {
        await visibleRun(system, acting, runId);
        return system.runs.events(runId, options);
      }),
    cancel: (id) =>
      run('runs.cancel', async (acting) => {
        await visibleRun(system, acting, id);
        return system.runs.cancel(id);
      }),
    compare: (messageId) =>
      run('runs.compare', async (acting) => {
        await visibleMessage(system, acting, messageId);
        return system.runs.compare(messageId);
      }),
    taskUsage: (taskId) =>
      run('runs.taskUsage', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.runs.taskUsage(taskId);
      }),
    waitFor: (runIds, options) =>
      run('runs.waitFor', async (acting) => {
        for (const id of runIds) await visibleRun(system, acting, id);
        return system.runs.waitFor(runIds, options);
      }),
  };
}

/** Pull requests of the tasks the actor may see. */
export function createActorPullRequests(system: SystemServices, runner: ActorRunner): ActorPullRequests {
  const run = runner.run.bind(runner);
  return {
    create: (taskId, input) =>
      run('pullRequests.create', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.pullRequests.create(taskId, input);
      }),
    update: (taskId, input, pullRequestId) =>
      run('pullRequests.update', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.pullRequests.update(taskId, input, pullRequestId);
      }),
    get: (taskId, pullRequestId) =>
      run('pullRequests.get', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.pullRequests.get(taskId, pullRequestId);
      }),
    list: (taskId) =>
      run('pullRequests.list', async (acting) => {
        await visibleTask(system, acting, taskId);
        return system.pullRequests.list(taskId);
      }),
  };
}
