import { type Kysely, sql } from 'kysely';

/**
 * Callers' idempotency keys, and who fired an action by hand:
 * - `goosuke_idempotency_keys` holds one row per (user, operation, target, key): the fingerprint
 *   of the first request and the task (and message) it created, until `expires_at`; it cascades
 *   from the user, the task and the message, and is claimed in the transaction that creates them;
 * - tasks get `fired_by`, the user who fired the task's action by hand (SET NULL when the user
 *   goes); tasks stored before read NULL.
 * Columns added by ALTER TABLE may reference another table only with a NULL default, which
 * `fired_by` has. The migrator runs this in one transaction.
 */
export const callerKeysMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('goosuke_idempotency_keys')
      .addColumn('user_id', 'text', (column) =>
        column.notNull().references('goosuke_users.id').onDelete('cascade'),
      )
      .addColumn('operation', 'text', (column) => column.notNull())
      .addColumn('target', 'text', (column) => column.notNull())
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addColumn('task_id', 'text', (column) =>
        column.notNull().references('goosuke_tasks.id').onDelete('cascade'),
      )
      .addColumn('message_id', 'text', (column) =>
        column.references('goosuke_messages.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('goosuke_idempotency_keys_pk', ['user_id', 'operation', 'target', 'key'])
      .modifyEnd(sql`strict`)
      .execute();
    // Deleting a task or a message looks its keys up; the sweep looks up expired keys.
    await db.schema
      .createIndex('goosuke_idempotency_keys_task')
      .on('goosuke_idempotency_keys')
      .column('task_id')
      .execute();
    await db.schema
      .createIndex('goosuke_idempotency_keys_message')
      .on('goosuke_idempotency_keys')
      .column('message_id')
      .execute();
    await db.schema
      .createIndex('goosuke_idempotency_keys_expiry')
      .on('goosuke_idempotency_keys')
      .column('expires_at')
      .execute();

    await db.schema
      .alterTable('goosuke_tasks')
      .addColumn('fired_by', 'text', (column) => column.references('goosuke_users.id').onDelete('set null'))
      .execute();
    // Deleting a user looks up the tasks they fired.
    await db.schema.createIndex('goosuke_tasks_fired_by').on('goosuke_tasks').column('fired_by').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('goosuke_tasks_fired_by').ifExists().execute();
    await db.schema.alterTable('goosuke_tasks').dropColumn('fired_by').execute();
    await db.schema.dropTable('goosuke_idempotency_keys').ifExists().execute();
  },
};
