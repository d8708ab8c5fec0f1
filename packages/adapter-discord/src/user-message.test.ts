import { PayloadTooLargeError, RateLimitedError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { userMessage } from './user-message.ts';

describe('userMessage for the limits', () => {
  it('tells the member what limit was reached, in one short line', () => {
    expect(userMessage(new PayloadTooLargeError('instruction', 204_800, 300_000))).toBe(
      '⚠️ the instruction is 300000 bytes, over the limit of 204800 bytes',
    );
    expect(
      userMessage(new RateLimitedError('too many runs at once; wait for some to end', 30, { limit: 24 })),
    ).toBe('⚠️ too many runs at once; wait for some to end');
  });
});
