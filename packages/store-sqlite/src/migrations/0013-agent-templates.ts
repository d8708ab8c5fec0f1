import { type Kysely, sql } from 'kysely';

/**
 * Agents in templates, and agent sessions that follow-ups continue:
 * - templates get `default_agents` (JSON, `[]` for every template stored before), `allow_shell`
 *   (0), `max_cost_usd` and `max_tokens` (NULL: no limit), which their runs take;
 * - runs get `agent_session` (JSON; NULL for every run stored before, none of which recorded one).
 */
export const agentTemplatesMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('goosuke_templates')
      .addColumn('default_agents', 'text', (column) => column.notNull().defaultTo(sql`'[]'`))
      .execute();
    await db.schema
      .alterTable('goosuke_templates')
      .addColumn('allow_shell', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('goosuke_templates').addColumn('max_cost_usd', 'real').execute();
    await db.schema.alterTable('goosuke_templates').addColumn('max_tokens', 'integer').execute();
    await db.schema.alterTable('goosuke_runs').addColumn('agent_session', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_runs').dropColumn('agent_session').execute();
    await db.schema.alterTable('goosuke_templates').dropColumn('max_tokens').execute();
    await db.schema.alterTable('goosuke_templates').dropColumn('max_cost_usd').execute();
    await db.schema.alterTable('goosuke_templates').dropColumn('allow_shell').execute();
    await db.schema.alterTable('goosuke_templates').dropColumn('default_agents').execute();
  },
};
