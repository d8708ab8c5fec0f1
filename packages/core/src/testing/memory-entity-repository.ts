import type { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { EntityRepository, ListOptions, Page } from '../ports/index.ts';

// Building blocks of the in-memory store; not exported from the package.

/** Runs one synchronous operation on the current state, as a store call. */
export type MemoryRunner<State> = <R>(operation: (state: State) => R) => Promise<R>;

/** What the in-memory store needs to know about one entity kind. */
export interface MemoryTableSpec<State, T extends { id: string; createdAt: string }> {
  /** The entity's name in error messages, e.g. `pull request`. */
  entity: string;
  schema: z.ZodType<T>;
  rows(state: State): Map<string, T>;
  /** Unique keys besides the id. */
  uniques?: Array<{ label: string; key(entity: T): string }>;
  /** Entity fields that list filters match by equality. */
  filterFields?: ReadonlyArray<keyof T & string>;
  /** Turns a stored row into what reads return (e.g. derives `hasApiKey`). */
  present?(state: State, row: T): T;
  /** Deletes what depends on a row that is being deleted. */
  onDelete?(state: State, row: T): void;
}

const defaultLimit = 50;
const maximumLimit = 500;
const cursorPrefix = 'memory-cursor.';

/** A deep copy, so that no caller ever holds a reference into the store. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Parses `value` with `schema`, or throws InvalidInputError naming `subject`. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, subject: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw InvalidInputError.fromIssues(subject, result.error.issues);
  return result.data;
}

/** Checks a page size: an integer from 1 to 500, default 50. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maximumLimit) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${maximumLimit}, got ${limit}`, [
      { path: ['limit'], message: `an integer from 1 to ${maximumLimit}` },
    ]);
  }
  return limit;
}

function encodeCursor(row: { createdAt: string; id: string }): string {
  return cursorPrefix + Buffer.from(JSON.stringify([row.createdAt, row.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const invalid = () =>
    new InvalidInputError('the cursor is not one this store made; pass a nextCursor unchanged', [
      { path: ['cursor'], message: 'unknown cursor' },
    ]);
  if (!cursor.startsWith(cursorPrefix)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor.slice(cursorPrefix.length), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== 'string' ||
    typeof decoded[1] !== 'string'
  ) {
    throw invalid();
  }
  return { createdAt: decoded[0], id: decoded[1] };
}

function compareRows(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** Cuts one page out of `rows` (any order), by createdAt then id, after `options.cursor`. */
export function pageOf<T extends { id: string; createdAt: string }>(
  rows: T[],
  options: ListOptions,
): Page<T> {
  const limit = pageSize(options.limit);
  const after = options.cursor === undefined || options.cursor === null ? null : decodeCursor(options.cursor);
  const ordered = rows.filter((row) => after === null || compareRows(row, after) > 0).sort(compareRows);
  const items = ordered.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: ordered.length > limit && last ? encodeCursor(last) : null };
}

/** An EntityRepository over one table of the in-memory state. */
export function createMemoryEntityRepository<
  State,
  T extends { id: string; createdAt: string },
  Filter extends object,
>(run: MemoryRunner<State>, spec: MemoryTableSpec<State, T>): EntityRepository<T, Filter> {
  const present = (state: State, row: T): T => copy(spec.present ? spec.present(state, row) : row);

  function assertUnique(state: State, candidate: T): void {
    for (const unique of spec.uniques ?? []) {
      const key = unique.key(candidate);
      for (const row of spec.rows(state).values()) {
        if (row.id !== candidate.id && unique.key(row) === key) {
          throw new ConflictError(`a ${spec.entity} with this ${unique.label} already exists`);
        }
      }
    }
  }

  return {
    get: (id) =>
      run((state) => {
        const row = spec.rows(state).get(id);
        return row === undefined ? null : present(state, row);
      }),

    insert: (entity) =>
      run((state) => {
        const row = copy(validate(spec.schema, entity, spec.entity));
        if (spec.rows(state).has(row.id)) {
          throw new ConflictError(`a ${spec.entity} with id ${JSON.stringify(row.id)} already exists`);
        }
        assertUnique(state, row);
        spec.rows(state).set(row.id, row);
        return present(state, row);
      }),

    update: (id, patch) =>
      run((state) => {
        const current = spec.rows(state).get(id);
        if (current === undefined) throw new NotFoundError(spec.entity, id);
        const merged: Record<string, unknown> = { ...current };
        for (const [key, value] of Object.entries(patch)) {
          // The id and creation time never change; undefined means "leave as is".
          if (key === 'id' || key === 'createdAt' || value === undefined) continue;
          merged[key] = value;
        }
        const row = copy(validate(spec.schema, merged, spec.entity));
        assertUnique(state, row);
        spec.rows(state).set(id, row);
        return present(state, row);
      }),

    delete: (id) =>
      run((state) => {
        const row = spec.rows(state).get(id);
        if (row === undefined) return false;
        spec.onDelete?.(state, row);
        spec.rows(state).delete(id);
        return true;
      }),

    list: (options = {} as ListOptions & Filter) =>
      run((state) => {
        const filter = options as Record<string, unknown>;
        const fields = (spec.filterFields ?? []).filter((field) => filter[field] !== undefined);
        const rows = [...spec.rows(state).values()].filter((row) =>
          fields.every((field) => row[field] === filter[field]),
        );
        const page = pageOf(rows, options);
        return { items: page.items.map((row) => present(state, row)), nextCursor: page.nextCursor };
      }),
  };
}
