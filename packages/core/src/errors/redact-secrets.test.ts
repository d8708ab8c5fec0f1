import { describe, expect, it } from 'vitest';
import { redactedCause } from './redact-secrets.ts';
import { ProviderError } from './subclasses.ts';

const key = 'sk-secret-0123456789';

class SdkError extends Error {
  readonly status = 401;
  readonly error = { type: 'authentication_error', message: `bad key ${key}` };
  readonly headers = new Headers({ 'x-request-id': 'req_1' });
}

describe('redactedCause', () => {
  it('keeps a cause that holds no secret as it is', () => {
    const cause = new SdkError('no key here');
    const clean = Object.assign(cause, { error: { message: 'fine' } });
    expect(redactedCause(clean, [key])).toBe(clean);
    expect(redactedCause(clean, [])).toBe(clean);
  });

  it('replaces a cause holding the key anywhere by a redacted copy that keeps the rest', () => {
    const nested = new Error(`connect failed for ${key}`);
    const cause = new SdkError(`401 ${key} refused`, { cause: nested });
    const copy = redactedCause(cause, [key, null]) as Error & Record<string, unknown>;
    expect(copy).not.toBe(cause);
    expect(copy.name).toBe('Error');
    expect(copy.message).toBe('401 *** refused');
    expect(copy.stack).not.toContain(key);
    expect(copy.status).toBe(401);
    expect(copy.error).toEqual({ type: 'authentication_error', message: 'bad key ***' });
    expect(copy.headers).toBeUndefined();
    expect((copy.cause as Error).message).toBe('connect failed for ***');
    expect(JSON.stringify(copy)).not.toContain(key);
  });

  it('redacts a string cause and drops another value that holds the key', () => {
    expect(redactedCause(`token ${key}`, [key])).toBe('token ***');
    expect(
      redactedCause({ request: { headers: { authorization: `Bearer ${key}` } } }, [key]),
    ).toBeUndefined();
  });
});

describe('ProviderError with secrets', () => {
  it('redacts the message and the cause chain', () => {
    const error = new ProviderError('openai', `rejected ${key}`, {
      status: 401,
      cause: new SdkError(`echo ${key}`),
      secrets: [key],
    });
    expect(error.message).toBe('rejected ***');
    expect((error.cause as Error).message).toBe('echo ***');
    expect(error.retryable).toBe(false);
  });
});
