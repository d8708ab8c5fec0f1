import { type Kysely, sql } from 'kysely';

/**
 * Runs get `author_id`: the `created_by` of their message, copied when the run is stored (a
 * trigger, so no code path can forget it) and for the runs stored before, with a partial index of
 * the queued and running ones by author. Why: the per-user limit of active runs counts them at
 * every run request; joined through the messages, the count read every active run of every user
 * (with 3,000 queued runs, `POST /tasks/{id}/runs` answered in 5 s at p99), where the index reads
 * only the user's own. A message's author never changes.
 */
export const runAuthorsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_runs').addColumn('author_id', 'text').execute();
    await sql`update goosuke_runs set author_id =
      (select m.created_by from goosuke_messages as m where m.id = goosuke_runs.message_id)`.execute(db);
    await sql`create trigger goosuke_runs_author after insert on goosuke_runs
      begin
        update goosuke_runs set author_id =
          (select m.created_by from goosuke_messages as m where m.id = new.message_id)
        where id = new.id;
      end`.execute(db);
    await sql`create index goosuke_runs_active_by_author on goosuke_runs (author_id)
      where status in ('queued', 'running')`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index goosuke_runs_active_by_author`.execute(db);
    await sql`drop trigger goosuke_runs_author`.execute(db);
    await db.schema.alterTable('goosuke_runs').dropColumn('author_id').execute();
  },
};
