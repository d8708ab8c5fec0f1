import { describe, expect, it } from 'vitest';
import { idSchema } from '../domain/index.ts';
import { createSequentialIdGenerator } from './sequential-id-generator.ts';

describe('createSequentialIdGenerator', () => {
  it('counts from 1 per prefix, padded to six digits', () => {
    const ids = createSequentialIdGenerator();
    expect(ids.next('run')).toBe('run_000001');
    expect(ids.next('run')).toBe('run_000002');
    expect(ids.next('task')).toBe('task_000001');
    expect(ids.next()).toBe('000001');
    expect(ids.next('run')).toBe('run_000003');
    expect(idSchema.safeParse(ids.next('model')).success).toBe(true);
  });

  it('is deterministic: two generators give the same ids', () => {
    const first = createSequentialIdGenerator();
    const second = createSequentialIdGenerator();
    const calls = ['a', 'b', 'a', undefined, 'a'];
    expect(calls.map((prefix) => first.next(prefix))).toEqual(calls.map((prefix) => second.next(prefix)));
  });

  it('never repeats an id', () => {
    const ids = createSequentialIdGenerator();
    const made = Array.from({ length: 2000 }, (_, index) => ids.next(index % 2 === 0 ? 'x' : undefined));
    expect(new Set(made).size).toBe(made.length);
  });
});
