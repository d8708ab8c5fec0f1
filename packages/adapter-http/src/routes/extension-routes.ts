import { createExtensionInputSchema, extensionSchema, updateExtensionInputSchema } from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, idParams, pageOf, pageQuery, route } from './route.ts';

// An extension by its id or its name (names are what people and `--extension` use).
const extensionParams = z.object({ id: z.string().min(1).max(200) });

/** MCP extensions: members read them (secret values are always null); admins manage them. */
export const extensionRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'listExtensions',
    method: 'get',
    path: '/extensions',
    summary: 'List MCP extensions (secret env values and headers are null)',
    tag: 'extensions',
    operation: 'extensions.list',
    query: z.object(pageQuery),
    status: 200,
    response: pageOf(extensionSchema, 'ExtensionPage'),
    handle: ({ actor, query }) => actor.extensions.list(query),
  }),
  route({
    operationId: 'createExtension',
    method: 'post',
    path: '/extensions',
    summary:
      'Add an MCP extension: a stdio command or an SSE / streamable-HTTP URL (admins; secrets are write-only)',
    tag: 'extensions',
    operation: 'extensions.create',
    body: createExtensionInputSchema,
    status: 201,
    response: extensionSchema,
    handle: ({ actor, body }) => actor.extensions.create(body),
  }),
  route({
    operationId: 'getExtension',
    method: 'get',
    path: '/extensions/{id}',
    summary: 'An MCP extension, by id or name',
    tag: 'extensions',
    operation: 'extensions.resolve',
    params: extensionParams,
    status: 200,
    response: extensionSchema,
    handle: ({ actor, params }) => actor.extensions.resolve(params.id),
  }),
  route({
    operationId: 'updateExtension',
    method: 'patch',
    path: '/extensions/{id}',
    summary: 'Change an MCP extension (admins); a secret given without a value keeps the stored one',
    tag: 'extensions',
    operation: 'extensions.update',
    params: idParams,
    body: updateExtensionInputSchema,
    status: 200,
    response: extensionSchema,
    handle: ({ actor, params, body }) => actor.extensions.update(params.id, body),
  }),
  route({
    operationId: 'deleteExtension',
    method: 'delete',
    path: '/extensions/{id}',
    summary: 'Remove an MCP extension (admins); refused while templates name it',
    tag: 'extensions',
    operation: 'extensions.delete',
    params: idParams,
    status: 204,
    handle: ({ actor, params }) => actor.extensions.delete(params.id),
  }),
];
