import {
  actorCreateRunsInputSchema,
  idSchema,
  messageSchema,
  NotFoundError,
  runComparisonSchema,
  runEventSchema,
  runSchema,
} from '@goosuke/core';
import { z } from 'zod';
import { streamRunEvents, streamTaskEvents } from '../run-event-stream.ts';
import { type HttpRoute, idempotencyKeyOf, idParams, pageOf, pageQuery, route } from './route.ts';

/** The request body of `POST /tasks/{id}/runs`. */
export const createRunsBodySchema = actorCreateRunsInputSchema;

/** What `POST /tasks/{id}/runs` answers: the stored message and the queued runs. */
export const createdRunsSchema = z
  .object({ message: messageSchema, runIds: z.array(idSchema), runs: z.array(runSchema) })
  .meta({ id: 'CreatedRuns' });

/** Starting, reading, comparing, cancelling and following runs. */
export const runRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'createRuns',
    method: 'post',
    path: '/tasks/{id}/runs',
    summary: 'Send an instruction to several models: one queued run each',
    tag: 'runs',
    operation: 'runs.create',
    params: idParams,
    body: createRunsBodySchema,
    idempotent: true,
    status: 202,
    response: createdRunsSchema,
    async handle({ actor, params, body, request }) {
      const { message, runs } = await actor.runs.create(params.id, body, idempotencyKeyOf(request));
      return { message, runIds: runs.map((run) => run.id), runs };
    },
  }),
  route({
    operationId: 'listTaskRuns',
    method: 'get',
    path: '/tasks/{id}/runs',
    summary: "List a task's runs",
    tag: 'runs',
    operation: 'runs.list',
    params: idParams,
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(runSchema, 'RunPage'),
    handle: ({ actor, params, query }) => actor.runs.list({ ...query, taskId: params.id }),
  }),
  route({
    operationId: 'compareRuns',
    method: 'get',
    path: '/tasks/{id}/runs/compare',
    summary: 'The runs of one message side by side',
    tag: 'runs',
    operation: 'runs.compare',
    params: idParams,
    query: z.object({ message: idSchema }),
    status: 200,
    response: runComparisonSchema,
    async handle({ actor, params, query }) {
      const comparison = await actor.runs.compare(query.message);
      // The path names the task: a message of another task is not one of its messages.
      if (comparison.taskId !== params.id) throw new NotFoundError('message', query.message);
      return comparison;
    },
  }),
  route({
    operationId: 'streamTaskEvents',
    method: 'get',
    path: '/tasks/{id}/events',
    summary:
      'Server-Sent Events of every run of the task: stored ones (after Last-Event-ID <runId>:<sequence>), then live ones, until the client disconnects',
    tag: 'runs',
    operation: 'tasks.get',
    acceptsTicket: true,
    stream: true,
    params: idParams,
    query: z.object({ ticket: z.string().min(1).max(512).optional() }),
    status: 200,
    response: runEventSchema,
    async handle({ actor, goosuke, params, request, response, settings }) {
      const task = await actor.tasks.get(params.id);
      await streamTaskEvents(goosuke, request, response, {
        taskId: task.id,
        heartbeatMs: settings.heartbeatMs ?? 15_000,
      });
    },
  }),
  route({
    operationId: 'getRun',
    method: 'get',
    path: '/runs/{id}',
    summary: 'Get a run with its patch (events are at /runs/{id}/events)',
    tag: 'runs',
    operation: 'runs.get',
    params: idParams,
    status: 200,
    response: runSchema,
    handle: ({ actor, params }) => actor.runs.get(params.id),
  }),
  route({
    operationId: 'cancelRun',
    method: 'post',
    path: '/runs/{id}/cancel',
    summary: 'Cancel a queued or running run',
    tag: 'runs',
    operation: 'runs.cancel',
    params: idParams,
    status: 200,
    response: runSchema,
    handle: ({ actor, params }) => actor.runs.cancel(params.id),
  }),
  route({
    operationId: 'streamRunEvents',
    method: 'get',
    path: '/runs/{id}/events',
    summary:
      'Server-Sent Events: stored events after Last-Event-ID (or ?after=), then live ones, until the terminal event',
    tag: 'runs',
    operation: 'runs.get',
    acceptsTicket: true,
    stream: true,
    params: idParams,
    query: z.object({
      after: z.coerce.number().int().min(0).optional(),
      ticket: z.string().min(1).max(512).optional(),
    }),
    status: 200,
    response: runEventSchema,
    async handle({ actor, goosuke, params, query, request, response, settings }) {
      const run = await actor.runs.get(params.id);
      await streamRunEvents(goosuke, request, response, {
        runId: run.id,
        after: query.after,
        heartbeatMs: settings.heartbeatMs ?? 15_000,
      });
    },
  }),
];
