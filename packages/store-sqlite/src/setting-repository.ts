import { GoosukeError, type Setting, type SettingRepository, settingSchema } from '@goosuke/core';
import { validateEntity } from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import { translateSqliteError } from './sqlite-error.ts';
import { decodeValue, type EntitySchema, encodeValue } from './table-definitions.ts';

const table = 'goosuke_settings';
const subject = {
  entity: 'setting',
  fieldOf: (column: string) => (column === 'updated_at' ? 'updatedAt' : column),
};
const schema = settingSchema as EntitySchema<Setting>;

interface SettingTemplates {
  get: QueryTemplate;
  set: QueryTemplate;
  delete: QueryTemplate;
  list: QueryTemplate;
}

let templates: SettingTemplates | undefined;

function templatesOf(): SettingTemplates {
  if (templates === undefined) {
    const db = queryBuilder();
    const columns = ['key', 'value', 'secret', 'description', 'updated_at'];
    templates = {
      get: compileTemplate(db.selectFrom(table).select(columns).where('key', '=', slot('key'))),
      set: compileTemplate(
        db
          .insertInto(table)
          .values({
            key: slot('key'),
            value: slot('value'),
            secret: slot('secret'),
            description: slot('description'),
            updated_at: slot('updated_at'),
          })
          .onConflict((conflict) =>
            conflict.column('key').doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              secret: eb.ref('excluded.secret'),
              description: eb.ref('excluded.description'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          ),
      ),
      delete: compileTemplate(db.deleteFrom(table).where('key', '=', slot('key'))),
      list: compileTemplate(db.selectFrom(table).select(columns).orderBy('key')),
    };
  }
  return templates;
}

function decodeSetting(row: Record<string, unknown>): Setting {
  const parsed = schema.safeParse({
    key: row.key,
    value: decodeValue('json', row.value),
    secret: decodeValue('boolean', row.secret),
    description: row.description,
    updatedAt: row.updated_at,
  });
  if (!parsed.success) {
    throw new GoosukeError(
      'storage',
      `the stored setting ${JSON.stringify(row.key)} does not match its schema`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

/**
 * Settings in `scope`: `set` validates and creates or replaces every column (one upsert),
 * `list` orders by key. JSON null is stored as SQL NULL; a secret's value is the JSON string
 * of its envelope, exactly as given.
 */
export function createSettingRepository(scope: ExecutionScope): SettingRepository {
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
    get(key) {
      return run(() => {
        const { get } = templatesOf();
        const row = connection.statement(get.sql).get(get.bind({ key })) as
          | Record<string, unknown>
          | undefined;
        return row === undefined ? null : decodeSetting(row);
      });
    },
    set(setting) {
      return run(() => {
        const valid = validateEntity('setting', schema, setting);
        const { set } = templatesOf();
        connection.statement(set.sql).run(
          set.bind({
            key: valid.key,
            value: encodeValue('json', valid.value),
            secret: encodeValue('boolean', valid.secret),
            description: valid.description,
            updated_at: valid.updatedAt,
          }),
        );
        return valid;
      });
    },
    delete(key) {
      return run(() => {
        const { delete: remove } = templatesOf();
        return connection.statement(remove.sql).run(remove.bind({ key })).changes > 0;
      });
    },
    list() {
      return run(() => {
        const { list } = templatesOf();
        const rows = connection.statement(list.sql).all(list.bind({})) as Array<Record<string, unknown>>;
        return rows.map(decodeSetting);
      });
    },
  };
}
