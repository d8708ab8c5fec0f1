import type { Job, JobStatus } from '@goosuke/core';
import { sql as sqlFragment } from 'kysely';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';

// The queue's table (`goosuke_jobs`, created by the migrations) and every statement on it.

/** A row of `goosuke_jobs`. */
export interface JobRow {
  id: string;
  type: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** How many times the job's lease expired; see `maxLeaseExpiries`. */
  lease_expiries: number;
  last_error: string | null;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: string;
  updated_at: string;
}

const table = 'goosuke_jobs';

/** How SQLite errors about jobs are described (`translateSqliteError`). */
export const jobSubject = {
  entity: 'job',
  fieldOf: (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()),
};

/** The compiled statements of the queue. */
export interface JobTemplates {
  insert: QueryTemplate;
  get: QueryTemplate;
  claim: QueryTemplate;
  giveUp: QueryTemplate;
  renew: QueryTemplate;
  finish: QueryTemplate;
  cancel: QueryTemplate;
  unfinished: QueryTemplate;
  counts: QueryTemplate;
}

let templates: JobTemplates | undefined;

/** The queue's statements, compiled once per process. */
export function templatesOf(): JobTemplates {
  if (templates !== undefined) return templates;
  const db = queryBuilder();
  const columns = [
    'id',
    'type',
    'payload',
    'status',
    'attempts',
    'max_attempts',
    'lease_expiries',
    'last_error',
    'run_at',
    'lease_owner',
    'lease_expires_at',
    'created_at',
    'updated_at',
  ];
  templates = {
    insert: compileTemplate(
      db.insertInto(table).values(Object.fromEntries(columns.map((name) => [name, slot(name)]))),
    ),
    get: compileTemplate(db.selectFrom(table).select(columns).where('id', '=', slot('id'))),
    // One UPDATE picks and takes the job, so two workers (or processes) can never claim the
    // same one: SQLite holds the write lock from the subquery's read to the write. Taking a
    // running job means its lease expired: that expiry is counted in the same write. A job
    // whose expiry would use up the budget is never claimed (giveUp fails it instead).
    claim: compileTemplate(
      db
        .updateTable(table)
        .set((eb) => ({
          status: 'running',
          lease_owner: slot('owner'),
          lease_expires_at: slot<number>('leaseExpiresAt'),
          attempts: eb('attempts', '+', 1),
          // SET expressions read the row as it was: `status` is the status before the claim.
          lease_expiries: eb(
            'lease_expiries',
            '+',
            eb.case().when('status', '=', 'running').then(1).else(0).end(),
          ),
          updated_at: slot('now'),
        }))
        .where(
          'id',
          '=',
          db
            .selectFrom(table)
            .select('id')
            .where((where) =>
              where.or([
                where.and([where('status', '=', 'queued'), where('run_at', '<=', slot<number>('nowMs'))]),
                where.and([
                  where('status', '=', 'running'),
                  where('lease_expires_at', '<=', slot<number>('nowMs')),
                  where(where('lease_expiries', '+', 1), '<', slot<number>('maxLeaseExpiries')),
                ]),
              ]),
            )
            // rowid grows with every insert: among jobs due at the same instant, the one
            // enqueued first starts first.
            .orderBy('run_at')
            .orderBy('rowid')
            .limit(1),
        )
        .returning(columns),
    ),
    // Fails, in one UPDATE, every job whose lease has expired for the last time allowed. The
    // conditions are checked under the write lock, so a job is failed at most once, never
    // while a live worker still holds its lease, and never after its outcome was written;
    // claim excludes the same jobs, so they are not delivered again.
    giveUp: compileTemplate(
      db
        .updateTable(table)
        .set((eb) => ({
          status: 'failed',
          lease_expiries: eb('lease_expiries', '+', 1),
          last_error: sqlFragment<string>`'gave up on the job: its worker stopped ' || (lease_expiries + 1) || case when lease_expiries = 0 then ' time' else ' times' end || ' without finishing it (its lease expired)'`,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: slot('now'),
        }))
        .where('status', '=', 'running')
        .where('lease_expires_at', '<=', slot<number>('nowMs'))
        .where((eb) => eb(eb('lease_expiries', '+', 1), '>=', slot<number>('maxLeaseExpiries'))),
    ),
    renew: compileTemplate(
      db
        .updateTable(table)
        .set({ lease_expires_at: slot<number>('leaseExpiresAt'), updated_at: slot('now') })
        .where('id', '=', slot('id'))
        .where('lease_owner', '=', slot('owner'))
        .where('status', '=', 'running'),
    ),
    // Every outcome is written only by the worker that still holds the lease of a running
    // job: one that lost its lease (or whose job was canceled) must not overwrite anything.
    finish: compileTemplate(
      db
        .updateTable(table)
        .set((eb) => ({
          status: slot('status'),
          last_error: eb.fn.coalesce(eb.val(slot('lastError')), eb.ref('last_error')),
          run_at: eb.fn.coalesce(eb.val(slot<number>('runAt')), eb.ref('run_at')),
          lease_owner: null,
          lease_expires_at: null,
          updated_at: slot('now'),
        }))
        .where('id', '=', slot('id'))
        .where('lease_owner', '=', slot('owner'))
        .where('status', '=', 'running'),
    ),
    cancel: compileTemplate(
      db
        .updateTable(table)
        .set({ status: 'canceled', lease_owner: null, lease_expires_at: null, updated_at: slot('now') })
        .where('id', '=', slot('id'))
        .where('status', 'in', ['queued', 'running']),
    ),
    unfinished: compileTemplate(
      db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('status', 'in', ['queued', 'running']),
    ),
    counts: compileTemplate(
      db
        .selectFrom(table)
        .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
        .where('status', 'in', ['queued', 'running'])
        .groupBy('status'),
    ),
  };
  return templates;
}

/** The port's view of a row. */
export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload),
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
