import { GoosukeError, type Job, type JobHandler } from '@goosuke/core';
import type { JobRows } from './job-queue-rows.ts';
import type { QueueSettings } from './job-queue-settings.ts';
import { type JobRow, toJob } from './job-queue-sql.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

// Delivery of jobs to a started handle's handler: claiming due jobs (the pump), running each
// under a lease renewed every `leaseMs / 3` (the heartbeat, which also notices cancels and lost
// leases), writing its outcome, and telling `drain()` callers when nothing is left.

/** Where a queue handle is in its life. */
export type QueuePhase = 'ready' | 'started' | 'closing' | 'closed' | 'crashed';

/** A job whose handler runs in this handle. */
export interface RunningJob {
  readonly controller: AbortController;
  renewTimer: ReturnType<typeof setInterval> | undefined;
  done: Promise<void>;
  /** Set by simulateCrash: the outcome must never be written. */
  forgotten: boolean;
  /** Set by close: a failure is an interruption, not the job's fault. */
  interrupted: boolean;
}

/** What a handle's delivery changes as it goes, shared with its lifecycle calls (start, close...). */
export interface QueueState {
  phase: QueuePhase;
  handler: JobHandler | undefined;
  concurrency: number;
  pollTimer: ReturnType<typeof setInterval> | undefined;
  readonly wakeTimers: Set<ReturnType<typeof setTimeout>>;
  readonly running: Map<string, RunningJob>;
  pumping: Promise<void> | undefined;
  pumpAgain: boolean;
  drainWaiters: Array<() => void>;
  closing: Promise<void> | undefined;
  pausing: Promise<void> | undefined;
}

/** One queue handle as its delivery sees it: the database side and the state it changes. */
export interface DeliveringQueue {
  readonly connection: SqliteConnection;
  readonly settings: QueueSettings;
  readonly rows: JobRows;
  readonly state: QueueState;
}

/** The state of a handle that has not started. */
export function initialQueueState(): QueueState {
  return {
    phase: 'ready',
    handler: undefined,
    concurrency: 1,
    pollTimer: undefined,
    wakeTimers: new Set(),
    running: new Map(),
    pumping: undefined,
    pumpAgain: false,
    drainWaiters: [],
    closing: undefined,
    pausing: undefined,
  };
}

/** Whether the handle hands out jobs now: started and not pausing. */
export function delivering(state: QueueState): boolean {
  return state.phase === 'started' && state.pausing === undefined;
}

/** Why a handler's signal aborts when its job was canceled. */
export const canceledReason = () => new GoosukeError('canceled', 'the job was canceled');
/** Why a handler's signal aborts when its handle closes. */
export const closingReason = () => new GoosukeError('canceled', 'the job queue is closing');
const lostLeaseReason = () =>
  new GoosukeError('canceled', 'the job lease was lost to another worker', { retryable: true });

/** Pumps after `delayMs` (a job due later, a retry), while the handle is started. */
export function schedulePump(queue: DeliveringQueue, delayMs = 0): void {
  const { state } = queue;
  if (state.phase !== 'started') return;
  queue.connection.outsideTransaction(() => {
    const timer = setTimeout(() => {
      state.wakeTimers.delete(timer);
      void pump(queue);
    }, delayMs);
    state.wakeTimers.add(timer);
  });
}

/** Claims and launches due jobs up to the concurrency; one pump at a time, again if asked meanwhile. */
export function pump(queue: DeliveringQueue): Promise<void> {
  const { state } = queue;
  if (state.pumping !== undefined) {
    state.pumpAgain = true;
    return state.pumping;
  }
  state.pumping = queue.connection
    .outsideTransaction(() => pumpOnce(queue))
    .catch((error: unknown) => {
      // A busy database or a closed connection: the next poll tries again.
      if (state.phase === 'started') queue.settings.report(error);
    })
    .finally(() => {
      state.pumping = undefined;
      void checkDrain(queue);
    });
  return state.pumping;
}

async function pumpOnce(queue: DeliveringQueue): Promise<void> {
  const { state, rows } = queue;
  do {
    state.pumpAgain = false;
    // Also when this handle is busy: a job out of crash budget is never claimed, so it must
    // be failed by whichever handle polls; pump rechecks drain once done.
    if (delivering(state)) await rows.giveUpExhausted();
    while (delivering(state) && state.running.size < state.concurrency) {
      const row = await rows.claim();
      if (row === undefined) break;
      if (!delivering(state)) {
        // close() or pause() began while claiming: hand the job straight back.
        if (state.phase === 'closing' || state.phase === 'started') {
          await rows.finish(row.id, { status: 'queued', runAt: row.run_at });
        }
        break;
      }
      launch(queue, row);
    }
  } while (state.pumpAgain && delivering(state));
}

/** Runs the handler on a claimed job, renewing its lease meanwhile, then writes the outcome. */
function launch(queue: DeliveringQueue, row: JobRow): void {
  const { state, settings } = queue;
  const job = toJob(row);
  const work = state.handler!;
  const entry: RunningJob = {
    controller: new AbortController(),
    renewTimer: undefined,
    done: Promise.resolve(),
    forgotten: false,
    interrupted: false,
  };
  entry.renewTimer = setInterval(
    () => void renew(queue, job.id, entry),
    Math.max(1, Math.floor(settings.leaseMs / 3)),
  );
  state.running.set(job.id, entry);
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
      await settle(queue, job, entry, failure);
    } catch (error) {
      // The outcome could not be written (busy or closed database): the lease expires and
      // the job is delivered again, which at-least-once delivery allows.
      settings.report(error);
    }
  })().finally(() => {
    if (state.running.get(job.id) === entry) state.running.delete(job.id);
    if (entry.forgotten) return;
    schedulePump(queue);
    void checkDrain(queue);
  });
}

/** The heartbeat: extends the lease, or aborts the handler when the job was canceled or taken over. */
async function renew(queue: DeliveringQueue, id: string, entry: RunningJob): Promise<void> {
  try {
    const row = await queue.rows.renew(id);
    if (row === null || entry.forgotten) return;
    if (row === undefined || row.status === 'canceled') entry.controller.abort(canceledReason());
    else entry.controller.abort(lostLeaseReason());
  } catch (error) {
    // A busy database: the next renewal tries again, well before the lease runs out.
    queue.settings.report(error);
  }
}

/** Writes how the handler ended: succeeded, queued again for a retry (or after close), or failed. */
async function settle(
  queue: DeliveringQueue,
  job: Job,
  entry: RunningJob,
  failure: { error: unknown } | null,
): Promise<void> {
  const { rows, settings } = queue;
  // A handler asked to stop by close() may resolve as well as throw: either way its work
  // was cut short, so the job goes back to the queue, due at once, attempts kept.
  if (entry.interrupted) {
    await rows.finish(job.id, { status: 'queued', runAt: settings.nowMs() });
    return;
  }
  if (failure === null) {
    await rows.finish(job.id, { status: 'succeeded' });
    return;
  }
  const lastError = errorMessage(failure.error);
  if (job.attempts < job.maxAttempts) {
    const delay = settings.retryDelay(job.attempts);
    await rows.finish(job.id, { status: 'queued', lastError, runAt: settings.nowMs() + delay });
    schedulePump(queue, delay);
  } else {
    await rows.finish(job.id, { status: 'failed', lastError });
  }
}

/** Resolves the `drain()` callers once no job runs here and, when started, none is left in the table. */
export async function checkDrain(queue: DeliveringQueue): Promise<void> {
  const { state } = queue;
  if (state.drainWaiters.length === 0 || state.running.size > 0) return;
  if (state.phase === 'started') {
    try {
      const count = await queue.rows.countUnfinished();
      if (count > 0 || state.running.size > 0) return;
    } catch (error) {
      queue.settings.report(error);
      return;
    }
  }
  resolveDrainWaiters(state);
}

/** Resolves every waiting `drain()` call. */
export function resolveDrainWaiters(state: QueueState): void {
  const waiters = state.drainWaiters;
  state.drainWaiters = [];
  for (const resolveWaiter of waiters) resolveWaiter();
}

/** Stops polling and every pending wake-up. */
export function stopTimers(state: QueueState): void {
  clearInterval(state.pollTimer);
  for (const timer of state.wakeTimers) clearTimeout(timer);
  state.wakeTimers.clear();
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
