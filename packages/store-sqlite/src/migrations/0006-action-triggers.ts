import { type Kysely, sql } from 'kysely';

/**
 * What actions need to be triggered from outside:
 * - actions get `owner_id` (the user whose tasks they create; SET NULL when the user goes),
 *   `callback_url`, `parameter_mapping` (JSON, `'{}'` for rows stored before) and the sealed
 *   `webhook_secret` with its `has_webhook_secret` flag (kept in step by the store);
 * - the trigger kinds `http` and `cli` become `manual`;
 * - templates get `repo_id` (SET NULL when the repo goes);
 * - `goosuke_action_trigger_keys` holds one row per (action, key), claimed by the first
 *   delivery of a trigger so that retries find the same task; it cascades from the action and
 *   from the task.
 * Columns added by ALTER TABLE may reference another table only with a NULL default, which
 * every reference column here has. The migrator runs this in one transaction.
 */
export const actionTriggersMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('goosuke_actions')
      .addColumn('owner_id', 'text', (column) => column.references('goosuke_users.id').onDelete('set null'))
      .execute();
    await db.schema.alterTable('goosuke_actions').addColumn('callback_url', 'text').execute();
    await db.schema
      .alterTable('goosuke_actions')
      .addColumn('parameter_mapping', 'text', (column) => column.notNull().defaultTo(sql`'{}'`))
      .execute();
    await db.schema
      .alterTable('goosuke_actions')
      .addColumn('has_webhook_secret', 'integer', (column) =>
        column.notNull().defaultTo(0).check(sql`has_webhook_secret in (0, 1)`),
      )
      .execute();
    await db.schema.alterTable('goosuke_actions').addColumn('webhook_secret', 'text').execute();
    await sql`update goosuke_actions set "trigger" = 'manual' where "trigger" in ('http', 'cli')`.execute(db);
    await db.schema
      .createIndex('goosuke_actions_owner')
      .on('goosuke_actions')
      .columns(['owner_id', 'created_at', 'id'])
      .execute();

    await db.schema
      .alterTable('goosuke_templates')
      .addColumn('repo_id', 'text', (column) => column.references('goosuke_repos.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('goosuke_templates_repo').on('goosuke_templates').column('repo_id').execute();

    await db.schema
      .createTable('goosuke_action_trigger_keys')
      .addColumn('action_id', 'text', (column) =>
        column.notNull().references('goosuke_actions.id').onDelete('cascade'),
      )
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('task_id', 'text', (column) =>
        column.notNull().references('goosuke_tasks.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('goosuke_action_trigger_keys_pk', ['action_id', 'key'])
      .modifyEnd(sql`strict`)
      .execute();
    // Deleting a task looks its keys up by task.
    await db.schema
      .createIndex('goosuke_action_trigger_keys_task')
      .on('goosuke_action_trigger_keys')
      .column('task_id')
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('goosuke_action_trigger_keys').ifExists().execute();
    await db.schema.dropIndex('goosuke_templates_repo').ifExists().execute();
    await db.schema.alterTable('goosuke_templates').dropColumn('repo_id').execute();
    await db.schema.dropIndex('goosuke_actions_owner').ifExists().execute();
    for (const column of [
      'webhook_secret',
      'has_webhook_secret',
      'parameter_mapping',
      'callback_url',
      'owner_id',
    ]) {
      await db.schema.alterTable('goosuke_actions').dropColumn(column).execute();
    }
  },
};
