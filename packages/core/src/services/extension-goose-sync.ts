import { z } from 'zod';
import type { Extension, ExtensionEnvVar, ExtensionHeader } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import { collectPages, type Store } from '../ports/store.ts';
import type { createExtensionInputSchema } from './extension-service.ts';
import { type GooseImportReport, type GooseImportSkip, samePlainValue } from './goose-config.ts';
import { type GooseExportPlan, planGooseExport } from './goose-config-export.ts';
import { type GooseImportCandidate, readGooseExtensions } from './goose-config-import.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/** Input of {@link ExtensionGooseSync.importFromGoose}. */
export const importFromGooseInputSchema = z
  .object({
    /** The `extensions:` mapping of Goose's `config.yaml`, parsed (`{}` when the file has none). */
    extensions: z.record(z.string(), z.unknown()),
    /** Import entries whose names were deleted in Goosuke too (they are skipped otherwise). */
    restoreDeleted: z.boolean().default(false),
  })
  .strict();
/** Input to import Goose's extensions. */
export type ImportFromGooseInput = z.input<typeof importFromGooseInputSchema>;

/** Input of {@link ExtensionGooseSync.exportToGoose}. */
export const exportToGooseInputSchema = z
  .object({
    /** The `extensions:` mapping of the Goose `config.yaml` to write into, parsed; `{}` for a new file. */
    extensions: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
/** Input to export extensions to Goose. */
export type ExportToGooseInput = z.input<typeof exportToGooseInputSchema>;

/** Goose `config.yaml` import and export: the part of the extension service that speaks Goose's format. */
export interface ExtensionGooseSync {
  /**
   * Maps the entries of Goose's `extensions:` mapping to Goosuke's extensions by name, in one
   * transaction: a name Goosuke lacks is added, one it has is updated from the entry (its
   * `cwd`, `alwaysOn` and secret headers, which Goose's file never holds, are kept), and
   * each entry is reported as added, updated, unchanged or skipped with why. Skipped: Goose's
   * own types (builtin, platform, frontend, inline_python), malformed entries and ones over
   * Goosuke's limits, a second entry of a name, and names deleted in Goosuke unless
   * `restoreDeleted`, so that a deletion sticks. `env_keys` become secret variables without a
   * value (Goose's keyring is out of reach; set them later); `envs` and headers whose names
   * say they hold credentials are sealed, and what Goosuke holds as a secret stays one.
   * InvalidInputError for input that is not a mapping.
   */
  importFromGoose(input: ImportFromGooseInput): Promise<GooseImportReport>;
  /**
   * Plans writing every extension into the `extensions:` mapping of a Goose `config.yaml`: the
   * edits of its entries (see GooseExportPlan) and the report. Never a secret value: secret
   * variables become names in `env_keys`, secret headers are left out (a value the file already
   * holds is left as it is). Changes nothing in Goosuke.
   */
  exportToGoose(input?: ExportToGooseInput): Promise<GooseExportPlan>;
}

/** What the Goose sync takes from the extension service it belongs to. */
export interface ExtensionGooseSyncParts {
  context: ServiceContext;
  /** The service's input schema: Goosuke's limits on every field. */
  createInputSchema: typeof createExtensionInputSchema;
  /** The service's type rules (InvalidInputError). */
  checkShape(extension: Extension): void;
  /** The SecretBox context of one sealed value of an extension. */
  secretContext(id: string, list: 'env' | 'header', name: string): string;
  /** The extension without its secret values. */
  viewOf(extension: Extension): Extension;
}

type Named = ExtensionEnvVar | ExtensionHeader;
type ParsedFields = z.output<typeof createExtensionInputSchema>;
type ParsedNamed = ParsedFields['env'][number];

/** Every field the import compares, in the order the report names them. */
const comparedFields = [
  'description',
  'type',
  'command',
  'args',
  'cwd',
  'uri',
  'headers',
  'env',
  'timeoutSeconds',
  'enabled',
] as const satisfies ReadonlyArray<keyof Extension>;

/** Builds Goose `config.yaml` import and export on the extension service's parts. */
export function createExtensionGooseSync(parts: ExtensionGooseSyncParts): ExtensionGooseSync {
  const { context, checkShape, secretContext, viewOf } = parts;
  const { store, clock, ids, secretBox } = context;

  /** Whether the sealed `envelope` opens to `value` under `bound`; false when it cannot be opened. */
  async function holds(envelope: string, bound: string, value: string): Promise<boolean> {
    try {
      return (await secretBox.open(envelope, bound)) === value;
    } catch {
      // A value sealed under a retired key: sealing it again under the current one is right anyway.
      return false;
    }
  }

  /**
   * The stored list for `entries` of extension `id`, beside what it stored before (`previous`).
   * What Goosuke holds as a secret stays one (Goose's file cannot say so), an unchanged secret
   * keeps its envelope (so that nothing changes), and a secret without a value (`env_keys`) keeps
   * the value stored under its name (sealing a plain one), or has none.
   */
  async function stored(
    id: string,
    list: 'env' | 'header',
    entries: readonly ParsedNamed[],
    previous: readonly Named[],
  ): Promise<Named[]> {
    const field = list === 'env' ? 'env' : 'headers';
    // Header names are case-insensitive, environment variable names are not.
    const same = (left: string, right: string) =>
      list === 'header' ? left.toLowerCase() === right.toLowerCase() : left === right;
    const result: Named[] = [];
    for (const [index, entry] of entries.entries()) {
      if (result.some((done) => same(done.name, entry.name))) {
        throw new InvalidInputError(`${field} names ${entry.name} twice`, [
          { path: [field, index, 'name'], message: 'given twice' },
        ]);
      }
      const old = previous.find((candidate) => same(candidate.name, entry.name));
      // An envelope is bound to its name: it is reused under that exact name only.
      const reusable = old?.name === entry.name && old.secret ? old.value : null;
      const bound = secretContext(id, list, entry.name);
      if (!entry.secret && old?.secret !== true) {
        result.push({ name: entry.name, value: entry.value ?? '', secret: false });
      } else if (entry.value === undefined) {
        const value =
          reusable ?? (old?.value == null || old.secret ? null : await secretBox.seal(old.value, bound));
        result.push({ name: entry.name, value, secret: true });
      } else if (reusable !== null && (await holds(reusable, bound, entry.value))) {
        result.push({ name: entry.name, value: reusable, secret: true });
      } else {
        result.push({ name: entry.name, value: await secretBox.seal(entry.value, bound), secret: true });
      }
    }
    return result;
  }

  /** `current` (null for a new extension `id`) as the import makes it from `fields`. */
  async function imported(id: string, fields: ParsedFields, current: Extension | null): Promise<Extension> {
    const now = isoNow(clock);
    const stdio = fields.type === 'stdio';
    const fromFile = await stored(id, 'header', fields.headers, current?.headers ?? []);
    // Goose's file never holds a secret header (an export leaves them out): keep Goosuke's.
    const keptHeaders = (current?.headers ?? []).filter(
      (header) =>
        header.secret && !fromFile.some((entry) => entry.name.toLowerCase() === header.name.toLowerCase()),
    );
    return {
      id,
      name: fields.name,
      description: fields.description,
      type: fields.type,
      command: fields.command ?? null,
      args: fields.args,
      // Goose has no working directory: keep Goosuke's.
      cwd: stdio ? (current?.cwd ?? null) : null,
      uri: fields.uri ?? null,
      headers: stdio ? [] : [...fromFile, ...keptHeaders],
      timeoutSeconds: fields.timeoutSeconds,
      env: await stored(id, 'env', fields.env, current?.env ?? []),
      enabled: fields.enabled,
      alwaysOn: current?.alwaysOn ?? false,
      server: current?.server ?? null,
      createdAt: current?.createdAt ?? now,
      updatedAt: current?.updatedAt ?? now,
    };
  }

  /** One candidate in transaction `tx`, into `report`. */
  async function importOne(
    tx: Store,
    candidate: GooseImportCandidate,
    restoreDeleted: boolean,
    report: GooseImportReport,
  ): Promise<void> {
    const { key, name, notes } = candidate;
    const skip = (reason: GooseImportSkip['reason'], message: string) =>
      report.skipped.push({ key, name, reason, message });
    const parsed = parts.createInputSchema.safeParse(candidate.fields);
    if (!parsed.success) {
      skip('invalid', InvalidInputError.fromIssues(`extension ${name}`, parsed.error.issues).message);
      return;
    }
    const fields = parsed.data;
    const current = await tx.extensions.getByName(name);
    if (current?.type === 'builtin') {
      skip('conflict', 'a builtin extension of Goosuke has this name; rename the entry in Goose');
      return;
    }
    if (current === null) {
      const deletion = await tx.extensions.getDeletion(name);
      if (deletion !== null && !restoreDeleted) {
        skip(
          'deleted',
          `deleted in Goosuke (${deletion.deletedAt}), so not brought back; import with restoreDeleted to restore it`,
        );
        return;
      }
    }
    let next: Extension;
    try {
      next = await imported(current?.id ?? ids.next('extension'), fields, current);
      checkShape(next);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      skip('invalid', error.message);
      return;
    }
    const item = {
      key,
      name,
      id: next.id,
      changed: [] as string[],
      secretsWithoutValue: [...next.env, ...next.headers]
        .filter((entry) => entry.secret && entry.value === null)
        .map((entry) => entry.name),
      notes,
    };
    if (current === null) {
      await tx.extensions.insert(next);
      await tx.extensions.clearDeletion(name);
      report.added.push(item);
      return;
    }
    item.changed = comparedFields.filter((field) => !samePlainValue(current[field], next[field]));
    if (item.changed.length === 0) {
      report.unchanged.push(item);
      return;
    }
    const { id: _id, createdAt: _createdAt, ...patch } = next;
    await tx.extensions.update(current.id, { ...patch, updatedAt: isoNow(clock) });
    report.updated.push(item);
  }

  return {
    async importFromGoose(raw) {
      const input = parseInput(importFromGooseInputSchema, raw, 'import from Goose');
      const { candidates, skipped } = readGooseExtensions(input.extensions);
      const report: GooseImportReport = { added: [], updated: [], unchanged: [], skipped };
      await store.transaction(async (tx) => {
        for (const candidate of candidates) await importOne(tx, candidate, input.restoreDeleted, report);
      });
      return report;
    },

    async exportToGoose(raw = {}) {
      const input = parseInput(exportToGooseInputSchema, raw, 'export to Goose');
      const extensions = await collectPages((cursor) => store.extensions.list({ limit: 500, cursor }));
      // Views only: the plan cannot write a secret value it was never given.
      return planGooseExport(extensions.map(viewOf), input.extensions);
    },
  };
}
