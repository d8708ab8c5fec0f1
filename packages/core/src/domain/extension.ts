import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';

/** How an MCP extension is reached. */
export const extensionTypeSchema = z
  .enum(['builtin', 'stdio', 'sse', 'streamable_http'])
  .meta({ id: 'ExtensionType' });
/** An extension type. */
export type ExtensionType = z.infer<typeof extensionTypeSchema>;

/**
 * One environment variable given to an extension's process. For a secret variable the
 * stored `value` is a SecretBox envelope (ciphertext) and services return `null` for it.
 */
export const extensionEnvVarSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'),
    value: z.string().max(65_536).nullable(),
    secret: z.boolean(),
  })
  .meta({ id: 'ExtensionEnvVar' });
/** An extension environment variable. */
export type ExtensionEnvVar = z.infer<typeof extensionEnvVarSchema>;

/**
 * One HTTP header sent to an `sse` or `streamable_http` extension. As for environment variables,
 * a secret header's stored `value` is a SecretBox envelope and services return `null` for it.
 */
export const extensionHeaderSchema = z
  .object({
    /** An HTTP header name (RFC 9110 token). */
    name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/, 'not an HTTP header name'),
    value: z.string().max(65_536).nullable(),
    secret: z.boolean(),
  })
  .meta({ id: 'ExtensionHeader' });
/** An extension header. */
export type ExtensionHeader = z.infer<typeof extensionHeaderSchema>;

/** The MCP server behind an extension as it described itself when last connected. */
export const extensionServerInfoSchema = z
  .object({
    name: z.string().max(500),
    version: z.string().max(200),
    checkedAt: timestampSchema,
  })
  .meta({ id: 'ExtensionServerInfo' });
/** What an extension's server said of itself. */
export type ExtensionServerInfo = z.infer<typeof extensionServerInfoSchema>;

/** A tool provider (MCP server) agents may use. */
export const extensionSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(200),
    description: z.string().max(2000),
    type: extensionTypeSchema,
    /** Executable for `stdio`; builtin name for `builtin`. */
    command: z.string().min(1).nullable(),
    args: z.array(z.string()),
    /**
     * Working directory of a `stdio` server (absolute); null: a private directory of its own for
     * Goosuke's model runs, the working copy for an agent's (which starts the server itself).
     */
    cwd: z.string().min(1).nullable(),
    /** Endpoint for `sse` and `streamable_http`. */
    uri: z.url().nullable(),
    headers: z.array(extensionHeaderSchema),
    timeoutSeconds: z.number().int().positive().max(3600),
    env: z.array(extensionEnvVarSchema),
    enabled: z.boolean(),
    /** Given to every run, whatever its template, action, task or run names. */
    alwaysOn: z.boolean(),
    /** Its server's own name and version when it was last connected; null until then. */
    server: extensionServerInfoSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Extension' });
/** An extension. */
export type Extension = z.infer<typeof extensionSchema>;

/**
 * One extension a run was given, as the run recorded it: the extension's id and name when the run
 * was created, and its server's own name and version as last reported: by this run's connection
 * (model runs connect themselves; `checkedAt` is then during the run) or, for an agent run whose
 * agent starts the server itself, by the latest check before it (`goosuke extensions test`, an
 * earlier run). Null when no connection ever reported one.
 */
export const runExtensionSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(200),
    server: extensionServerInfoSchema.nullable(),
  })
  .strict()
  .meta({ id: 'RunExtension' });
/** An extension of a run. */
export type RunExtension = z.infer<typeof runExtensionSchema>;

/** Up to this many extensions on one template, action, task or run. */
export const maxExtensionsPerRun = 50;
