import { type Kysely, sql } from 'kysely';

/**
 * `goosuke_extension_deletions`: the names of deleted extensions (one row per name, with when),
 * so that importing Goose's configuration does not bring them back. Extensions deleted before
 * this migration left no trace and are not recorded.
 */
export const extensionDeletionsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('goosuke_extension_deletions')
      .addColumn('name', 'text', (column) => column.primaryKey().notNull())
      .addColumn('deleted_at', 'text', (column) => column.notNull())
      .modifyEnd(sql`strict`)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('goosuke_extension_deletions').execute();
  },
};
