import { z } from 'zod';
import { idSchema, type JsonValue, jsonValueSchema } from '../domain/index.ts';
import { ConflictError, GoosukeError, InvalidInputError, UnsupportedError } from '../errors/index.ts';
import type { Job, JobHandler, JobQueue, NewJob } from '../ports/index.ts';

/**
 * Storage shared by memory job queue handles, as a database is shared by processes.
 * Opaque: make one with {@link createMemoryJobQueueBacking} and pass it to several
 * {@link createMemoryJobQueue} calls.
 */
export interface MemoryJobQueueBacking {
  readonly kind: 'memory-job-queue-backing';
}

/** Options of {@link createMemoryJobQueue}. */
export interface MemoryJobQueueOptions {
  /** Storage to share with other handles; default: a new backing of its own. */
  backing?: MemoryJobQueueBacking;
  /**
   * How long a running job stays with this handle without a renewal; the handle renews its
   * leases while it is alive. A job whose lease ran out is delivered again, up to
   * `maxLeaseExpiries`. Default 30 000 ms.
   */
  leaseMs?: number;
  /**
   * The crash budget: how many times a job's lease may expire (its worker died or stalled
   * without finishing it) before the queue gives the job up. When a job's lease expires for
   * the `maxLeaseExpiries`-th time, the handle that finds it marks it `failed` with a
   * `lastError` saying so, instead of delivering it again. Independent of `maxAttempts`
   * (handler failures); a job put back by `close` does not count. Handles sharing a backing
   * should agree on it: the limit of the handle that finds the expired lease applies. A
   * positive integer; default 3.
   */
  maxLeaseExpiries?: number;
  /**
   * Pause before delivery `attempt + 1` after attempt `attempt` failed: milliseconds, or a
   * function of the failed attempt's number. Default `min(1000, 10 * 2 ** (attempt - 1))`.
   */
  retryDelayMs?: number | ((attempt: number) => number);
  /** How often a handle looks for due jobs and expired leases; default 10 ms. */
  pollIntervalMs?: number;
}

/** A memory job queue handle, with a hook that simulates its process dying. */
export interface MemoryJobQueue extends JobQueue {
  /**
   * Testing hook: the handle dies at once, as its process would. It stops delivering and
   * renewing leases, and neither finishes nor releases its running jobs: another handle on
   * the same backing gets them again once their leases run out. Handlers still running
   * may settle later; their outcome is ignored. `close` afterwards resolves at once.
   */
  simulateCrash(): Promise<void>;
}

interface Lease {
  holder: object;
  /** Identifies one delivery: a late outcome of an older delivery changes nothing. */
  token: number;
  expiresAt: number;
}

interface JobRecord {
  job: Job;
  availableAt: number;
  lease: Lease | null;
  /** How many of the job's leases expired; see `maxLeaseExpiries`. */
  leaseExpiries: number;
}

interface BackingListener {
  changed(): void;
  canceled(id: string): void;
}

interface BackingState {
  /** In enqueue order (Map keeps insertion order). */
  jobs: Map<string, JobRecord>;
  listeners: Set<BackingListener>;
  nextToken: number;
}

const backings = new WeakMap<MemoryJobQueueBacking, BackingState>();

/** Creates storage that several {@link createMemoryJobQueue} handles can share. */
export function createMemoryJobQueueBacking(): MemoryJobQueueBacking {
  const backing: MemoryJobQueueBacking = Object.freeze({ kind: 'memory-job-queue-backing' as const });
  backings.set(backing, { jobs: new Map(), listeners: new Set(), nextToken: 0 });
  return backing;
}

const newJobSchema = z.object({
  id: idSchema,
  type: z.string().min(1),
  payload: jsonValueSchema,
  maxAttempts: z.number().int().min(1).optional(),
  delayMs: z.number().nonnegative().finite().optional(),
});

function isTerminal(status: Job['status']): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function closedError(): GoosukeError {
  return new GoosukeError('storage', 'the job queue is closed');
}

/** The `lastError` of a job given up after `expiries` expired leases. */
function gaveUpMessage(expiries: number): string {
  return `gave up on the job: its worker stopped ${expiries} ${expiries === 1 ? 'time' : 'times'} without finishing it (its lease expired)`;
}

function defaultRetryDelay(attempt: number): number {
  return Math.min(1000, 10 * 2 ** (attempt - 1));
}

interface Delivery {
  token: number;
  controller: AbortController;
  /** Set when close aborted the handler: the job goes back to the queue. */
  interrupted: boolean;
  settled: Promise<void>;
}

/**
 * The in-memory reference JobQueue: at-least-once delivery with leases, at most
 * `concurrency` handlers at once, in enqueue order, `delayMs`, retries up to `maxAttempts`
 * with a short backoff, cancel of queued and running jobs (the running handler's signal is
 * aborted and the job stays canceled whatever the handler does then), `drain` (waits until
 * every job of the backing is finished and this handle's handlers have settled) and
 * `close` (idempotent: stops delivering, aborts running handlers, waits for them and puts
 * their jobs back in the queue), `pause` (stops delivering; running handlers go on) and
 * `stats` (counts over the whole backing). A job whose lease expired is delivered again until its
 * lease has expired `maxLeaseExpiries` times; then it is `failed` (see the option).
 * Calls after close reject with a `storage` GoosukeError.
 * Handles created with the same `backing` share jobs, as processes sharing a database.
 * Uses real timers and the system clock.
 */
export function createMemoryJobQueue(options: MemoryJobQueueOptions = {}): MemoryJobQueue {
  const backing = options.backing ?? createMemoryJobQueueBacking();
  const shared = backings.get(backing);
  if (shared === undefined)
    throw new InvalidInputError('backing must come from createMemoryJobQueueBacking()');
  const leaseMs = options.leaseMs ?? 30_000;
  const maxLeaseExpiries = options.maxLeaseExpiries ?? 3;
  if (!Number.isInteger(maxLeaseExpiries) || maxLeaseExpiries < 1) {
    throw InvalidInputError.fromIssues('job queue options', [
      { path: ['maxLeaseExpiries'], message: 'must be a positive integer' },
    ]);
  }
  const pollIntervalMs = Math.max(1, Math.min(options.pollIntervalMs ?? 10, leaseMs / 3));
  const retryDelay =
    typeof options.retryDelayMs === 'function'
      ? options.retryDelayMs
      : options.retryDelayMs === undefined
        ? defaultRetryDelay
        : () => options.retryDelayMs as number;

  const self = {};
  const running = new Map<string, Delivery>();
  const drainWaiters = new Set<() => void>();
  let handler: JobHandler | null = null;
  let concurrency = 1;
  let timer: ReturnType<typeof setInterval> | null = null;
  let closed = false;
  let crashed = false;
  let closing: Promise<void> | null = null;
  let pausing: Promise<void> | null = null;

  const listener: BackingListener = {
    changed: () => {
      pump();
      checkDrain();
    },
    canceled: (id) => {
      running
        .get(id)
        ?.controller.abort(new GoosukeError('canceled', `job ${JSON.stringify(id)} was canceled`));
    },
  };
  shared.listeners.add(listener);

  function notify(): void {
    // Later, not inside the caller's stack: a handler never starts inside enqueue.
    queueMicrotask(() => {
      for (const each of [...shared!.listeners]) each.changed();
    });
  }

  function renewLeases(now: number): void {
    for (const [id, delivery] of running) {
      const record = shared!.jobs.get(id);
      if (record?.lease?.token === delivery.token) record.lease.expiresAt = now + leaseMs;
    }
  }

  function leaseExpired(record: JobRecord, now: number): boolean {
    return record.job.status === 'running' && record.lease !== null && record.lease.expiresAt <= now;
  }

  /**
   * Fails the jobs whose lease has just expired for the last time allowed. Runs before any
   * delivery in the same synchronous turn, so such a job is never delivered again.
   */
  function giveUpExhausted(now: number): void {
    let changed = false;
    for (const record of shared!.jobs.values()) {
      if (!leaseExpired(record, now) || record.leaseExpiries + 1 < maxLeaseExpiries) continue;
      record.leaseExpiries += 1;
      record.lease = null;
      record.job.status = 'failed';
      record.job.lastError = gaveUpMessage(record.leaseExpiries);
      record.job.updatedAt = new Date(now).toISOString();
      changed = true;
    }
    if (changed) notify();
  }

  function nextDeliverable(now: number): JobRecord | null {
    for (const record of shared!.jobs.values()) {
      if (record.job.status === 'queued' && record.availableAt <= now) return record;
      if (leaseExpired(record, now)) return record;
    }
    return null;
  }

  function pump(): void {
    if (crashed) return;
    const now = Date.now();
    renewLeases(now);
    if (handler === null || closed || pausing !== null) return;
    giveUpExhausted(now);
    while (running.size < concurrency) {
      const record = nextDeliverable(now);
      if (record === null) return;
      deliver(record, handler, now);
    }
  }

  function deliver(record: JobRecord, work: JobHandler, now: number): void {
    shared!.nextToken += 1;
    const token = shared!.nextToken;
    // A running job being delivered is one whose lease expired.
    if (record.job.status === 'running') record.leaseExpiries += 1;
    record.job.status = 'running';
    record.job.attempts += 1;
    record.job.updatedAt = new Date(now).toISOString();
    record.lease = { holder: self, token, expiresAt: now + leaseMs };
    const id = record.job.id;
    const job = structuredClone(record.job);
    const delivery: Delivery = {
      token,
      controller: new AbortController(),
      interrupted: false,
      settled: Promise.resolve(),
    };
    running.set(id, delivery);
    delivery.settled = (async () => {
      let failure: { error: unknown } | null = null;
      try {
        await work(job, { signal: delivery.controller.signal });
      } catch (error) {
        failure = { error };
      }
      finish(id, delivery, failure);
    })();
  }

  function finish(id: string, delivery: Delivery, failure: { error: unknown } | null): void {
    if (running.get(id) === delivery) running.delete(id);
    // A dead process records nothing.
    if (crashed) return;
    const record = shared!.jobs.get(id);
    if (record !== undefined && record.job.status === 'running' && record.lease?.token === delivery.token) {
      const now = Date.now();
      record.lease = null;
      record.job.updatedAt = new Date(now).toISOString();
      if (delivery.interrupted) {
        record.job.status = 'queued';
        record.availableAt = now;
      } else if (failure === null) {
        record.job.status = 'succeeded';
      } else {
        record.job.lastError = messageOf(failure.error);
        if (record.job.attempts < record.job.maxAttempts) {
          record.job.status = 'queued';
          record.availableAt = now + Math.max(0, retryDelay(record.job.attempts));
        } else {
          record.job.status = 'failed';
        }
      }
    }
    notify();
    checkDrain();
  }

  function checkDrain(): void {
    if (drainWaiters.size === 0) return;
    const idle =
      closed ||
      crashed ||
      (running.size === 0 && [...shared!.jobs.values()].every((r) => isTerminal(r.job.status)));
    if (!idle) return;
    for (const resolve of [...drainWaiters]) resolve();
    drainWaiters.clear();
  }

  function stopTimer(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  return {
    enqueue: async (newJob: NewJob) => {
      if (closed || crashed) throw closedError();
      const parsed = newJobSchema.safeParse(newJob);
      if (!parsed.success) throw InvalidInputError.fromIssues('job', parsed.error.issues);
      const { id, type, payload, maxAttempts = 1, delayMs = 0 } = parsed.data;
      if (shared.jobs.has(id)) throw new ConflictError(`a job with id ${JSON.stringify(id)} already exists`);
      const now = Date.now();
      const at = new Date(now).toISOString();
      const job: Job = {
        id,
        type,
        payload: structuredClone(payload as JsonValue),
        status: 'queued',
        attempts: 0,
        maxAttempts,
        lastError: null,
        createdAt: at,
        updatedAt: at,
      };
      shared.jobs.set(id, { job, availableAt: now + delayMs, lease: null, leaseExpiries: 0 });
      notify();
      return structuredClone(job);
    },

    get: async (id) => {
      if (closed || crashed) throw closedError();
      const record = shared.jobs.get(id);
      return record === undefined ? null : structuredClone(record.job);
    },

    cancel: async (id) => {
      if (closed || crashed) throw closedError();
      const record = shared.jobs.get(id);
      if (record === undefined || isTerminal(record.job.status)) return false;
      record.job.status = 'canceled';
      record.job.updatedAt = new Date().toISOString();
      record.lease = null;
      for (const each of [...shared.listeners]) each.canceled(id);
      notify();
      return true;
    },

    start: (work, startOptions) => {
      if (closed || crashed) throw closedError();
      if (handler !== null) throw new UnsupportedError('start may be called only once per job queue');
      if (!Number.isInteger(startOptions.concurrency) || startOptions.concurrency < 1) {
        throw new InvalidInputError(
          `concurrency must be a positive integer, got ${startOptions.concurrency}`,
          [{ path: ['concurrency'], message: 'a positive integer' }],
        );
      }
      handler = work;
      concurrency = startOptions.concurrency;
      timer = setInterval(pump, pollIntervalMs);
      timer.unref?.();
      pump();
    },

    stats: async () => {
      if (closed || crashed) throw closedError();
      let queued = 0;
      let running = 0;
      for (const record of shared.jobs.values()) {
        if (record.job.status === 'queued') queued += 1;
        else if (record.job.status === 'running') running += 1;
      }
      return { queued, running };
    },

    pause: () => {
      if (pausing !== null) return pausing;
      // No delivery starts once this is set (pump checks it), so the handlers running now are all there will be.
      pausing = Promise.all([...running.values()].map((delivery) => delivery.settled)).then(() => undefined);
      return pausing;
    },

    drain: () => {
      if (closed || crashed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drainWaiters.add(resolve);
        checkDrain();
      });
    },

    close: () => {
      if (closing !== null) return closing;
      closed = true;
      if (crashed) {
        closing = Promise.resolve();
        return closing;
      }
      for (const delivery of running.values()) {
        delivery.interrupted = true;
        delivery.controller.abort(new GoosukeError('canceled', 'the job queue is closing'));
      }
      // Keep renewing the leases of handlers that are still winding down.
      if (timer === null && running.size > 0) {
        timer = setInterval(pump, pollIntervalMs);
        timer.unref?.();
      }
      closing = (async () => {
        await Promise.all([...running.values()].map((delivery) => delivery.settled));
        stopTimer();
        shared.listeners.delete(listener);
        checkDrain();
      })();
      return closing;
    },

    simulateCrash: async () => {
      crashed = true;
      stopTimer();
      shared.listeners.delete(listener);
      checkDrain();
    },
  };
}
