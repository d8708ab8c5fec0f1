import type { IdGenerator } from '../ports/index.ts';

/**
 * An IdGenerator that counts from 1 per prefix and pads to six digits: `next('run')`
 * gives `run_000001`, then `run_000002`; `next('task')` starts its own count at
 * `task_000001`; without a prefix, `000001`. Deterministic: two generators give the same ids.
 */
export function createSequentialIdGenerator(): IdGenerator {
  const counts = new Map<string, number>();
  return {
    next(prefix?: string): string {
      const key = prefix ?? '';
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      const digits = String(count).padStart(6, '0');
      return prefix ? `${prefix}_${digits}` : digits;
    },
  };
}
