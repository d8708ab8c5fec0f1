import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

// STRICT tables make SQLite refuse a value of the wrong storage class instead of silently
// storing it, so a bug in a column mapping fails loudly at the write, not at a later read.
function strict<TableName extends string, ColumnName extends string>(
  builder: CreateTableBuilder<TableName, ColumnName>,
): CreateTableBuilder<TableName, ColumnName> {
  return builder.modifyEnd(sql`strict`);
}

const entityTables = [
  'goosuke_settings',
  'goosuke_extensions',
  'goosuke_templates',
  'goosuke_actions',
  'goosuke_users',
  'goosuke_pull_requests',
  'goosuke_run_events',
  'goosuke_runs',
  'goosuke_messages',
  'goosuke_tasks',
  'goosuke_repos',
  'goosuke_model_profiles',
] as const;

/**
 * The entity tables of the Store port. Timestamps are ISO 8601 strings (they sort like the
 * instants they name), booleans are 0/1 integers, nested values are JSON text. Children a
 * task owns (messages, runs, run events, pull requests) cascade on delete; references the
 * port does not make ownership (a task's repo, a run's model profile, a pull request's run)
 * are plain columns, so deleting a repo or a model profile never rewrites history.
 */
export const initialSchemaMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await strict(
      db.schema
        .createTable('goosuke_model_profiles')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('provider', 'text', (column) => column.notNull())
        .addColumn('model_name', 'text', (column) => column.notNull())
        .addColumn('display_name', 'text', (column) => column.notNull())
        .addColumn('base_url', 'text')
        .addColumn('has_api_key', 'integer', (column) => column.notNull())
        .addColumn('encrypted_api_key', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_model_profiles_created')
      .on('goosuke_model_profiles')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_model_profiles_provider')
      .on('goosuke_model_profiles')
      .columns(['provider', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_repos')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('url', 'text', (column) => column.notNull())
        .addColumn('default_branch', 'text', (column) => column.notNull())
        .addColumn('code_host', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema.createIndex('goosuke_repos_url').on('goosuke_repos').column('url').unique().execute();
    await db.schema
      .createIndex('goosuke_repos_created')
      .on('goosuke_repos')
      .columns(['created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_tasks')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('title', 'text', (column) => column.notNull())
        .addColumn('repo_id', 'text')
        .addColumn('base_branch', 'text')
        .addColumn('action_id', 'text')
        .addColumn('created_by', 'text')
        .addColumn('archived', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_tasks_created')
      .on('goosuke_tasks')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_tasks_repo')
      .on('goosuke_tasks')
      .columns(['repo_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_tasks_archived')
      .on('goosuke_tasks')
      .columns(['archived', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_messages')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('task_id', 'text', (column) =>
          column.notNull().references('goosuke_tasks.id').onDelete('cascade'),
        )
        .addColumn('role', 'text', (column) => column.notNull())
        .addColumn('content', 'text', (column) => column.notNull())
        .addColumn('run_id', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_messages_created')
      .on('goosuke_messages')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_messages_task')
      .on('goosuke_messages')
      .columns(['task_id', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_runs')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('task_id', 'text', (column) =>
          column.notNull().references('goosuke_tasks.id').onDelete('cascade'),
        )
        .addColumn('message_id', 'text', (column) => column.notNull())
        .addColumn('executor', 'text', (column) => column.notNull())
        .addColumn('instruction', 'text', (column) => column.notNull())
        .addColumn('base_ref', 'text')
        .addColumn('base_commit', 'text')
        .addColumn('working_branch', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('summary', 'text')
        .addColumn('patch', 'text')
        .addColumn('files_changed', 'text', (column) => column.notNull())
        .addColumn('warnings', 'text', (column) => column.notNull())
        .addColumn('error', 'text')
        .addColumn('usage', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('started_at', 'text')
        .addColumn('completed_at', 'text'),
    ).execute();
    await db.schema
      .createIndex('goosuke_runs_created')
      .on('goosuke_runs')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_runs_task')
      .on('goosuke_runs')
      .columns(['task_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_runs_message')
      .on('goosuke_runs')
      .columns(['message_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_runs_status')
      .on('goosuke_runs')
      .columns(['status', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_run_events')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('run_id', 'text', (column) =>
          column.notNull().references('goosuke_runs.id').onDelete('cascade'),
        )
        .addColumn('sequence', 'integer', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('level', 'text', (column) => column.notNull())
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('data', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_run_events_sequence')
      .on('goosuke_run_events')
      .columns(['run_id', 'sequence'])
      .unique()
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_pull_requests')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('task_id', 'text', (column) =>
          column.notNull().references('goosuke_tasks.id').onDelete('cascade'),
        )
        .addColumn('repo_id', 'text', (column) => column.notNull())
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('number', 'integer', (column) => column.notNull())
        .addColumn('url', 'text', (column) => column.notNull())
        .addColumn('title', 'text', (column) => column.notNull())
        .addColumn('body', 'text', (column) => column.notNull())
        .addColumn('branch', 'text', (column) => column.notNull())
        .addColumn('base_branch', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_pull_requests_number')
      .on('goosuke_pull_requests')
      .columns(['repo_id', 'number'])
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_pull_requests_created')
      .on('goosuke_pull_requests')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_pull_requests_task')
      .on('goosuke_pull_requests')
      .columns(['task_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_pull_requests_repo')
      .on('goosuke_pull_requests')
      .columns(['repo_id', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_users')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('username', 'text', (column) => column.notNull())
        .addColumn('display_name', 'text', (column) => column.notNull())
        .addColumn('role', 'text', (column) => column.notNull())
        .addColumn('disabled', 'integer', (column) => column.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_users_username')
      .on('goosuke_users')
      .column('username')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_users_created')
      .on('goosuke_users')
      .columns(['created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_templates')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('description', 'text', (column) => column.notNull())
        .addColumn('prompt', 'text', (column) => column.notNull())
        .addColumn('parameters', 'text', (column) => column.notNull())
        .addColumn('default_model_profile_ids', 'text', (column) => column.notNull())
        .addColumn('extension_ids', 'text', (column) => column.notNull())
        .addColumn('output_kind', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_templates_name')
      .on('goosuke_templates')
      .column('name')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_templates_created')
      .on('goosuke_templates')
      .columns(['created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_actions')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('template_id', 'text', (column) => column.notNull())
        .addColumn('trigger', 'text', (column) => column.notNull())
        .addColumn('config', 'text', (column) => column.notNull())
        .addColumn('repo_id', 'text')
        .addColumn('enabled', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_actions_name')
      .on('goosuke_actions')
      .column('name')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_actions_created')
      .on('goosuke_actions')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_actions_template')
      .on('goosuke_actions')
      .columns(['template_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_actions_enabled')
      .on('goosuke_actions')
      .columns(['enabled', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_extensions')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('command', 'text')
        .addColumn('args', 'text', (column) => column.notNull())
        .addColumn('uri', 'text')
        .addColumn('headers', 'text', (column) => column.notNull())
        .addColumn('timeout_seconds', 'integer', (column) => column.notNull())
        .addColumn('env', 'text', (column) => column.notNull())
        .addColumn('enabled', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_extensions_name')
      .on('goosuke_extensions')
      .column('name')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_extensions_created')
      .on('goosuke_extensions')
      .columns(['created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_settings')
        .addColumn('key', 'text', (column) => column.primaryKey().notNull())
        // JSON text; SQL NULL stands for the JSON value null.
        .addColumn('value', 'text')
        .addColumn('updated_at', 'text', (column) => column.notNull()),
    ).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of entityTables) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
