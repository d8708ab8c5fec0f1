import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors/index.ts';
import type { ChatMessage, Generation } from '../ports/index.ts';
import { expectGoosukeError, rejectionOf } from './conformance-assertions.ts';
import type { LanguageModelConformanceContext } from './language-model-conformance.ts';
import {
  ask,
  expectProviderError,
  readStream,
  streamOf,
  testTimeoutMs,
  weatherTool,
} from './language-model-conformance-support.ts';

/** Answers, tool calls, usage, finish reasons and the capabilities a request honours. */
export function describeLanguageModelGenerateCases({ subject }: LanguageModelConformanceContext): void {
  describe('generate', () => {
    it(
      'names its provider and model and states its capabilities',
      async () => {
        const model = (await subject()).model();
        expect(model.provider.length).toBeGreaterThan(0);
        expect(model.modelId.length).toBeGreaterThan(0);
        expect(model.capabilities.maxOutputTokens).toBeGreaterThan(0);
        expect(model.capabilities.contextWindow).toBeGreaterThan(0);
      },
      testTimeoutMs,
    );

    it(
      'returns the text, no tool calls, the usage and the finish reason, in one request',
      async () => {
        const fake = await subject();
        fake.respond({
          kind: 'reply',
          text: 'Hello there',
          usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
        });
        const generation = await fake.model().generate(ask);
        expect(generation).toEqual({
          text: 'Hello there',
          toolCalls: [],
          usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
          finishReason: 'stop',
        } satisfies Generation);
        expect(fake.requests()).toHaveLength(1);
        expect(fake.requests()[0]).toMatchObject({ stream: false, toolNames: [] });
      },
      testTimeoutMs,
    );

    it(
      'counts tokens read from a prompt cache in the input and reports them apart',
      async () => {
        const fake = await subject();
        const usage = { inputTokens: 107, outputTokens: 9, cachedInputTokens: 100 };
        fake.respond({ kind: 'reply', text: 'cached', usage });
        expect((await fake.model().generate(ask)).usage).toEqual(usage);
      },
      testTimeoutMs,
    );

    it(
      'reports a length cut and a withheld answer',
      async () => {
        const fake = await subject();
        fake.respond(
          { kind: 'reply', text: 'cut', finishReason: 'length' },
          { kind: 'reply', text: '', finishReason: 'content-filter' },
        );
        const model = fake.model();
        expect(await model.generate(ask)).toMatchObject({ text: 'cut', finishReason: 'length' });
        expect(await model.generate(ask)).toMatchObject({
          text: '',
          toolCalls: [],
          finishReason: 'content-filter',
        });
      },
      testTimeoutMs,
    );

    it(
      'completes a tool round trip: tools offered, calls returned, results sent back',
      async () => {
        const fake = await subject();
        const calls = [
          { id: 'call_paris', name: 'get_weather', arguments: { city: 'Paris' } },
          { id: 'call_oslo', name: 'get_weather', arguments: { city: 'Oslo' } },
        ];
        fake.respond(
          { kind: 'reply', text: 'Let me check.', toolCalls: calls },
          { kind: 'reply', text: 'Sunny in Paris, rain in Oslo.' },
        );
        const model = fake.model();
        const question: ChatMessage = { role: 'user', content: 'Weather in Paris and Oslo?' };
        const first = await model.generate({ messages: [question], tools: [weatherTool] });
        expect(first).toMatchObject({ text: 'Let me check.', toolCalls: calls, finishReason: 'tool-calls' });
        expect(fake.requests()[0]!.toolNames).toEqual(['get_weather']);

        const second = await model.generate({
          tools: [weatherTool],
          messages: [
            question,
            { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
            { role: 'tool', toolCallId: 'call_paris', name: 'get_weather', content: 'sunny' },
            { role: 'tool', toolCallId: 'call_oslo', name: 'get_weather', content: 'rain' },
          ],
        });
        expect(second).toMatchObject({
          text: 'Sunny in Paris, rain in Oslo.',
          toolCalls: [],
          finishReason: 'stop',
        });
        expect(fake.requests()[1]!.toolResults).toEqual(['sunny', 'rain']);
      },
      testTimeoutMs,
    );

    it(
      'turns tool arguments that are not a JSON object into a non-retryable ProviderError naming the tool',
      async (context) => {
        const fake = await subject();
        const malformed = {
          kind: 'reply',
          toolCalls: [{ id: 'c1', name: 'get_weather', malformed: true }],
        } as const;
        fake.respond(malformed, malformed);
        const model = fake.model();
        const options = { ...ask, tools: [weatherTool] };
        const error = expectProviderError(await rejectionOf(() => model.generate(options)), model);
        expect(error.retryable).toBe(false);
        expect(error.message).toContain('get_weather');
        expect(fake.requests()).toHaveLength(1);

        const streamed = await readStream(streamOf(model, context)(options));
        const streamError = expectProviderError(streamed.error, model);
        expect(streamError.retryable).toBe(false);
        expect(streamError.message).toContain('get_weather');
        expect(streamed.deltas.filter((delta) => delta.type !== 'text')).toEqual([]);
        expect(fake.requests()).toHaveLength(2);
      },
      testTimeoutMs,
    );

    it(
      'caps the output limit at capabilities.maxOutputTokens and sends a smaller one as asked',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' });
        const model = fake.model({ capabilities: { maxOutputTokens: 1000 } });
        expect(model.capabilities.maxOutputTokens).toBe(1000);
        await model.generate({ ...ask, maxOutputTokens: 4000 });
        await model.generate({ ...ask, maxOutputTokens: 500 });
        expect(fake.requests().map((request) => request.maxOutputTokens)).toEqual([1000, 500]);
      },
      testTimeoutMs,
    );

    it(
      'sends a temperature only when the capabilities say the model takes one',
      async () => {
        const fake = await subject();
        fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' });
        await fake
          .model({ capabilities: { supportsTemperature: true } })
          .generate({ ...ask, temperature: 0.2 });
        await fake
          .model({ capabilities: { supportsTemperature: false } })
          .generate({ ...ask, temperature: 0.2 });
        expect(fake.requests().map((request) => request.temperature)).toEqual([0.2, null]);
      },
      testTimeoutMs,
    );

    it(
      'refuses tools for a model whose capabilities say it cannot call them, without a request',
      async (context) => {
        const fake = await subject();
        const model = fake.model({ capabilities: { supportsTools: false } });
        const options = { ...ask, tools: [weatherTool] };
        expectGoosukeError(await rejectionOf(() => model.generate(options)), 'unsupported');
        const streamed = await readStream(streamOf(model, context)(options));
        expectGoosukeError(streamed.error, 'unsupported');
        expect(streamed.error).not.toBeInstanceOf(ProviderError);
        expect(streamed.deltas).toEqual([]);
        expect(fake.requests()).toHaveLength(0);
      },
      testTimeoutMs,
    );
  });
}
