import { describe, expect, it } from 'vitest';
import { createKeyedLimiter } from './keyed-limiter.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('createKeyedLimiter', () => {
  it('runs at most the limit per key, in arrival order, and keys independently', async () => {
    const limiter = createKeyedLimiter((key) => (key === 'openai' ? 2 : undefined));
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const tasks = gates.map((gate, index) =>
      limiter.run('openai', async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    const free = Array.from({ length: 5 }, (_, index) => limiter.run('ollama', async () => index));
    expect(await Promise.all(free)).toEqual([0, 1, 2, 3, 4]);
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.active('openai')).toBe(2);
    gates[1]!.resolve();
    await tasks[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.active('openai')).toBe(2);
    gates[0]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2]);
    expect(limiter.active('openai')).toBe(0);
  });

  it('releases the slot when the work throws, and stops waiting when the signal aborts', async () => {
    const limiter = createKeyedLimiter(() => 1);
    const gate = deferred();
    const first = limiter.run('k', () => gate.promise);
    const controller = new AbortController();
    const waiting = limiter.run('k', async () => 'never', controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    gate.resolve();
    await first;
    await expect(limiter.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run('k', async () => 'next')).toBe('next');
    expect(limiter.active('k')).toBe(0);
  });
});
