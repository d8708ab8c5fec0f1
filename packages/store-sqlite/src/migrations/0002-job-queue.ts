import { type Kysely, sql } from 'kysely';

/**
 * The durable job queue's table. `run_at` and `lease_expires_at` are epoch milliseconds
 * (integers compare cheaply in the claim query); `created_at`/`updated_at` are ISO strings
 * like every other timestamp. `lease_expiries` counts the job's expired leases, which the
 * queue bounds (`maxLeaseExpiries`).
 */
export const jobQueueMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('goosuke_jobs')
      .addColumn('id', 'text', (column) => column.primaryKey().notNull())
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('payload', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) =>
        column.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'canceled')`),
      )
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (column) => column.notNull())
      // How many times the job's lease expired (its worker died or stalled): the queue gives
      // the job up once this reaches its limit. An orderly stop (close) does not count.
      .addColumn('lease_expiries', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('run_at', 'integer', (column) => column.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'integer')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .modifyEnd(sql`strict`)
      .execute();
    await db.schema
      .createIndex('goosuke_jobs_due')
      .on('goosuke_jobs')
      .columns(['status', 'run_at'])
      .execute();
    await db.schema
      .createIndex('goosuke_jobs_lease')
      .on('goosuke_jobs')
      .columns(['status', 'lease_expires_at'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('goosuke_jobs').ifExists().execute();
  },
};
