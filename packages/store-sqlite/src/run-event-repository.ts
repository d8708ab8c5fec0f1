import {
  GoosukeError,
  InvalidInputError,
  type NewRunEvent,
  type RunEvent,
  type RunEventRepository,
  runEventSchema,
} from '@goosuke/core';
import { sql as sqlFragment } from 'kysely';
import { validateEntity } from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import { isForeignKeyViolation, translateSqliteError } from './sqlite-error.ts';
import type { EntitySchema } from './table-definitions.ts';

const table = 'goosuke_run_events';
const subject = {
  entity: 'run event',
  fieldOf: (column: string) =>
    column === 'run_id' ? 'runId' : column === 'created_at' ? 'createdAt' : column,
};

let templates: { append: QueryTemplate; list: QueryTemplate } | undefined;
let newRunEventSchema: EntitySchema<NewRunEvent> | undefined;

function templatesOf(): { append: QueryTemplate; list: QueryTemplate } {
  if (templates === undefined) {
    const db = queryBuilder();
    const columns = ['id', 'run_id', 'type', 'level', 'message', 'data', 'created_at'] as const;
    templates = {
      // One statement: SQLite takes the write lock before reading MAX(sequence), so two
      // appends (even from two processes) can never read the same maximum. Parameters the
      // planner looks at are wrapped (`likely(?)`, `? + 0`) so that STAT4 does not re-prepare
      // the statement on every call (see the entity repository's list).
      append: compileTemplate(
        db
          .insertInto(table)
          .columns([...columns, 'sequence'])
          .expression((eb) =>
            eb
              .selectFrom(table)
              .select([
                ...columns.map((column) => eb.val(slot(column)).as(column)),
                eb(eb.fn.coalesce(eb.fn.max('sequence'), eb.lit(0)), '+', eb.lit(1)).as('sequence'),
              ])
              .where('run_id', '=', sqlFragment<string>`likely(${slot('run_id')})`),
          )
          .returning(['sequence']),
      ),
      list: compileTemplate(
        db
          .selectFrom(table)
          .select(['id', 'run_id', 'sequence', 'type', 'level', 'message', 'data', 'created_at'])
          .where('run_id', '=', sqlFragment<string>`likely(${slot('runId')})`)
          .where('sequence', '>', sqlFragment<number>`likely(${slot<number>('afterSequence')})`)
          .orderBy('sequence')
          .limit(sqlFragment<number>`${slot<number>('limit')} + 0`),
      ),
    };
  }
  return templates;
}

function readPositiveInteger(value: unknown, fallback: number, path: string, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw InvalidInputError.fromIssues('run event list options', [
      { path: [path], message: `must be an integer of at least ${minimum}` },
    ]);
  }
  return value;
}

/**
 * The append-only run event log in `scope`. `append` validates the event, assigns the next
 * sequence of its run in the same INSERT and throws InvalidInputError when the run does not
 * exist; `list` returns events after `afterSequence` (default 0) in sequence order, at most
 * `limit` (a positive integer, default 500).
 */
export function createRunEventRepository(scope: ExecutionScope): RunEventRepository {
  const connection = scope.connection;
  newRunEventSchema ??= runEventSchema.omit({ sequence: true }) as unknown as EntitySchema<NewRunEvent>;
  const schema = newRunEventSchema;
  return {
    append(event) {
      return scope.run(() => {
        const valid = validateEntity('run event', schema, event);
        const { append } = templatesOf();
        let row: { sequence: number } | undefined;
        try {
          row = connection.statement(append.sql).get(
            append.bind({
              id: valid.id,
              run_id: valid.runId,
              type: valid.type,
              level: valid.level,
              message: valid.message,
              data: JSON.stringify(valid.data),
              created_at: valid.createdAt,
            }),
          ) as { sequence: number } | undefined;
        } catch (error) {
          if (isForeignKeyViolation(error)) {
            throw new InvalidInputError(
              `invalid run event: run ${JSON.stringify(valid.runId)} does not exist`,
              [{ path: ['runId'], message: 'no run with this id exists', code: 'custom' }],
              { cause: error },
            );
          }
          throw translateSqliteError(error, subject);
        }
        if (row === undefined)
          throw translateSqliteError(new Error('the insert returned no sequence'), subject);
        return { ...valid, sequence: row.sequence };
      });
    },

    list(options) {
      let bound: unknown[];
      const { list } = templatesOf();
      try {
        bound = list.bind({
          runId: options.runId,
          afterSequence: readPositiveInteger(options.afterSequence, 0, 'afterSequence', 0),
          limit: readPositiveInteger(options.limit, 500, 'limit', 1),
        });
      } catch (error) {
        return Promise.reject(error);
      }
      return scope.run(() => {
        try {
          const rows = connection.statement(list.sql).all(bound) as Array<Record<string, unknown>>;
          return rows.map((row) => decodeRunEvent(row));
        } catch (error) {
          throw translateSqliteError(error, subject);
        }
      });
    },
  };
}

function decodeRunEvent(row: Record<string, unknown>): RunEvent {
  return validateStored({
    id: row.id,
    runId: row.run_id,
    sequence: row.sequence,
    type: row.type,
    level: row.level,
    message: row.message,
    data: JSON.parse(row.data as string),
    createdAt: row.created_at,
  });
}

function validateStored(value: unknown): RunEvent {
  const parsed = runEventSchema.safeParse(value);
  if (!parsed.success) {
    throw new GoosukeError('storage', 'a stored run event does not match its schema', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
