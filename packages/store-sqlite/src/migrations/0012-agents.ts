import { type Kysely, sql } from 'kysely';

/**
 * Coding agents as executors:
 * - `goosuke_agents` holds the custom agents administrators add (name unique, listed by creation);
 * - runs get `max_cost_usd` and `max_tokens`, their spending limits (NULL: none; every run stored
 *   before had none), and `allow_shell` (0 for every run stored before);
 * - the `agent-cli` executors of earlier versions (`{kind, cli, modelName}`) become `agent`
 *   executors (`{kind, agent, modelProfileId}`): `gemini-cli` is now `gemini`, and their model was
 *   a bare name, not a profile, so `modelProfileId` is NULL. Such runs were never executed.
 */
export const agentsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('goosuke_agents')
      .addColumn('id', 'text', (column) => column.primaryKey().notNull())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('command', 'text', (column) => column.notNull())
      .addColumn('args', 'text', (column) => column.notNull())
      .addColumn('wire', 'text', (column) => column.notNull())
      .addColumn('session_mode', 'text')
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .modifyEnd(sql`strict`)
      .execute();
    await db.schema.createIndex('goosuke_agents_name').on('goosuke_agents').column('name').unique().execute();
    await db.schema
      .createIndex('goosuke_agents_created')
      .on('goosuke_agents')
      .columns(['created_at', 'id'])
      .execute();
    await db.schema.alterTable('goosuke_runs').addColumn('max_cost_usd', 'real').execute();
    await db.schema.alterTable('goosuke_runs').addColumn('max_tokens', 'integer').execute();
    await db.schema
      .alterTable('goosuke_runs')
      .addColumn('allow_shell', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await sql`update goosuke_runs set executor = json_object(
        'kind', 'agent',
        'agent', case json_extract(executor, '$.cli') when 'gemini-cli' then 'gemini' else json_extract(executor, '$.cli') end,
        'modelProfileId', json('null'))
      where json_extract(executor, '$.kind') = 'agent-cli'`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await sql`update goosuke_runs set executor = json_object(
        'kind', 'agent-cli',
        'cli', case json_extract(executor, '$.agent') when 'gemini' then 'gemini-cli' else json_extract(executor, '$.agent') end,
        'modelName', json('null'))
      where json_extract(executor, '$.kind') = 'agent'`.execute(db);
    await db.schema.alterTable('goosuke_runs').dropColumn('allow_shell').execute();
    await db.schema.alterTable('goosuke_runs').dropColumn('max_tokens').execute();
    await db.schema.alterTable('goosuke_runs').dropColumn('max_cost_usd').execute();
    await db.schema.dropTable('goosuke_agents').execute();
  },
};
