import {
  accessTokenSchema,
  changePasswordInputSchema,
  createAccessTokenInputSchema,
  createdAccessTokenSchema,
  createUserInputSchema,
  idSchema,
  userRoleSchema,
  userSchema,
} from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, idParams, pageOf, pageQuery, route } from './route.ts';

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

/** Users and personal access tokens. */
export const userRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'listUsers',
    method: 'get',
    path: '/users',
    summary: 'List users',
    tag: 'users',
    operation: 'users.list',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(userSchema, 'UserPage'),
    handle: ({ actor, query }) => actor.users.list(query),
  }),
  route({
    operationId: 'createUser',
    method: 'post',
    path: '/users',
    summary: 'Create a user (there is no open registration)',
    tag: 'users',
    operation: 'users.create',
    body: createUserBodySchema,
    status: 201,
    response: userSchema,
    handle: ({ actor, body }) => actor.users.create(body),
  }),
  route({
    operationId: 'getCurrentUser',
    method: 'get',
    path: '/users/me',
    summary: 'The signed-in user',
    tag: 'users',
    operation: 'account.get',
    status: 200,
    response: userSchema,
    handle: ({ actor }) => actor.account.get(),
  }),
  route({
    operationId: 'updateUser',
    method: 'patch',
    path: '/users/{id}',
    summary: "Change a user's role or disable (revoking their tokens) or re-enable them",
    tag: 'users',
    operation: 'users.update',
    params: idParams,
    body: updateUserBodySchema,
    status: 200,
    response: userSchema,
    handle: ({ actor, params, body }) =>
      actor.users.update(params.id, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      }),
  }),
  route({
    operationId: 'signOutUser',
    method: 'post',
    path: '/users/{id}/sign-out',
    summary: 'Sign a user out everywhere: end every session and revoke every personal access token',
    tag: 'users',
    operation: 'users.signOut',
    params: idParams,
    status: 204,
    async handle({ actor, params }) {
      await actor.users.signOut(params.id);
    },
  }),
  route({
    operationId: 'changePassword',
    method: 'post',
    path: '/users/me/password',
    summary: 'Change your own password (every session signs in again; personal access tokens are revoked)',
    tag: 'users',
    operation: 'account.changePassword',
    body: changePasswordInputSchema,
    status: 204,
    handle: ({ actor, body }) => actor.account.changePassword(body),
  }),
  route({
    operationId: 'createAccessToken',
    method: 'post',
    path: '/tokens',
    summary:
      'Create a personal access token (needs a sign-in within 10 minutes, or currentPassword); the token is in this response only',
    tag: 'tokens',
    operation: 'tokens.create',
    body: createAccessTokenInputSchema,
    status: 201,
    response: createdAccessTokenSchema,
    async handle({ actor, body, response }) {
      // The plaintext token is never shown again: no cache may keep a copy.
      response.setHeader('Cache-Control', 'no-store');
      return actor.tokens.create(body);
    },
  }),
  route({
    operationId: 'listAccessTokens',
    method: 'get',
    path: '/tokens',
    summary: "List your personal access tokens (admins: any user's with ?userId=)",
    tag: 'tokens',
    operation: 'tokens.list',
    query: z.object({ ...pageQuery, userId: idSchema.optional() }),
    status: 200,
    response: pageOf(accessTokenSchema, 'AccessTokenPage'),
    handle: ({ actor, query }) => actor.tokens.list(query),
  }),
  route({
    operationId: 'revokeAccessToken',
    method: 'delete',
    path: '/tokens/{id}',
    summary: "Revoke a personal access token (yours; admins: anyone's)",
    tag: 'tokens',
    operation: 'tokens.revoke',
    params: idParams,
    status: 204,
    async handle({ actor, params }) {
      await actor.tokens.revoke(params.id);
    },
  }),
];
