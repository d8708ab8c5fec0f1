import { describe, expect, it } from 'vitest';
import { createKeyedMutex, createLimiter } from './keyed-mutex.ts';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('createKeyedMutex', () => {
  it('runs work of one key one at a time, in call order, even after a failure', async () => {
    const mutex = createKeyedMutex();
    const order: string[] = [];
    const first = mutex.run('k', async () => {
      await tick();
      order.push('first');
      throw new Error('boom');
    });
    const second = mutex.run('k', async () => {
      order.push('second');
      return 2;
    });
    await expect(first).rejects.toThrow('boom');
    expect(await second).toBe(2);
    expect(order).toEqual(['first', 'second']);
  });
});

describe('createLimiter', () => {
  it('runs at most `limit` tasks at once, starting them in call order', async () => {
    const limiter = createLimiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((index) =>
        limiter.run(async () => {
          started.push(index);
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
          return index * 10;
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = createLimiter(1);
    await expect(
      limiter.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});
