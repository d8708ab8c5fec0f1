import {
  actionTriggerSchema,
  actorAddMessageInputSchema,
  actorCreateTaskInputSchema,
  idSchema,
  messageSchema,
  runSchema,
  taskSchema,
  taskStatusSchema,
} from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, idempotencyKeyOf, idParams, pageOf, pageQuery, route } from './route.ts';

/** The request body of `POST /tasks`: the author is the caller, never a field. */
export const createTaskBodySchema = actorCreateTaskInputSchema;
/** The request body of `POST /tasks/{id}/messages`. */
export const addMessageBodySchema = actorAddMessageInputSchema;

/** The request body of `PUT /tasks/{id}/chosen-run`. */
export const chooseRunBodySchema = z.object({ runId: idSchema }).strict().meta({ id: 'ChooseRunBody' });

/** A task with its conversation and runs. */
export const taskDetailSchema = z
  .object({ task: taskSchema, messages: z.array(messageSchema), runs: z.array(runSchema) })
  .meta({ id: 'TaskDetail' });

/** Tasks (conversations): a member's own, every one for admins. */
export const taskRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'listTasks',
    method: 'get',
    path: '/tasks',
    summary:
      "List tasks (a member's own; an admin's all), newest first, by status, repository, template, action, trigger, author or archived",
    tag: 'tasks',
    operation: 'tasks.list',
    query: z.object({
      ...pageQuery,
      repoId: idSchema.optional(),
      status: taskStatusSchema.optional(),
      templateId: idSchema.optional(),
      actionId: idSchema.optional(),
      trigger: actionTriggerSchema.optional(),
      /** The author: a member may name only themself. */
      createdBy: idSchema.optional(),
      archived: z
        .enum(['true', 'false'])
        .transform((value) => value === 'true')
        .optional(),
    }),
    status: 200,
    response: pageOf(taskSchema, 'TaskPage'),
    handle: ({ actor, query }) => actor.tasks.list(query),
  }),
  route({
    operationId: 'createTask',
    idempotent: true,
    method: 'post',
    path: '/tasks',
    summary: 'Create a task, with its first message when given',
    tag: 'tasks',
    operation: 'tasks.create',
    body: createTaskBodySchema,
    status: 201,
    response: z.object({ task: taskSchema, messages: z.array(messageSchema) }).meta({ id: 'CreatedTask' }),
    handle: ({ actor, body, request }) => actor.tasks.create(body, idempotencyKeyOf(request)),
  }),
  route({
    operationId: 'getTask',
    taskVersion: 'read',
    method: 'get',
    path: '/tasks/{id}',
    summary: 'Get a task with its messages and runs',
    tag: 'tasks',
    operation: 'tasks.getDetail',
    params: idParams,
    status: 200,
    response: taskDetailSchema,
    handle: ({ actor, params }) => actor.tasks.getDetail(params.id),
  }),
  route({
    operationId: 'archiveTask',
    taskVersion: 'write',
    method: 'post',
    path: '/tasks/{id}/archive',
    summary: 'Archive a task',
    tag: 'tasks',
    operation: 'tasks.setArchived',
    params: idParams,
    status: 200,
    response: taskSchema,
    handle: ({ actor, params }) => actor.tasks.setArchived(params.id, true),
  }),
  route({
    operationId: 'chooseRun',
    taskVersion: 'write',
    method: 'put',
    path: '/tasks/{id}/chosen-run',
    summary:
      'Choose the run the task continues from (a run of the task that succeeded with a commit): later messages build on it',
    tag: 'tasks',
    operation: 'tasks.choose',
    params: idParams,
    body: chooseRunBodySchema,
    status: 200,
    response: taskSchema,
    handle: ({ actor, params, body }) => actor.tasks.choose(params.id, body.runId),
  }),
  route({
    operationId: 'addMessage',
    taskVersion: 'write',
    method: 'post',
    path: '/tasks/{id}/messages',
    summary: 'Add a user message to a task without starting runs',
    tag: 'tasks',
    operation: 'tasks.addMessage',
    params: idParams,
    body: addMessageBodySchema,
    status: 201,
    response: messageSchema,
    handle: ({ actor, params, body }) => actor.tasks.addMessage(params.id, body),
  }),
];
