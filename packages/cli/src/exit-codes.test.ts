import {
  ConflictError,
  GoosukeError,
  goosukeErrorCodes,
  InvalidInputError,
  NotFoundError,
  ProviderError,
  UnsupportedError,
} from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './configuration-error.ts';
import { describeExitCodes, exitCodeFor, exitCodes, exitCodeTable } from './exit-codes.ts';

describe('exit codes', () => {
  it('map every GoosukeError code, plus configuration errors', () => {
    expect(Object.keys(exitCodeTable).sort()).toEqual([...goosukeErrorCodes, 'configuration'].sort());
  });

  it('exit 3 for configuration errors: a secret key problem or a ConfigurationError of any code', () => {
    expect(exitCodeFor(new GoosukeError('secret_key', 'GOOSUKE_SECRET_KEY is not set'))).toBe(3);
    expect(exitCodeFor(new ConfigurationError('unsupported', 'GOOSUKE_DATABASE_URL is not supported'))).toBe(
      3,
    );
    // Not from the configuration: something the command line asked for that this build cannot do.
    expect(exitCodeFor(new UnsupportedError('no such thing'))).toBe(2);
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

  it('keep success, failure, usage and configuration at 0, 1, 2 and 3', () => {
    expect(exitCodes).toEqual({ success: 0, failure: 1, usage: 2, configuration: 3, internal: 70 });
  });

  it('describe each exit code once, in order', () => {
    const described = describeExitCodes().map(([code]) => code);
    expect(described).toEqual([0, 1, 2, 3, 69, 70, 74, 75, 77, 130]);
  });
});
