import { type Clock, GoosukeError, type Job, type JobHandler } from '@goosuke/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aRepo, createTempDatabaseDirectory, type TempDatabaseDirectory } from '../test/fixtures.ts';
import { createSqliteJobQueue, type SqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue.ts';
import { createSqliteStore } from './sqlite-store.ts';

let directory: TempDatabaseDirectory;
let file: string;

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
  file = directory.file();
});

afterEach(async () => {
  await directory.remove();
});

async function openQueue(options: Partial<SqliteJobQueueOptions> = {}): Promise<SqliteJobQueue> {
  return directory.track(
    await createSqliteJobQueue({
      database: file,
      leaseMs: 300,
      pollIntervalMs: 10,
      retryBackoffMs: 0,
      ...options,
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await sleep(5);
  }
}

/** A handler that records its calls and finishes only when told to. */
function gatedHandler() {
  const calls: Array<{ job: Job; signal: AbortSignal; finish(error?: Error): void }> = [];
  const handler: JobHandler = (job, { signal }) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ job, signal, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, handler };
}

function rawJob(id: string): Record<string, unknown> | undefined {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.prepare('select * from goosuke_jobs where id = ?').get(id) as
      | Record<string, unknown>
      | undefined;
  } finally {
    raw.close();
  }
}

describe('enqueue and get', () => {
  it('stores a queued job, refuses a duplicate id and invalid input', async () => {
    const queue = await openQueue();
    const job = await queue.enqueue({ id: 'job-1', type: 'run', payload: { runId: 'r1', list: [1, null] } });
    expect(job).toMatchObject({
      id: 'job-1',
      type: 'run',
      payload: { runId: 'r1', list: [1, null] },
      status: 'queued',
      attempts: 0,
      maxAttempts: 1,
      lastError: null,
    });
    expect(await queue.get('job-1')).toEqual(job);
    expect(await queue.get('missing')).toBeNull();
    await expect(queue.enqueue({ id: 'job-1', type: 'run', payload: null })).rejects.toMatchObject({
      code: 'conflict',
      message: 'a job with id "job-1" already exists',
    });
    for (const bad of [
      { id: '', type: 'run', payload: 1 },
      { id: 'job-2', type: '', payload: 1 },
      { id: 'job-2', type: 'run', payload: undefined },
      { id: 'job-2', type: 'run', payload: 1, maxAttempts: 0 },
      { id: 'job-2', type: 'run', payload: 1, delayMs: -1 },
    ]) {
      await expect(queue.enqueue(bad as never)).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});

describe('delivery', () => {
  it('runs a job once and marks it succeeded', async () => {
    const queue = await openQueue();
    const seen: Job[] = [];
    await queue.enqueue({ id: 'job-1', type: 'run', payload: 'x' });
    queue.start(
      async (job) => {
        seen.push(job);
      },
      { concurrency: 1 },
    );
    await queue.drain();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: 'job-1', status: 'running', attempts: 1 });
    expect(await queue.get('job-1')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(rawJob('job-1')).toMatchObject({ lease_owner: null, lease_expires_at: null });
  });

  it('retries a failing job until maxAttempts, then marks it failed with the last error', async () => {
    const queue = await openQueue();
    let calls = 0;
    await queue.enqueue({ id: 'job-1', type: 'run', payload: null, maxAttempts: 3 });
    queue.start(
      async (job) => {
        calls += 1;
        throw new Error(`failure ${job.attempts}`);
      },
      { concurrency: 1 },
    );
    await queue.drain();
    expect(calls).toBe(3);
    expect(await queue.get('job-1')).toMatchObject({ status: 'failed', attempts: 3, lastError: 'failure 3' });
  });

  it('waits retryBackoffMs before delivering a failed job again', async () => {
    const queue = await openQueue({ retryBackoffMs: (attempt) => attempt * 150 });
    const times: number[] = [];
    await queue.enqueue({ id: 'job-1', type: 'run', payload: null, maxAttempts: 2 });
    queue.start(
      async () => {
        times.push(Date.now());
        if (times.length === 1) throw new Error('first fails');
      },
      { concurrency: 1 },
    );
    await queue.drain();
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
    expect(await queue.get('job-1')).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      lastError: 'first fails',
    });
  });

  it('runs at most `concurrency` handlers at once', async () => {
    const queue = await openQueue();
    const { calls, handler } = gatedHandler();
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue({ id, type: 'run', payload: null });
    queue.start(handler, { concurrency: 2 });
    await waitFor(() => calls.length === 2);
    await sleep(50);
    expect(calls).toHaveLength(2);
    calls[0]!.finish();
    await waitFor(() => calls.length === 3);
    for (const call of calls) call.finish();
    await waitFor(() => calls.length === 4);
    calls[3]!.finish();
    await queue.drain();
    expect(calls.map((call) => call.job.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('computes run_at and leases from the injected clock', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const clock: Clock = { now: () => now };
    const queue = await openQueue({ clock });
    const seen: string[] = [];
    const job = await queue.enqueue({ id: 'later', type: 'run', payload: null, delayMs: 60_000 });
    expect(job.createdAt).toBe('2030-01-01T00:00:00.000Z');
    expect(rawJob('later')?.run_at).toBe(now + 60_000);
    queue.start(
      async (delivered) => {
        seen.push(delivered.id);
      },
      { concurrency: 1 },
    );
    await sleep(60);
    expect(seen).toEqual([]);
    now += 60_000;
    await waitFor(() => seen.length === 1);
    await queue.drain();
    expect(await queue.get('later')).toMatchObject({
      status: 'succeeded',
      updatedAt: '2030-01-01T00:01:00.000Z',
    });
  });

  it('starts jobs due at the same time in enqueue order, not id order', async () => {
    const clock: Clock = { now: () => Date.parse('2030-01-01T00:00:00.000Z') };
    const queue = await openQueue({ clock });
    const order = ['m', 'z', 'a', 'k', 'b'];
    for (const id of order) await queue.enqueue({ id, type: 'run', payload: null });
    const seen: string[] = [];
    queue.start(
      async (job) => {
        seen.push(job.id);
      },
      { concurrency: 1 },
    );
    await queue.drain();
    expect(seen).toEqual(order);
  });

  it('accepts fractional delays, leases and clock readings (stored as whole milliseconds)', async () => {
    let now = 1_900_000_000_000.6;
    const queue = await openQueue({ leaseMs: 250.5, clock: { now: () => now } });
    await queue.enqueue({ id: 'fractional', type: 'run', payload: null, delayMs: 0.4 });
    expect(rawJob('fractional')?.run_at).toBe(1_900_000_000_001);
    const seen: string[] = [];
    queue.start(
      async (job) => {
        seen.push(job.id);
      },
      { concurrency: 1 },
    );
    now += 1;
    await queue.drain();
    expect(seen).toEqual(['fractional']);
  });

  it('refuses a second start and a bad concurrency', async () => {
    const queue = await openQueue();
    expect(() => queue.start(async () => {}, { concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    queue.start(async () => {}, { concurrency: 1 });
    expect(() => queue.start(async () => {}, { concurrency: 1 })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
  });
});

describe('cancel', () => {
  it('keeps a canceled queued job from ever running; false for unknown and finished jobs', async () => {
    const queue = await openQueue();
    const seen: string[] = [];
    await queue.enqueue({ id: 'doomed', type: 'run', payload: null });
    await queue.enqueue({ id: 'kept', type: 'run', payload: null });
    expect(await queue.cancel('doomed')).toBe(true);
    expect(await queue.cancel('doomed')).toBe(false);
    expect(await queue.cancel('unknown')).toBe(false);
    queue.start(
      async (job) => {
        seen.push(job.id);
      },
      { concurrency: 1 },
    );
    await queue.drain();
    expect(seen).toEqual(['kept']);
    expect(await queue.get('doomed')).toMatchObject({ status: 'canceled', attempts: 0 });
    expect(await queue.cancel('kept')).toBe(false);
  });

  it('aborts a running handler at once, in this handle and in another handle of the process', async () => {
    const worker = await openQueue();
    const other = await openQueue();
    const { calls, handler } = gatedHandler();
    await worker.enqueue({ id: 'one', type: 'run', payload: null });
    await worker.enqueue({ id: 'two', type: 'run', payload: null });
    worker.start(handler, { concurrency: 2 });
    await waitFor(() => calls.length === 2);
    const [one, two] = [...calls].sort((a, b) => a.job.id.localeCompare(b.job.id));
    expect(await worker.cancel('one')).toBe(true);
    expect(one!.signal.aborted).toBe(true);
    expect(one!.signal.reason).toMatchObject({ code: 'canceled' });
    expect(await other.cancel('two')).toBe(true);
    expect(two!.signal.aborted).toBe(true);
    one!.finish(new Error('aborted'));
    two!.finish();
    await worker.drain();
    expect(await worker.get('one')).toMatchObject({ status: 'canceled' });
    expect(await worker.get('two')).toMatchObject({ status: 'canceled' });
  });
});

describe('leases', () => {
  it('redelivers the job of a crashed handle once its lease expires, and ignores the dead handler', async () => {
    const crashed = await openQueue({ leaseMs: 200 });
    const { calls, handler } = gatedHandler();
    await crashed.enqueue({ id: 'job-1', type: 'run', payload: null });
    crashed.start(handler, { concurrency: 1 });
    await waitFor(() => calls.length === 1);
    await crashed.simulateCrash();
    expect(calls[0]!.signal.aborted).toBe(false);
    await expect(crashed.get('job-1')).rejects.toMatchObject({ code: 'storage' });

    const survivor = await openQueue({ leaseMs: 200 });
    const delivered: Job[] = [];
    const crashedAt = Date.now();
    survivor.start(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 1 },
    );
    await survivor.drain();
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(100);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ id: 'job-1', attempts: 2 });
    calls[0]!.finish();
    await sleep(20);
    expect(await survivor.get('job-1')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('renews the lease while a handler runs longer than leaseMs', async () => {
    // Renewals come every leaseMs / 3: the lease is long enough that a loaded machine's stalls of
    // a few hundred milliseconds do not look like a dead worker, and the wait spans three leases.
    const worker = await openQueue({ leaseMs: 600 });
    const watcher = await openQueue({ leaseMs: 600 });
    const { calls, handler } = gatedHandler();
    const stolen: Job[] = [];
    await worker.enqueue({ id: 'slow', type: 'run', payload: null });
    worker.start(handler, { concurrency: 1 });
    await waitFor(() => calls.length === 1);
    watcher.start(
      async (job) => {
        stolen.push(job);
      },
      { concurrency: 1 },
    );
    await sleep(1800);
    expect(stolen).toEqual([]);
    calls[0]!.finish();
    await worker.drain();
    expect(await worker.get('slow')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('does not let a worker that lost its lease overwrite the new owner, and aborts it', async () => {
    const worker = await openQueue({ leaseMs: 90 });
    const { calls, handler } = gatedHandler();
    await worker.enqueue({ id: 'job-1', type: 'run', payload: null });
    worker.start(handler, { concurrency: 1 });
    await waitFor(() => calls.length === 1);
    const raw = new Database(file);
    try {
      raw
        .prepare("update goosuke_jobs set lease_owner = 'new-owner', lease_expires_at = ? where id = 'job-1'")
        .run(Date.now() + 60_000);
    } finally {
      raw.close();
    }
    await waitFor(() => calls[0]!.signal.aborted);
    expect(calls[0]!.signal.reason).toMatchObject({ code: 'canceled' });
    calls[0]!.finish();
    await sleep(30);
    expect(rawJob('job-1')).toMatchObject({ status: 'running', lease_owner: 'new-owner', attempts: 1 });
  });
});

describe('crash budget (maxLeaseExpiries)', () => {
  const gaveUpAfterThree =
    'gave up on the job: its worker stopped 3 times without finishing it (its lease expired)';

  it('counts expired leases and fails the job on its third expiry by default, without delivering it', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const clock: Clock = { now: () => now };
    const leaseMs = 1000;
    const first = await openQueue({ clock, leaseMs });
    await first.enqueue({ id: 'poison', type: 'run', payload: null, maxAttempts: 10 });
    let worker = first;
    for (let delivery = 1; delivery <= 3; delivery += 1) {
      const { calls, handler } = gatedHandler();
      worker.start(handler, { concurrency: 1 });
      await waitFor(() => calls.length === 1);
      expect(calls[0]!.job.attempts).toBe(delivery);
      expect(rawJob('poison')).toMatchObject({ status: 'running', lease_expiries: delivery - 1 });
      await worker.simulateCrash();
      now += leaseMs;
      worker = await openQueue({ clock, leaseMs });
    }
    const delivered: Job[] = [];
    worker.start(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 1 },
    );
    await worker.drain();
    expect(delivered).toEqual([]);
    expect(rawJob('poison')).toMatchObject({
      status: 'failed',
      attempts: 3,
      max_attempts: 10,
      lease_expiries: 3,
      last_error: gaveUpAfterThree,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: new Date(now).toISOString(),
    });
    expect(await worker.get('poison')).toMatchObject({ status: 'failed', lastError: gaveUpAfterThree });
  });

  it('never claims a job whose expired lease uses up the budget, even before the give-up runs', async () => {
    // The lease runs out between a poll's give-up and its claim: the clock reads just before
    // the expiry for the give-up, and the expiry itself for the claim that follows it.
    const expiry = Date.parse('2030-01-01T00:00:00.000Z');
    let reads = 0;
    let steady = false;
    const clock: Clock = {
      now: () => {
        reads += 1;
        return steady || reads % 2 === 0 ? expiry : expiry - 1;
      },
    };
    const seed = await openQueue();
    await seed.enqueue({ id: 'poison', type: 'run', payload: null, maxAttempts: 10 });
    await seed.close();
    const raw = new Database(file);
    try {
      raw
        .prepare(
          "update goosuke_jobs set status = 'running', attempts = 3, lease_expiries = 2, lease_owner = 'dead-worker', lease_expires_at = ? where id = 'poison'",
        )
        .run(expiry);
    } finally {
      raw.close();
    }
    const worker = await openQueue({ clock, maxLeaseExpiries: 3 });
    const delivered: Job[] = [];
    worker.start(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 1 },
    );
    await waitFor(() => reads >= 40);
    expect(delivered).toEqual([]);
    // Still running: only the claim, never the give-up, saw the expired lease.
    expect(rawJob('poison')).toMatchObject({ status: 'running', lease_owner: 'dead-worker', attempts: 3 });
    steady = true;
    await worker.drain();
    expect(delivered).toEqual([]);
    expect(rawJob('poison')).toMatchObject({ status: 'failed', attempts: 3, lease_expiries: 3 });
  });

  it('gives a job up on its first expiry with maxLeaseExpiries 1, and says so in the singular', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const clock: Clock = { now: () => now };
    const dying = await openQueue({ clock, leaseMs: 1000, maxLeaseExpiries: 1 });
    const { calls, handler } = gatedHandler();
    await dying.enqueue({ id: 'fragile', type: 'run', payload: null });
    dying.start(handler, { concurrency: 1 });
    await waitFor(() => calls.length === 1);
    await dying.simulateCrash();
    now += 1000;
    const worker = await openQueue({ clock, leaseMs: 1000, maxLeaseExpiries: 1 });
    const delivered: Job[] = [];
    worker.start(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 1 },
    );
    await worker.drain();
    expect(delivered).toEqual([]);
    expect(await worker.get('fragile')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'gave up on the job: its worker stopped 1 time without finishing it (its lease expired)',
    });
  });

  it('refuses a maxLeaseExpiries that is not a positive integer', async () => {
    for (const maxLeaseExpiries of [0, -1, 1.5, Number.NaN]) {
      await expect(openQueue({ maxLeaseExpiries })).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});

describe('durability', () => {
  it('keeps a job across a restart: enqueued in one handle, run by a handle opened later', async () => {
    const first = await openQueue();
    await first.enqueue({ id: 'survivor', type: 'run', payload: { keep: true } });
    await first.close();
    const second = await openQueue();
    const seen: Job[] = [];
    second.start(
      async (job) => {
        seen.push(job);
      },
      { concurrency: 1 },
    );
    await second.drain();
    expect(seen).toMatchObject([{ id: 'survivor', payload: { keep: true }, attempts: 1 }]);
  });

  it('close aborts running handlers, waits for them and puts their jobs back for redelivery', async () => {
    const first = await openQueue({ leaseMs: 60_000 });
    let finished = false;
    await first.enqueue({ id: 'interrupted', type: 'run', payload: null });
    await first.enqueue({ id: 'resolves-when-aborted', type: 'run', payload: null });
    first.start(
      (job, { signal }) =>
        new Promise<void>((resolve, reject) => {
          signal.addEventListener('abort', () => {
            setTimeout(() => {
              finished = true;
              if (job.id === 'resolves-when-aborted') resolve();
              else reject(signal.reason);
            }, 20);
          });
        }),
      { concurrency: 2 },
    );
    await waitFor(async () => (await first.get('resolves-when-aborted'))?.status === 'running');
    await waitFor(async () => (await first.get('interrupted'))?.status === 'running');
    await Promise.all([first.close(), first.close()]);
    expect(finished).toBe(true);
    expect(rawJob('interrupted')).toMatchObject({ status: 'queued', attempts: 1, lease_owner: null });
    expect(rawJob('resolves-when-aborted')).toMatchObject({
      status: 'queued',
      attempts: 1,
      lease_owner: null,
    });
    await expect(first.enqueue({ id: 'late', type: 'run', payload: null })).rejects.toBeInstanceOf(
      GoosukeError,
    );

    const second = await openQueue({ leaseMs: 60_000 });
    const seen: Job[] = [];
    second.start(
      async (job) => {
        seen.push(job);
      },
      { concurrency: 1 },
    );
    await second.drain();
    expect(seen.map((job) => [job.id, job.attempts])).toEqual([
      ['interrupted', 2],
      ['resolves-when-aborted', 2],
    ]);
  });
});

describe('sharing a connection with the store', () => {
  it('enqueues inside a store transaction atomically and leaves the store handle open', async () => {
    const store = directory.track(await createSqliteStore({ database: file }));
    const queue = directory.track(
      await createSqliteJobQueue({ database: store.database, pollIntervalMs: 10, leaseMs: 300 }),
    );
    const failure = new Error('roll back');
    await expect(
      store.transaction(async (transaction) => {
        await transaction.repos.insert(aRepo());
        await queue.enqueue({ id: 'rolled-back', type: 'run', payload: null });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await queue.get('rolled-back')).toBeNull();

    const seen: string[] = [];
    queue.start(
      async (job) => {
        seen.push(job.id);
      },
      { concurrency: 1 },
    );
    const repo = aRepo();
    await store.transaction(async (transaction) => {
      await transaction.repos.insert(repo);
      await queue.enqueue({ id: 'committed', type: 'run', payload: { repoId: repo.id } });
      await sleep(40);
      // The queue's worker waits for the transaction: nothing is delivered before the commit.
      expect(seen).toEqual([]);
    });
    await queue.drain();
    expect(seen).toEqual(['committed']);
    await queue.close();
    expect(store.database.open).toBe(true);
    expect(await store.repos.get(repo.id)).toEqual(repo);
  });
});
