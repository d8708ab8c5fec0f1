import {
  createExtensionInputSchema,
  extensionSchema,
  gooseExportReportSchema,
  gooseImportReportSchema,
  updateExtensionInputSchema,
} from '@goosuke/core';
import { z } from 'zod';
import { exportGooseConfig, importGooseConfig } from '../goose-config-yaml.ts';
import { type HttpRoute, idParams, pageOf, pageQuery, route } from './route.ts';

// An extension by its id or its name (names are what people and `--extension` use).
const extensionParams = z.object({ id: z.string().min(1).max(200) });

// The text of a Goose config.yaml; the server's body limit bounds it first.
const gooseConfigText = z
  .string()
  .max(4 * 1024 * 1024)
  .meta({ description: "The text of Goose's config.yaml (YAML)" });

/** Body of `POST /extensions/import/goose`. */
const importGooseConfigBodySchema = z
  .object({
    config: gooseConfigText,
    /** Import entries whose names were deleted in Goosuke (skipped otherwise, so that deletions stick). */
    restoreDeleted: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'ImportGooseConfigInput' });

/** Body of `POST /extensions/export/goose`. */
const exportGooseConfigBodySchema = z
  .object({
    /** The config.yaml to write into; a new one when absent. */
    config: gooseConfigText.optional(),
  })
  .strict()
  .meta({ id: 'ExportGooseConfigInput' });

/** Answer of `POST /extensions/export/goose`. */
const gooseConfigExportSchema = z
  .object({
    /** The config.yaml with Goosuke's extensions written in, never a secret value. */
    config: z.string(),
    report: gooseExportReportSchema,
  })
  .meta({ id: 'GooseConfigExport' });

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
  route({
    operationId: 'importGooseConfig',
    method: 'post',
    path: '/extensions/import/goose',
    summary:
      "Import MCP extensions from Goose's config.yaml (admins): added, updated, unchanged and skipped, deleted ones not brought back",
    tag: 'extensions',
    operation: 'extensions.importFromGoose',
    body: importGooseConfigBodySchema,
    status: 200,
    response: gooseImportReportSchema,
    handle: ({ actor, body }) =>
      importGooseConfig(actor.extensions, body.config, {
        ...(body.restoreDeleted === undefined ? {} : { restoreDeleted: body.restoreDeleted }),
      }),
  }),
  route({
    operationId: 'exportGooseConfig',
    method: 'post',
    path: '/extensions/export/goose',
    summary:
      "Write the MCP extensions into Goose's config.yaml (admins): secrets as env_keys, never a value; the rest of the file kept",
    tag: 'extensions',
    operation: 'extensions.exportToGoose',
    body: exportGooseConfigBodySchema,
    status: 200,
    response: gooseConfigExportSchema,
    handle: ({ actor, body }) => exportGooseConfig(actor.extensions, body.config),
  }),
];
