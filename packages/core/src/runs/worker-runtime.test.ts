import { afterEach, describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import type { Job, JobContext } from '../ports/job-queue.ts';
import {
  createMemoryJobQueue,
  createMemoryJobQueueBacking,
  type MemoryJobQueue,
  sleep,
  waitUntil,
} from '../testing/index.ts';
import { createWorkerRuntime, type JobTypeRegistration, type WorkerRuntime } from './worker-runtime.ts';

const queues: MemoryJobQueue[] = [];
const runtimes: WorkerRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.stop();
  for (const queue of queues.splice(0)) await queue.close();
});

/**
 * A runtime on a memory queue, and a second handle on the same storage (as another process
 * would hold) to look at jobs once the runtime's own queue is closed.
 */
function setUp(options: { backing?: ReturnType<typeof createMemoryJobQueueBacking> } = {}) {
  const backing = options.backing ?? createMemoryJobQueueBacking();
  const queue = createMemoryJobQueue({ pollIntervalMs: 5, backing });
  const jobs = createMemoryJobQueue({ backing });
  const runtime = createWorkerRuntime({ queue });
  queues.push(queue, jobs);
  runtimes.push(runtime);
  return { queue, jobs, runtime };
}

/** A handler that records its jobs and stays running until released (or its signal aborts). */
function gate() {
  const seen: Job[] = [];
  const aborted: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handle = async (job: Job, context: JobContext): Promise<void> => {
    seen.push(job);
    await new Promise<void>((resolve, reject) => {
      context.signal.addEventListener('abort', () => {
        aborted.push(job.id);
        reject(context.signal.reason);
      });
      void released.then(resolve);
    });
  };
  return { seen, aborted, release, handle };
}

async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('expected a GoosukeError');
}

describe('createWorkerRuntime', () => {
  it('routes every job to the handler registered for its type', async () => {
    const { queue, runtime } = setUp();
    const handled: string[] = [];
    for (const type of ['run', 'action-callback', 'action-pull-request']) {
      runtime.register({
        type,
        handle: async (job) => {
          handled.push(`${type}:${job.id}`);
        },
      });
    }
    expect(runtime.types()).toEqual(['run', 'action-callback', 'action-pull-request']);
    runtime.start({ concurrency: 2 });
    await queue.enqueue({ id: 'a', type: 'action-callback', payload: null });
    await queue.enqueue({ id: 'b', type: 'run', payload: null });
    await queue.enqueue({ id: 'c', type: 'action-pull-request', payload: null });
    await runtime.drain();
    expect(handled.sort()).toEqual(['action-callback:a', 'action-pull-request:c', 'run:b']);
    for (const id of ['a', 'b', 'c']) expect((await queue.get(id))?.status).toBe('succeeded');
  });

  it('fails a job of a type nobody registered, naming the type, and goes on with the others', async () => {
    const { queue, runtime } = setUp();
    const handled: string[] = [];
    runtime.register({ type: 'run', handle: async (job) => void handled.push(job.id) });
    runtime.start();
    await queue.enqueue({ id: 'stray', type: 'agent-cli', payload: null });
    await queue.enqueue({ id: 'known', type: 'run', payload: null });
    await runtime.drain();
    const stray = await queue.get('stray');
    expect(stray?.status).toBe('failed');
    expect(stray?.lastError).toContain('no handler for job type "agent-cli"');
    expect(stray?.lastError).toContain('it handles run');
    expect(handled).toEqual(['known']);
  });

  it('takes one registration per type, and none once started; starts once', async () => {
    const { runtime } = setUp();
    const registration: JobTypeRegistration = { type: 'run', handle: async () => {} };
    runtime.register(registration);
    expect(await codeOf(() => runtime.register(registration))).toBe('conflict');
    expect(runtime.state()).toBe('idle');
    runtime.start();
    expect(runtime.state()).toBe('running');
    expect(await codeOf(() => runtime.register({ type: 'late', handle: async () => {} }))).toBe('conflict');
    expect(await codeOf(() => runtime.start())).toBe('conflict');
    const stopping = runtime.stop();
    expect(runtime.state()).toBe('stopped');
    expect(runtime.stop({ graceMs: 10 })).toBe(stopping);
    expect(await stopping).toEqual({ canceled: [] });
  });

  it('runs each registration’s recovery before taking jobs, and then every recoverEveryMs', async () => {
    const { queue, runtime } = setUp();
    const order: string[] = [];
    let sweeps = 0;
    runtime.register({
      type: 'run',
      handle: async (job) => void order.push(`handled ${job.id}`),
      recover: async () => {
        sweeps++;
        // Recovery finds a run whose job was lost and enqueues it again.
        if (sweeps === 1) {
          await queue.enqueue({ id: 'lost', type: 'run', payload: null });
          order.push('recovered');
          return 1;
        }
        return 0;
      },
    });
    runtime.register({ type: 'no-recovery', handle: async () => {} });
    await queue.enqueue({ id: 'waiting', type: 'run', payload: null });
    runtime.start({ recoverEveryMs: 20 });
    await runtime.drain();
    // The sweep ran first: both jobs were handled after it.
    expect(order[0]).toBe('recovered');
    expect(order.slice(1).sort()).toEqual(['handled lost', 'handled waiting']);
    await waitUntil(() => sweeps >= 3, { message: 'the periodic sweep ran' });
  });

  it('sums the recoveries and runs them all even when one fails, then reports the failure', async () => {
    const { runtime } = setUp();
    const ran: string[] = [];
    runtime.register({
      type: 'first',
      handle: async () => {},
      recover: async () => {
        ran.push('first');
        return 2;
      },
    });
    runtime.register({
      type: 'broken',
      handle: async () => {},
      recover: async () => {
        ran.push('broken');
        throw new Error('the store is gone');
      },
    });
    runtime.register({
      type: 'last',
      handle: async () => {},
      recover: async () => {
        ran.push('last');
        return 3;
      },
    });
    await expect(runtime.recover()).rejects.toThrow('the store is gone');
    expect(ran).toEqual(['first', 'broken', 'last']);

    const healthy = setUp().runtime;
    healthy.register({ type: 'a', handle: async () => {}, recover: async () => 2 });
    healthy.register({ type: 'b', handle: async () => {}, recover: async () => 3 });
    expect(await healthy.recover()).toBe(5);
  });

  it('a failing sweep neither stops the workers nor the next sweep', async () => {
    const { queue, runtime } = setUp();
    let sweeps = 0;
    const handled: string[] = [];
    runtime.register({
      type: 'run',
      handle: async (job) => void handled.push(job.id),
      recover: async () => {
        sweeps++;
        throw new Error('transient');
      },
    });
    runtime.start({ recoverEveryMs: 10 });
    await queue.enqueue({ id: 'still-handled', type: 'run', payload: null });
    await runtime.drain();
    expect(handled).toEqual(['still-handled']);
    await waitUntil(() => sweeps >= 2, { message: 'a second sweep ran' });
  });

  it('lists the jobs running now', async () => {
    const { queue, runtime } = setUp();
    const held = gate();
    runtime.register({ type: 'run', handle: held.handle });
    runtime.start({ concurrency: 2 });
    await queue.enqueue({ id: 'one', type: 'run', payload: { runId: 'one' } });
    await queue.enqueue({ id: 'two', type: 'run', payload: { runId: 'two' } });
    await waitUntil(() => runtime.running().length === 2, { message: 'both jobs run' });
    expect(
      runtime
        .running()
        .map((job) => job.id)
        .sort(),
    ).toEqual(['one', 'two']);
    held.release();
    await runtime.drain();
    expect(runtime.running()).toEqual([]);
  });

  it('a graceful stop takes no new job and waits for the running ones within the grace', async () => {
    const { queue, jobs, runtime } = setUp();
    const held = gate();
    runtime.register({ type: 'run', handle: held.handle, cancelAfterGrace: async () => true });
    runtime.start({ concurrency: 1 });
    await queue.enqueue({ id: 'running', type: 'run', payload: null });
    await waitUntil(() => held.seen.length === 1, { message: 'the first job runs' });
    await queue.enqueue({ id: 'queued', type: 'run', payload: null });

    const stopping = runtime.stop({ graceMs: 10_000 });
    const early = await Promise.race([stopping.then(() => 'stopped'), sleep(100).then(() => 'waiting')]);
    expect(early).toBe('waiting');
    held.release();
    expect(await stopping).toEqual({ canceled: [] });
    expect((await jobs.get('running'))?.status).toBe('succeeded');
    // Never started: it waits for the next start.
    expect((await jobs.get('queued'))?.status).toBe('queued');
    expect(held.seen.map((job) => job.id)).toEqual(['running']);
  });

  it('after the grace, cancels the jobs whose registration says so and waits for the others', async () => {
    const { queue, jobs, runtime } = setUp();
    const runs = gate();
    const callbacks = gate();
    const asked: Array<[string, number]> = [];
    runtime.register({
      type: 'run',
      handle: runs.handle,
      cancelAfterGrace: async (job, graceMs) => {
        asked.push([job.id, graceMs]);
        // One run already ended and is only telling its listeners: it may finish.
        return job.id !== 'ending';
      },
    });
    runtime.register({ type: 'action-callback', handle: callbacks.handle });
    runtime.start({ concurrency: 3 });
    await queue.enqueue({ id: 'slow', type: 'run', payload: null });
    await queue.enqueue({ id: 'ending', type: 'run', payload: null });
    await queue.enqueue({ id: 'delivery', type: 'action-callback', payload: null });
    await waitUntil(() => runs.seen.length === 2 && callbacks.seen.length === 1, { message: 'all run' });

    const startedAt = Date.now();
    const stopping = runtime.stop({ graceMs: 100 });
    await waitUntil(() => runs.aborted.length === 1, { message: 'the slow run is canceled' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(95);
    expect(runs.aborted).toEqual(['slow']);
    expect(asked.map(([id]) => id).sort()).toEqual(['ending', 'slow']);
    expect(asked.every(([, graceMs]) => graceMs === 100)).toBe(true);
    // The stop waits for what it did not cancel.
    const early = await Promise.race([stopping.then(() => 'stopped'), sleep(50).then(() => 'waiting')]);
    expect(early).toBe('waiting');
    runs.release();
    callbacks.release();
    const { canceled } = await stopping;
    expect(canceled.map((job) => job.id)).toEqual(['slow']);
    expect((await jobs.get('slow'))?.status).toBe('canceled');
    expect((await jobs.get('ending'))?.status).toBe('succeeded');
    expect((await jobs.get('delivery'))?.status).toBe('succeeded');
  });

  it('a stop without grace interrupts the running jobs, which are delivered again on the next start', async () => {
    const backing = createMemoryJobQueueBacking();
    const first = setUp({ backing });
    const held = gate();
    first.runtime.register({ type: 'run', handle: held.handle, cancelAfterGrace: async () => true });
    first.runtime.start();
    await first.queue.enqueue({ id: 'interrupted', type: 'run', payload: null });
    await waitUntil(() => held.seen.length === 1, { message: 'the job runs' });
    expect(await first.runtime.stop()).toEqual({ canceled: [] });
    expect(held.aborted).toEqual(['interrupted']);
    expect((await first.jobs.get('interrupted'))?.status).toBe('queued');

    const next = setUp({ backing });
    const handled: string[] = [];
    next.runtime.register({ type: 'run', handle: async (job) => void handled.push(job.id) });
    next.runtime.start();
    await next.runtime.drain();
    expect(handled).toEqual(['interrupted']);
    expect((await next.jobs.get('interrupted'))?.status).toBe('succeeded');
  });

  it('a stop before start only keeps it from starting', async () => {
    const { queue, runtime } = setUp();
    runtime.register({ type: 'run', handle: async () => {} });
    expect(await runtime.stop({ graceMs: 0 })).toEqual({ canceled: [] });
    expect(runtime.state()).toBe('stopped');
    expect(await codeOf(() => runtime.start())).toBe('conflict');
    // The queue is the caller's to close.
    expect(await queue.stats()).toEqual({ queued: 0, running: 0 });
  });
});
