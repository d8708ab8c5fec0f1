import { type Kysely, sql } from 'kysely';

/**
 * Adds `capabilities` to the model profiles: the profile's overrides of the model family
 * table, as JSON text. NOT NULL with the default `'{}'`, so that profiles stored before this
 * migration read back as overriding nothing.
 */
export const modelCapabilitiesMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('goosuke_model_profiles')
      .addColumn('capabilities', 'text', (column) => column.notNull().defaultTo(sql`'{}'`))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_model_profiles').dropColumn('capabilities').execute();
  },
};
