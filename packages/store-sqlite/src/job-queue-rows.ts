import {
  ConflictError,
  type InputIssue,
  InvalidInputError,
  idSchema,
  type Job,
  type JobStatus,
  jsonValueSchema,
  type NewJob,
} from '@goosuke/core';
import type { ExecutionScope } from './execution-scope.ts';
import type { QueueSettings } from './job-queue-settings.ts';
import { type JobRow, type JobTemplates, jobSubject, toJob } from './job-queue-sql.ts';
import type { QueryTemplate } from './query-template.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { translateSqliteError } from './sqlite-error.ts';

/** A new job, checked: what its row needs beyond the job itself. */
export interface CheckedJob {
  maxAttempts: number;
  delayMs: number;
  payload: string;
}

/** How a handler's job ends, as written to its row. */
export interface JobOutcome {
  status: JobStatus;
  lastError?: string | null;
  runAt?: number | null;
}

/**
 * The queue's reads and writes of `goosuke_jobs`, each one statement run through the handle's
 * scope (so refused once the handle is closed), SQLite errors translated.
 */
export interface JobRows {
  /** Inserts a queued job; ConflictError when its id is taken. */
  insert(job: NewJob, checked: CheckedJob): Promise<Job>;
  get(id: string): Promise<Job | null>;
  /** Takes the next due job (or one whose lease expired within its crash budget) for this worker. */
  claim(): Promise<JobRow | undefined>;
  /** Fails every job whose lease expired for the last time its crash budget allows. */
  giveUpExhausted(): Promise<void>;
  /** Writes an outcome while this worker holds the job's lease; false when it no longer does. */
  finish(id: string, outcome: JobOutcome): Promise<boolean>;
  /**
   * Extends this worker's lease of a running job: null when it did, else the row as it is now
   * (canceled, or leased by another worker), undefined when there is none.
   */
  renew(id: string): Promise<JobRow | null | undefined>;
  /** Cancels a queued or running job; false when there is none. */
  cancel(id: string): Promise<boolean>;
  /** Queued and running jobs. */
  countUnfinished(): Promise<number>;
  /** Queued and running jobs, by status. */
  counts(): Promise<{ queued: number; running: number }>;
}

/** {@link JobRows} on `connection`, through `scope`, with the compiled statements `sql`. */
export function createJobRows(
  connection: SqliteConnection,
  scope: ExecutionScope,
  sql: JobTemplates,
  settings: QueueSettings,
): JobRows {
  const { nowMs, workerId } = settings;
  const statement = (template: QueryTemplate) => connection.statement(template.sql);
  const execute = <T>(operation: () => T): Promise<T> =>
    scope.run(() => {
      try {
        return operation();
      } catch (error) {
        throw translateSqliteError(error, jobSubject);
      }
    });

  return {
    insert(job, checked) {
      return scope.run(() => {
        const at = nowMs();
        const now = new Date(at).toISOString();
        const row: JobRow = {
          id: job.id,
          type: job.type,
          payload: checked.payload,
          status: 'queued',
          attempts: 0,
          max_attempts: checked.maxAttempts,
          lease_expiries: 0,
          last_error: null,
          run_at: at + Math.ceil(checked.delayMs),
          lease_owner: null,
          lease_expires_at: null,
          created_at: now,
          updated_at: now,
        };
        try {
          statement(sql.insert).run(sql.insert.bind(row as unknown as Record<string, unknown>));
        } catch (error) {
          const translated = translateSqliteError(error, jobSubject);
          if (translated.code === 'conflict') {
            throw new ConflictError(`a job with id ${JSON.stringify(job.id)} already exists`, {
              cause: error,
            });
          }
          throw translated;
        }
        return toJob(row);
      });
    },

    get(id) {
      return execute(() => {
        const row = statement(sql.get).get(sql.get.bind({ id })) as JobRow | undefined;
        return row === undefined ? null : toJob(row);
      });
    },

    claim() {
      return execute(() => {
        const at = nowMs();
        return statement(sql.claim).get(
          sql.claim.bind({
            owner: workerId,
            leaseExpiresAt: at + settings.leaseSpan,
            now: new Date(at).toISOString(),
            nowMs: at,
            maxLeaseExpiries: settings.maxLeaseExpiries,
          }),
        ) as JobRow | undefined;
      });
    },

    giveUpExhausted() {
      return execute(() => {
        const at = nowMs();
        statement(sql.giveUp).run(
          sql.giveUp.bind({
            now: new Date(at).toISOString(),
            nowMs: at,
            maxLeaseExpiries: settings.maxLeaseExpiries,
          }),
        );
      });
    },

    finish(id, outcome) {
      return execute(() => {
        const at = nowMs();
        return (
          statement(sql.finish).run(
            sql.finish.bind({
              id,
              owner: workerId,
              status: outcome.status,
              lastError: outcome.lastError ?? null,
              runAt: outcome.runAt ?? null,
              now: new Date(at).toISOString(),
            }),
          ).changes > 0
        );
      });
    },

    renew(id) {
      return execute(() => {
        const at = nowMs();
        const changes = statement(sql.renew).run(
          sql.renew.bind({
            id,
            owner: workerId,
            leaseExpiresAt: at + settings.leaseSpan,
            now: new Date(at).toISOString(),
          }),
        ).changes;
        return changes > 0 ? null : (statement(sql.get).get(sql.get.bind({ id })) as JobRow | undefined);
      });
    },

    cancel(id) {
      return execute(
        () =>
          statement(sql.cancel).run(sql.cancel.bind({ id, now: new Date(nowMs()).toISOString() })).changes >
          0,
      );
    },

    async countUnfinished() {
      const row = await execute(
        () => statement(sql.unfinished).get(sql.unfinished.bind({})) as { count: number },
      );
      return row.count;
    },

    counts() {
      return execute(() => {
        const rows = statement(sql.counts).all(sql.counts.bind({})) as Array<{
          status: JobStatus;
          count: number;
        }>;
        const count = (status: JobStatus) => rows.find((row) => row.status === status)?.count ?? 0;
        return { queued: count('queued'), running: count('running') };
      });
    },
  };
}

/** Checks a job given to `enqueue`; InvalidInputError listing every problem. */
export function validateNewJob(job: NewJob): CheckedJob {
  const issues: InputIssue[] = [];
  const id = idSchema.safeParse(job?.id);
  if (!id.success) {
    for (const issue of id.error.issues) {
      issues.push({ path: ['id', ...issue.path.map(String)], message: issue.message, code: issue.code });
    }
  }
  if (typeof job?.type !== 'string' || job.type.length === 0) {
    issues.push({ path: ['type'], message: 'must be a non-empty string' });
  }
  const payload = jsonValueSchema.safeParse(job?.payload);
  if (!payload.success) issues.push({ path: ['payload'], message: 'must be a JSON value' });
  const maxAttempts = job?.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    issues.push({ path: ['maxAttempts'], message: 'must be a positive integer' });
  }
  const delayMs = job?.delayMs ?? 0;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    issues.push({ path: ['delayMs'], message: 'must be a non-negative number' });
  }
  if (issues.length > 0) throw InvalidInputError.fromIssues('job', issues);
  return { maxAttempts, delayMs, payload: JSON.stringify(job.payload) };
}
