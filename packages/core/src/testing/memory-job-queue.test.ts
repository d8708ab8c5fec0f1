import { describe, expect, it } from 'vitest';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { JobQueue } from '../ports/index.ts';
import { describeJobQueueConformance } from './job-queue-conformance.ts';
import {
  createMemoryJobQueue,
  createMemoryJobQueueBacking,
  type MemoryJobQueue,
  type MemoryJobQueueBacking,
} from './memory-job-queue.ts';
import { waitUntil } from './wait-until.ts';

let backing: MemoryJobQueueBacking | null = null;

describeJobQueueConformance('memory', {
  open: async ({ leaseMs, maxLeaseExpiries }) => {
    backing ??= createMemoryJobQueueBacking();
    return createMemoryJobQueue({ backing, leaseMs, maxLeaseExpiries });
  },
  crash: (queue: JobQueue) => (queue as MemoryJobQueue).simulateCrash(),
  cleanup: async () => {
    backing = null;
  },
});

describe('createMemoryJobQueue', () => {
  it('waits retryDelayMs between attempts', async () => {
    const queue = createMemoryJobQueue({ retryDelayMs: 150 });
    const startedAt: number[] = [];
    queue.start(
      async () => {
        startedAt.push(Date.now());
        throw new Error('again');
      },
      { concurrency: 1 },
    );
    await queue.enqueue({ id: 'retried', type: 'run', payload: null, maxAttempts: 2 });
    await queue.drain();
    expect(startedAt).toHaveLength(2);
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(145);
    await queue.close();
  });

  it('keeps handles on separate backings apart', async () => {
    const first = createMemoryJobQueue();
    const second = createMemoryJobQueue();
    await first.enqueue({ id: 'only-here', type: 'run', payload: null });
    expect(await second.get('only-here')).toBeNull();
    await Promise.all([first.close(), second.close()]);
  });

  it('refuses a second start and a concurrency below 1', async () => {
    const queue = createMemoryJobQueue();
    expect(() => queue.start(async () => {}, { concurrency: 0 })).toThrow(GoosukeError);
    queue.start(async () => {}, { concurrency: 1 });
    expect(() => queue.start(async () => {}, { concurrency: 1 })).toThrow(GoosukeError);
    await queue.close();
  });

  it('gives a job up on its third expired lease by default, and says why', async () => {
    const shared = createMemoryJobQueueBacking();
    const observer = createMemoryJobQueue({ backing: shared, leaseMs: 60 });
    await observer.enqueue({ id: 'poison', type: 'run', payload: null, maxAttempts: 10 });
    for (let delivery = 1; delivery <= 3; delivery += 1) {
      const dying = createMemoryJobQueue({ backing: shared, leaseMs: 60 });
      const seen: number[] = [];
      dying.start(
        (job) => {
          seen.push(job.attempts);
          return new Promise<void>(() => {});
        },
        { concurrency: 1 },
      );
      await waitUntil(() => seen.length === 1, { message: `delivery ${delivery}` });
      expect(seen).toEqual([delivery]);
      await dying.simulateCrash();
    }
    const delivered: string[] = [];
    observer.start(
      async (job) => {
        delivered.push(job.id);
      },
      { concurrency: 1 },
    );
    await waitUntil(async () => (await observer.get('poison'))?.status === 'failed', {
      message: 'the job is given up',
    });
    await observer.drain();
    expect(delivered).toEqual([]);
    expect(await observer.get('poison')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'gave up on the job: its worker stopped 3 times without finishing it (its lease expired)',
    });
    await observer.close();
  });

  it('refuses a maxLeaseExpiries that is not a positive integer', () => {
    for (const maxLeaseExpiries of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryJobQueue({ maxLeaseExpiries })).toThrow(InvalidInputError);
    }
  });

  it('ignores what a crashed handle does afterwards and resolves its close at once', async () => {
    const shared = createMemoryJobQueueBacking();
    const crashed = createMemoryJobQueue({ backing: shared, leaseMs: 100 });
    let finish: () => void = () => {};
    crashed.start(() => new Promise<void>((resolve) => (finish = resolve)), { concurrency: 1 });
    await crashed.enqueue({ id: 'held', type: 'run', payload: null });
    const observer = createMemoryJobQueue({ backing: shared });
    await waitUntil(async () => (await observer.get('held'))?.status === 'running');
    await crashed.simulateCrash();
    finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await observer.get('held'))?.status).toBe('running');
    await crashed.close();
    await observer.close();
  });
});
