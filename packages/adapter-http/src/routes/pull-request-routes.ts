import {
  createPullRequestInputSchema,
  idSchema,
  pullRequestSchema,
  updatePullRequestInputSchema,
} from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, idParams, route } from './route.ts';

const pullRequestParams = z.object({ id: idSchema, prId: idSchema });

/** A task's pull request: opened from a run, updated by later runs. */
export const pullRequestRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'createPullRequest',
    taskVersion: 'write',
    method: 'post',
    path: '/tasks/{id}/prs',
    summary: "Open the task's pull request from one of its runs",
    tag: 'pull requests',
    operation: 'pullRequests.create',
    params: idParams,
    body: createPullRequestInputSchema,
    status: 201,
    response: pullRequestSchema,
    handle: ({ actor, params, body }) => actor.pullRequests.create(params.id, body),
  }),
  route({
    operationId: 'updatePullRequest',
    taskVersion: 'write',
    method: 'post',
    path: '/tasks/{id}/prs/{prId}/update',
    summary: "Add a follow-up run's commit to the task's pull request",
    tag: 'pull requests',
    operation: 'pullRequests.update',
    params: pullRequestParams,
    body: updatePullRequestInputSchema,
    status: 200,
    response: pullRequestSchema,
    handle: ({ actor, params, body }) => actor.pullRequests.update(params.id, body, params.prId),
  }),
  route({
    operationId: 'listPullRequests',
    method: 'get',
    path: '/tasks/{id}/prs',
    summary: "List a task's pull requests",
    tag: 'pull requests',
    operation: 'pullRequests.list',
    params: idParams,
    status: 200,
    response: z.object({ items: z.array(pullRequestSchema) }).meta({ id: 'PullRequestList' }),
    handle: async ({ actor, params }) => ({ items: await actor.pullRequests.list(params.id) }),
  }),
  route({
    operationId: 'getPullRequest',
    method: 'get',
    path: '/tasks/{id}/prs/{prId}',
    summary: "Get one of a task's pull requests",
    tag: 'pull requests',
    operation: 'pullRequests.get',
    params: pullRequestParams,
    status: 200,
    response: pullRequestSchema,
    handle: ({ actor, params }) => actor.pullRequests.get(params.id, params.prId),
  }),
];
