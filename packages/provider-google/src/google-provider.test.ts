import { type GenerationDelta, GoosukeError, type LanguageModel, ProviderError } from '@goosuke/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearGoogleClientCache, googleClientCacheSize, googleClientFor } from './google-client-cache.ts';
import { createGoogleProvider, type GoogleProviderOptions } from './google-provider.ts';
import { type FakeGoogleServer, startFakeGoogleServer } from './testing/index.ts';

// The SDK reads these when options are missing; none may leak into the tests.
const sdkVariables = [
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GEMINI_BASE_URL',
  'GOOGLE_VERTEX_BASE_URL',
  'GOOGLE_GENAI_USE_VERTEXAI',
  'GOOGLE_GENAI_USE_ENTERPRISE',
  'GOOGLE_GENAI_API_VERSION',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_CLOUD_LOCATION',
];
const savedEnvironment = new Map<string, string | undefined>();

const apiKey = 'AIzaFakeGeminiKey-0123456789abcdef';
let fake: FakeGoogleServer;

beforeAll(async () => {
  for (const name of sdkVariables) {
    savedEnvironment.set(name, process.env[name]);
    delete process.env[name];
  }
  fake = await startFakeGoogleServer({ apiKey });
});

afterAll(async () => {
  await fake.close();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  fake.requests.length = 0;
});

afterEach(() => {
  expect(fake.pending()).toBe(0);
});

function model(modelId = 'gemini-2.5-pro', options: Partial<GoogleProviderOptions> = {}): LanguageModel {
  return createGoogleProvider({ apiKey, baseUrl: fake.url, ...options })(modelId);
}

async function collect(stream: AsyncIterable<GenerationDelta>): Promise<GenerationDelta[]> {
  const deltas: GenerationDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createGoogleProvider: generate', () => {
  it('returns text, usage and finish reason, sending the key only in x-goog-api-key', async () => {
    fake.respond({
      kind: 'reply',
      text: 'Hello there',
      usage: { promptTokenCount: 12, candidatesTokenCount: 3 },
    });
    const llm = model();
    expect(llm.provider).toBe('google');
    expect(llm.modelId).toBe('gemini-2.5-pro');
    expect(llm.capabilities.outputLimitParameter).toBe('maxOutputTokens');

    const generation = await llm.generate({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(generation).toEqual({
      text: 'Hello there',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
      finishReason: 'stop',
    });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(request.query).toEqual({});
    expect(request.headers['x-goog-api-key']).toBe(apiKey);
    expect(JSON.stringify(request.query)).not.toContain(apiKey);
    expect(request.body?.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
    // SDK-only settings must not leak onto the wire.
    expect(JSON.stringify(request.body)).not.toMatch(/automaticContinuation|abortSignal|httpOptions/);
  });

  it('maps the system prompt, the multi-turn history and the generation settings', async () => {
    fake.respond({ kind: 'reply', text: 'Fine.' });
    await model().generate({
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'How are you?' },
      ],
      maxOutputTokens: 500,
      temperature: 0.2,
    });
    const body = fake.requests[0]!.body!;
    expect(body.systemInstruction).toEqual({ role: 'user', parts: [{ text: 'You are terse.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Hi!' }] },
      { role: 'user', parts: [{ text: 'How are you?' }] },
    ]);
    expect(body.generationConfig).toEqual({ maxOutputTokens: 500, temperature: 0.2 });
  });

  it('caps maxOutputTokens at the capabilities and omits temperature when unsupported', async () => {
    fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' }, { kind: 'reply', text: 'c' });
    await model('gemini-2.5-flash').generate({
      messages: [{ role: 'user', content: 'x' }],
      maxOutputTokens: 1e6,
    });
    expect(fake.requests[0]!.body!.generationConfig).toEqual({ maxOutputTokens: 65_536 });

    const limited = createGoogleProvider({ apiKey, baseUrl: fake.url })('gemini-2.5-flash', {
      capabilities: { maxOutputTokens: 1_000, supportsTemperature: false },
    });
    await limited.generate({
      messages: [{ role: 'user', content: 'x' }],
      maxOutputTokens: 4_000,
      temperature: 1,
    });
    expect(fake.requests[1]!.body!.generationConfig).toEqual({ maxOutputTokens: 1_000 });

    await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(fake.requests[2]!.body!.generationConfig ?? {}).toEqual({});
  });

  it('counts thinking tokens as output and reports cached input tokens', async () => {
    fake.respond({
      kind: 'reply',
      text: 'ok',
      usage: {
        promptTokenCount: 100,
        candidatesTokenCount: 7,
        thoughtsTokenCount: 30,
        cachedContentTokenCount: 64,
      },
    });
    const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generation.usage).toEqual({ inputTokens: 100, outputTokens: 37, cachedInputTokens: 64 });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content-filter'],
    ['RECITATION', 'content-filter'],
    ['BLOCKLIST', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['OTHER', 'other'],
  ])('maps finish reason %s to %s', async (google, goosuke) => {
    fake.respond({ kind: 'reply', text: 'partial', finishReason: google });
    const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generation.finishReason).toBe(goosuke);
  });

  it('turns a blocked prompt (no candidates) into content-filter, not a silent empty answer', async () => {
    fake.respond({
      kind: 'raw',
      body: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9 } },
    });
    const generation = await model().generate({ messages: [{ role: 'user', content: 'bad' }] });
    expect(generation).toEqual({
      text: '',
      toolCalls: [],
      usage: { inputTokens: 9, outputTokens: 0, cachedInputTokens: 0 },
      finishReason: 'content-filter',
    });
  });

  it('fails with a ProviderError when the answer has neither candidates nor a block reason', async () => {
    fake.respond({ kind: 'raw', body: { usageMetadata: { promptTokenCount: 9 } } });
    const error = await rejection(
      model('gemini-2.5-pro', { maxRetries: 0 }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/no candidate/);
  });
});

describe('createGoogleProvider: tools', () => {
  const weatherTool = {
    name: 'get_weather',
    description: 'Current weather of a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('runs a tool round trip: declarations, functionCall, functionResponse, answer', async () => {
    fake.respond({ kind: 'reply', functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
    const llm = model();
    const first = await llm.generate({
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.text).toBe('');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
    expect(call.id).toMatch(/^goosuke-call-/);
    expect(fake.requests[0]!.body!.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather of a city',
            parametersJsonSchema: weatherTool.inputSchema,
          },
        ],
      },
    ]);

    fake.respond({ kind: 'reply', text: 'It is sunny in Paris.' });
    const second = await llm.generate({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, name: 'get_weather', content: 'sunny, 21 °C' },
      ],
      tools: [weatherTool],
    });
    expect(second).toMatchObject({ text: 'It is sunny in Paris.', finishReason: 'stop', toolCalls: [] });
    // An id Gemini never gave is not sent back to it.
    expect(fake.requests[1]!.body!.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny, 21 °C' } } }],
      },
    ]);
  });

  it('keeps Gemini ids and thought signatures, groups parallel results and marks errors', async () => {
    fake.respond({
      kind: 'reply',
      text: 'Checking both.',
      functionCalls: [
        { id: 'fc-1', name: 'get_weather', args: { city: 'Paris' }, thoughtSignature: 'c2lnbmF0dXJlLTE=' },
        { id: 'fc-2', name: 'get_weather', args: { city: 'Oslo' } },
      ],
    });
    const llm = model('gemini-3-pro-preview');
    const first = await llm.generate({
      messages: [{ role: 'user', content: 'Paris and Oslo?' }],
      tools: [weatherTool],
    });
    expect(first.text).toBe('Checking both.');
    expect(first.toolCalls.map((call) => call.id)).toEqual(['fc-1', 'fc-2']);

    fake.respond({ kind: 'reply', text: 'Done.' });
    await llm.generate({
      messages: [
        { role: 'user', content: 'Paris and Oslo?' },
        { role: 'assistant', content: 'Checking both.', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'fc-1', name: 'get_weather', content: 'sunny' },
        { role: 'tool', toolCallId: 'fc-2', name: 'get_weather', content: 'city unknown', isError: true },
      ],
      tools: [weatherTool],
    });
    expect(fake.requests[1]!.body!.contents!.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { text: 'Checking both.' },
          {
            functionCall: { id: 'fc-1', name: 'get_weather', args: { city: 'Paris' } },
            thoughtSignature: 'c2lnbmF0dXJlLTE=',
          },
          { functionCall: { id: 'fc-2', name: 'get_weather', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'fc-1', name: 'get_weather', response: { output: 'sunny' } } },
          { functionResponse: { id: 'fc-2', name: 'get_weather', response: { error: 'city unknown' } } },
        ],
      },
    ]);
  });

  it('adds the skip sentinel to replayed Gemini 3 calls whose signature is unknown, and only there', async () => {
    const history = [
      { role: 'user' as const, content: 'Weather?' },
      {
        role: 'assistant' as const,
        content: '',
        toolCalls: [{ id: 'from-another-process', name: 'get_weather', arguments: { city: 'Rome' } }],
      },
      { role: 'tool' as const, toolCallId: 'from-another-process', name: 'get_weather', content: 'rain' },
    ];
    fake.respond({ kind: 'reply', text: 'Rain.' }, { kind: 'reply', text: 'Rain.' });
    await model('gemini-3-flash').generate({ messages: history, tools: [weatherTool] });
    await model('gemini-2.5-flash').generate({ messages: history, tools: [weatherTool] });
    expect(fake.requests[0]!.body!.contents![1]!.parts![0]).toMatchObject({
      thoughtSignature: 'skip_thought_signature_validator',
    });
    expect(fake.requests[1]!.body!.contents![1]!.parts![0]).not.toHaveProperty('thoughtSignature');
  });

  it('rejects a function call whose arguments are not an object with a ProviderError', async () => {
    fake.respond({
      kind: 'raw',
      body: {
        candidates: [
          { content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: ['Paris'] } }] } },
        ],
      },
    });
    const error = await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/malformed function call to get_weather/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('createGoogleProvider: stream', () => {
  it('streams text deltas and ends with one finish delta', async () => {
    fake.respond({
      kind: 'reply',
      text: ['Hel', 'lo', ' world'],
      usage: { promptTokenCount: 4, candidatesTokenCount: 3, thoughtsTokenCount: 2 },
    });
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(deltas).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'text', text: ' world' },
      {
        type: 'finish',
        usage: { inputTokens: 4, outputTokens: 5, cachedInputTokens: 0 },
        finishReason: 'stop',
      },
    ]);
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    expect(request.query).toEqual({ alt: 'sse' });
    expect(request.headers['x-goog-api-key']).toBe(apiKey);
  });

  it('streams complete tool calls and finishes with tool-calls', async () => {
    fake.respond({
      kind: 'reply',
      text: ['Let me check.'],
      functionCalls: [
        { id: 'a', name: 'get_weather', args: { city: 'Paris' } },
        { id: 'b', name: 'get_weather', args: { city: 'Lima' } },
      ],
    });
    const deltas = await collect(
      model().stream!({
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ name: 'get_weather', description: 'w', inputSchema: { type: 'object' } }],
      }),
    );
    expect(deltas.map((delta) => delta.type)).toEqual(['text', 'tool-call', 'tool-call', 'finish']);
    expect(deltas[1]).toEqual({
      type: 'tool-call',
      toolCall: { id: 'a', name: 'get_weather', arguments: { city: 'Paris' } },
    });
    expect(deltas[3]).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('finishes a blocked streamed prompt with content-filter', async () => {
    fake.respond({ kind: 'raw', body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } } });
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(deltas).toEqual([
      {
        type: 'finish',
        usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        finishReason: 'content-filter',
      },
    ]);
  });

  it('retries a stream that fails before its first chunk', async () => {
    fake.respond(
      { kind: 'error', status: 503, details: [retryInfo('0.01s')] },
      { kind: 'reply', text: ['ok'] },
    );
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(deltas[0]).toEqual({ type: 'text', text: 'ok' });
    expect(fake.requests).toHaveLength(2);
  });

  it('stops promptly with canceled when the signal aborts mid-stream', async () => {
    fake.respond({ kind: 'reply', text: ['first', 'never'], chunkDelayMs: 5_000 });
    const controller = new AbortController();
    const deltas: GenerationDelta[] = [];
    const started = Date.now();
    const error = await rejection(
      (async () => {
        for await (const delta of model().stream!({
          messages: [{ role: 'user', content: 'x' }],
          signal: controller.signal,
        })) {
          deltas.push(delta);
          setTimeout(() => controller.abort(), 20);
        }
      })(),
    );
    expect(deltas).toEqual([{ type: 'text', text: 'first' }]);
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('turns an error frame after the first chunk into a ProviderError, without retrying', async () => {
    fake.respond({
      kind: 'reply',
      text: ['partial'],
      streamError: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' },
    });
    const deltas: GenerationDelta[] = [];
    const error = await rejection(
      (async () => {
        for await (const delta of model().stream!({ messages: [{ role: 'user', content: 'x' }] }))
          deltas.push(delta);
      })(),
    );
    expect(deltas).toEqual([{ type: 'text', text: 'partial' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(503);
    expect((error as ProviderError).message).toMatch(/503 UNAVAILABLE.*overloaded/);
    expect(fake.requests).toHaveLength(1);
  });

  it('reports a stream that stalls past timeoutMs as a timeout', async () => {
    fake.respond({ kind: 'reply', text: ['first', 'late'], chunkDelayMs: 2_000 });
    const deltas: GenerationDelta[] = [];
    const error = await rejection(
      (async () => {
        const stream = model('gemini-2.5-pro', { timeoutMs: 150 }).stream!({
          messages: [{ role: 'user', content: 'x' }],
        });
        for await (const delta of stream) deltas.push(delta);
      })(),
    );
    expect(deltas).toEqual([{ type: 'text', text: 'first' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/150 ms timeout/);
    expect(fake.requests).toHaveLength(1);
  });

  it('fails a stream that ends without a finish reason instead of finishing silently', async () => {
    fake.respond({
      kind: 'raw',
      body: { candidates: [{ content: { role: 'model', parts: [{ text: 'cut' }] } }] },
    });
    const deltas: GenerationDelta[] = [];
    const error = await rejection(
      (async () => {
        for await (const delta of model().stream!({ messages: [{ role: 'user', content: 'x' }] }))
          deltas.push(delta);
      })(),
    );
    expect(deltas).toEqual([{ type: 'text', text: 'cut' }]);
    expect((error as ProviderError).message).toMatch(/ended before the model finished/);
  });

  it('lets the caller stop reading early without waiting for the rest of the stream', async () => {
    fake.respond({ kind: 'reply', text: ['one', 'two'], chunkDelayMs: 5_000 });
    const started = Date.now();
    for await (const delta of model().stream!({ messages: [{ role: 'user', content: 'x' }] })) {
      expect(delta).toEqual({ type: 'text', text: 'one' });
      break;
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('createGoogleProvider: errors and retries', () => {
  it('treats a rejected key (Google answers 400 API_KEY_INVALID) as an auth failure, never retried', async () => {
    const wrongKey = 'AIzaWrongKey-ffffffffffffffff';
    const llm = createGoogleProvider({ apiKey: wrongKey, baseUrl: fake.url })('gemini-2.5-pro');
    const error = await rejection(llm.generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(ProviderError);
    const providerError = error as ProviderError;
    expect(providerError.status).toBe(400);
    expect(providerError.retryable).toBe(false);
    expect(providerError.provider).toBe('google');
    expect(providerError.message).toMatch(/API key was rejected.*check GEMINI_API_KEY/);
    expect(providerError.message).not.toContain(wrongKey);
    expect(JSON.stringify(providerError)).not.toContain(wrongKey);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(wrongKey);
  });

  it.each([401, 403])('treats %i as an auth failure, never retried', async (status) => {
    fake.respond({ kind: 'error', status });
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/check GEMINI_API_KEY/);
    expect(fake.requests).toHaveLength(1);
  });

  it('redacts the key from error messages and their JSON', async () => {
    fake.respond({ kind: 'error', status: 400, message: `bad request for key ${apiKey}\nsecond line` });
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('***');
    expect(error.message).not.toContain(apiKey);
    expect(error.message).not.toContain('\n');
    expect(JSON.stringify(error)).not.toContain(apiKey);
  });

  it('waits the retry-after header of a 429, then succeeds', async () => {
    fake.respond(
      { kind: 'error', status: 429, headers: { 'retry-after': '0.05' } },
      { kind: 'reply', text: 'after the wait' },
    );
    const delays: number[] = [];
    const started = Date.now();
    const generation = await model('gemini-2.5-pro', {
      onRetry: ({ delayMs }) => delays.push(delayMs),
    }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(generation.text).toBe('after the wait');
    expect(fake.requests).toHaveLength(2);
    expect(delays).toEqual([50]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("honours Google's RetryInfo retryDelay in a 429 body", async () => {
    fake.respond(
      { kind: 'error', status: 429, message: 'Quota exceeded', details: [retryInfo('0.06s')] },
      { kind: 'reply', text: 'ok' },
    );
    const delays: number[] = [];
    await model('gemini-2.5-pro', { onRetry: ({ delayMs }) => delays.push(delayMs) }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(delays).toEqual([60]);
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with the last 5xx as a retryable ProviderError', async () => {
    fake.respond(
      { kind: 'error', status: 500, message: 'boom' },
      { kind: 'error', status: 500, message: 'boom' },
      { kind: 'error', status: 500, message: 'boom' },
    );
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(500);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('Google Gemini failed (500 INTERNAL): boom; retry later');
    expect(fake.requests).toHaveLength(3);
  });

  it('reports a timeout as a retryable ProviderError without status', async () => {
    fake.respond({ kind: 'reply', text: 'too late', delayMs: 2_000 });
    const started = Date.now();
    const error = (await rejection(
      model('gemini-2.5-pro', { timeoutMs: 100, maxRetries: 0 }).generate({
        messages: [{ role: 'user', content: 'x' }],
      }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBeNull();
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/100 ms timeout/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports an unreachable server as a retryable network ProviderError', async () => {
    const closed = await startFakeGoogleServer({ apiKey });
    await closed.close();
    const llm = createGoogleProvider({ apiKey, baseUrl: closed.url, maxRetries: 0 })('gemini-2.5-pro');
    const error = (await rejection(
      llm.generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBeNull();
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not be reached/);
  });

  it('rejects with canceled and sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }),
    );
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('createGoogleProvider: clients, transport and environment', () => {
  it('shares one SDK client per base URL and key', async () => {
    clearGoogleClientCache();
    fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' }, { kind: 'reply', text: 'c' });
    await model('gemini-2.5-pro').generate({ messages: [{ role: 'user', content: 'x' }] });
    await model('gemini-2.5-flash').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(googleClientCacheSize()).toBe(1);
    expect(googleClientFor(fake.url, apiKey)).toBe(googleClientFor(fake.url, apiKey));
    await createGoogleProvider({ apiKey: 'other-key-1234', baseUrl: fake.url, maxRetries: 0 })(
      'gemini-2.5-pro',
    )
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch(() => undefined);
    expect(googleClientCacheSize()).toBe(2);
    expect(googleClientFor(fake.url, 'other-key-1234')).not.toBe(googleClientFor(fake.url, apiKey));
    fake.requests.length = 0;
    await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(googleClientCacheSize()).toBe(2);
  });

  it('uses the injected fetch and the extra headers, never overriding the key header', async () => {
    fake.respond({ kind: 'reply', text: 'via custom fetch' });
    const seen: string[] = [];
    const llm = model('gemini-2.5-pro', {
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
      headers: { 'x-team': 'blue', 'X-Goog-Api-Key': 'hijack' },
    });
    const generation = await llm.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generation.text).toBe('via custom fetch');
    expect(seen).toEqual([`${fake.url}/v1beta/models/gemini-2.5-pro:generateContent`]);
    expect(fake.requests[0]!.headers['x-team']).toBe('blue');
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(apiKey);
  });

  it('ignores the SDK environment variables (Vertex switch, base URL, key, API version)', async () => {
    process.env.GOOGLE_GENAI_USE_VERTEXAI = 'true';
    process.env.GOOGLE_GEMINI_BASE_URL = 'http://127.0.0.1:9';
    process.env.GEMINI_API_KEY = 'env-key-should-not-be-used';
    process.env.GOOGLE_API_KEY = 'env-key-should-not-be-used';
    process.env.GOOGLE_GENAI_API_VERSION = 'v1alpha';
    process.env.GOOGLE_CLOUD_PROJECT = 'some-project';
    try {
      clearGoogleClientCache();
      fake.respond({ kind: 'reply', text: 'gemini api' });
      const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
      expect(generation.text).toBe('gemini api');
      expect(fake.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
      expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(apiKey);
    } finally {
      for (const name of sdkVariables) delete process.env[name];
      clearGoogleClientCache();
    }
  });

  it('refuses to be created without a key', () => {
    expect(() => createGoogleProvider({ apiKey: '' })).toThrow(/GEMINI_API_KEY/);
  });
});

function retryInfo(delay: string) {
  return { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay };
}
