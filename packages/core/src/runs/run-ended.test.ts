import { describe, expect, it } from 'vitest';
import { buildRun } from '../testing/index.ts';
import { createRunEndedEvent } from './run-ended.ts';

describe('createRunEndedEvent', () => {
  it('calls the listeners in order, awaiting each, and drops what they throw', async () => {
    const event = createRunEndedEvent();
    const calls: string[] = [];
    event.subscribe(async (run) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      calls.push(`slow ${run.id}`);
    });
    event.subscribe(() => {
      calls.push('throws');
      throw new Error('a broken listener');
    });
    event.subscribe(async () => {
      calls.push('rejects');
      throw new Error('a broken async listener');
    });
    event.subscribe((run) => {
      calls.push(`last ${run.status}`);
    });
    const run = buildRun({ status: 'succeeded' });
    await expect(event.announce(run)).resolves.toBeUndefined();
    expect(calls).toEqual([`slow ${run.id}`, 'throws', 'rejects', 'last succeeded']);
  });

  it('stops calling a listener once unsubscribed, each subscription on its own', async () => {
    const event = createRunEndedEvent();
    const seen: string[] = [];
    const listener = (run: { id: string }) => void seen.push(run.id);
    const first = event.subscribe(listener);
    event.subscribe(listener);
    await event.announce(buildRun({ id: 'run-1' }));
    first();
    await event.announce(buildRun({ id: 'run-2' }));
    expect(seen).toEqual(['run-1', 'run-1', 'run-2']);
  });
});
