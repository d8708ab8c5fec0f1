import type { Kysely } from 'kysely';

/**
 * Where work continues from:
 * - tasks get `chosen_run_id`, the run the task continues from (a user's pick, the run of its
 *   pull request); it becomes NULL when that run is deleted, and tasks stored before read NULL;
 * - runs get `base_source`, why the run started from its base (JSON; NULL for runs stored
 *   before, which did not record it).
 * Columns added by ALTER TABLE may reference another table only with a NULL default, which
 * `chosen_run_id` has. The migrator runs this in one transaction.
 */
export const runContinuationMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('goosuke_tasks')
      .addColumn('chosen_run_id', 'text', (column) =>
        column.references('goosuke_runs.id').onDelete('set null'),
      )
      .execute();
    // Deleting a run looks up the task that chose it.
    await db.schema
      .createIndex('goosuke_tasks_chosen_run')
      .on('goosuke_tasks')
      .column('chosen_run_id')
      .execute();
    await db.schema.alterTable('goosuke_runs').addColumn('base_source', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_runs').dropColumn('base_source').execute();
    await db.schema.dropIndex('goosuke_tasks_chosen_run').ifExists().execute();
    await db.schema.alterTable('goosuke_tasks').dropColumn('chosen_run_id').execute();
  },
};
