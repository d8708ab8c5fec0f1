import { describe, expect, it } from 'vitest';
import { GoosukeError, ProviderError, redactSecrets } from '../errors/index.ts';
import { parseRetryAfter, withProviderRetry } from './provider-retry.ts';

function failing(...errors: Error[]) {
  const calls: number[] = [];
  return {
    calls,
    call: async (attempt: number) => {
      calls.push(attempt);
      const error = errors[attempt - 1];
      if (error) throw error;
      return 'ok';
    },
  };
}

describe('withProviderRetry', () => {
  it('retries 429 and 5xx, honouring retry-after, then succeeds', async () => {
    const waits: number[] = [];
    const { call, calls } = failing(
      new ProviderError('openai', 'rate limited', { status: 429, retryAfterMs: 5 }),
      new ProviderError('openai', 'bad gateway', { status: 502 }),
    );
    const result = await withProviderRetry(call, {
      baseDelayMs: 1,
      onRetry: ({ delayMs }) => waits.push(delayMs),
    });
    expect(result).toBe('ok');
    expect(calls).toEqual([1, 2, 3]);
    expect(waits[0]).toBe(5);
    expect(waits[1]).toBeGreaterThanOrEqual(1.6);
    expect(waits[1]).toBeLessThanOrEqual(2.4);
  });

  it('never retries a bad key, and stops after maxRetries', async () => {
    const unauthorized = failing(new ProviderError('anthropic', 'invalid x-api-key', { status: 401 }));
    await expect(withProviderRetry(unauthorized.call)).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
    expect(unauthorized.calls).toEqual([1]);
    const busy = new ProviderError('google', 'overloaded', { status: 503, retryAfterMs: 0 });
    const always = failing(busy, busy, busy, busy);
    await expect(withProviderRetry(always.call, { maxRetries: 2 })).rejects.toBe(busy);
    expect(always.calls).toEqual([1, 2, 3]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const slow = failing(new ProviderError('openai', 'rate limited', { status: 429, retryAfterMs: 60_000 }));
    const pending = withProviderRetry(slow.call, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    const error = await pending.catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
  });
});

describe('parseRetryAfter', () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

  it('reads milliseconds, seconds and HTTP dates', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfter(headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(parseRetryAfter(headers({}))).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('redactSecrets', () => {
  it('removes every occurrence of each secret and leaves short values alone', () => {
    expect(redactSecrets('key sk-abc123 failed; sk-abc123 again', ['sk-abc123', null, 'ab'])).toBe(
      'key *** failed; *** again',
    );
  });
});
