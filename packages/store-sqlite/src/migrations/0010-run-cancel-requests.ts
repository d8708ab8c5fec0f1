import type { Kysely } from 'kysely';

/**
 * Runs get `cancel_requested_at`: when a cancel was asked for a running run that its worker had
 * not stopped yet (NULL for runs stored before, and for runs no cancel was asked for).
 */
export const runCancelRequestsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_runs').addColumn('cancel_requested_at', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_runs').dropColumn('cancel_requested_at').execute();
  },
};
