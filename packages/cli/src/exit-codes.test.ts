import {
  ConflictError,
  GoosukeError,
  goosukeErrorCodes,
  InvalidInputError,
  NotFoundError,
  ProviderError,
} from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { describeExitCodes, exitCodeFor, exitCodes, exitCodeTable } from './exit-codes.ts';

describe('exit codes', () => {
  it('map every GoosukeError code', () => {
    expect(Object.keys(exitCodeTable).sort()).toEqual([...goosukeErrorCodes].sort());
  });

  it('map errors to the documented codes', () => {
    expect(exitCodeFor(new InvalidInputError('bad flag'))).toBe(2);
    expect(exitCodeFor(new NotFoundError('task', 't1'))).toBe(2);
    expect(exitCodeFor(new GoosukeError('edit_failed', 'hunk 2 did not apply'))).toBe(1);
    expect(exitCodeFor(new ConflictError('already exists'))).toBe(1);
    expect(exitCodeFor(new ProviderError('openai', 'rate limited', { status: 429 }))).toBe(69);
    expect(exitCodeFor(new GoosukeError('internal', 'bug'))).toBe(70);
    expect(exitCodeFor(new GoosukeError('storage', 'disk full'))).toBe(74);
    expect(exitCodeFor(new GoosukeError('canceled', 'stopped'))).toBe(130);
  });

  it('treat anything that is not a GoosukeError as internal', () => {
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(exitCodes.internal);
    expect(exitCodeFor('a thrown string')).toBe(70);
    expect(exitCodeFor(undefined)).toBe(70);
  });

  it('keep success, failure and usage at 0, 1 and 2', () => {
    expect(exitCodes).toEqual({ success: 0, failure: 1, usage: 2, internal: 70 });
  });

  it('describe each exit code once, in order', () => {
    const described = describeExitCodes().map(([code]) => code);
    expect(described).toEqual([0, 1, 2, 69, 70, 74, 75, 77, 78, 130]);
  });
});
