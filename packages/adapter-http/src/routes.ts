import {
  accessTokenSchema,
  actionSchema,
  addMessageInputSchema,
  authTokensSchema,
  changePasswordInputSchema,
  createAccessTokenInputSchema,
  createActionInputSchema,
  createdAccessTokenSchema,
  createModelProfileInputSchema,
  createPullRequestInputSchema,
  createRepoInputSchema,
  createRunsInputSchema,
  createTaskInputSchema,
  createTemplateInputSchema,
  createUserInputSchema,
  discordGuildConfigInputSchema,
  discordGuildConfigSchema,
  discordIdSchema,
  type Goosuke,
  gitHubConfigInputSchema,
  gitHubConfigViewSchema,
  hostedRepositorySchema,
  idSchema,
  loginInputSchema,
  messageSchema,
  modelProfileSchema,
  NotFoundError,
  type Principal,
  pullRequestSchema,
  repoSchema,
  runComparisonSchema,
  runEventSchema,
  runSchema,
  setSettingInputSchema,
  settingKeySchema,
  settingViewSchema,
  streamTicketSchema,
  systemHealthSchema,
  type Task,
  taskSchema,
  templateSchema,
  triggerActionInputSchema,
  updateActionInputSchema,
  updatePullRequestInputSchema,
  updateTemplateInputSchema,
  userRoleSchema,
  userSchema,
} from '@goosuke/core';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { streamRunEvents, streamTaskEvents } from './run-event-stream.ts';

/** Who may call a route: anyone, any signed-in user, or admins only. */
export type RouteAccess = 'public' | 'user' | 'admin';

/** What a handler receives: the validated input and the caller. */
export interface RouteInput<Params, Query, Body> {
  goosuke: Goosuke;
  /** Null only on public routes. */
  principal: Principal | null;
  params: Params;
  query: Query;
  body: Body;
  settings: RouteSettings;
  request: Request;
  response: Response;
}

/**
 * One operation of the API. The same entry drives the Express handler (validation, access
 * check, status) and the OpenAPI document, so the two cannot disagree.
 */
export interface HttpRoute {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI-style path under `/api/v1`, e.g. `/tasks/{id}`. */
  path: string;
  summary: string;
  tag: string;
  access: RouteAccess;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status. */
  status: number;
  /** The success body; absent for 204. */
  response?: z.ZodType;
  /** A Server-Sent Events stream: the handler writes the response itself. */
  stream?: boolean;
  /** Whether `?ticket=` (from `/auth/stream-ticket`) may stand in for the Authorization header. */
  acceptsTicket?: boolean;
  /**
   * The body is taken as raw bytes (`request.body` is a Buffer, empty when none was sent), for
   * routes that verify a signature over the exact bytes; the text describes it in the document.
   */
  rawBody?: string;
  /** Authenticated by a signature over the body instead of a token (documented as a 401). */
  signed?: boolean;
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<unknown>;
}

function route<
  Params extends z.ZodObject = z.ZodObject<Record<string, never>>,
  Query extends z.ZodObject = z.ZodObject<Record<string, never>>,
  Body extends z.ZodType = z.ZodUndefined,
>(
  definition: Omit<HttpRoute, 'params' | 'query' | 'body' | 'handle'> & {
    params?: Params;
    query?: Query;
    body?: Body;
    handle(input: RouteInput<z.output<Params>, z.output<Query>, z.output<Body>>): Promise<unknown>;
  },
): HttpRoute {
  return definition as HttpRoute;
}

const idParams = z.object({ id: idSchema });
const pullRequestParams = z.object({ id: idSchema, prId: idSchema });
const settingParams = z.object({ key: settingKeySchema });
const guildParams = z.object({ guildId: discordIdSchema });

/** What `GET /settings` answers: every setting's view, ordered by key. */
export const settingListSchema = z.object({ items: z.array(settingViewSchema) }).meta({ id: 'SettingList' });

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(1000).optional(),
};

function pageOf<Item extends z.ZodType>(item: Item, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}

/** The request body of `POST /tasks`: the author is the caller, never a field. */
export const createTaskBodySchema = createTaskInputSchema
  .omit({ createdBy: true })
  .meta({ id: 'CreateTaskBody' });
/** The request body of `POST /tasks/{id}/messages`. */
export const addMessageBodySchema = addMessageInputSchema
  .pick({ content: true })
  .meta({ id: 'AddMessageBody' });
/** The request body of `POST /tasks/{id}/runs`. */
export const createRunsBodySchema = createRunsInputSchema
  .omit({ createdBy: true })
  .meta({ id: 'CreateRunsBody' });
/** The request body of `/auth/refresh` and `/auth/logout`. */
export const refreshTokenBodySchema = z
  .object({ refreshToken: z.string().min(1).max(512) })
  .strict()
  .meta({ id: 'RefreshTokenBody' });

/** The request body of `POST /users`: the role is required, the display name defaults to the username. */
export const createUserBodySchema = createUserInputSchema
  .required({ role: true })
  .meta({ id: 'CreateUserBody' });
/** The request body of `PATCH /users/{id}`: a new role, the disabled flag, or both. */
export const updateUserBodySchema = z
  .object({ role: userRoleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((body) => body.role !== undefined || body.disabled !== undefined, {
    message: 'give role, disabled or both',
  })
  .meta({ id: 'UpdateUserBody', minProperties: 1 });

/** What `GET /health` reports: core's system health (store, queue, job counts, workers). */
export const healthSchema = systemHealthSchema;

/** A task with its conversation and runs. */
export const taskDetailSchema = z
  .object({ task: taskSchema, messages: z.array(messageSchema), runs: z.array(runSchema) })
  .meta({ id: 'TaskDetail' });

/** What `POST /tasks/{id}/runs` answers: the stored message and the queued runs. */
export const createdRunsSchema = z
  .object({ message: messageSchema, runIds: z.array(idSchema), runs: z.array(runSchema) })
  .meta({ id: 'CreatedRuns' });

/**
 * The task if the caller may see it: admins see every task, members their own. Another
 * member's task answers like a missing one, so that ids cannot be probed.
 */
export async function visibleTask(goosuke: Goosuke, principal: Principal | null, id: string): Promise<Task> {
  const task = await goosuke.tasks.get(id);
  assertVisible(principal, task);
  return task;
}

/** NotFoundError (not Forbidden, so that ids do not leak) unless `principal` may see `task`. */
function assertVisible(principal: Principal | null, task: Task): void {
  if (principal === null || (principal.role !== 'admin' && task.createdBy !== principal.userId)) {
    throw new NotFoundError('task', task.id);
  }
}

function me(principal: Principal | null): Principal {
  if (principal === null) throw new Error('a non-public route ran without a principal');
  return principal;
}

/** What `POST /actions` and `PATCH /actions/{id}` answer: the action, and its secret when one was set just now. */
export const createdActionSchema = z
  .object({
    action: actionSchema,
    /** The webhook secret, shown this once (null when none was set or generated by this call). */
    webhookSecret: z.string().nullable(),
  })
  .meta({ id: 'CreatedAction' });

/** What `POST /actions/{id}/secret` answers. */
export const rotatedSecretSchema = z
  .object({ webhookSecret: z.string() })
  .meta({ id: 'RotatedWebhookSecret' });

/** The request body of `POST /actions`: the owner defaults to the caller. */
export const createActionBodySchema = createActionInputSchema.meta({ id: 'CreateActionBody' });

/** The request body of `POST /actions/{id}/trigger`; the idempotency key is the `Idempotency-Key` header. */
export const triggerActionBodySchema = triggerActionInputSchema
  .omit({ createdBy: true, idempotencyKey: true, data: true })
  .meta({ id: 'TriggerActionBody' });

/** What triggering answers: the task to follow (`GET /tasks/{taskId}`) and its runs. */
export const triggeredTaskSchema = z
  .object({
    taskId: idSchema,
    runIds: z.array(idSchema),
    /** False when an earlier trigger with the same idempotency key created the task. */
    created: z.boolean(),
    task: taskSchema,
    runs: z.array(runSchema),
  })
  .meta({ id: 'TriggeredTask' });

/** What `POST /hooks/{actionId}` answers: the task started, or why the delivery starts nothing. */
export const webhookAcceptedSchema = z
  .object({
    status: z.enum(['started', 'ignored']),
    taskId: idSchema.nullable(),
    runIds: z.array(idSchema),
    created: z.boolean(),
    /** Why an authenticated delivery starts nothing (a GitHub ping, an event not listened to). */
    reason: z.string().nullable(),
  })
  .meta({ id: 'WebhookAccepted' });

const idempotencyKeyOf = (request: Request): string | undefined =>
  request.get('idempotency-key') ?? undefined;

function triggeredView(triggered: { task: Task; runs: z.infer<typeof runSchema>[]; created: boolean }) {
  return {
    taskId: triggered.task.id,
    runIds: triggered.runs.map((run) => run.id),
    created: triggered.created,
    task: triggered.task,
    runs: triggered.runs,
  };
}

/** Options the handlers read. */
export interface RouteSettings {
  /** Milliseconds between SSE heartbeat comments; default 15 000. */
  heartbeatMs?: number;
}

/** Every route of the API, in document order. */
export const httpRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'getHealth',
    method: 'get',
    path: '/health',
    summary: 'The health of the store, the job queue and the run workers (no host details)',
    tag: 'system',
    access: 'public',
    status: 200,
    response: healthSchema,
    handle: ({ goosuke }) => goosuke.system.health(),
  }),
  route({
    operationId: 'login',
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with a username and password',
    tag: 'auth',
    access: 'public',
    body: loginInputSchema,
    status: 200,
    response: authTokensSchema,
    handle: ({ goosuke, body }) => goosuke.auth.login(body),
  }),
  route({
    operationId: 'refresh',
    method: 'post',
    path: '/auth/refresh',
    summary: 'Exchange a refresh token for a new token pair',
    tag: 'auth',
    access: 'public',
    body: refreshTokenBodySchema,
    status: 200,
    response: authTokensSchema,
    handle: ({ goosuke, body }) => goosuke.auth.refresh(body.refreshToken),
  }),
  route({
    operationId: 'logout',
    method: 'post',
    path: '/auth/logout',
    summary: 'Revoke a refresh token and its session',
    tag: 'auth',
    access: 'user',
    body: refreshTokenBodySchema,
    status: 204,
    handle: ({ goosuke, body }) => goosuke.auth.logout(body.refreshToken),
  }),
  route({
    operationId: 'createStreamTicket',
    method: 'post',
    path: '/auth/stream-ticket',
    summary: 'A single-use ticket for an event stream (browsers cannot send headers there)',
    tag: 'auth',
    access: 'user',
    status: 201,
    response: streamTicketSchema,
    handle: ({ goosuke, principal }) => goosuke.auth.createStreamTicket(me(principal)),
  }),
  route({
    operationId: 'listUsers',
    method: 'get',
    path: '/users',
    summary: 'List users',
    tag: 'users',
    access: 'admin',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(userSchema, 'UserPage'),
    handle: ({ goosuke, query }) => goosuke.users.list(query),
  }),
  route({
    operationId: 'createUser',
    method: 'post',
    path: '/users',
    summary: 'Create a user (there is no open registration)',
    tag: 'users',
    access: 'admin',
    body: createUserBodySchema,
    status: 201,
    response: userSchema,
    handle: ({ goosuke, body }) => goosuke.users.create(body),
  }),
  route({
    operationId: 'getCurrentUser',
    method: 'get',
    path: '/users/me',
    summary: 'The signed-in user',
    tag: 'users',
    access: 'user',
    status: 200,
    response: userSchema,
    handle: ({ goosuke, principal }) => goosuke.users.get(me(principal).userId),
  }),
  route({
    operationId: 'updateUser',
    method: 'patch',
    path: '/users/{id}',
    summary: "Change a user's role or disable (revoking their tokens) or re-enable them",
    tag: 'users',
    access: 'admin',
    params: idParams,
    body: updateUserBodySchema,
    status: 200,
    response: userSchema,
    handle: ({ goosuke, params, body }) =>
      goosuke.users.update(params.id, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      }),
  }),
  route({
    operationId: 'changePassword',
    method: 'post',
    path: '/users/me/password',
    summary: 'Change your own password (every session signs in again)',
    tag: 'users',
    access: 'user',
    body: changePasswordInputSchema,
    status: 204,
    handle: ({ goosuke, principal, body }) => goosuke.users.changePassword(me(principal).userId, body),
  }),
  route({
    operationId: 'createAccessToken',
    method: 'post',
    path: '/tokens',
    summary: 'Create a personal access token; the token is in this response only',
    tag: 'tokens',
    access: 'user',
    body: createAccessTokenInputSchema,
    status: 201,
    response: createdAccessTokenSchema,
    async handle({ goosuke, principal, body, response }) {
      // The plaintext token is never shown again: no cache may keep a copy.
      response.setHeader('Cache-Control', 'no-store');
      return goosuke.tokens.create(me(principal), body);
    },
  }),
  route({
    operationId: 'listAccessTokens',
    method: 'get',
    path: '/tokens',
    summary: "List your personal access tokens (admins: any user's with ?userId=)",
    tag: 'tokens',
    access: 'user',
    query: z.object({ ...pageQuery, userId: idSchema.optional() }),
    status: 200,
    response: pageOf(accessTokenSchema, 'AccessTokenPage'),
    handle: ({ goosuke, principal, query }) => goosuke.tokens.list(me(principal), query),
  }),
  route({
    operationId: 'revokeAccessToken',
    method: 'delete',
    path: '/tokens/{id}',
    summary: "Revoke a personal access token (yours; admins: anyone's)",
    tag: 'tokens',
    access: 'user',
    params: idParams,
    status: 204,
    async handle({ goosuke, principal, params }) {
      await goosuke.tokens.revoke(me(principal), params.id);
    },
  }),
  route({
    operationId: 'listModels',
    method: 'get',
    path: '/models',
    summary: 'List model profiles',
    tag: 'models',
    access: 'user',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(modelProfileSchema, 'ModelProfilePage'),
    handle: ({ goosuke, query }) => goosuke.models.list(query),
  }),
  route({
    operationId: 'createModel',
    method: 'post',
    path: '/models',
    summary: 'Create a model profile (the API key is write-only)',
    tag: 'models',
    access: 'admin',
    body: createModelProfileInputSchema,
    status: 201,
    response: modelProfileSchema,
    handle: ({ goosuke, body }) => goosuke.models.create(body),
  }),
  route({
    operationId: 'getModel',
    method: 'get',
    path: '/models/{id}',
    summary: 'Get a model profile',
    tag: 'models',
    access: 'user',
    params: idParams,
    status: 200,
    response: modelProfileSchema,
    handle: ({ goosuke, params }) => goosuke.models.get(params.id),
  }),
  route({
    operationId: 'deleteModel',
    method: 'delete',
    path: '/models/{id}',
    summary: 'Delete a model profile',
    tag: 'models',
    access: 'admin',
    params: idParams,
    status: 204,
    handle: ({ goosuke, params }) => goosuke.models.delete(params.id),
  }),
  route({
    operationId: 'listRepos',
    method: 'get',
    path: '/repos',
    summary: 'List repositories',
    tag: 'repos',
    access: 'user',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(repoSchema, 'RepoPage'),
    handle: ({ goosuke, query }) => goosuke.repos.list(query),
  }),
  route({
    operationId: 'createRepo',
    method: 'post',
    path: '/repos',
    summary: 'Register a repository (admins only: a URL may name a local path)',
    tag: 'repos',
    access: 'admin',
    body: createRepoInputSchema,
    status: 201,
    response: repoSchema,
    handle: ({ goosuke, body }) => goosuke.repos.create(body),
  }),
  route({
    operationId: 'getRepo',
    method: 'get',
    path: '/repos/{id}',
    summary: 'Get a repository',
    tag: 'repos',
    access: 'user',
    params: idParams,
    status: 200,
    response: repoSchema,
    handle: ({ goosuke, params }) => goosuke.repos.get(params.id),
  }),
  route({
    operationId: 'listTasks',
    method: 'get',
    path: '/tasks',
    summary: "List tasks (a member's own; an admin's all)",
    tag: 'tasks',
    access: 'user',
    query: z.object({ ...pageQuery, repoId: idSchema.optional() }),
    status: 200,
    response: pageOf(taskSchema, 'TaskPage'),
    handle({ goosuke, principal, query }) {
      const caller = me(principal);
      return goosuke.tasks.list({
        ...query,
        ...(caller.role === 'admin' ? {} : { createdBy: caller.userId }),
      });
    },
  }),
  route({
    operationId: 'createTask',
    method: 'post',
    path: '/tasks',
    summary: 'Create a task, with its first message when given',
    tag: 'tasks',
    access: 'user',
    body: createTaskBodySchema,
    status: 201,
    response: z.object({ task: taskSchema, messages: z.array(messageSchema) }).meta({ id: 'CreatedTask' }),
    handle: ({ goosuke, principal, body }) =>
      goosuke.tasks.create({ ...body, createdBy: me(principal).userId }),
  }),
  route({
    operationId: 'getTask',
    method: 'get',
    path: '/tasks/{id}',
    summary: 'Get a task with its messages and runs',
    tag: 'tasks',
    access: 'user',
    params: idParams,
    status: 200,
    response: taskDetailSchema,
    async handle({ goosuke, principal, params }) {
      const detail = await goosuke.tasks.getDetail(params.id);
      assertVisible(principal, detail.task);
      return detail;
    },
  }),
  route({
    operationId: 'archiveTask',
    method: 'post',
    path: '/tasks/{id}/archive',
    summary: 'Archive a task',
    tag: 'tasks',
    access: 'user',
    params: idParams,
    status: 200,
    response: taskSchema,
    async handle({ goosuke, principal, params }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.tasks.setArchived(params.id, true);
    },
  }),
  route({
    operationId: 'addMessage',
    method: 'post',
    path: '/tasks/{id}/messages',
    summary: 'Add a user message to a task without starting runs',
    tag: 'tasks',
    access: 'user',
    params: idParams,
    body: addMessageBodySchema,
    status: 201,
    response: messageSchema,
    async handle({ goosuke, principal, params, body }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.tasks.addMessage(params.id, { ...body, role: 'user', createdBy: me(principal).userId });
    },
  }),
  route({
    operationId: 'createRuns',
    method: 'post',
    path: '/tasks/{id}/runs',
    summary: 'Send an instruction to several models: one queued run each',
    tag: 'runs',
    access: 'user',
    params: idParams,
    body: createRunsBodySchema,
    status: 202,
    response: createdRunsSchema,
    async handle({ goosuke, principal, params, body }) {
      await visibleTask(goosuke, principal, params.id);
      const { message, runs } = await goosuke.runs.create(params.id, {
        ...body,
        createdBy: me(principal).userId,
      });
      return { message, runIds: runs.map((run) => run.id), runs };
    },
  }),
  route({
    operationId: 'listTaskRuns',
    method: 'get',
    path: '/tasks/{id}/runs',
    summary: "List a task's runs",
    tag: 'runs',
    access: 'user',
    params: idParams,
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(runSchema, 'RunPage'),
    async handle({ goosuke, principal, params, query }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.runs.list({ ...query, taskId: params.id });
    },
  }),
  route({
    operationId: 'createPullRequest',
    method: 'post',
    path: '/tasks/{id}/prs',
    summary: "Open the task's pull request from one of its runs",
    tag: 'pull requests',
    access: 'user',
    params: idParams,
    body: createPullRequestInputSchema,
    status: 201,
    response: pullRequestSchema,
    async handle({ goosuke, principal, params, body }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.pullRequests.create(params.id, body);
    },
  }),
  route({
    operationId: 'updatePullRequest',
    method: 'post',
    path: '/tasks/{id}/prs/{prId}/update',
    summary: "Add a follow-up run's commit to the task's pull request",
    tag: 'pull requests',
    access: 'user',
    params: pullRequestParams,
    body: updatePullRequestInputSchema,
    status: 200,
    response: pullRequestSchema,
    async handle({ goosuke, principal, params, body }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.pullRequests.update(params.id, body, params.prId);
    },
  }),
  route({
    operationId: 'listPullRequests',
    method: 'get',
    path: '/tasks/{id}/prs',
    summary: "List a task's pull requests",
    tag: 'pull requests',
    access: 'user',
    params: idParams,
    status: 200,
    response: z.object({ items: z.array(pullRequestSchema) }).meta({ id: 'PullRequestList' }),
    async handle({ goosuke, principal, params }) {
      await visibleTask(goosuke, principal, params.id);
      return { items: await goosuke.pullRequests.list(params.id) };
    },
  }),
  route({
    operationId: 'getPullRequest',
    method: 'get',
    path: '/tasks/{id}/prs/{prId}',
    summary: "Get one of a task's pull requests",
    tag: 'pull requests',
    access: 'user',
    params: pullRequestParams,
    status: 200,
    response: pullRequestSchema,
    async handle({ goosuke, principal, params }) {
      await visibleTask(goosuke, principal, params.id);
      return goosuke.pullRequests.get(params.id, params.prId);
    },
  }),
  route({
    operationId: 'compareRuns',
    method: 'get',
    path: '/tasks/{id}/runs/compare',
    summary: 'The runs of one message side by side',
    tag: 'runs',
    access: 'user',
    params: idParams,
    query: z.object({ message: idSchema }),
    status: 200,
    response: runComparisonSchema,
    async handle({ goosuke, principal, params, query }) {
      await visibleTask(goosuke, principal, params.id);
      const comparison = await goosuke.runs.compare(query.message);
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
    access: 'user',
    acceptsTicket: true,
    stream: true,
    params: idParams,
    query: z.object({ ticket: z.string().min(1).max(512).optional() }),
    status: 200,
    response: runEventSchema,
    async handle(input) {
      const task = await visibleTask(input.goosuke, input.principal, input.params.id);
      await streamTaskEvents(input.goosuke, input.request, input.response, {
        taskId: task.id,
        heartbeatMs: input.settings.heartbeatMs ?? 15_000,
      });
    },
  }),
  route({
    operationId: 'getRun',
    method: 'get',
    path: '/runs/{id}',
    summary: 'Get a run with its patch (events are at /runs/{id}/events)',
    tag: 'runs',
    access: 'user',
    params: idParams,
    status: 200,
    response: runSchema,
    async handle({ goosuke, principal, params }) {
      const run = await goosuke.runs.get(params.id);
      await visibleRunTask(goosuke, principal, run.taskId, params.id);
      return run;
    },
  }),
  route({
    operationId: 'cancelRun',
    method: 'post',
    path: '/runs/{id}/cancel',
    summary: 'Cancel a queued or running run',
    tag: 'runs',
    access: 'user',
    params: idParams,
    status: 200,
    response: runSchema,
    async handle({ goosuke, principal, params }) {
      const run = await goosuke.runs.get(params.id);
      await visibleRunTask(goosuke, principal, run.taskId, params.id);
      return goosuke.runs.cancel(params.id);
    },
  }),
  route({
    operationId: 'streamRunEvents',
    method: 'get',
    path: '/runs/{id}/events',
    summary:
      'Server-Sent Events: stored events after Last-Event-ID (or ?after=), then live ones, until the terminal event',
    tag: 'runs',
    access: 'user',
    acceptsTicket: true,
    stream: true,
    params: idParams,
    query: z.object({
      after: z.coerce.number().int().min(0).optional(),
      ticket: z.string().min(1).max(512).optional(),
    }),
    status: 200,
    response: runEventSchema,
    async handle(input) {
      const run = await input.goosuke.runs.get(input.params.id);
      await visibleRunTask(input.goosuke, input.principal, run.taskId, input.params.id);
      await streamRunEvents(input.goosuke, input.request, input.response, {
        runId: run.id,
        after: input.query.after,
        heartbeatMs: input.settings.heartbeatMs ?? 15_000,
      });
    },
  }),
  route({
    operationId: 'listSettings',
    method: 'get',
    path: '/settings',
    summary: 'List deployment settings (secret values are never shown)',
    tag: 'settings',
    access: 'admin',
    status: 200,
    response: settingListSchema,
    handle: async ({ goosuke }) => ({ items: await goosuke.settings.list() }),
  }),
  route({
    operationId: 'getSetting',
    method: 'get',
    path: '/settings/{key}',
    summary: 'Get a deployment setting (a secret shows only that it is set)',
    tag: 'settings',
    access: 'admin',
    params: settingParams,
    status: 200,
    response: settingViewSchema,
    handle: ({ goosuke, params }) => goosuke.settings.get(params.key),
  }),
  route({
    operationId: 'putSetting',
    method: 'put',
    path: '/settings/{key}',
    summary: 'Create or change a deployment setting (secret values are write-only)',
    tag: 'settings',
    access: 'admin',
    params: settingParams,
    body: setSettingInputSchema,
    status: 200,
    response: settingViewSchema,
    handle: ({ goosuke, params, body }) => goosuke.settings.set(params.key, body),
  }),
  route({
    operationId: 'getGitHubConfig',
    method: 'get',
    path: '/github/config',
    summary: 'The stored GitHub configuration (no token or key)',
    tag: 'github',
    access: 'admin',
    status: 200,
    response: gitHubConfigViewSchema,
    handle: ({ goosuke }) => goosuke.github.getConfig(),
  }),
  route({
    operationId: 'putGitHubConfig',
    method: 'put',
    path: '/github/config',
    summary: 'Change the stored GitHub configuration (token and private key are write-only)',
    tag: 'github',
    access: 'admin',
    body: gitHubConfigInputSchema,
    status: 200,
    response: gitHubConfigViewSchema,
    handle: ({ goosuke, body }) => goosuke.github.setConfig(body),
  }),
  route({
    operationId: 'listGitHubRepositories',
    method: 'get',
    path: '/github/repos',
    summary: 'Repositories the configured GitHub credentials reach',
    tag: 'github',
    access: 'admin',
    status: 200,
    response: z.object({ items: z.array(hostedRepositorySchema) }).meta({ id: 'GitHubRepositoryList' }),
    handle: async ({ goosuke }) => ({ items: await goosuke.github.listRepositories() }),
  }),
  route({
    operationId: 'listGitHubBranches',
    method: 'get',
    path: '/github/repos/{owner}/{repo}/branches',
    summary: "A GitHub repository's branches",
    tag: 'github',
    access: 'user',
    params: z.object({ owner: z.string().min(1).max(100), repo: z.string().min(1).max(100) }),
    status: 200,
    response: z.object({ items: z.array(z.string()) }).meta({ id: 'GitHubBranchList' }),
    handle: async ({ goosuke, params }) => ({
      items: await goosuke.github.listBranches(params.owner, params.repo),
    }),
  }),
  route({
    operationId: 'listTemplates',
    method: 'get',
    path: '/templates',
    summary: 'List templates',
    tag: 'templates',
    access: 'admin',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(templateSchema, 'TemplatePage'),
    handle: ({ goosuke, query }) => goosuke.templates.list(query),
  }),
  route({
    operationId: 'createTemplate',
    method: 'post',
    path: '/templates',
    summary: 'Create a template (prompt with typed {{parameters}}, default models, output kind)',
    tag: 'templates',
    access: 'admin',
    body: createTemplateInputSchema,
    status: 201,
    response: templateSchema,
    handle: ({ goosuke, body }) => goosuke.templates.create(body),
  }),
  route({
    operationId: 'getTemplate',
    method: 'get',
    path: '/templates/{id}',
    summary: 'A template',
    tag: 'templates',
    access: 'admin',
    params: idParams,
    status: 200,
    response: templateSchema,
    handle: ({ goosuke, params }) => goosuke.templates.get(params.id),
  }),
  route({
    operationId: 'updateTemplate',
    method: 'patch',
    path: '/templates/{id}',
    summary: 'Change a template',
    tag: 'templates',
    access: 'admin',
    params: idParams,
    body: updateTemplateInputSchema,
    status: 200,
    response: templateSchema,
    handle: ({ goosuke, params, body }) => goosuke.templates.update(params.id, body),
  }),
  route({
    operationId: 'deleteTemplate',
    method: 'delete',
    path: '/templates/{id}',
    summary: 'Delete a template no action uses',
    tag: 'templates',
    access: 'admin',
    params: idParams,
    status: 204,
    handle: ({ goosuke, params }) => goosuke.templates.delete(params.id),
  }),
  route({
    operationId: 'listActions',
    method: 'get',
    path: '/actions',
    summary: 'List actions',
    tag: 'actions',
    access: 'admin',
    query: z.object({
      ...pageQuery,
      templateId: idSchema.optional(),
      enabled: z
        .enum(['true', 'false'])
        .transform((value) => value === 'true')
        .optional(),
    }),
    status: 200,
    response: pageOf(actionSchema, 'ActionPage'),
    handle: ({ goosuke, query }) => goosuke.actions.list(query),
  }),
  route({
    operationId: 'createAction',
    method: 'post',
    path: '/actions',
    summary: 'Create an action: a trigger bound to a template (webhook secret shown once)',
    tag: 'actions',
    access: 'admin',
    body: createActionBodySchema,
    status: 201,
    response: createdActionSchema,
    handle: ({ goosuke, principal, body }) =>
      goosuke.actions.create({ ...body, ownerId: body.ownerId ?? me(principal).userId }),
  }),
  route({
    operationId: 'getAction',
    method: 'get',
    path: '/actions/{id}',
    summary: 'An action (never its secret)',
    tag: 'actions',
    access: 'admin',
    params: idParams,
    status: 200,
    response: actionSchema,
    handle: ({ goosuke, params }) => goosuke.actions.get(params.id),
  }),
  route({
    operationId: 'updateAction',
    method: 'patch',
    path: '/actions/{id}',
    summary: 'Change an action',
    tag: 'actions',
    access: 'admin',
    params: idParams,
    body: updateActionInputSchema,
    status: 200,
    response: createdActionSchema,
    handle: ({ goosuke, params, body }) => goosuke.actions.update(params.id, body),
  }),
  route({
    operationId: 'deleteAction',
    method: 'delete',
    path: '/actions/{id}',
    summary: 'Delete an action',
    tag: 'actions',
    access: 'admin',
    params: idParams,
    status: 204,
    handle: ({ goosuke, params }) => goosuke.actions.delete(params.id),
  }),
  route({
    operationId: 'rotateActionSecret',
    method: 'post',
    path: '/actions/{id}/secret',
    summary: "Replace an action's webhook secret with a new random one (shown once)",
    tag: 'actions',
    access: 'admin',
    params: idParams,
    status: 200,
    response: rotatedSecretSchema,
    handle: async ({ goosuke, params }) => ({
      webhookSecret: await goosuke.actions.rotateWebhookSecret(params.id),
    }),
  }),
  route({
    operationId: 'triggerAction',
    method: 'post',
    path: '/actions/{id}/trigger',
    summary: 'Trigger an action: fill its template and start runs (Idempotency-Key header honoured)',
    tag: 'actions',
    access: 'user',
    params: idParams,
    body: triggerActionBodySchema,
    status: 202,
    response: triggeredTaskSchema,
    handle: async ({ goosuke, principal, params, body, request }) => {
      const idempotencyKey = idempotencyKeyOf(request);
      return triggeredView(
        await goosuke.actions.trigger(params.id, {
          ...body,
          createdBy: me(principal).userId,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        }),
      );
    },
  }),
  route({
    operationId: 'receiveWebhook',
    method: 'post',
    path: '/hooks/{id}',
    summary:
      'A signed webhook for an action: X-Goosuke-Timestamp + X-Goosuke-Signature (or X-Hub-Signature-256 for GitHub actions); no token',
    tag: 'actions',
    access: 'public',
    signed: true,
    rawBody:
      'The event, as JSON (GitHub may send form-encoded `payload=`); the signature covers these exact bytes.',
    params: idParams,
    status: 202,
    response: webhookAcceptedSchema,
    handle: async ({ goosuke, params, request }) => {
      const body = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array();
      const outcome = await goosuke.actions.receiveWebhook(params.id, {
        header: (name) => request.get(name) ?? null,
        body,
      });
      return outcome.kind === 'ignored'
        ? { status: 'ignored', taskId: null, runIds: [], created: false, reason: outcome.reason }
        : {
            status: 'started',
            taskId: outcome.triggered.task.id,
            runIds: outcome.triggered.runs.map((run) => run.id),
            created: outcome.triggered.created,
            reason: null,
          };
    },
  }),
  route({
    operationId: 'getDiscordGuildConfig',
    method: 'get',
    path: '/discord/guilds/{guildId}/config',
    summary: "The Discord bot's configuration in one guild (defaults when none is stored)",
    tag: 'discord',
    access: 'admin',
    params: guildParams,
    status: 200,
    response: discordGuildConfigSchema,
    handle: ({ goosuke, params }) => goosuke.discord.getGuildConfig(params.guildId),
  }),
  route({
    operationId: 'putDiscordGuildConfig',
    method: 'put',
    path: '/discord/guilds/{guildId}/config',
    summary: "Change the Discord bot's configuration in one guild (the fields given)",
    tag: 'discord',
    access: 'admin',
    params: guildParams,
    body: discordGuildConfigInputSchema,
    status: 200,
    response: discordGuildConfigSchema,
    handle: ({ goosuke, params, body }) => goosuke.discord.setGuildConfig(params.guildId, body),
  }),
  route({
    operationId: 'deleteSetting',
    method: 'delete',
    path: '/settings/{key}',
    summary: 'Delete a deployment setting',
    tag: 'settings',
    access: 'admin',
    params: settingParams,
    status: 204,
    handle: ({ goosuke, params }) => goosuke.settings.delete(params.key),
  }),
];

// A run of a task the caller may not see answers like a missing run.
async function visibleRunTask(goosuke: Goosuke, principal: Principal | null, taskId: string, runId: string) {
  try {
    await visibleTask(goosuke, principal, taskId);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError('run', runId);
    throw error;
  }
}
