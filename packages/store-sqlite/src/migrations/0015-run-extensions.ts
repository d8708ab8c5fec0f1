import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Extensions per task, per action and per run: tasks and actions get `extension_ids` (JSON, `[]`
 * for every one stored before, none of which named any), runs get `extensions` (JSON, `[]`:
 * runs stored before ran without extensions), and tasks `discord_channel` (JSON: the Discord
 * channel a trigger started the task from, where the built-in `discord` extension works; NULL
 * for those stored before, which keep no channel).
 */
export const runExtensionsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ['goosuke_tasks', 'goosuke_actions']) {
      await db.schema
        .alterTable(table)
        .addColumn('extension_ids', 'text', (column) => column.notNull().defaultTo(sql`'[]'`))
        .execute();
    }
    await db.schema
      .alterTable('goosuke_runs')
      .addColumn('extensions', 'text', (column) => column.notNull().defaultTo(sql`'[]'`))
      .execute();
    await db.schema.alterTable('goosuke_tasks').addColumn('discord_channel', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_tasks').dropColumn('discord_channel').execute();
    await db.schema.alterTable('goosuke_runs').dropColumn('extensions').execute();
    for (const table of ['goosuke_actions', 'goosuke_tasks']) {
      await db.schema.alterTable(table).dropColumn('extension_ids').execute();
    }
  },
};
