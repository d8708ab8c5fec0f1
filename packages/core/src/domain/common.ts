import { z } from 'zod';

/** An entity id: opaque, non-empty, at most 128 characters, no whitespace. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^\S+$/, 'an id has no whitespace')
  .meta({ id: 'Id', description: 'Opaque entity id' });

/** An instant as an ISO 8601 UTC string with milliseconds, e.g. `2026-01-02T03:04:05.678Z`. */
export const timestampSchema = z.iso
  .datetime({ offset: false, precision: 3 })
  .meta({ id: 'Timestamp', description: 'ISO 8601 UTC instant with milliseconds' });

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON value; rejects functions, undefined, bigint, symbols and non-finite numbers. */
export const jsonValueSchema: z.ZodType<JsonValue> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number().refine(Number.isFinite, 'numbers must be finite'),
      z.boolean(),
      z.null(),
      z.array(jsonValueSchema),
      z.record(z.string(), jsonValueSchema),
    ]),
  )
  .meta({ id: 'JsonValue' });

/** A JSON object (string keys, JSON values). */
export const jsonObjectSchema = z.record(z.string(), jsonValueSchema).meta({ id: 'JsonObject' });
/** A JSON object. */
export type JsonObject = z.infer<typeof jsonObjectSchema>;

/** A repository-relative file path with forward slashes. Validated for safety by the edit engine. */
export const relativePathSchema = z.string().min(1).max(4096);

/** A git ref name or commit id, as written by a user (`main`, `refs/heads/x`, a SHA). */
export const gitRefSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s~^:?*[\\]+$/, 'not a valid git ref');

/** A 40- or 64-hex-digit commit id. */
export const commitIdSchema = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'not a commit id');
