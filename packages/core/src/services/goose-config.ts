import { z } from 'zod';
import { idSchema } from '../domain/index.ts';

// Goose's `config.yaml` keeps its extensions under `extensions:`, one entry per key, each the
// entry's `enabled` flag and its ExtensionConfig flattened and tagged by `type` (block/goose,
// crates/goose/src/config/extensions.rs and agents/extension.rs). goose-config-import.ts and
// goose-config-export.ts map entries to Goosuke's extensions and back on plain values; this
// module holds what they share and the reports. The YAML text itself (comments, order, unknown
// keys) is read and written by the adapters with the `yaml` library (see @goosuke/adapter-http's
// goose-config-yaml.ts), so core stays free of a YAML parser.

/** A YAML mapping as plain values. */
export type GooseEntry = Record<string, unknown>;

/** Goose's types that Goosuke can hold: servers it can start or call itself. */
export const holdableTypes = new Set(['stdio', 'sse', 'streamable_http']);
/** Goose's types that run inside Goose (its bundled servers, its UI, its own agent). */
export const gooseOnlyTypes = new Set(['builtin', 'platform', 'frontend', 'inline_python']);

/** Goose's timeout of an extension whose entry gives none (`DEFAULT_EXTENSION_TIMEOUT`), in seconds. */
export const gooseDefaultTimeoutSeconds = 300;

/**
 * Names of environment variables and headers whose values are credentials. Goose keeps plain
 * `envs` and `headers` in its file, but Goosuke shows non-secret values to every member, so
 * such values are sealed on import (the mistake Goosuke-py made was to show them).
 */
export const credentialName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE/i;

/** Whether `value` is a YAML mapping (not a list, not a scalar). */
export function isGooseEntry(value: unknown): value is GooseEntry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Goose's key for an extension's name (`name_to_key`): its whitespace removed, lower-cased. */
export function gooseKeyOf(name: string): string {
  return name.replace(/\s/gu, '').toLowerCase();
}

/** The name of the entry at `key`: its `name`, or the key when it has none (Goose derives keys from names). */
export function gooseEntryName(key: string, entry: GooseEntry): string {
  return typeof entry.name === 'string' && entry.name.trim() !== '' ? entry.name : key;
}

/** A YAML scalar as Goose reads it into a string field (`PORT: 8080` is "8080"); undefined for anything else. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Deep equality of plain values (as parsed YAML or JSON): maps regardless of key order, lists in order. */
export function samePlainValue(left: unknown, right: unknown): boolean {
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => samePlainValue(item, right[index]))
    );
  }
  if (isGooseEntry(left) || isGooseEntry(right)) {
    if (!isGooseEntry(left) || !isGooseEntry(right)) return false;
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && samePlainValue(left[key], right[key]))
    );
  }
  return left === right;
}

/** Why an entry of Goose's file was not imported. */
export const gooseImportSkipReasonSchema = z
  .enum(['deleted', 'unsupported_type', 'invalid', 'duplicate', 'conflict'])
  .meta({ id: 'GooseImportSkipReason' });
/** Why an entry was not imported. */
export type GooseImportSkipReason = z.infer<typeof gooseImportSkipReasonSchema>;

/** An entry of Goose's file that was not imported, and why. */
export const gooseImportSkipSchema = z
  .object({
    /** The entry's key under `extensions:`. */
    key: z.string(),
    /** Null when the entry is not a mapping. */
    name: z.string().nullable(),
    reason: gooseImportSkipReasonSchema,
    /** One sentence saying why, and what to do about it where something can be done. */
    message: z.string(),
  })
  .meta({ id: 'GooseImportSkip' });
/** An entry that was not imported. */
export type GooseImportSkip = z.infer<typeof gooseImportSkipSchema>;

/** An entry of Goose's file that Goosuke holds after an import. */
export const gooseImportedExtensionSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    /** The Goosuke extension. */
    id: idSchema,
    /** The fields the import changed (for `updated`; empty otherwise). */
    changed: z.array(z.string()),
    /**
     * Secret environment variables (and headers) without a value in Goosuke, e.g. Goose's
     * `env_keys`, whose values Goose keeps where Goosuke cannot read them: set them in Goosuke.
     */
    secretsWithoutValue: z.array(z.string()),
    /** What the import did that its reader should know: secrets sealed, fields left out. */
    notes: z.array(z.string()),
  })
  .meta({ id: 'GooseImportedExtension' });
/** An imported entry. */
export type GooseImportedExtension = z.infer<typeof gooseImportedExtensionSchema>;

/** What an import from Goose's `config.yaml` did, entry by entry. */
export const gooseImportReportSchema = z
  .object({
    added: z.array(gooseImportedExtensionSchema),
    updated: z.array(gooseImportedExtensionSchema),
    unchanged: z.array(gooseImportedExtensionSchema),
    skipped: z.array(gooseImportSkipSchema),
  })
  .meta({ id: 'GooseImportReport' });
/** The report of an import from Goose. */
export type GooseImportReport = z.infer<typeof gooseImportReportSchema>;

/** A field of a Goosuke extension that Goose's entry does not get, and why. */
export const gooseSkippedFieldSchema = z
  .object({
    /** `cwd`, or `envs.NAME` / `headers.NAME` for a secret. */
    field: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'GooseSkippedField' });
/** A field not written to Goose's file. */
export type GooseSkippedField = z.infer<typeof gooseSkippedFieldSchema>;

/** What an export to Goose's `config.yaml` wrote, extension by extension. */
export const gooseExportReportSchema = z
  .object({
    written: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        id: idSchema,
        /** `added`: a new entry; `updated`: fields of the file's entry changed; `unchanged`: it was already so. */
        change: z.enum(['added', 'updated', 'unchanged']),
        /** The entry's fields written or removed (empty when unchanged). */
        fields: z.array(z.string()),
        /** Fields of the extension the entry does not get. */
        skippedFields: z.array(gooseSkippedFieldSchema),
      }),
    ),
    /** Extensions not written. */
    skipped: z.array(
      z.object({
        name: z.string(),
        id: idSchema,
        /** `builtin`: Goosuke's own, Goose cannot run it; `conflict`: the file holds another extension there. */
        reason: z.enum(['builtin', 'conflict']),
        message: z.string(),
      }),
    ),
  })
  .meta({ id: 'GooseExportReport' });
/** The report of an export to Goose. */
export type GooseExportReport = z.infer<typeof gooseExportReportSchema>;
