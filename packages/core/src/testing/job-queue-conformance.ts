import { afterEach, describe, expect, it } from 'vitest';
import { type JsonValue, timestampSchema } from '../domain/index.ts';
import type { Job, JobContext, JobHandler, JobQueue } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import { nestedJsonSample, unicodeSample } from './store-conformance-graph.ts';
import { sleep, waitUntil } from './wait-until.ts';

/** How the job queue conformance suite gets the queues under test. */
export interface JobQueueConformanceFactory {
  /**
   * Opens a new handle on the queue storage of the current test. Successive calls within
   * one test share the same storage (for SQLite: the same database file), like processes
   * sharing one database; the first call of a test starts from empty storage. A running
   * job's lease lasts `leaseMs`: a handle renews it while the handler runs, and a job whose
   * lease ran out (its worker died) is delivered again. `maxLeaseExpiries`, when given, is
   * the handle's crash budget: the job whose lease expires for that many-th time is failed
   * instead of delivered again; when absent, use the implementation's default. Configure a
   * short retry backoff (at most 100 ms) and a polling interval well under `leaseMs` (at
   * most 50 ms).
   */
  open(options: { leaseMs: number; maxLeaseExpiries?: number }): Promise<JobQueue>;
  /**
   * Stops `queue` abruptly, as if its process died: it stops delivering and renewing
   * leases, and does NOT finish, fail or release its running jobs. Afterwards the handle
   * stays inert: its handlers may still settle later and must change nothing and raise no
   * unhandled error. The suite never calls `close` on a crashed handle.
   */
  crash(queue: JobQueue): Promise<void>;
  /** Called after every test, once its handles are closed: delete the storage here. */
  cleanup?(): Promise<void>;
}

const defaultLeaseMs = 2000;
const shortLeaseMs = 200;
/** The lease of the crash-budget tests, which wait for several leases to expire. */
const crashLeaseMs = 150;
const testTimeoutMs = 15_000;

const jobFields = [
  'attempts',
  'createdAt',
  'id',
  'lastError',
  'maxAttempts',
  'payload',
  'status',
  'type',
  'updatedAt',
];

/** Rejects with a readable message when `promise` takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise and the functions that settle it. */
interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** What a recording handler saw. */
interface Recorder {
  handler: JobHandler;
  /** Copies of the jobs handed to the handler, in delivery order. */
  deliveries: Job[];
  signals: Map<string, AbortSignal>;
  ids(): string[];
}

function record(work: (job: Job, context: JobContext) => Promise<void> = async () => {}): Recorder {
  const deliveries: Job[] = [];
  const signals = new Map<string, AbortSignal>();
  return {
    deliveries,
    signals,
    ids: () => deliveries.map((job) => job.id),
    handler: async (job, context) => {
      deliveries.push(structuredClone(job));
      signals.set(job.id, context.signal);
      await work(job, context);
    },
  };
}

async function statusOf(queue: JobQueue, id: string): Promise<Job['status'] | undefined> {
  return (await queue.get(id))?.status;
}

async function waitForStatus(
  queue: JobQueue,
  id: string,
  status: Job['status'],
  timeoutMs = 3000,
): Promise<void> {
  await waitUntil(async () => (await statusOf(queue, id)) === status, {
    timeoutMs,
    message: `job ${id} is ${status} (it is ${await statusOf(queue, id)})`,
  });
}

/**
 * Registers, as one vitest `describe` block named `JobQueue conformance: <name>`, the
 * tests every JobQueue implementation must pass: enqueue and get, defaults, payload round
 * trips, duplicate ids (ConflictError), single delivery, the concurrency bound, enqueue
 * order, delays, retries up to maxAttempts with lastError, cancel of queued and running
 * jobs (also through another handle), redelivery after a worker died (crash, then lease
 * expiry), the crash budget (`maxLeaseExpiries`), lease renewal by a live worker,
 * redelivery of jobs interrupted by close, drain, stats, pause, close, and enqueue after close. Timing tests wait on conditions with deadlines;
 * the whole suite takes a few seconds.
 *
 * Where the port leaves room, the suite holds queues to the strict reading:
 * - a job whose worker died is delivered again even when it has used up `maxAttempts`
 *   (at-least-once), but only until its lease has expired `maxLeaseExpiries` times: the
 *   job whose lease expires for that many-th time is `failed`, with a `lastError` that
 *   names the worker and the lease, and is never delivered again; every lost delivery
 *   counts in `attempts`;
 * - handler failures (retries up to `maxAttempts`) and jobs put back by `close` do not use
 *   up `maxLeaseExpiries`;
 * - a job whose handler was aborted by `close` is delivered again later, never marked
 *   succeeded, whatever the handler returned;
 * - `cancel` marks the job canceled before it resolves, and aborts the handler's signal on
 *   whichever handle runs it;
 * - ids are never reused: enqueuing a finished job's id is a ConflictError too;
 * - `maxAttempts` must be an integer of at least 1 and `delayMs` at least 0 (InvalidInputError);
 * - `lastError` is the message of a thrown Error, or the thrown value as text.
 */
export function describeJobQueueConformance(name: string, factory: JobQueueConformanceFactory): void {
  describe(`JobQueue conformance: ${name}`, () => {
    let live: JobQueue[] = [];
    let hanging: Array<Deferred<void>> = [];

    async function open(leaseMs = defaultLeaseMs, maxLeaseExpiries?: number): Promise<JobQueue> {
      const queue = await factory.open(
        maxLeaseExpiries === undefined ? { leaseMs } : { leaseMs, maxLeaseExpiries },
      );
      live.push(queue);
      return queue;
    }

    async function crash(queue: JobQueue): Promise<void> {
      live = live.filter((other) => other !== queue);
      await factory.crash(queue);
    }

    /** A promise that settles only when the test asks or ends: a handler stuck for good. */
    function hang(): Deferred<void> {
      const stuck = deferred<void>();
      hanging.push(stuck);
      return stuck;
    }

    afterEach(async () => {
      for (const stuck of hanging) stuck.resolve();
      const queues = live;
      live = [];
      hanging = [];
      try {
        await within(
          Promise.all(queues.map((queue) => queue.close())),
          5000,
          'closing the queues after the test',
        );
      } finally {
        await factory.cleanup?.();
      }
    });

    it(
      'enqueue returns the queued job with its defaults, and every handle can get it',
      async () => {
        const queue = await open();
        const other = await open();
        const before = Date.now();
        const job = await queue.enqueue({ id: 'job-1', type: 'run', payload: { runId: 'run-1' } });
        const after = Date.now();
        expect(job).toMatchObject({
          id: 'job-1',
          type: 'run',
          payload: { runId: 'run-1' },
          status: 'queued',
          attempts: 0,
          maxAttempts: 1,
          lastError: null,
        });
        expect(Object.keys(job).sort()).toEqual(jobFields);
        for (const at of [job.createdAt, job.updatedAt]) {
          expect(timestampSchema.safeParse(at).success, `${at} is an ISO timestamp with milliseconds`).toBe(
            true,
          );
          expect(Date.parse(at)).toBeGreaterThanOrEqual(before - 1000);
          expect(Date.parse(at)).toBeLessThanOrEqual(after + 1000);
        }
        expect(await queue.get('job-1')).toEqual(job);
        expect(await other.get('job-1')).toEqual(job);
        expect(await queue.get('missing-job')).toBeNull();
        const retried = await queue.enqueue({
          id: 'job-2',
          type: 'other',
          payload: null,
          maxAttempts: 4,
          delayMs: 10,
        });
        expect(retried).toMatchObject({ status: 'queued', attempts: 0, maxAttempts: 4, payload: null });
      },
      testTimeoutMs,
    );

    it(
      'payloads round-trip intact through get and the handler',
      async () => {
        const queue = await open();
        const payloads: JsonValue[] = [
          nestedJsonSample,
          null,
          0,
          '',
          false,
          [],
          {},
          unicodeSample,
          [[{ a: [null] }]],
        ];
        for (const [index, payload] of payloads.entries()) {
          await queue.enqueue({ id: `payload-${index}`, type: 'echo', payload });
          expect((await queue.get(`payload-${index}`))?.payload).toEqual(payload);
        }
        const recorder = record();
        queue.start(recorder.handler, { concurrency: 4 });
        await within(queue.drain(), 3000, 'drain');
        for (const [index, payload] of payloads.entries()) {
          const delivered = recorder.deliveries.find((job) => job.id === `payload-${index}`);
          expect(delivered?.payload, `payload ${index}`).toEqual(payload);
          expect((await queue.get(`payload-${index}`))?.payload).toEqual(payload);
        }
      },
      testTimeoutMs,
    );

    it(
      'a job is delivered once, as running on its first attempt, and ends succeeded',
      async () => {
        const queue = await open();
        const recorder = record();
        queue.start(recorder.handler, { concurrency: 2 });
        const enqueued = await queue.enqueue({ id: 'once', type: 'run', payload: { n: 1 } });
        await waitForStatus(queue, 'once', 'succeeded');
        expect(recorder.deliveries).toHaveLength(1);
        expect(recorder.deliveries[0]).toMatchObject({
          id: 'once',
          type: 'run',
          payload: { n: 1 },
          status: 'running',
          attempts: 1,
          maxAttempts: 1,
        });
        const done = await queue.get('once');
        expect(done).toMatchObject({
          status: 'succeeded',
          attempts: 1,
          lastError: null,
          createdAt: enqueued.createdAt,
        });
        expect(Date.parse(done!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(enqueued.createdAt));
        await within(queue.drain(), 3000, 'drain');
        await sleep(100);
        expect(recorder.deliveries).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'enqueuing a taken id is a ConflictError, also once the job has finished',
      async () => {
        const queue = await open();
        const other = await open();
        await queue.enqueue({ id: 'taken', type: 'run', payload: 1 });
        await expectRejectsWith(() => queue.enqueue({ id: 'taken', type: 'run', payload: 2 }), 'conflict');
        await expectRejectsWith(() => other.enqueue({ id: 'taken', type: 'other', payload: 3 }), 'conflict');
        expect((await queue.get('taken'))?.payload).toBe(1);
        const recorder = record();
        queue.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(queue, 'taken', 'succeeded');
        await expectRejectsWith(() => queue.enqueue({ id: 'taken', type: 'run', payload: 4 }), 'conflict');
        expect(await queue.get('taken')).toMatchObject({ status: 'succeeded', payload: 1, attempts: 1 });
        expect(recorder.deliveries).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'maxAttempts below 1 or fractional, and a negative delayMs, are InvalidInputErrors',
      async () => {
        const queue = await open();
        for (const maxAttempts of [0, -1, 1.5]) {
          await expectRejectsWith(
            () => queue.enqueue({ id: `bad-${maxAttempts}`, type: 'run', payload: null, maxAttempts }),
            'invalid_input',
          );
        }
        await expectRejectsWith(
          () => queue.enqueue({ id: 'bad-delay', type: 'run', payload: null, delayMs: -1 }),
          'invalid_input',
        );
        expect(await queue.get('bad-0')).toBeNull();
        expect(await queue.get('bad-delay')).toBeNull();
      },
      testTimeoutMs,
    );

    it(
      'never more than `concurrency` handlers run at once, and that many do',
      async () => {
        const queue = await open();
        let inFlight = 0;
        let maxInFlight = 0;
        const gates = new Map<string, Deferred<void>>();
        let releaseAll = false;
        const recorder = record(async (job) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const gate = deferred<void>();
          gates.set(job.id, gate);
          if (releaseAll) gate.resolve();
          await gate.promise;
          inFlight -= 1;
        });
        for (let index = 1; index <= 6; index += 1) {
          await queue.enqueue({ id: `parallel-${index}`, type: 'run', payload: index });
        }
        queue.start(recorder.handler, { concurrency: 2 });
        await waitUntil(() => recorder.deliveries.length === 2, { message: 'two handlers run' });
        await sleep(100);
        expect(recorder.deliveries).toHaveLength(2);
        expect(inFlight).toBe(2);
        gates.get(recorder.ids()[0]!)?.resolve();
        await waitUntil(() => recorder.deliveries.length === 3, {
          message: 'a third handler starts once one ends',
        });
        expect(inFlight).toBe(2);
        releaseAll = true;
        for (const gate of gates.values()) gate.resolve();
        await waitUntil(
          () => {
            for (const gate of gates.values()) gate.resolve();
            return recorder.deliveries.length === 6;
          },
          { message: 'all six jobs start' },
        );
        await within(queue.drain(), 3000, 'drain');
        expect(maxInFlight).toBe(2);
        for (let index = 1; index <= 6; index += 1) {
          expect(await statusOf(queue, `parallel-${index}`)).toBe('succeeded');
        }
      },
      testTimeoutMs,
    );

    it(
      'with concurrency 1, jobs start in enqueue order (not id order)',
      async () => {
        const queue = await open();
        const recorder = record(async () => sleep(5));
        const order = ['e', 'd', 'c', 'b', 'a', 'z', 'y', 'x'];
        for (const id of order.slice(0, 5)) await queue.enqueue({ id, type: 'run', payload: id });
        queue.start(recorder.handler, { concurrency: 1 });
        for (const id of order.slice(5)) await queue.enqueue({ id, type: 'run', payload: id });
        await waitUntil(() => recorder.deliveries.length === order.length, { message: 'every job ran' });
        expect(recorder.ids()).toEqual(order);
      },
      testTimeoutMs,
    );

    it(
      'a delayed job does not start before its delay, and does not hold back later jobs',
      async () => {
        const queue = await open();
        const delayMs = 300;
        const startedAt = new Map<string, number>();
        const recorder = record(async (job) => {
          startedAt.set(job.id, Date.now());
        });
        const before = Date.now();
        await queue.enqueue({ id: 'delayed', type: 'run', payload: null, delayMs });
        await queue.enqueue({ id: 'immediate', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(queue, 'immediate', 'succeeded');
        await waitForStatus(queue, 'delayed', 'succeeded');
        expect(recorder.ids()).toEqual(['immediate', 'delayed']);
        // A few milliseconds of slack for timer and clock granularity, never more.
        expect(startedAt.get('delayed')! - before).toBeGreaterThanOrEqual(delayMs - 5);
      },
      testTimeoutMs,
    );

    it(
      'a failing job is retried up to maxAttempts, then failed with the last error',
      async () => {
        const queue = await open();
        const recorder = record(async (job) => {
          if (job.id === 'flaky' && job.attempts >= 2) return;
          if (job.id === 'thrown-string') throw 'a plain string';
          throw new Error(`failure ${job.attempts} of ${job.id}`);
        });
        await queue.enqueue({ id: 'doomed', type: 'run', payload: null, maxAttempts: 3 });
        await queue.enqueue({ id: 'single', type: 'run', payload: null });
        await queue.enqueue({ id: 'flaky', type: 'run', payload: null, maxAttempts: 3 });
        await queue.enqueue({ id: 'thrown-string', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 2 });
        await within(queue.drain(), 5000, 'drain');
        const attemptsOf = (id: string) =>
          recorder.deliveries.filter((job) => job.id === id).map((job) => job.attempts);
        expect(attemptsOf('doomed')).toEqual([1, 2, 3]);
        expect(await queue.get('doomed')).toMatchObject({
          status: 'failed',
          attempts: 3,
          maxAttempts: 3,
          lastError: 'failure 3 of doomed',
        });
        expect(attemptsOf('single')).toEqual([1]);
        expect(await queue.get('single')).toMatchObject({
          status: 'failed',
          attempts: 1,
          lastError: 'failure 1 of single',
        });
        expect(attemptsOf('flaky')).toEqual([1, 2]);
        expect(await queue.get('flaky')).toMatchObject({ status: 'succeeded', attempts: 2 });
        const thrownString = await queue.get('thrown-string');
        expect(thrownString?.status).toBe('failed');
        expect(thrownString?.lastError).toContain('a plain string');
      },
      testTimeoutMs,
    );

    it(
      'a canceled queued job never runs; cancel returns true once',
      async () => {
        const queue = await open();
        await queue.enqueue({ id: 'canceled-now', type: 'run', payload: null });
        await queue.enqueue({ id: 'canceled-delayed', type: 'run', payload: null, delayMs: 100 });
        await queue.enqueue({ id: 'kept', type: 'run', payload: null });
        expect(await queue.cancel('canceled-now')).toBe(true);
        expect(await queue.cancel('canceled-delayed')).toBe(true);
        expect(await queue.get('canceled-now')).toMatchObject({ status: 'canceled', attempts: 0 });
        expect(await queue.get('canceled-delayed')).toMatchObject({ status: 'canceled', attempts: 0 });
        expect(await queue.cancel('canceled-now')).toBe(false);
        const recorder = record();
        queue.start(recorder.handler, { concurrency: 2 });
        await queue.enqueue({ id: 'sentinel', type: 'run', payload: null });
        await waitForStatus(queue, 'sentinel', 'succeeded');
        await within(queue.drain(), 3000, 'drain');
        await sleep(150);
        expect(recorder.ids().sort()).toEqual(['kept', 'sentinel']);
        expect(await statusOf(queue, 'canceled-now')).toBe('canceled');
        expect(await statusOf(queue, 'canceled-delayed')).toBe('canceled');
      },
      testTimeoutMs,
    );

    it(
      'canceling a running job aborts its signal; it ends canceled whatever the handler does then',
      async () => {
        const queue = await open();
        const recorder = record(async (job, { signal }) => {
          await aborted(signal);
          if (job.id === 'throws-after-abort') throw new Error('aborted');
        });
        await queue.enqueue({ id: 'resolves-after-abort', type: 'run', payload: null, maxAttempts: 3 });
        await queue.enqueue({ id: 'throws-after-abort', type: 'run', payload: null, maxAttempts: 3 });
        queue.start(recorder.handler, { concurrency: 2 });
        await waitUntil(() => recorder.deliveries.length === 2, { message: 'both jobs run' });
        for (const id of ['resolves-after-abort', 'throws-after-abort']) {
          expect(recorder.signals.get(id)?.aborted).toBe(false);
          expect(await queue.cancel(id)).toBe(true);
          expect(await statusOf(queue, id)).toBe('canceled');
        }
        await waitUntil(() => [...recorder.signals.values()].every((signal) => signal.aborted), {
          message: 'both signals are aborted',
        });
        await within(queue.drain(), 3000, 'drain');
        await sleep(100);
        for (const id of ['resolves-after-abort', 'throws-after-abort']) {
          expect(await queue.get(id), id).toMatchObject({ status: 'canceled', attempts: 1 });
          expect(await queue.cancel(id)).toBe(false);
        }
        expect(recorder.deliveries).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      'canceling through another handle aborts the running handler',
      async () => {
        const worker = await open(shortLeaseMs);
        const client = await open(shortLeaseMs);
        const recorder = record(async (_job, { signal }) => aborted(signal));
        worker.start(recorder.handler, { concurrency: 1 });
        await client.enqueue({ id: 'remote-cancel', type: 'run', payload: null });
        await waitUntil(() => recorder.deliveries.length === 1, { message: 'the worker runs the job' });
        expect(await client.cancel('remote-cancel')).toBe(true);
        expect(await statusOf(worker, 'remote-cancel')).toBe('canceled');
        await waitUntil(() => recorder.signals.get('remote-cancel')?.aborted === true, {
          message: "the worker's handler signal is aborted",
        });
        await within(worker.drain(), 3000, 'drain');
        expect(await statusOf(client, 'remote-cancel')).toBe('canceled');
      },
      testTimeoutMs,
    );

    it(
      'cancel of an unknown or finished job returns false and changes nothing',
      async () => {
        const queue = await open();
        expect(await queue.cancel('never-enqueued')).toBe(false);
        expect(await queue.get('never-enqueued')).toBeNull();
        const recorder = record(async (job) => {
          if (job.id === 'ends-failed') throw new Error('no');
        });
        await queue.enqueue({ id: 'ends-succeeded', type: 'run', payload: null });
        await queue.enqueue({ id: 'ends-failed', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 2 });
        await within(queue.drain(), 3000, 'drain');
        const succeeded = await queue.get('ends-succeeded');
        const failed = await queue.get('ends-failed');
        expect(await queue.cancel('ends-succeeded')).toBe(false);
        expect(await queue.cancel('ends-failed')).toBe(false);
        expect(await queue.get('ends-succeeded')).toEqual(succeeded);
        expect(await queue.get('ends-failed')).toEqual(failed);
        expect(succeeded?.status).toBe('succeeded');
        expect(failed?.status).toBe('failed');
      },
      testTimeoutMs,
    );

    it(
      'a job whose worker died is delivered again to another worker once its lease runs out',
      async () => {
        const dying = await open(shortLeaseMs);
        const stuck = hang();
        const dyingRecorder = record(async () => stuck.promise);
        dying.start(dyingRecorder.handler, { concurrency: 1 });
        await dying.enqueue({ id: 'orphan', type: 'run', payload: { important: true } });
        await waitUntil(() => dyingRecorder.deliveries.length === 1, {
          message: 'the first worker runs the job',
        });
        await crash(dying);

        const survivor = await open(shortLeaseMs);
        const recorder = record();
        survivor.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(survivor, 'orphan', 'succeeded', 5000);
        expect(recorder.deliveries).toHaveLength(1);
        expect(recorder.deliveries[0]).toMatchObject({
          id: 'orphan',
          attempts: 2,
          payload: { important: true },
        });
        expect(await survivor.get('orphan')).toMatchObject({ status: 'succeeded', attempts: 2 });

        // The dead worker's handler settling late changes nothing.
        stuck.reject(new Error('the dead worker finally gave up'));
        await sleep(100);
        expect(await survivor.get('orphan')).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(recorder.deliveries).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'a job whose workers keep dying is failed once its lease has expired maxLeaseExpiries times',
      async () => {
        const budget = 3;
        const dead: Recorder[] = [];
        const stuck: Array<Deferred<void>> = [];
        // Each worker takes the job (the first from the queue, the others once the previous
        // worker's lease ran out) and dies holding it.
        for (let worker = 1; worker <= budget; worker += 1) {
          const dying = await open(crashLeaseMs, budget);
          const holds = hang();
          stuck.push(holds);
          const recorder = record(async () => holds.promise);
          dead.push(recorder);
          dying.start(recorder.handler, { concurrency: 1 });
          if (worker === 1) {
            // Plenty of handler attempts left: only the crash budget can stop the job.
            await dying.enqueue({ id: 'poison', type: 'run', payload: { crashes: true }, maxAttempts: 10 });
          }
          await waitUntil(() => recorder.deliveries.length === 1, {
            timeoutMs: 5000,
            message: `worker ${worker} runs the job`,
          });
          await crash(dying);
        }
        expect(dead.map((recorder) => recorder.deliveries[0]?.attempts)).toEqual([1, 2, 3]);

        // The third expiry uses up the budget: the next live worker fails the job instead.
        const survivor = await open(crashLeaseMs, budget);
        const recorder = record();
        survivor.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(survivor, 'poison', 'failed', 5000);
        const failed = await survivor.get('poison');
        expect(failed).toMatchObject({
          status: 'failed',
          attempts: budget,
          maxAttempts: 10,
          payload: { crashes: true },
        });
        expect(failed?.lastError).toMatch(/worker/i);
        expect(failed?.lastError).toMatch(/lease/i);
        expect(failed?.lastError).toContain(String(budget));

        // Never delivered again, while the survivor goes on running other jobs; the dead
        // workers' handlers settling late change nothing either.
        await survivor.enqueue({ id: 'after-poison', type: 'run', payload: null });
        await waitForStatus(survivor, 'after-poison', 'succeeded');
        for (const holds of stuck) holds.reject(new Error('a dead worker finally gave up'));
        await sleep(crashLeaseMs * 2);
        expect(recorder.ids()).toEqual(['after-poison']);
        expect(await survivor.get('poison')).toEqual(failed);
        expect(await survivor.cancel('poison')).toBe(false);
      },
      testTimeoutMs,
    );

    it(
      'handler failures and jobs put back by close do not use up maxLeaseExpiries',
      async () => {
        // A budget of 2: had the failure or the close counted, the one real crash below
        // would be the second expiry and fail the job.
        const budget = 2;
        const closing = await open(crashLeaseMs, budget);
        const closingRecorder = record(async (job, { signal }) => {
          if (job.attempts === 1) throw new Error('the first attempt fails');
          await aborted(signal);
        });
        closing.start(closingRecorder.handler, { concurrency: 1 });
        await closing.enqueue({ id: 'resilient', type: 'run', payload: null, maxAttempts: 5 });
        await waitUntil(() => closingRecorder.deliveries.length === 2, {
          message: 'the job is retried after its handler failed',
        });
        await within(closing.close(), 3000, 'close');

        const dying = await open(crashLeaseMs, budget);
        const dyingRecorder = record(async () => hang().promise);
        dying.start(dyingRecorder.handler, { concurrency: 1 });
        await waitUntil(() => dyingRecorder.deliveries.length === 1, {
          message: 'a worker takes the job put back by close',
        });
        await crash(dying);

        const survivor = await open(crashLeaseMs, budget);
        const recorder = record();
        survivor.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(survivor, 'resilient', 'succeeded', 5000);
        expect(
          [...closingRecorder.deliveries, ...dyingRecorder.deliveries, ...recorder.deliveries].map(
            (job) => job.attempts,
          ),
        ).toEqual([1, 2, 3, 4]);
        expect(await survivor.get('resilient')).toMatchObject({ status: 'succeeded', attempts: 4 });
      },
      testTimeoutMs,
    );

    it(
      'a live worker keeps its running job past leaseMs: no other worker gets it',
      async () => {
        const busy = await open(shortLeaseMs);
        const gate = deferred<void>();
        const busyRecorder = record(async () => gate.promise);
        busy.start(busyRecorder.handler, { concurrency: 1 });
        await busy.enqueue({ id: 'long-job', type: 'run', payload: null });
        await waitUntil(() => busyRecorder.deliveries.length === 1, {
          message: 'the first worker runs the job',
        });
        const idle = await open(shortLeaseMs);
        const idleRecorder = record();
        idle.start(idleRecorder.handler, { concurrency: 1 });
        await sleep(shortLeaseMs * 3.5);
        expect(idleRecorder.deliveries).toHaveLength(0);
        expect(await idle.get('long-job')).toMatchObject({ status: 'running', attempts: 1 });
        gate.resolve();
        await waitForStatus(idle, 'long-job', 'succeeded');
        expect(await idle.get('long-job')).toMatchObject({ attempts: 1 });
        expect(idleRecorder.deliveries).toHaveLength(0);
      },
      testTimeoutMs,
    );

    it(
      'a job interrupted by close is not marked done, and is delivered again',
      async () => {
        const closing = await open(shortLeaseMs);
        // Stops promptly when aborted and resolves, as handlers are asked to.
        const closingRecorder = record(async (_job, { signal }) => aborted(signal));
        closing.start(closingRecorder.handler, { concurrency: 1 });
        await closing.enqueue({ id: 'interrupted', type: 'run', payload: null });
        await waitUntil(() => closingRecorder.deliveries.length === 1, { message: 'the job runs' });
        await within(closing.close(), 3000, 'close');
        expect(closingRecorder.signals.get('interrupted')?.aborted).toBe(true);
        const next = await open(shortLeaseMs);
        expect(['queued', 'running']).toContain(await statusOf(next, 'interrupted'));
        const recorder = record();
        next.start(recorder.handler, { concurrency: 1 });
        await waitForStatus(next, 'interrupted', 'succeeded', 5000);
        expect(recorder.ids()).toEqual(['interrupted']);
      },
      testTimeoutMs,
    );

    it(
      'drain resolves once every job has finished, and at once when idle',
      async () => {
        const idle = await open();
        await within(idle.drain(), 1000, 'drain of an idle, unstarted queue');
        const queue = await open();
        const recorder = record(async (job) => {
          await sleep((Number(job.payload) % 4) * 10);
          if (job.id === 'retry-once' && job.attempts === 1) throw new Error('first attempt fails');
        });
        queue.start(recorder.handler, { concurrency: 3 });
        await within(queue.drain(), 1000, 'drain of an idle, started queue');
        const ids: string[] = [];
        for (let index = 0; index < 8; index += 1) {
          ids.push(`drained-${index}`);
          await queue.enqueue({ id: `drained-${index}`, type: 'run', payload: index });
        }
        await queue.enqueue({ id: 'retry-once', type: 'run', payload: 1, maxAttempts: 2 });
        await queue.enqueue({ id: 'drained-delayed', type: 'run', payload: 2, delayMs: 100 });
        await within(queue.drain(), 5000, 'drain');
        for (const id of [...ids, 'retry-once', 'drained-delayed']) {
          expect(await statusOf(queue, id), id).toBe('succeeded');
        }
      },
      testTimeoutMs,
    );

    it(
      'close is idempotent, aborts running handlers and resolves only after they settle',
      async () => {
        const queue = await open();
        const settled = new Set<string>();
        const recorder = record(async (job, { signal }) => {
          await aborted(signal);
          // Takes a moment to wind down: close must wait for it.
          await sleep(50);
          settled.add(job.id);
        });
        await queue.enqueue({ id: 'closed-1', type: 'run', payload: null });
        await queue.enqueue({ id: 'closed-2', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 2 });
        await waitUntil(() => recorder.deliveries.length === 2, { message: 'both jobs run' });
        await within(Promise.all([queue.close(), queue.close()]), 3000, 'close');
        expect([...settled].sort()).toEqual(['closed-1', 'closed-2']);
        for (const signal of recorder.signals.values()) expect(signal.aborted).toBe(true);
        await within(queue.close(), 1000, 'a third close');
      },
      testTimeoutMs,
    );

    it(
      'stats counts queued and running jobs of every handle, and rejects once closed',
      async () => {
        const queue = await open();
        const other = await open();
        expect(await queue.stats()).toEqual({ queued: 0, running: 0 });
        const gate = hang();
        const recorder = record(async () => gate.promise);
        await queue.enqueue({ id: 'counted-1', type: 'run', payload: null });
        await queue.enqueue({ id: 'counted-2', type: 'run', payload: null });
        await other.enqueue({ id: 'counted-delayed', type: 'run', payload: null, delayMs: 60_000 });
        expect(await other.stats()).toEqual({ queued: 3, running: 0 });
        queue.start(recorder.handler, { concurrency: 1 });
        await waitUntil(() => recorder.deliveries.length === 1, { message: 'one job runs' });
        expect(await other.stats()).toEqual({ queued: 2, running: 1 });
        gate.resolve();
        await waitUntil(async () => (await other.stats()).queued === 1, {
          message: 'the second job is delivered and finishes',
        });
        await waitUntil(async () => (await other.stats()).running === 0, { message: 'nothing runs' });
        expect(await other.cancel('counted-delayed')).toBe(true);
        expect(await other.stats()).toEqual({ queued: 0, running: 0 });
        await queue.close();
        await expectRejectsWith(() => queue.stats());
      },
      testTimeoutMs,
    );

    it(
      'pause delivers nothing more, lets running handlers finish with their outcome, and resolves after them',
      async () => {
        const queue = await open(shortLeaseMs);
        const gate = deferred<void>();
        const recorder = record(async (job) => {
          if (job.id !== 'paused-fails') await gate.promise;
          else {
            await gate.promise;
            throw new Error('failed while pausing');
          }
        });
        await queue.enqueue({ id: 'paused-running', type: 'run', payload: null });
        await queue.enqueue({ id: 'paused-fails', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 2 });
        await waitUntil(() => recorder.deliveries.length === 2, { message: 'both jobs run' });
        let pauseDone = false;
        const paused = queue.pause().then(() => {
          pauseDone = true;
        });
        expect(queue.pause()).toBe(queue.pause());
        await queue.enqueue({ id: 'paused-waiting', type: 'run', payload: null });
        // Longer than a lease: a paused handle still renews the leases of its running jobs.
        await sleep(shortLeaseMs * 2);
        expect(pauseDone).toBe(false);
        expect(recorder.ids().sort()).toEqual(['paused-fails', 'paused-running']);
        for (const signal of recorder.signals.values()) expect(signal.aborted).toBe(false);
        gate.resolve();
        await within(paused, 3000, 'pause');
        expect(await statusOf(queue, 'paused-running')).toBe('succeeded');
        expect(await queue.get('paused-fails')).toMatchObject({
          status: 'failed',
          lastError: 'failed while pausing',
        });
        await sleep(100);
        expect(await queue.get('paused-waiting')).toMatchObject({ status: 'queued', attempts: 0 });
        expect(recorder.deliveries).toHaveLength(2);
        await within(queue.pause(), 1000, 'a second pause');
        const next = await open(shortLeaseMs);
        const nextRecorder = record();
        next.start(nextRecorder.handler, { concurrency: 1 });
        await waitForStatus(next, 'paused-waiting', 'succeeded');
      },
      testTimeoutMs,
    );

    it(
      'a paused handle still aborts a canceled handler, and close puts back what still runs',
      async () => {
        const queue = await open(shortLeaseMs);
        const recorder = record(async (_job, { signal }) => aborted(signal));
        await queue.enqueue({ id: 'paused-canceled', type: 'run', payload: null });
        await queue.enqueue({ id: 'paused-closed', type: 'run', payload: null });
        queue.start(recorder.handler, { concurrency: 2 });
        await waitUntil(() => recorder.deliveries.length === 2, { message: 'both jobs run' });
        const paused = queue.pause();
        expect(await queue.cancel('paused-canceled')).toBe(true);
        await waitUntil(() => recorder.signals.get('paused-canceled')?.aborted === true, {
          message: 'the canceled handler is aborted',
        });
        expect(recorder.signals.get('paused-closed')?.aborted).toBe(false);
        await within(queue.close(), 3000, 'close');
        await within(paused, 1000, 'pause after close');
        expect(recorder.signals.get('paused-closed')?.aborted).toBe(true);
        const next = await open(shortLeaseMs);
        expect(await statusOf(next, 'paused-canceled')).toBe('canceled');
        expect(await statusOf(next, 'paused-closed')).toBe('queued');
      },
      testTimeoutMs,
    );

    it(
      'a closed handle rejects enqueue with a GoosukeError and delivers nothing more',
      async () => {
        const queue = await open();
        const other = await open();
        const recorder = record();
        queue.start(recorder.handler, { concurrency: 1 });
        await queue.close();
        await expectRejectsWith(() => queue.enqueue({ id: 'after-close', type: 'run', payload: null }));
        await other.enqueue({ id: 'enqueued-elsewhere', type: 'run', payload: null });
        await sleep(150);
        expect(recorder.deliveries).toHaveLength(0);
        expect(await other.get('enqueued-elsewhere')).toMatchObject({ status: 'queued', attempts: 0 });
        expect(await other.get('after-close')).toBeNull();
      },
      testTimeoutMs,
    );
  });
}
