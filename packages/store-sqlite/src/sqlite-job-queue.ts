import { resolve } from 'node:path';
import {
  type Clock,
  ConflictError,
  GoosukeError,
  type InputIssue,
  InvalidInputError,
  idSchema,
  type Job,
  type JobHandler,
  type JobQueue,
  type JobStatus,
  jsonValueSchema,
  type NewJob,
  systemClock,
} from '@goosuke/core';
import { sql as sqlFragment } from 'kysely';
import { connectionScope } from './execution-scope.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import {
  openSqliteConnection,
  type SqliteConnectionOptions,
  type SqliteDatabase,
} from './sqlite-connection.ts';
import { translateSqliteError } from './sqlite-error.ts';

/** Options of {@link createSqliteJobQueue}. */
export interface SqliteJobQueueOptions extends SqliteConnectionOptions {
  /**
   * How long a claimed job stays reserved for this worker without a renewal, in ms. The
   * worker renews every `leaseMs / 3` while the handler runs; a job whose lease ran out
   * (its process died) is delivered again to any worker, up to `maxLeaseExpiries`.
   * Default 30 000.
   */
  leaseMs?: number;
  /**
   * The crash budget: how many times a job's lease may expire (its worker died, or stalled
   * longer than the lease, without finishing it) before the queue gives the job up. When a
   * job's lease expires for the `maxLeaseExpiries`-th time, the worker that finds it marks it
   * `failed` with a `lastError` saying so instead of delivering it again, so a job that kills
   * its process cannot take workers down forever. Independent of `maxAttempts` (handler
   * failures); a job put back by `close()` does not count. Handles and processes sharing a
   * file should agree on it: the limit of the worker that finds the expired lease applies.
   * A positive integer; default 3.
   */
  maxLeaseExpiries?: number;
  /** How often a started queue looks for due jobs, in ms. Default 250. */
  pollIntervalMs?: number;
  /**
   * How long a failed job waits before its next delivery: a fixed number of ms, or a
   * function of the attempt that failed (1 for the first). Default: 1 s doubling per
   * attempt, at most 60 s.
   */
  retryBackoffMs?: number | ((attempt: number) => number);
  /** Names this queue handle in `lease_owner`. Default: a random UUID. */
  workerId?: string;
  /** The time source for `run_at`, leases and timestamps. Default: the system clock. */
  clock?: Clock;
  /**
   * Told about failures of background work (claiming, renewing a lease, writing an outcome)
   * that the queue survives by trying again on the next poll or renewal; a job whose outcome
   * could not be written is delivered again after its lease. Default: ignored.
   */
  onError?: (error: GoosukeError) => void;
}

/** The durable JobQueue on SQLite, with what an operator or a test needs beside the port. */
export interface SqliteJobQueue extends JobQueue {
  /** The lease owner this handle writes into the jobs it claims. */
  readonly workerId: string;
  /** The better-sqlite3 handle the queue works through. */
  readonly database: SqliteDatabase;
  /**
   * Testing aid: stops this handle as if its process had died. Timers stop, running
   * handlers are forgotten (their signals are not aborted and their outcomes are never
   * written) and nothing is written to the database, so the jobs it was running keep their
   * leases until they expire and are then delivered again to another worker. The connection
   * is closed when the queue opened it. Every later call fails; `close()` resolves.
   */
  simulateCrash(): Promise<void>;
}

interface JobRow {
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
const subject = {
  entity: 'job',
  fieldOf: (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()),
};

interface JobTemplates {
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

function templatesOf(): JobTemplates {
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

function toJob(row: JobRow): Job {
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

function validateNewJob(job: NewJob): { maxAttempts: number; delayMs: number; payload: string } {
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

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

// The running handlers of every queue handle of this process, by database, so that a cancel
// through one handle aborts a handler of another handle at once instead of at its next
// lease renewal. Handles in other processes still notice on renewal.
interface LocalQueue {
  readonly identity: string | SqliteDatabase;
  abortJob(id: string): void;
}
const localQueues = new Set<LocalQueue>();

function databaseIdentity(database: SqliteDatabase): string | SqliteDatabase {
  return database.memory ? database : resolve(database.name);
}

function defaultBackoff(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 1) {
    throw InvalidInputError.fromIssues('job queue options', [
      { path: [name], message: 'must be a positive integer' },
    ]);
  }
  return chosen;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !Number.isFinite(chosen) || chosen <= 0) {
    throw InvalidInputError.fromIssues('job queue options', [
      { path: [name], message: 'must be a positive number' },
    ]);
  }
  return chosen;
}

interface RunningJob {
  readonly controller: AbortController;
  renewTimer: ReturnType<typeof setInterval> | undefined;
  done: Promise<void>;
  /** Set by simulateCrash: the outcome must never be written. */
  forgotten: boolean;
  /** Set by close: a failure is an interruption, not the job's fault. */
  interrupted: boolean;
}

type QueueState = 'ready' | 'started' | 'closing' | 'closed' | 'crashed';

/**
 * Opens the durable JobQueue on SQLite (table `goosuke_jobs`, created by the package's
 * migrations, which run on open). Jobs are rows, so they survive restarts.
 *
 * Delivery: a started handle polls every `pollIntervalMs` (and at once after an enqueue
 * through it) and claims due jobs with one atomic UPDATE that sets the lease owner, the lease
 * expiry and `attempts + 1`; a job whose lease expired is claimable again by any worker
 * (at-least-once), counting the expiry in `lease_expiries`; once a job's lease has expired
 * `maxLeaseExpiries` times, it is never claimed again: each poll of a started handle fails
 * such jobs (one atomic UPDATE) with a `lastError` that says so. While a handler runs, its
 * lease is renewed every `leaseMs / 3`; the renewal also notices a cancel from another
 * process (or a lease taken over after a stall) and aborts the handler's signal. Outcomes are written only while this worker holds the
 * lease: resolving marks the job succeeded; throwing requeues it after `retryBackoffMs` while
 * `attempts < maxAttempts`, else marks it failed with `lastError`.
 *
 * `pause()` stops claiming; running handlers go on (leases renewed, outcomes written) and the
 * returned promise resolves once they have settled. `stats()` counts queued and running rows.
 *
 * `close()` stops polling, aborts running handlers and waits for them, then puts their jobs
 * back to `queued` (due now, attempts kept) whether the handlers resolved or threw, since
 * their work was cut short: another worker or a restart delivers them again at once instead
 * of after the lease runs out.
 *
 * Sharing: pass a store's `database` (or the same injected handle) to share one connection
 * and its transaction lock with the store; an `enqueue` made inside a store transaction on
 * that connection then commits or rolls back with it. Several handles or processes may open
 * the same file; WAL and the busy timeout arbitrate. Within one process prefer one shared
 * connection: a second connection's write waits synchronously (busy timeout) while a store
 * transaction holds the write lock.
 *
 * @throws InvalidInputError for a non-positive `leaseMs` or `pollIntervalMs`, or a
 *   `maxLeaseExpiries` that is not a positive integer.
 * @throws GoosukeError `storage` when the database cannot be opened or migrated.
 */
export async function createSqliteJobQueue(options: SqliteJobQueueOptions): Promise<SqliteJobQueue> {
  const leaseMs = positive(options.leaseMs, 30_000, 'leaseMs');
  const pollIntervalMs = positive(options.pollIntervalMs, 250, 'pollIntervalMs');
  const maxLeaseExpiries = positiveInteger(options.maxLeaseExpiries, 3, 'maxLeaseExpiries');
  const backoff = options.retryBackoffMs ?? defaultBackoff;
  const retryDelay = (attempt: number): number =>
    Math.max(0, Math.ceil(typeof backoff === 'number' ? backoff : backoff(attempt)));
  const clock = options.clock ?? systemClock;
  // run_at and lease_expires_at are INTEGER columns of a STRICT table: whole milliseconds.
  const nowMs = (): number => Math.floor(clock.now());
  const leaseSpan = Math.ceil(leaseMs);
  const report = (error: unknown): void => {
    try {
      options.onError?.(translateSqliteError(error, subject));
    } catch {
      // A failing error listener must not stop the queue.
    }
  };
  const workerId = options.workerId ?? crypto.randomUUID();
  const { connection, owned } = await openSqliteConnection(options);
  const sql = templatesOf();

  let state: QueueState = 'ready';
  let handler: JobHandler | undefined;
  let concurrency = 1;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  const wakeTimers = new Set<ReturnType<typeof setTimeout>>();
  const running = new Map<string, RunningJob>();
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  let drainWaiters: Array<() => void> = [];
  let closing: Promise<void> | undefined;
  let pausing: Promise<void> | undefined;
  const delivering = (): boolean => state === 'started' && pausing === undefined;

  const scope = connectionScope(
    connection,
    () => state === 'closed' || state === 'crashed',
    'the SQLite job queue is closed',
  );
  const statement = (template: QueryTemplate) => connection.statement(template.sql);
  const execute = <T>(operation: () => T): Promise<T> =>
    scope.run(() => {
      try {
        return operation();
      } catch (error) {
        throw translateSqliteError(error, subject);
      }
    });

  const canceledReason = () => new GoosukeError('canceled', 'the job was canceled');
  const closingReason = () => new GoosukeError('canceled', 'the job queue is closing');
  const lostLeaseReason = () =>
    new GoosukeError('canceled', 'the job lease was lost to another worker', { retryable: true });

  const local: LocalQueue = {
    identity: databaseIdentity(connection.database),
    abortJob(id) {
      running.get(id)?.controller.abort(canceledReason());
    },
  };
  localQueues.add(local);

  const schedulePump = (delayMs = 0): void => {
    if (state !== 'started') return;
    connection.outsideTransaction(() => {
      const timer = setTimeout(() => {
        wakeTimers.delete(timer);
        void pump();
      }, delayMs);
      wakeTimers.add(timer);
    });
  };

  const claim = (): Promise<JobRow | undefined> =>
    execute(() => {
      const at = nowMs();
      return statement(sql.claim).get(
        sql.claim.bind({
          owner: workerId,
          leaseExpiresAt: at + leaseSpan,
          now: new Date(at).toISOString(),
          nowMs: at,
          maxLeaseExpiries,
        }),
      ) as JobRow | undefined;
    });

  const giveUpExhausted = (): Promise<void> =>
    execute(() => {
      const at = nowMs();
      statement(sql.giveUp).run(
        sql.giveUp.bind({ now: new Date(at).toISOString(), nowMs: at, maxLeaseExpiries }),
      );
    });

  const finish = (
    id: string,
    outcome: { status: JobStatus; lastError?: string | null; runAt?: number | null },
  ): Promise<boolean> =>
    execute(() => {
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

  const renew = async (id: string, entry: RunningJob): Promise<void> => {
    try {
      const row = await execute(() => {
        const at = nowMs();
        const changes = statement(sql.renew).run(
          sql.renew.bind({
            id,
            owner: workerId,
            leaseExpiresAt: at + leaseSpan,
            now: new Date(at).toISOString(),
          }),
        ).changes;
        return changes > 0 ? null : (statement(sql.get).get(sql.get.bind({ id })) as JobRow | undefined);
      });
      if (row === null || entry.forgotten) return;
      if (row === undefined || row.status === 'canceled') entry.controller.abort(canceledReason());
      else entry.controller.abort(lostLeaseReason());
    } catch (error) {
      // A busy database: the next renewal tries again, well before the lease runs out.
      report(error);
    }
  };

  const settle = async (job: Job, entry: RunningJob, failure: { error: unknown } | null): Promise<void> => {
    // A handler asked to stop by close() may resolve as well as throw: either way its work
    // was cut short, so the job goes back to the queue, due at once, attempts kept.
    if (entry.interrupted) {
      await finish(job.id, { status: 'queued', runAt: nowMs() });
      return;
    }
    if (failure === null) {
      await finish(job.id, { status: 'succeeded' });
      return;
    }
    const lastError = errorMessage(failure.error);
    if (job.attempts < job.maxAttempts) {
      const delay = retryDelay(job.attempts);
      await finish(job.id, { status: 'queued', lastError, runAt: nowMs() + delay });
      schedulePump(delay);
    } else {
      await finish(job.id, { status: 'failed', lastError });
    }
  };

  const launch = (row: JobRow): void => {
    const job = toJob(row);
    const work = handler!;
    const entry: RunningJob = {
      controller: new AbortController(),
      renewTimer: undefined,
      done: Promise.resolve(),
      forgotten: false,
      interrupted: false,
    };
    entry.renewTimer = setInterval(() => void renew(job.id, entry), Math.max(1, Math.floor(leaseMs / 3)));
    running.set(job.id, entry);
    entry.done = (async () => {
      let failure: { error: unknown } | null = null;
      try {
        await work(job, { signal: entry.controller.signal });
      } catch (error) {
        failure = { error };
      }
      clearInterval(entry.renewTimer);
      if (entry.forgotten) return;
      try {
        await settle(job, entry, failure);
      } catch (error) {
        // The outcome could not be written (busy or closed database): the lease expires and
        // the job is delivered again, which at-least-once delivery allows.
        report(error);
      }
    })().finally(() => {
      if (running.get(job.id) === entry) running.delete(job.id);
      if (entry.forgotten) return;
      schedulePump();
      void checkDrain();
    });
  };

  const pumpOnce = async (): Promise<void> => {
    do {
      pumpAgain = false;
      // Also when this handle is busy: a job out of crash budget is never claimed, so it must
      // be failed by whichever handle polls; pump rechecks drain once done.
      if (delivering()) await giveUpExhausted();
      while (delivering() && running.size < concurrency) {
        const row = await claim();
        if (row === undefined) break;
        if (!delivering()) {
          // close() or pause() began while claiming: hand the job straight back.
          if (state === 'closing' || state === 'started') {
            await finish(row.id, { status: 'queued', runAt: row.run_at });
          }
          break;
        }
        launch(row);
      }
    } while (pumpAgain && delivering());
  };

  const pump = (): Promise<void> => {
    if (pumping !== undefined) {
      pumpAgain = true;
      return pumping;
    }
    pumping = connection
      .outsideTransaction(pumpOnce)
      .catch((error: unknown) => {
        // A busy database or a closed connection: the next poll tries again.
        if (state === 'started') report(error);
      })
      .finally(() => {
        pumping = undefined;
        void checkDrain();
      });
    return pumping;
  };

  const resolveDrainWaiters = (): void => {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolveWaiter of waiters) resolveWaiter();
  };

  const checkDrain = async (): Promise<void> => {
    if (drainWaiters.length === 0 || running.size > 0) return;
    if (state === 'started') {
      try {
        const row = await execute(
          () => statement(sql.unfinished).get(sql.unfinished.bind({})) as { count: number },
        );
        if (row.count > 0 || running.size > 0) return;
      } catch (error) {
        report(error);
        return;
      }
    }
    resolveDrainWaiters();
  };

  const stopTimers = (): void => {
    clearInterval(pollTimer);
    for (const timer of wakeTimers) clearTimeout(timer);
    wakeTimers.clear();
  };

  return {
    workerId,
    database: connection.database,

    enqueue(job) {
      let checked: ReturnType<typeof validateNewJob>;
      try {
        checked = validateNewJob(job);
      } catch (error) {
        return Promise.reject(error);
      }
      return scope
        .run(() => {
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
            const translated = translateSqliteError(error, subject);
            if (translated.code === 'conflict') {
              throw new ConflictError(`a job with id ${JSON.stringify(job.id)} already exists`, {
                cause: error,
              });
            }
            throw translated;
          }
          return toJob(row);
        })
        .then((created) => {
          schedulePump(checked.delayMs);
          return created;
        });
    },

    get(id) {
      return execute(() => {
        const row = statement(sql.get).get(sql.get.bind({ id })) as JobRow | undefined;
        return row === undefined ? null : toJob(row);
      });
    },

    async cancel(id) {
      const canceled = await execute(
        () =>
          statement(sql.cancel).run(sql.cancel.bind({ id, now: new Date(nowMs()).toISOString() })).changes >
          0,
      );
      if (canceled) {
        for (const queue of localQueues) {
          if (queue.identity === local.identity) queue.abortJob(id);
        }
      }
      return canceled;
    },

    start(jobHandler, startOptions) {
      if (state !== 'ready') {
        if (state === 'started')
          throw new ConflictError('the job queue is already started; call start() once');
        throw new GoosukeError('storage', 'the SQLite job queue is closed');
      }
      const wanted = startOptions?.concurrency;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 1) {
        throw InvalidInputError.fromIssues('job queue start options', [
          { path: ['concurrency'], message: 'must be a positive integer' },
        ]);
      }
      handler = jobHandler;
      concurrency = wanted;
      state = 'started';
      connection.outsideTransaction(() => {
        pollTimer = setInterval(() => void pump(), pollIntervalMs);
      });
      schedulePump();
    },

    stats() {
      return execute(() => {
        const rows = statement(sql.counts).all(sql.counts.bind({})) as Array<{
          status: JobStatus;
          count: number;
        }>;
        const count = (status: JobStatus) => rows.find((row) => row.status === status)?.count ?? 0;
        return { queued: count('queued'), running: count('running') };
      });
    },

    pause() {
      if (pausing !== undefined) return pausing;
      pausing = (async () => {
        // A pump under way may still be claiming: once it is done (it launches nothing more,
        // see delivering()), the handlers running now are all there will be.
        await pumping;
        await Promise.allSettled([...running.values()].map((entry) => entry.done));
      })();
      return pausing;
    },

    drain() {
      if (state === 'closed' || state === 'crashed') return Promise.resolve();
      return new Promise<void>((resolveDrain) => {
        drainWaiters.push(resolveDrain);
        void checkDrain();
      });
    },

    close() {
      if (closing !== undefined) return closing;
      if (state === 'crashed') {
        closing = Promise.resolve();
        return closing;
      }
      state = 'closing';
      stopTimers();
      closing = (async () => {
        for (const entry of running.values()) {
          entry.interrupted = true;
          entry.controller.abort(closingReason());
        }
        await pumping;
        await Promise.allSettled([...running.values()].map((entry) => entry.done));
        state = 'closed';
        localQueues.delete(local);
        resolveDrainWaiters();
        if (owned) await connection.close();
      })();
      return closing;
    },

    async simulateCrash() {
      if (state === 'closed' || state === 'crashed') return;
      state = 'crashed';
      stopTimers();
      localQueues.delete(local);
      for (const entry of running.values()) {
        entry.forgotten = true;
        clearInterval(entry.renewTimer);
      }
      running.clear();
      resolveDrainWaiters();
      if (owned) await connection.close();
    },
  };
}
