import { describe, expect, it } from 'vitest';
import { expectGoosukeError, rejectionOf } from './conformance-assertions.ts';
import type { LanguageModelConformanceContext } from './language-model-conformance.ts';
import {
  abortedSignal,
  ask,
  expectProviderError,
  expectSecretAbsent,
  promptlyMs,
  testTimeoutMs,
  wrongKey,
} from './language-model-conformance-support.ts';
import { waitUntil } from './wait-until.ts';

/** Failures of `generate`: what is retried, what is not, what the error says and never says. */
export function describeLanguageModelErrorCases({ subject }: LanguageModelConformanceContext): void {
  describe('errors and retries', () => {
    it(
      'a rejected key is a non-retryable ProviderError after one request, saying what to check, the key nowhere',
      async () => {
        const fake = await subject();
        const key = wrongKey();
        const model = fake.model({ apiKey: key });
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(error.status, 'the HTTP status of the refusal').toBeGreaterThanOrEqual(400);
        expect(error.status).toBeLessThan(500);
        expect(error.retryable).toBe(false);
        expect(error.message).toContain(fake.keyVariable);
        expectSecretAbsent(error, key);
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'redacts the key from an error whose server explanation echoes it, keeping the rest on one line',
      async () => {
        const fake = await subject();
        fake.respond({
          kind: 'http-error',
          status: 400,
          message: `the request for key ${fake.apiKey} was refused\nsecond line`,
        });
        const model = fake.model();
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(error).toMatchObject({ status: 400, retryable: false });
        expect(error.message).toContain('was refused');
        expect(error.message).toContain('***');
        expectSecretAbsent(error, fake.apiKey);
      },
      testTimeoutMs,
    );

    it(
      'waits the retry delay a 429 asks for, then succeeds',
      async () => {
        const fake = await subject();
        fake.respond(
          { kind: 'http-error', status: 429, message: 'slow down', retryAfterMs: 50 },
          { kind: 'reply', text: 'finally' },
        );
        const retries: Array<{ attempt: number; delayMs: number; status: number | null }> = [];
        const started = performance.now();
        const generation = await fake
          .model({
            maxRetries: 2,
            onRetry: ({ attempt, delayMs, error }) =>
              retries.push({ attempt, delayMs, status: error.status }),
          })
          .generate(ask);
        const elapsed = performance.now() - started;
        expect(generation.text).toBe('finally');
        expect(retries).toEqual([{ attempt: 1, delayMs: 50, status: 429 }]);
        expect(elapsed).toBeGreaterThanOrEqual(45);
        expect(elapsed).toBeLessThan(2000);
        expect(fake.requests()).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      'gives up after maxRetries + 1 attempts of a 5xx, with the last one as a retryable ProviderError',
      async () => {
        const fake = await subject();
        const failure = {
          kind: 'http-error',
          status: 500,
          message: 'The server had an error',
          retryAfterMs: 5,
        } as const;
        fake.respond(failure, failure, failure, { kind: 'reply', text: 'too late' });
        const attempts: number[] = [];
        const model = fake.model({ maxRetries: 2, onRetry: ({ attempt }) => attempts.push(attempt) });
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(error).toMatchObject({ status: 500, retryable: true });
        expect(error.message).toContain('The server had an error');
        expect(attempts).toEqual([1, 2]);
        expect(fake.requests()).toHaveLength(3);
        expect(fake.pending()).toBe(1);
      },
      testTimeoutMs,
    );

    it(
      "does not retry a 400 and keeps the server's explanation",
      async () => {
        const fake = await subject();
        fake.respond(
          { kind: 'http-error', status: 400, message: 'Unsupported parameter: roles must alternate' },
          { kind: 'reply', text: 'unused' },
        );
        const model = fake.model({ maxRetries: 2 });
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(error).toMatchObject({ status: 400, retryable: false });
        expect(error.message).toContain('Unsupported parameter: roles must alternate');
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'turns a slow answer into a retryable ProviderError without status that names the time limit',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'late', delayMs: 1500 });
        const model = fake.model({ timeoutMs: 100, maxRetries: 0 });
        const started = performance.now();
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(performance.now() - started).toBeLessThan(promptlyMs);
        expect(error).toMatchObject({ status: null, retryable: true });
        expect(error.message).toMatch(/time/i);
        expect(error.message).toContain('100 ms');
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'retries an attempt that timed out',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'late', delayMs: 1500 }, { kind: 'reply', text: 'in time' });
        const generation = await fake.model({ timeoutMs: 150, maxRetries: 1 }).generate(ask);
        expect(generation.text).toBe('in time');
        expect(fake.requests()).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      'turns an unreachable server into a retryable ProviderError with status null',
      async () => {
        const fake = await subject();
        const model = fake.model({ unreachable: true, maxRetries: 0 });
        const error = expectProviderError(await rejectionOf(() => model.generate(ask)), model);
        expect(error).toMatchObject({ status: null, retryable: true });
        expect(error.message).toMatch(/reach/i);
      },
      testTimeoutMs,
    );

    it(
      'is canceled, without a request, when the signal is already aborted',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'unused' });
        const model = fake.model();
        expectGoosukeError(
          await rejectionOf(() => model.generate({ ...ask, signal: abortedSignal() })),
          'canceled',
        );
        expect(fake.requests()).toHaveLength(0);
      },
      testTimeoutMs,
    );

    it(
      'is canceled promptly when the signal aborts during a call',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'late', delayMs: 3000 });
        const controller = new AbortController();
        const model = fake.model();
        const call = rejectionOf(() => model.generate({ ...ask, signal: controller.signal }));
        await waitUntil(() => fake.requests().length === 1, { message: 'the fake received the call' });
        const abortedAt = performance.now();
        controller.abort(new Error('stopped by the test'));
        expectGoosukeError(await call, 'canceled');
        expect(performance.now() - abortedAt).toBeLessThan(promptlyMs);
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'is canceled promptly when the signal aborts while waiting to retry',
      async () => {
        const fake = await subject();
        fake.respond(
          { kind: 'http-error', status: 429, message: 'slow down', retryAfterMs: 5000 },
          { kind: 'reply', text: 'unused' },
        );
        const controller = new AbortController();
        const model = fake.model({
          maxRetries: 2,
          onRetry: () => setTimeout(() => controller.abort(new Error('stopped by the test')), 20),
        });
        const started = performance.now();
        expectGoosukeError(
          await rejectionOf(() => model.generate({ ...ask, signal: controller.signal })),
          'canceled',
        );
        expect(performance.now() - started).toBeLessThan(promptlyMs);
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );
  });
}
