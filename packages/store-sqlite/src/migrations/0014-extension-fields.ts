import { type Kysely, sql } from 'kysely';

/**
 * Extensions grow what MCP servers need: `description` ('' for those stored before), `cwd` and
 * `server` (NULL), `always_on` (0); `headers` becomes a list of `{ name, value, secret }` (as
 * `env` is) so that a header can be sealed like a secret environment variable: the headers of
 * extensions stored before become non-secret entries, in their order.
 */
export const extensionFieldsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = () => db.schema.alterTable('goosuke_extensions');
    await table()
      .addColumn('description', 'text', (column) => column.notNull().defaultTo(''))
      .execute();
    await table().addColumn('cwd', 'text').execute();
    await table()
      .addColumn('always_on', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await table().addColumn('server', 'text').execute();
    await sql`update goosuke_extensions set headers = (
        select coalesce(json_group_array(json_object('name', key, 'value', value, 'secret', json('false'))), '[]')
        from json_each(goosuke_extensions.headers))`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await sql`update goosuke_extensions set headers = (
        select coalesce(json_group_object(json_extract(value, '$.name'), json_extract(value, '$.value')), '{}')
        from json_each(goosuke_extensions.headers))`.execute(db);
    const table = () => db.schema.alterTable('goosuke_extensions');
    await table().dropColumn('server').execute();
    await table().dropColumn('always_on').execute();
    await table().dropColumn('cwd').execute();
    await table().dropColumn('description').execute();
  },
};
