import { type Kysely, sql } from 'kysely';

/**
 * Adds `secret` (0 or 1) and `description` to the settings. A secret row's `value` holds the
 * JSON string of its SecretBox envelope, never plaintext. Rows stored before this migration
 * read back as plain settings without a description, which is what they were.
 */
export const settingSecretsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('goosuke_settings')
      .addColumn('secret', 'integer', (column) => column.notNull().defaultTo(0).check(sql`secret in (0, 1)`))
      .execute();
    await db.schema.alterTable('goosuke_settings').addColumn('description', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_settings').dropColumn('description').execute();
    await db.schema.alterTable('goosuke_settings').dropColumn('secret').execute();
  },
};
