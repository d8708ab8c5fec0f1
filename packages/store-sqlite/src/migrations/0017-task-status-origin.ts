import { type Kysely, sql } from 'kysely';

/**
 * Tasks carry their status and origin: `template_id` and `trigger` (NULL for a task made
 * directly; for one an action made, its action's template and trigger kind, `manual` when it was
 * fired by hand) and `status`, computed for the tasks stored before from the runs of their latest
 * message that ran, as Goosuke keeps it from now on. Indexed for the task list's filters.
 */
export const taskStatusOriginMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const tasks = () => db.schema.alterTable('goosuke_tasks');
    await tasks().addColumn('template_id', 'text').execute();
    await tasks().addColumn('trigger', 'text').execute();
    await tasks()
      .addColumn('status', 'text', (column) => column.notNull().defaultTo('idle'))
      .execute();
    await sql`update goosuke_tasks set
        template_id = (select a.template_id from goosuke_actions a where a.id = goosuke_tasks.action_id),
        trigger = case
          when action_id is null then null
          when fired_by is not null then 'manual'
          else (select a.trigger from goosuke_actions a where a.id = goosuke_tasks.action_id)
        end`.execute(db);
    await sql`update goosuke_tasks set status = coalesce((
        select case
          when count(*) = 0 then null
          when sum(r.status in ('queued', 'running')) > 0 then 'active'
          when sum(r.status = 'succeeded') > 0 then 'succeeded'
          when sum(r.status = 'failed') > 0 then 'failed'
          else 'canceled' end
        from goosuke_runs r
        where r.task_id = goosuke_tasks.id and r.message_id = (
          select r2.message_id from goosuke_runs r2 where r2.task_id = goosuke_tasks.id
          order by r2.created_at desc, r2.id desc limit 1)
      ), 'idle')`.execute(db);
    // A run still going anywhere in the task makes it active, whatever its latest message.
    await sql`update goosuke_tasks set status = 'active' where exists (
        select 1 from goosuke_runs r where r.task_id = goosuke_tasks.id and r.status in ('queued', 'running'))`.execute(
      db,
    );
    await db.schema
      .createIndex('goosuke_tasks_status')
      .on('goosuke_tasks')
      .columns(['status', 'created_at'])
      .execute();
    await db.schema
      .createIndex('goosuke_tasks_template')
      .on('goosuke_tasks')
      .columns(['template_id', 'created_at'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('goosuke_tasks_template').execute();
    await db.schema.dropIndex('goosuke_tasks_status').execute();
    const tasks = () => db.schema.alterTable('goosuke_tasks');
    await tasks().dropColumn('status').execute();
    await tasks().dropColumn('trigger').execute();
    await tasks().dropColumn('template_id').execute();
  },
};
