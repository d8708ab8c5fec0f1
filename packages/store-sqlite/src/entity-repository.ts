import {
  type EntityRepository,
  GoosukeError,
  InvalidInputError,
  type ListOptions,
  NotFoundError,
  type Page,
} from '@goosuke/core';
import { sql as sqlFragment } from 'kysely';
import type { ExecutionScope } from './execution-scope.ts';
import { encodeCursor, readListOptions } from './pagination.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import type { SqliteConnection, SqliteStatement } from './sqlite-connection.ts';
import { isForeignKeyViolation, translateSqliteError } from './sqlite-error.ts';
import {
  decodeValue,
  type EntitySchema,
  encodeValue,
  type ReferenceDefinition,
  type TableDefinition,
} from './table-definitions.ts';

type Row = Record<string, unknown>;

/** The queries of one table, compiled once per process. */
interface TableTemplates {
  readonly selectById: QueryTemplate;
  readonly insert: QueryTemplate;
  readonly updateById: QueryTemplate;
  readonly deleteById: QueryTemplate;
}

const templatesByTable = new WeakMap<TableDefinition<unknown>, TableTemplates>();

const listSqlByTable = new WeakMap<TableDefinition<unknown>, Map<string, string>>();

/** The list queries of one table by shape (filters given, nulls, cursor), compiled once per process. */
function listSqlOf(definition: TableDefinition<unknown>): Map<string, string> {
  let cache = listSqlByTable.get(definition);
  if (cache === undefined) {
    cache = new Map();
    listSqlByTable.set(definition, cache);
  }
  return cache;
}

function templatesOf(definition: TableDefinition<unknown>): TableTemplates {
  let templates = templatesByTable.get(definition);
  if (templates === undefined) {
    const db = queryBuilder();
    const columns = definition.columns.map((entry) => entry.column);
    const slots = Object.fromEntries(columns.map((name) => [name, slot(name)]));
    const { id: _id, ...assignments } = slots;
    templates = {
      selectById: compileTemplate(
        db.selectFrom(definition.table).select(columns).where('id', '=', slot('id')),
      ),
      insert: compileTemplate(db.insertInto(definition.table).values(slots)),
      updateById: compileTemplate(
        db.updateTable(definition.table).set(assignments).where('id', '=', slot('id')),
      ),
      deleteById: compileTemplate(db.deleteFrom(definition.table).where('id', '=', slot('id'))),
    };
    templatesByTable.set(definition, templates);
  }
  return templates;
}

/** One table's statements, prepared once per connection. */
interface TableStatements {
  readonly selectById: SqliteStatement;
  readonly insert: SqliteStatement;
  readonly updateById: SqliteStatement;
  readonly deleteById: SqliteStatement;
}

function statementsOf(connection: SqliteConnection, definition: TableDefinition<unknown>): TableStatements {
  return connection.cached(definition, () => {
    const templates = templatesOf(definition);
    return {
      selectById: connection.statement(templates.selectById.sql),
      insert: connection.statement(templates.insert.sql),
      updateById: connection.statement(templates.updateById.sql),
      deleteById: connection.statement(templates.deleteById.sql),
    };
  });
}

/**
 * Checks `value` against `schema` and returns the parsed value.
 *
 * @throws InvalidInputError listing every problem.
 */
export function validateEntity<T>(entity: string, schema: EntitySchema<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw InvalidInputError.fromIssues(entity, parsed.error.issues);
  return parsed.data;
}

/** How many rows per table {@link decodeRow} remembers as valid; the oldest go first. */
export const validatedRowMemory = 4096;

// Per table: row id to the raw column values of that row when it last passed the entity schema
// unchanged.
const validatedByTable = new WeakMap<TableDefinition<unknown>, Map<unknown, unknown[]>>();

/** Whether every readable column of `row` holds exactly the value in `values` (same order). */
function sameColumns(definition: TableDefinition<unknown>, row: Row, values: readonly unknown[]): boolean {
  const { columns } = definition;
  for (let index = 0; index < columns.length; index++) {
    if (row[columns[index]!.column] !== values[index]) return false;
  }
  return true;
}

/** Whether `a` and `b` are the same JSON-like value, with object keys in the same order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let index = 0; index < aKeys.length; index++) {
    const key = aKeys[index]!;
    if (key !== bKeys[index]) return false;
    if (!sameValue((a as Row)[key], (b as Row)[key])) return false;
  }
  return true;
}

/**
 * Maps a stored row to its entity and checks it against the entity schema.
 *
 * Rows are validated on the way out (the database may have been changed behind the store's
 * back), but parsing every row with zod was most of the cost of a read (a task detail reads a
 * dozen rows). Validation is a pure function of the row's content, so a row whose columns all
 * hold the values they held when it last passed unchanged (the schema stripped, defaulted or
 * transformed nothing, keys in the same order) is not parsed again: the freshly decoded value is
 * exactly what zod would return. A change to any column (by the store or behind its back) is
 * parsed in full. Writes are validated as before. The memory is bounded per table
 * ({@link validatedRowMemory} rows).
 *
 * @throws GoosukeError `storage` when the row does not match (the database was changed behind the store's back).
 */
export function decodeRow<T>(definition: TableDefinition<T>, row: Row): T {
  const value: Row = {};
  for (const entry of definition.columns) value[entry.field] = decodeValue(entry.kind, row[entry.column]);
  const generic = definition as TableDefinition<unknown>;
  let validated = validatedByTable.get(generic);
  if (validated === undefined) {
    validated = new Map();
    validatedByTable.set(generic, validated);
  }
  const known = validated.get(row.id);
  // Column values are strings, numbers, bigints or null, which `===` compares by value; a blob
  // (a Buffer) never compares equal, so such a row is always parsed.
  if (known !== undefined && sameColumns(generic, row, known)) return value as T;
  const parsed = definition.schema.safeParse(value);
  if (!parsed.success) {
    validated.delete(row.id);
    throw new GoosukeError(
      'storage',
      `the stored ${definition.entity} ${JSON.stringify(row.id)} does not match its schema`,
      { cause: parsed.error },
    );
  }
  if (sameValue(parsed.data, value)) {
    validated.delete(row.id);
    if (validated.size >= validatedRowMemory) validated.delete(validated.keys().next().value);
    validated.set(
      row.id,
      definition.columns.map((entry) => row[entry.column]),
    );
  } else validated.delete(row.id);
  return parsed.data;
}

/** Maps an entity to its row: one value per readable column, encoded for its kind. */
export function encodeRow(definition: TableDefinition<unknown>, entity: object): Row {
  const row: Row = {};
  const fields = entity as Row;
  for (const entry of definition.columns) row[entry.column] = encodeValue(entry.kind, fields[entry.field]);
  return row;
}

/**
 * For a foreign key violation while writing `record` (an `entity`, in words), the InvalidInputError
 * on the first of `references` whose row does not exist; null for any other error. A null
 * reference never violates a foreign key, so it is passed over.
 */
export function missingReferenceError(
  error: unknown,
  connection: SqliteConnection,
  entity: string,
  references: readonly ReferenceDefinition[],
  record: object,
): InvalidInputError | null {
  if (!isForeignKeyViolation(error)) return null;
  for (const reference of references) {
    const id = (record as Row)[reference.field];
    if (id === null || id === undefined) continue;
    const exists = connection.statement(`select 1 from "${reference.table}" where "id" = ?`).get(id);
    if (exists === undefined) {
      return new InvalidInputError(
        `invalid ${entity}: ${reference.entity} ${JSON.stringify(id)} does not exist`,
        [{ path: [reference.field], message: `no ${reference.entity} with this id exists`, code: 'custom' }],
        { cause: error },
      );
    }
  }
  return null;
}

/**
 * Translates a failed write of `entity`; for a foreign key violation, finds which referenced
 * entity is missing and reports it as InvalidInputError on that field.
 */
export function translateWriteError(
  error: unknown,
  definition: TableDefinition<unknown>,
  connection: SqliteConnection,
  entity: object,
): GoosukeError {
  return (
    missingReferenceError(error, connection, definition.entity, definition.references, entity) ??
    translateSqliteError(error, definition)
  );
}

function readFilter(definition: TableDefinition<unknown>, name: string, value: unknown): unknown {
  const entry = definition.filters[name]!;
  const valid =
    entry.kind === 'boolean' ? typeof value === 'boolean' : typeof value === 'string' || value === null;
  if (!valid) {
    throw InvalidInputError.fromIssues('list options', [
      { path: [name], message: entry.kind === 'boolean' ? 'must be a boolean' : 'must be a string' },
    ]);
  }
  return encodeValue(entry.kind, value);
}

/** An entity repository plus the lookup by a unique field that several repositories expose. */
export interface SqliteEntityRepository<T extends { id: string }, Filter extends object>
  extends EntityRepository<T, Filter> {
  /** The entity whose unique `field` equals `value`, or null. */
  findBy(field: string, value: string): Promise<T | null>;
}

/**
 * The EntityRepository of `definition` in `scope`: inserts and updates validate against the
 * entity schema (InvalidInputError), rows read back are decoded and validated, lists are
 * keyset-paginated by (createdAt, id). `update` ignores `id` and `createdAt` in the patch
 * and skips fields given as undefined.
 */
export function createEntityRepository<
  T extends { id: string },
  Filter extends object = Record<string, never>,
>(definition: TableDefinition<T>, scope: ExecutionScope): SqliteEntityRepository<T, Filter> {
  const connection = scope.connection;
  const generic = definition as TableDefinition<unknown>;
  const templates = templatesOf(generic);
  const statements = (): TableStatements => statementsOf(connection, generic);
  const columnNames = definition.columns.map((entry) => entry.column);
  const guard = <R>(operation: () => R): R => {
    try {
      return operation();
    } catch (error) {
      throw translateSqliteError(error, definition);
    }
  };

  const findSql = new Map<string, string>();
  const listSql = listSqlOf(generic);
  const managed = Object.keys(definition.managedFields).length > 0;
  const withManagedFields = (entity: T): unknown =>
    managed && typeof entity === 'object' && entity !== null
      ? { ...entity, ...definition.managedFields }
      : entity;
  // Created on first use: most repositories of a transaction-bound store never update.
  let updateTransaction: ((id: string, patch: object) => T) & { immediate(id: string, patch: object): T };
  const update = (id: string, patch: object): T => {
    updateTransaction ??= connection.database.transaction(applyUpdate);
    return updateTransaction.immediate(id, patch);
  };
  const applyUpdate = (id: string, patch: object): T => {
    const row = statements().selectById.get(templates.selectById.bind({ id })) as Row | undefined;
    if (row === undefined) throw new NotFoundError(definition.entity, id);
    const merged: Row = { ...(decodeRow(definition, row) as Row) };
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined || field === 'id' || field in definition.managedFields) continue;
      if (field === 'createdAt' && definition.hasCreatedAt) continue;
      merged[field] = value;
    }
    const valid = validateEntity(definition.entity, definition.schema, merged);
    try {
      statements().updateById.run(templates.updateById.bind(encodeRow(generic, valid as object)));
    } catch (error) {
      throw translateWriteError(error, generic, connection, valid as object);
    }
    return valid;
  };

  return {
    get(id) {
      return scope.run(() =>
        guard(() => {
          const row = statements().selectById.get(templates.selectById.bind({ id })) as Row | undefined;
          return row === undefined ? null : decodeRow(definition, row);
        }),
      );
    },

    insert(entity) {
      return scope.run(() => {
        const valid = validateEntity(definition.entity, definition.schema, withManagedFields(entity));
        try {
          statements().insert.run(templates.insert.bind(encodeRow(generic, valid as object)));
        } catch (error) {
          throw translateWriteError(error, generic, connection, valid as object);
        }
        return valid;
      });
    },

    update(id, patch) {
      return scope.run(() => guard(() => update(id, patch ?? {})));
    },

    delete(id) {
      return scope.run(() =>
        guard(() => statements().deleteById.run(templates.deleteById.bind({ id })).changes > 0),
      );
    },

    list(options?: ListOptions & Filter): Promise<Page<T>> {
      let limit: number;
      let sql: string;
      const parameters: unknown[] = [];
      try {
        const read = readListOptions(options);
        limit = read.limit;
        const given = (options ?? {}) as Record<string, unknown>;
        // The SQL depends only on which filters are given, which are null and whether there is
        // a cursor: built with Kysely once per shape, then only the parameters change.
        // Parameters are wrapped (`likely(?)`, `? + 0`): this SQLite is built with STAT4, which
        // re-prepares a statement on every new binding of a bare `?` the planner looked at (an
        // equality before ORDER BY, a LIMIT), about 15 us a list; the wrapped form plans the same.
        let shape = read.after === null ? '' : '>';
        const where: Array<{ column: string; encoded: unknown }> = [];
        for (const name of Object.keys(definition.filters)) {
          const value = given[name];
          if (value === undefined) continue;
          const encoded = readFilter(generic, name, value);
          where.push({ column: definition.filters[name]!.column, encoded });
          shape += encoded === null ? `,${name}=null` : `,${name}`;
          if (encoded !== null) parameters.push(encoded);
        }
        const after = read.after;
        if (after !== null) parameters.push(after.createdAt, after.id);
        parameters.push(limit + 1);
        const known = listSql.get(shape);
        if (known !== undefined) sql = known;
        else {
          let query = queryBuilder().selectFrom(definition.table).select(columnNames);
          for (const { column, encoded } of where) {
            query =
              encoded === null
                ? query.where(column, 'is', null)
                : query.where(column, '=', sqlFragment<unknown>`likely(${encoded})`);
          }
          if (after !== null) {
            query = query.where(
              sqlFragment<boolean>`(created_at, id) > (likely(${after.createdAt}), likely(${after.id}))`,
            );
          }
          const compiled = query
            .orderBy('created_at')
            .orderBy('id')
            .limit(sqlFragment<number>`${limit + 1} + 0`)
            .compile();
          sql = compiled.sql;
          // Cached only once Kysely is seen to order the parameters as above.
          const same =
            compiled.parameters.length === parameters.length &&
            compiled.parameters.every((parameter, index) => parameter === parameters[index]);
          if (!same) throw new Error(`unexpected parameters in ${sql}`);
          listSql.set(shape, sql);
        }
      } catch (error) {
        return Promise.reject(error);
      }
      return scope.run(() =>
        guard(() => {
          const rows = connection.statement(sql).all(parameters) as Row[];
          const items = rows.slice(0, limit).map((row) => decodeRow(definition, row));
          const last = items[items.length - 1] as (T & { createdAt: string }) | undefined;
          const nextCursor =
            rows.length > limit && last !== undefined
              ? encodeCursor({ createdAt: last.createdAt, id: last.id })
              : null;
          return { items, nextCursor };
        }),
      );
    },

    findBy(field, value) {
      let sql = findSql.get(field);
      if (sql === undefined) {
        const entry = definition.columns.find((candidate) => candidate.field === field);
        if (entry === undefined)
          return Promise.reject(new Error(`${definition.entity} has no field ${field}`));
        sql = queryBuilder()
          .selectFrom(definition.table)
          .select(columnNames)
          .where(entry.column, '=', '')
          .compile().sql;
        findSql.set(field, sql);
      }
      const text = sql;
      return scope.run(() =>
        guard(() => {
          const row = connection.statement(text).get([value]) as Row | undefined;
          return row === undefined ? null : decodeRow(definition, row);
        }),
      );
    },
  };
}

/**
 * Reads and writes one secret column beside an entity (a key envelope, a password hash):
 * never part of the entity, so normal reads never return it.
 */
export interface SecretColumn {
  /** The stored value, or null. NotFoundError for a missing entity. */
  get(id: string): Promise<string | null>;
  /** Stores `value` (null removes it) and sets `companions` (column to value) with it. NotFoundError for a missing entity. */
  set(id: string, value: string | null, companions?: Readonly<Record<string, unknown>>): Promise<void>;
}

/** The {@link SecretColumn} `column` of `definition`'s table, in `scope`. */
export function createSecretColumn(
  definition: TableDefinition<unknown>,
  column: string,
  scope: ExecutionScope,
): SecretColumn {
  const connection = scope.connection;
  const select = queryBuilder()
    .selectFrom(definition.table)
    .select(column)
    .where('id', '=', slot('id'))
    .compile();
  return {
    get(id) {
      return scope.run(() => {
        try {
          const row = connection.statement(select.sql).get([id]) as Row | undefined;
          if (row === undefined) throw new NotFoundError(definition.entity, id);
          const value = row[column];
          return typeof value === 'string' ? value : null;
        } catch (error) {
          throw translateSqliteError(error, definition);
        }
      });
    },
    set(id, value, companions = {}) {
      const compiled = queryBuilder()
        .updateTable(definition.table)
        .set({ ...companions, [column]: value })
        .where('id', '=', id)
        .compile();
      return scope.run(() => {
        try {
          const changes = connection.statement(compiled.sql).run(compiled.parameters).changes;
          if (changes === 0) throw new NotFoundError(definition.entity, id);
        } catch (error) {
          throw translateSqliteError(error, definition);
        }
      });
    },
  };
}
