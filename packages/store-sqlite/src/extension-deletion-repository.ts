import {
  type ExtensionDeletion,
  type ExtensionRepository,
  extensionDeletionSchema,
  GoosukeError,
} from '@goosuke/core';
import { validateEntity } from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import { translateSqliteError } from './sqlite-error.ts';
import type { EntitySchema } from './table-definitions.ts';

const table = 'goosuke_extension_deletions';
const subject = {
  entity: 'extension deletion',
  fieldOf: (column: string) => (column === 'deleted_at' ? 'deletedAt' : column),
};
const schema = extensionDeletionSchema as EntitySchema<ExtensionDeletion>;

interface DeletionTemplates {
  get: QueryTemplate;
  record: QueryTemplate;
  clear: QueryTemplate;
  list: QueryTemplate;
}

let templates: DeletionTemplates | undefined;

function templatesOf(): DeletionTemplates {
  if (templates === undefined) {
    const db = queryBuilder();
    const columns = ['name', 'deleted_at'];
    templates = {
      get: compileTemplate(db.selectFrom(table).select(columns).where('name', '=', slot('name'))),
      record: compileTemplate(
        db
          .insertInto(table)
          .values({ name: slot('name'), deleted_at: slot('deleted_at') })
          .onConflict((conflict) =>
            conflict.column('name').doUpdateSet((eb) => ({ deleted_at: eb.ref('excluded.deleted_at') })),
          ),
      ),
      clear: compileTemplate(db.deleteFrom(table).where('name', '=', slot('name'))),
      list: compileTemplate(db.selectFrom(table).select(columns).orderBy('name')),
    };
  }
  return templates;
}

function decodeDeletion(row: Record<string, unknown>): ExtensionDeletion {
  const parsed = schema.safeParse({ name: row.name, deletedAt: row.deleted_at });
  if (!parsed.success) {
    throw new GoosukeError(
      'storage',
      `the stored deletion of extension ${JSON.stringify(row.name)} does not match its schema`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * The deleted-name records of the extension repository, in `goosuke_extension_deletions` of
 * `scope`: `recordDeletion` validates and upserts by name, `listDeletions` orders by name.
 */
export function createExtensionDeletions(
  scope: ExecutionScope,
): Pick<ExtensionRepository, 'recordDeletion' | 'getDeletion' | 'clearDeletion' | 'listDeletions'> {
  const connection = scope.connection;
  const run = <T>(operation: () => T): Promise<T> =>
    scope.run(() => {
      try {
        return operation();
      } catch (error) {
        throw translateSqliteError(error, subject);
      }
    });
  return {
    recordDeletion(deletion) {
      return run(() => {
        const valid = validateEntity('extension deletion', schema, deletion);
        const { record } = templatesOf();
        connection.statement(record.sql).run(record.bind({ name: valid.name, deleted_at: valid.deletedAt }));
        return valid;
      });
    },
    getDeletion(name) {
      return run(() => {
        const { get } = templatesOf();
        const row = connection.statement(get.sql).get(get.bind({ name })) as
          | Record<string, unknown>
          | undefined;
        return row === undefined ? null : decodeDeletion(row);
      });
    },
    clearDeletion(name) {
      return run(() => {
        const { clear } = templatesOf();
        return connection.statement(clear.sql).run(clear.bind({ name })).changes > 0;
      });
    },
    listDeletions() {
      return run(() => {
        const { list } = templatesOf();
        const rows = connection.statement(list.sql).all(list.bind({})) as Array<Record<string, unknown>>;
        return rows.map(decodeDeletion);
      });
    },
  };
}
