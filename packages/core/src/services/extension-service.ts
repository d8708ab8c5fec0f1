import { z } from 'zod';
import {
  type Extension,
  type ExtensionEnvVar,
  type ExtensionHeader,
  extensionEnvVarSchema,
  extensionHeaderSchema,
  extensionSchema,
} from '../domain/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import { builtinExtensionNames } from '../ports/builtin-extensions.ts';
import { isoNow } from '../ports/clock.ts';
import { collectPages, type ListOptions, type Page, type Store } from '../ports/store.ts';
import { createExtensionGooseSync, type ExtensionGooseSync } from './extension-goose-sync.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/**
 * A named value as given: an environment variable or a header. A secret's value is sealed and
 * never returned; on update, a secret given without a value keeps the one stored under its name.
 */
function namedValueInput<Name extends z.ZodString>(name: Name) {
  return z
    .object({
      name,
      value: z.string().max(65_536).optional(),
      secret: z.boolean().default(false),
    })
    .strict();
}

const envInputSchema = namedValueInput(extensionEnvVarSchema.shape.name).meta({ id: 'ExtensionEnvVarInput' });
const headerInputSchema = namedValueInput(extensionHeaderSchema.shape.name).meta({
  id: 'ExtensionHeaderInput',
});
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((value) => value.startsWith('/') && !value.includes('\0'), 'an absolute path');
const serverUri = z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(4096);

/** The kinds an extension may be added as (`builtin`: one of Goosuke's own, named by `command`). */
const addableTypeSchema = z.enum(['stdio', 'sse', 'streamable_http', 'builtin']);

/** Input of {@link ExtensionService.create}: an MCP server reached over stdio, SSE or streamable HTTP. */
export const createExtensionInputSchema = z
  .object({
    name: extensionSchema.shape.name,
    description: extensionSchema.shape.description.default(''),
    type: addableTypeSchema,
    /** The server's executable (`stdio`), or which built-in extension (`builtin`: `discord`). */
    command: z.string().trim().min(1).max(4096).optional(),
    args: z.array(z.string().max(65_536)).max(200).default([]),
    /** The server's working directory (`stdio` only), absolute. */
    cwd: absolutePath.optional(),
    /** The server's endpoint (`sse` and `streamable_http` only). */
    uri: serverUri.optional(),
    /** HTTP headers (`sse` and `streamable_http`); secret ones are sealed and write-only. */
    headers: z.array(headerInputSchema).max(50).default([]),
    /** The stdio server's environment (nothing else of Goosuke's); secret values are sealed and write-only. */
    env: z.array(envInputSchema).max(100).default([]),
    timeoutSeconds: extensionSchema.shape.timeoutSeconds.default(60),
    enabled: z.boolean().default(true),
    alwaysOn: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'CreateExtensionInput' });
/** Input to add an extension. */
export type CreateExtensionInput = z.input<typeof createExtensionInputSchema>;

/** Input of {@link ExtensionService.update}: the fields to change (`env` and `headers` replace the lists). */
export const updateExtensionInputSchema = z
  .object({
    name: extensionSchema.shape.name.optional(),
    description: extensionSchema.shape.description.optional(),
    command: z.string().trim().min(1).max(4096).nullable().optional(),
    args: z.array(z.string().max(65_536)).max(200).optional(),
    cwd: absolutePath.nullable().optional(),
    uri: serverUri.nullable().optional(),
    headers: z.array(headerInputSchema).max(50).optional(),
    env: z.array(envInputSchema).max(100).optional(),
    timeoutSeconds: extensionSchema.shape.timeoutSeconds.optional(),
    enabled: z.boolean().optional(),
    alwaysOn: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UpdateExtensionInput' });
/** Input to change an extension. */
export type UpdateExtensionInput = z.input<typeof updateExtensionInputSchema>;

/** An extension's configuration with its secrets opened: for composition roots connecting to it only. */
export interface RevealedExtension {
  extension: Extension;
  /** Every environment variable, secret ones opened. */
  env: Record<string, string>;
  /** Every header, secret ones opened. */
  headers: Record<string, string>;
  /** The opened secret values: whatever shows them (errors, logs, events) must redact them. */
  secrets: string[];
  /**
   * Secret variables and headers that have no value yet (an import from Goose's `env_keys`
   * declares them; an update with a value sets them): they are left out of `env` and `headers`,
   * so a server that needs one will fail: say which to set.
   */
  missingSecrets: string[];
}

/**
 * MCP extensions: servers whose tools runs may use. Administrators manage them; secrets are sealed.
 * Deleting or renaming one records its old name, so that an import from Goose does not bring it
 * back; adding one of that name again forgets the record.
 */
export interface ExtensionService extends ExtensionGooseSync {
  /**
   * Adds an extension: `stdio` needs `command` (and takes `args`, `cwd`, `env`), `sse` and
   * `streamable_http` need `uri` (and take `headers`). Secret values are sealed; the returned
   * extension (as every one this service returns) has `null` for them. InvalidInputError for bad
   * input (a field of another type, a name given twice in `env` or `headers`, a secret without a
   * value); ConflictError for a name in use.
   */
  create(input: CreateExtensionInput): Promise<Extension>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Extension>;
  /** By id or, failing that, by name. NotFoundError when neither matches. */
  resolve(idOrName: string): Promise<Extension>;
  list(options?: ListOptions): Promise<Page<Extension>>;
  /** Changes the given fields, with `create`'s checks on the result. NotFoundError when missing. */
  update(id: string, input: UpdateExtensionInput): Promise<Extension>;
  /**
   * NotFoundError when missing; ConflictError while templates or actions name it (they are
   * listed). Tasks that name it keep their ids: their later runs leave it out.
   */
  delete(id: string): Promise<void>;
  /**
   * Records what the extension's server said of itself when it was connected (its MCP
   * `serverInfo`), with the time. NotFoundError when missing.
   */
  recordServer(id: string, server: { name: string; version: string }): Promise<Extension>;
  /**
   * The extension with its secrets opened, for a composition root connecting to it. Never return
   * it from an API, never log it. NotFoundError when missing.
   */
  reveal(id: string): Promise<RevealedExtension>;
}

/** The SecretBox context of one sealed value: bound to the extension, the list and the name. */
function secretContext(id: string, list: 'env' | 'header', name: string): string {
  return `extension:${id}:${list}:${name}`;
}

type NamedInput = z.output<typeof envInputSchema>;

/** An extension as services return it: no secret value. */
function viewOf(extension: Extension): Extension {
  const hide = <Entry extends ExtensionEnvVar | ExtensionHeader>(entry: Entry): Entry =>
    entry.secret ? { ...entry, value: null } : entry;
  return { ...extension, env: extension.env.map(hide), headers: extension.headers.map(hide) };
}

/** Builds the extension service. */
export function createExtensionService(context: ServiceContext): ExtensionService {
  const { store, clock, ids, secretBox } = context;

  async function stored(source: Store, id: string): Promise<Extension> {
    const extension = await source.extensions.get(id);
    if (extension === null) throw new NotFoundError('extension', id);
    return extension;
  }

  /**
   * The stored list for `entries`: secret values sealed, plain ones as given; a secret without a
   * value keeps `previous`'s sealed value of that name (InvalidInputError when there is none).
   */
  async function seal(
    id: string,
    list: 'env' | 'header',
    entries: readonly NamedInput[],
    previous: ReadonlyArray<ExtensionEnvVar | ExtensionHeader>,
  ): Promise<Array<{ name: string; value: string | null; secret: boolean }>> {
    const field = list === 'env' ? 'env' : 'headers';
    const names = new Set<string>();
    const result: Array<{ name: string; value: string | null; secret: boolean }> = [];
    for (const [index, entry] of entries.entries()) {
      const key = list === 'header' ? entry.name.toLowerCase() : entry.name;
      if (names.has(key)) {
        throw new InvalidInputError(`${field} names ${entry.name} twice; give each once`, [
          { path: [field, index, 'name'], message: 'given twice' },
        ]);
      }
      names.add(key);
      if (entry.value === undefined) {
        const kept = previous.find((old) => old.secret && old.name === entry.name);
        if (!entry.secret || kept === undefined) {
          throw new InvalidInputError(`${field} ${entry.name} needs a value`, [
            { path: [field, index, 'value'], message: 'required' },
          ]);
        }
        result.push({ name: entry.name, value: kept.value, secret: true });
        continue;
      }
      result.push({
        name: entry.name,
        value: entry.secret
          ? await secretBox.seal(entry.value, secretContext(id, list, entry.name))
          : entry.value,
        secret: entry.secret,
      });
    }
    return result;
  }

  /** The type rules, on the extension as it would be stored. */
  function checkShape(extension: Extension): void {
    const wrong = (path: string, message: string) =>
      new InvalidInputError(`${extension.type} extension ${extension.name}: ${message}`, [
        { path: [path], message },
      ]);
    if (extension.type === 'stdio') {
      if (extension.command === null) throw wrong('command', 'a stdio extension needs a command');
      if (extension.uri !== null) throw wrong('uri', 'a stdio extension takes no uri');
      if (extension.headers.length > 0) throw wrong('headers', 'a stdio extension takes no headers');
    } else if (extension.type === 'sse' || extension.type === 'streamable_http') {
      if (extension.uri === null) throw wrong('uri', 'an HTTP extension needs a uri');
      if (extension.command !== null) throw wrong('command', 'an HTTP extension takes no command');
      if (extension.args.length > 0) throw wrong('args', 'an HTTP extension takes no args');
      if (extension.cwd !== null) throw wrong('cwd', 'an HTTP extension takes no cwd');
      if (extension.env.length > 0) throw wrong('env', 'an HTTP extension takes no env');
    } else if (extension.type === 'builtin') {
      const names = builtinExtensionNames as readonly string[];
      if (extension.command === null || !names.includes(extension.command)) {
        throw wrong('command', `a builtin extension names one of Goosuke's: ${names.join(', ')}`);
      }
      const extra = (['uri', 'cwd'] as const).find((field) => extension[field] !== null);
      if (extra !== undefined) throw wrong(extra, `a builtin extension takes no ${extra}`);
      const list = (['args', 'env', 'headers'] as const).find((field) => extension[field].length > 0);
      if (list !== undefined) throw wrong(list, `a builtin extension takes no ${list}`);
    }
  }

  /** A ConflictError for a name in use, or nothing. */
  async function checkName(source: Store, name: string, id: string): Promise<void> {
    const other = await source.extensions.getByName(name);
    if (other !== null && other.id !== id) {
      throw new ConflictError(`an extension named ${name} exists; choose another name`);
    }
  }

  return {
    ...createExtensionGooseSync({
      context,
      createInputSchema: createExtensionInputSchema,
      checkShape,
      secretContext,
      viewOf,
    }),

    async create(raw) {
      const input = parseInput(createExtensionInputSchema, raw, 'extension');
      const id = ids.next('extension');
      const now = isoNow(clock);
      const extension: Extension = {
        id,
        name: input.name,
        description: input.description,
        type: input.type,
        command: input.command ?? null,
        args: input.args,
        cwd: input.cwd ?? null,
        uri: input.uri ?? null,
        headers: await seal(id, 'header', input.headers, []),
        timeoutSeconds: input.timeoutSeconds,
        env: await seal(id, 'env', input.env, []),
        enabled: input.enabled,
        alwaysOn: input.alwaysOn,
        server: null,
        createdAt: now,
        updatedAt: now,
      };
      checkShape(extension);
      return viewOf(
        await store.transaction(async (tx) => {
          await checkName(tx, extension.name, id);
          const inserted = await tx.extensions.insert(extension);
          await tx.extensions.clearDeletion(extension.name);
          return inserted;
        }),
      );
    },

    async get(id) {
      return viewOf(await stored(store, id));
    },

    async resolve(idOrName) {
      const found = (await store.extensions.get(idOrName)) ?? (await store.extensions.getByName(idOrName));
      if (found === null) throw new NotFoundError('extension', idOrName);
      return viewOf(found);
    },

    async list(options) {
      const page = await store.extensions.list(options);
      return { ...page, items: page.items.map(viewOf) };
    },

    async update(id, raw) {
      const input = parseInput(updateExtensionInputSchema, raw, 'extension update');
      return viewOf(
        await store.transaction(async (tx) => {
          const current = await stored(tx, id);
          const { env, headers, ...fields } = input;
          const next: Extension = {
            ...current,
            ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
            env: env === undefined ? current.env : await seal(id, 'env', env, current.env),
            headers:
              headers === undefined ? current.headers : await seal(id, 'header', headers, current.headers),
            updatedAt: isoNow(clock),
          };
          checkShape(next);
          await checkName(tx, next.name, id);
          const { id: _id, createdAt: _createdAt, ...patch } = next;
          if (next.name !== current.name) {
            // The old name is gone as if deleted: an import must not add it back beside the new one.
            await tx.extensions.recordDeletion({ name: current.name, deletedAt: next.updatedAt });
            await tx.extensions.clearDeletion(next.name);
          }
          return tx.extensions.update(id, patch);
        }),
      );
    },

    async delete(id) {
      await store.transaction(async (tx) => {
        const extension = await stored(tx, id);
        const templates = await collectPages((cursor) => tx.templates.list({ limit: 500, cursor }));
        const actions = await collectPages((cursor) => tx.actions.list({ limit: 500, cursor }));
        // Tasks may keep naming it: their later runs leave a deleted extension out.
        const users = [
          ...templates
            .filter((template) => template.extensionIds.includes(id))
            .map((template) => `template ${template.name}`),
          ...actions
            .filter((action) => action.extensionIds.includes(id))
            .map((action) => `action ${action.name}`),
        ];
        if (users.length > 0) {
          throw new ConflictError(
            `extension ${extension.name} is used by ${users.join(', ')}; remove it from them first`,
          );
        }
        await tx.extensions.delete(id);
        // So that importing Goose's configuration, which may still hold it, does not bring it back.
        await tx.extensions.recordDeletion({ name: extension.name, deletedAt: isoNow(clock) });
      });
    },

    async recordServer(id, server) {
      await stored(store, id);
      const updated = await store.extensions.update(id, {
        server: {
          name: server.name.slice(0, 500),
          version: server.version.slice(0, 200),
          checkedAt: isoNow(clock),
        },
      });
      return viewOf(updated);
    },

    async reveal(id) {
      const extension = await stored(store, id);
      const secrets: string[] = [];
      const missingSecrets: string[] = [];
      const open = async (
        list: 'env' | 'header',
        entries: ReadonlyArray<ExtensionEnvVar | ExtensionHeader>,
      ) => {
        const values: Record<string, string> = {};
        for (const entry of entries) {
          if (entry.value === null) {
            missingSecrets.push(entry.name);
            continue;
          }
          const value = entry.secret
            ? await secretBox.open(entry.value, secretContext(id, list, entry.name))
            : entry.value;
          if (entry.secret) secrets.push(value);
          values[entry.name] = value;
        }
        return values;
      };
      return {
        extension: viewOf(extension),
        env: await open('env', extension.env),
        headers: await open('header', extension.headers),
        secrets,
        missingSecrets,
      };
    },
  };
}
