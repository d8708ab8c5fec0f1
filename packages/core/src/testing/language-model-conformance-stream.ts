import { describe, expect, it } from 'vitest';
import type { GenerationDelta, ToolCall } from '../ports/index.ts';
import { expectGoosukeError } from './conformance-assertions.ts';
import type { LanguageModelConformanceContext } from './language-model-conformance.ts';
import {
  abortedSignal,
  ask,
  expectOneFinishLast,
  expectProviderError,
  expectSecretAbsent,
  promptlyMs,
  readStream,
  streamOf,
  testTimeoutMs,
  weatherTool,
  wrongKey,
} from './language-model-conformance-support.ts';

const usage = { inputTokens: 9, outputTokens: 3, cachedInputTokens: 4 };

/** Streamed answers: deltas, the one finish, retries before the first delta only, stops and cuts. */
export function describeLanguageModelStreamCases({ subject }: LanguageModelConformanceContext): void {
  describe('stream', () => {
    it(
      'streams the text deltas as they come and ends with exactly one finish delta carrying the usage',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', textChunks: ['Hel', 'lo ', 'world'], usage });
        const { deltas, error } = await readStream(streamOf(fake.model(), context)(ask));
        expect(error).toBeUndefined();
        expect(deltas).toEqual([
          { type: 'text', text: 'Hel' },
          { type: 'text', text: 'lo ' },
          { type: 'text', text: 'world' },
          { type: 'finish', usage, finishReason: 'stop' },
        ] satisfies GenerationDelta[]);
        expect(fake.requests()).toHaveLength(1);
        expect(fake.requests()[0]!.stream).toBe(true);
      },
      testTimeoutMs,
    );

    it(
      'streams each tool call whole, after the text, and finishes with tool-calls',
      async (context) => {
        const fake = await subject();
        const calls: ToolCall[] = [
          { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris', days: [1, 2, 3] } },
          { id: 'call_2', name: 'get_weather', arguments: { city: 'Oslo' } },
        ];
        fake.respond({ kind: 'reply', textChunks: ['Checking.'], toolCalls: calls, usage });
        const { deltas, error } = await readStream(
          streamOf(fake.model(), context)({ ...ask, tools: [weatherTool] }),
        );
        expect(error).toBeUndefined();
        expect(deltas).toEqual([
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCall: calls[0]! },
          { type: 'tool-call', toolCall: calls[1]! },
          { type: 'finish', usage, finishReason: 'tool-calls' },
        ] satisfies GenerationDelta[]);
        expect(fake.requests()[0]!.toolNames).toEqual(['get_weather']);
      },
      testTimeoutMs,
    );

    it(
      'reports a streamed length cut in its finish delta',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', textChunks: ['partial'], finishReason: 'length' });
        const { deltas, error } = await readStream(streamOf(fake.model(), context)(ask));
        expect(error).toBeUndefined();
        expectOneFinishLast(deltas);
        expect(deltas.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
      },
      testTimeoutMs,
    );

    it(
      'retries a stream refused before its first delta',
      async (context) => {
        const fake = await subject();
        fake.respond(
          { kind: 'http-error', status: 503, message: 'unavailable', retryAfterMs: 5 },
          { kind: 'reply', textChunks: ['ok'] },
        );
        const { deltas, error } = await readStream(streamOf(fake.model({ maxRetries: 2 }), context)(ask));
        expect(error).toBeUndefined();
        expect(deltas.map((delta) => delta.type)).toEqual(['text', 'finish']);
        expect(deltas[0]).toEqual({ type: 'text', text: 'ok' });
        expect(fake.requests()).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      'retries a stream whose error frame comes before any delta',
      async (context) => {
        const fake = await subject();
        fake.respond(
          { kind: 'reply', textChunks: ['lost'], errorAfterChunks: { chunks: 0, message: 'Overloaded' } },
          { kind: 'reply', textChunks: ['kept'] },
        );
        const { deltas, error } = await readStream(streamOf(fake.model({ maxRetries: 2 }), context)(ask));
        expect(error).toBeUndefined();
        expect(deltas.filter((delta) => delta.type === 'text')).toEqual([{ type: 'text', text: 'kept' }]);
        expectOneFinishLast(deltas);
        expect(fake.requests()).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      "turns an error frame after a delta into a ProviderError with the server's explanation, without retrying",
      async (context) => {
        const fake = await subject();
        fake.respond(
          {
            kind: 'reply',
            textChunks: ['one ', 'two '],
            errorAfterChunks: { chunks: 1, message: 'overloaded mid-answer' },
          },
          { kind: 'reply', text: 'never used' },
        );
        const model = fake.model({ maxRetries: 2 });
        const { deltas, error } = await readStream(streamOf(model, context)(ask));
        expect(deltas).toEqual([{ type: 'text', text: 'one ' }]);
        expect(expectProviderError(error, model).message).toContain('overloaded mid-answer');
        expect(fake.requests()).toHaveLength(1);
        expect(fake.pending()).toBe(1);
      },
      testTimeoutMs,
    );

    it(
      'fails a stream cut before the model finished, instead of finishing it',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', textChunks: ['cut ', 'short'], endAfterChunks: 1 });
        const model = fake.model();
        const { deltas, error } = await readStream(streamOf(model, context)(ask));
        expect(deltas).toEqual([{ type: 'text', text: 'cut ' }]);
        expect(expectProviderError(error, model).status).toBeNull();
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'times out a stream that stalls after a delta, without retrying',
      async (context) => {
        const fake = await subject();
        fake.respond(
          { kind: 'reply', textChunks: ['one ', 'two '], stallAfterChunks: 1 },
          { kind: 'reply', text: 'never used' },
        );
        const model = fake.model({ timeoutMs: 150, maxRetries: 2 });
        const { deltas, error } = await readStream(streamOf(model, context)(ask));
        expect(deltas).toEqual([{ type: 'text', text: 'one ' }]);
        const timeout = expectProviderError(error, model);
        expect(timeout).toMatchObject({ status: null, retryable: true });
        expect(timeout.message).toContain('150 ms');
        expect(fake.requests()).toHaveLength(1);
        expect(fake.pending()).toBe(1);
      },
      testTimeoutMs,
    );

    it(
      'stops promptly with canceled when the signal aborts mid-stream, with no finish',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', textChunks: ['one ', 'two '], stallAfterChunks: 1 });
        const controller = new AbortController();
        const stream = streamOf(fake.model(), context)({ ...ask, signal: controller.signal });
        let abortedAt = Number.POSITIVE_INFINITY;
        // Aborts while the consumer waits for the next delta, which the fake never sends.
        const { deltas, error } = await readStream(stream, () =>
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort(new Error('stopped by the test'));
          }, 20),
        );
        expect(performance.now() - abortedAt).toBeLessThan(promptlyMs);
        expectGoosukeError(error, 'canceled');
        expect(deltas).toEqual([{ type: 'text', text: 'one ' }]);
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );

    it(
      'is canceled, without a request, when the signal is already aborted',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'unused' });
        const { deltas, error } = await readStream(
          streamOf(fake.model(), context)({ ...ask, signal: abortedSignal() }),
        );
        expectGoosukeError(error, 'canceled');
        expect(deltas).toEqual([]);
        expect(fake.requests()).toHaveLength(0);
      },
      testTimeoutMs,
    );

    it(
      'closes the HTTP response when the consumer stops reading',
      async (context) => {
        const fake = await subject();
        fake.respond({ kind: 'reply', textChunks: ['one ', 'two '], stallAfterChunks: 1 });
        let stoppedAt = Number.POSITIVE_INFINITY;
        for await (const delta of streamOf(fake.model(), context)(ask)) {
          expect(delta).toEqual({ type: 'text', text: 'one ' });
          expect(fake.openStreams(), 'the answer is still being sent').toBe(1);
          stoppedAt = performance.now();
          break;
        }
        expect(performance.now() - stoppedAt, 'leaving the loop does not wait for the rest').toBeLessThan(
          promptlyMs,
        );
        const deadline = Date.now() + promptlyMs;
        while (fake.openStreams() > 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(fake.openStreams()).toBe(0);
      },
      testTimeoutMs,
    );

    it(
      'refuses a rejected key on a stream as on a call: one request, not retried, the key nowhere',
      async (context) => {
        const fake = await subject();
        const key = wrongKey();
        const model = fake.model({ apiKey: key, maxRetries: 2 });
        const { deltas, error } = await readStream(streamOf(model, context)(ask));
        expect(deltas).toEqual([]);
        const refusal = expectProviderError(error, model);
        expect(refusal.retryable).toBe(false);
        expect(refusal.message).toContain(fake.keyVariable);
        expectSecretAbsent(refusal, key);
        expect(fake.requests()).toHaveLength(1);
      },
      testTimeoutMs,
    );
  });
}
