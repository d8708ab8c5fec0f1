import { ConflictError, GoosukeError, InvalidInputError } from '@goosuke/core';
import { connectionScope } from './execution-scope.ts';
import {
  canceledReason,
  checkDrain,
  closingReason,
  type DeliveringQueue,
  initialQueueState,
  pump,
  resolveDrainWaiters,
  schedulePump,
  stopTimers,
} from './job-delivery.ts';
import { type CheckedJob, createJobRows, validateNewJob } from './job-queue-rows.ts';
import { resolveQueueSettings } from './job-queue-settings.ts';
import { templatesOf } from './job-queue-sql.ts';
import { databaseIdentity, type LocalQueue, localQueues } from './local-queues.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import type { SqliteJobQueue, SqliteJobQueueOptions } from './sqlite-job-queue-options.ts';

export type { SqliteJobQueue, SqliteJobQueueOptions } from './sqlite-job-queue-options.ts';

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
  const settings = resolveQueueSettings(options);
  const { connection, owned } = await openSqliteConnection(options);
  // What delivery and the calls below share: the table's rows and the handle's state.
  const state = initialQueueState();
  const scope = connectionScope(
    connection,
    () => state.phase === 'closed' || state.phase === 'crashed',
    'the SQLite job queue is closed',
  );
  const rows = createJobRows(connection, scope, templatesOf(), settings);
  const queue: DeliveringQueue = { connection, settings, rows, state };

  const local: LocalQueue = {
    identity: databaseIdentity(connection.database),
    abortJob(id) {
      state.running.get(id)?.controller.abort(canceledReason());
    },
  };
  localQueues.add(local);

  return {
    workerId: settings.workerId,
    database: connection.database,

    enqueue(job) {
      let checked: CheckedJob;
      try {
        checked = validateNewJob(job);
      } catch (error) {
        return Promise.reject(error);
      }
      return rows.insert(job, checked).then((created) => {
        schedulePump(queue, checked.delayMs);
        return created;
      });
    },

    get(id) {
      return rows.get(id);
    },

    async cancel(id) {
      const canceled = await rows.cancel(id);
      if (canceled) {
        for (const other of localQueues) {
          if (other.identity === local.identity) other.abortJob(id);
        }
      }
      return canceled;
    },

    start(jobHandler, startOptions) {
      if (state.phase !== 'ready') {
        if (state.phase === 'started')
          throw new ConflictError('the job queue is already started; call start() once');
        throw new GoosukeError('storage', 'the SQLite job queue is closed');
      }
      const wanted = startOptions?.concurrency;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 1) {
        throw InvalidInputError.fromIssues('job queue start options', [
          { path: ['concurrency'], message: 'must be a positive integer' },
        ]);
      }
      state.handler = jobHandler;
      state.concurrency = wanted;
      state.phase = 'started';
      connection.outsideTransaction(() => {
        state.pollTimer = setInterval(() => void pump(queue), settings.pollIntervalMs);
      });
      schedulePump(queue);
    },

    stats() {
      return rows.counts();
    },

    pause() {
      if (state.pausing !== undefined) return state.pausing;
      state.pausing = (async () => {
        // A pump under way may still be claiming: once it is done (it launches nothing more,
        // see delivering()), the handlers running now are all there will be.
        await state.pumping;
        await Promise.allSettled([...state.running.values()].map((entry) => entry.done));
      })();
      return state.pausing;
    },

    drain() {
      if (state.phase === 'closed' || state.phase === 'crashed') return Promise.resolve();
      return new Promise<void>((resolveDrain) => {
        state.drainWaiters.push(resolveDrain);
        void checkDrain(queue);
      });
    },

    close() {
      if (state.closing !== undefined) return state.closing;
      if (state.phase === 'crashed') {
        state.closing = Promise.resolve();
        return state.closing;
      }
      state.phase = 'closing';
      stopTimers(state);
      state.closing = (async () => {
        for (const entry of state.running.values()) {
          entry.interrupted = true;
          entry.controller.abort(closingReason());
        }
        await state.pumping;
        await Promise.allSettled([...state.running.values()].map((entry) => entry.done));
        state.phase = 'closed';
        localQueues.delete(local);
        resolveDrainWaiters(state);
        if (owned) await connection.close();
      })();
      return state.closing;
    },

    async simulateCrash() {
      if (state.phase === 'closed' || state.phase === 'crashed') return;
      state.phase = 'crashed';
      stopTimers(state);
      localQueues.delete(local);
      for (const entry of state.running.values()) {
        entry.forgotten = true;
        clearInterval(entry.renewTimer);
      }
      state.running.clear();
      resolveDrainWaiters(state);
      if (owned) await connection.close();
    },
  };
}
