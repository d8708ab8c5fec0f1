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

/** A tool provider (MCP server) agents may use. */
export const extensionSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(200),
    type: extensionTypeSchema,
    /** Executable for `stdio`; builtin name for `builtin`. */
    command: z.string().min(1).nullable(),
    args: z.array(z.string()),
    /** Endpoint for `sse` and `streamable_http`. */
    uri: z.url().nullable(),
    headers: z.record(z.string(), z.string()),
    timeoutSeconds: z.number().int().positive().max(3600),
    env: z.array(extensionEnvVarSchema),
    enabled: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Extension' });
/** An extension. */
export type Extension = z.infer<typeof extensionSchema>;
