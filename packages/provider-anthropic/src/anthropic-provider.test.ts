import { createServer } from 'node:net';
import {
  type GenerationDelta,
  GoosukeError,
  type LanguageModel,
  ProviderError,
  type ToolSpec,
} from '@goosuke/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicClientCacheSize, clearAnthropicClientCache } from './anthropic-client-cache.ts';
import { type AnthropicProviderOptions, createAnthropicProvider } from './anthropic-provider.ts';
import {
  type FakeAnthropicServer,
  fakeAnthropicError,
  fakeAnthropicText,
  fakeAnthropicToolCalls,
  isolateAnthropicEnvironment,
  startFakeAnthropicServer,
} from './testing/index.ts';

const apiKey = 'sk-ant-test-0123456789abcdef';
const weatherTool: ToolSpec = {
  name: 'get_weather',
  description: 'The weather in a city.',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let fake: FakeAnthropicServer;
let restoreEnvironment: () => void;

beforeAll(() => {
  restoreEnvironment = isolateAnthropicEnvironment();
});
afterAll(() => {
  restoreEnvironment();
});
beforeEach(async () => {
  fake = await startFakeAnthropicServer({ apiKey });
});
afterEach(async () => {
  await fake.close();
});

function model(
  options: Partial<AnthropicProviderOptions> = {},
  modelId = 'claude-sonnet-4-6',
): LanguageModel {
  return createAnthropicProvider({ apiKey, baseUrl: fake.url, retryBaseDelayMs: 1, ...options })(modelId);
}

async function collect(deltas: AsyncIterable<GenerationDelta>): Promise<GenerationDelta[]> {
  const all: GenerationDelta[] = [];
  for await (const delta of deltas) all.push(delta);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('generate', () => {
  it('returns text, usage and finish reason from the Messages API', async () => {
    fake.respond(fakeAnthropicText('Hello there', { usage: { inputTokens: 12, outputTokens: 3 } }));
    const generation = await model().generate({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(generation).toEqual({
      text: 'Hello there',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
      finishReason: 'stop',
    });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['anthropic-version']).toBeTruthy();
    const sentKey = request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '');
    expect(sentKey).toBe(apiKey);
    expect(request.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(request.body?.stream).toBeUndefined();
    expect(request.body?.system).toBeUndefined();
    expect(request.body?.tools).toBeUndefined();
  });

  it('sends the system prompt top level and maps a multi-turn history', async () => {
    fake.respond(fakeAnthropicText('ok'));
    await model().generate({
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    const body = fake.requests[0]!.body!;
    expect(body.system).toBe('You are terse.');
    expect(body.messages).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
  });

  it('completes a tool round trip in Anthropic wire shapes', async () => {
    fake.respond(
      fakeAnthropicToolCalls([{ id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }], {
        text: 'Let me check.',
      }),
      fakeAnthropicText('It is sunny in Paris.'),
    );
    const claude = model();
    const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];

    const first = await claude.generate({ messages, tools: [weatherTool] });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.text).toBe('Let me check.');
    expect(first.toolCalls).toEqual([{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } }]);
    expect(fake.requests[0]!.body!.tools).toEqual([
      { name: 'get_weather', description: 'The weather in a city.', input_schema: weatherTool.inputSchema },
    ]);

    const second = await claude.generate({
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_1', name: 'get_weather', content: '{"sky":"sunny"}' },
      ],
    });
    expect(second).toMatchObject({ text: 'It is sunny in Paris.', finishReason: 'stop', toolCalls: [] });
    expect(fake.requests[1]!.body!.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"sky":"sunny"}' }],
      },
    ]);
  });

  it('puts several tool results, an error result and a following user message in one user turn', async () => {
    fake.respond(fakeAnthropicText('done'));
    await model().generate({
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'a', name: 'one', arguments: {} },
            { id: 'b', name: 'two', arguments: { n: 2 } },
          ],
        },
        { role: 'tool', toolCallId: 'a', name: 'one', content: 'fine' },
        { role: 'tool', toolCallId: 'b', name: 'two', content: 'boom', isError: true },
        { role: 'user', content: 'and now?' },
      ],
    });
    expect(fake.requests[0]!.body!.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'a', name: 'one', input: {} },
          { type: 'tool_use', id: 'b', name: 'two', input: { n: 2 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: 'fine' },
          { type: 'tool_result', tool_use_id: 'b', content: 'boom', is_error: true },
          { type: 'text', text: 'and now?' },
        ],
      },
    ]);
  });

  it('reports cached input tokens and maps stop reasons', async () => {
    fake.respond(
      fakeAnthropicText('cut', {
        stopReason: 'max_tokens',
        usage: { inputTokens: 7, outputTokens: 9, cacheReadInputTokens: 100 },
      }),
      fakeAnthropicText('', { stopReason: 'refusal' }),
      fakeAnthropicText('halt', { stopReason: 'stop_sequence' }),
      fakeAnthropicText('paused', { stopReason: 'pause_turn' }),
      fakeAnthropicText('window', { stopReason: 'model_context_window_exceeded' }),
    );
    const claude = model();
    const ask = () => claude.generate({ messages: [{ role: 'user', content: 'x' }] });

    const cut = await ask();
    expect(cut.finishReason).toBe('length');
    expect(cut.usage).toEqual({ inputTokens: 107, outputTokens: 9, cachedInputTokens: 100 });
    const refused = await ask();
    expect(refused).toMatchObject({ text: '', finishReason: 'content-filter' });
    expect((await ask()).finishReason).toBe('stop');
    expect((await ask()).finishReason).toBe('other');
    expect((await ask()).finishReason).toBe('length');
  });

  it('sends max_tokens: the capability by default, the caller value capped at it', async () => {
    fake.respond(
      fakeAnthropicText('a'),
      fakeAnthropicText('b'),
      fakeAnthropicText('c'),
      fakeAnthropicText('d'),
    );
    const claude = model();
    const messages = [{ role: 'user' as const, content: 'x' }];
    expect(claude.capabilities.maxOutputTokens).toBe(64_000);
    expect(claude.capabilities.outputLimitParameter).toBe('max_tokens');

    await claude.generate({ messages });
    await claude.generate({ messages, maxOutputTokens: 500 });
    await claude.generate({ messages, maxOutputTokens: 1_000_000 });
    const small = createAnthropicProvider({ apiKey, baseUrl: fake.url })('claude-sonnet-4-6', {
      capabilities: { maxOutputTokens: 1_000 },
    });
    await small.generate({ messages, maxOutputTokens: 4_000 });

    expect(fake.requests.map((request) => request.body?.max_tokens)).toEqual([64_000, 500, 64_000, 1_000]);
    expect(fake.requests.every((request) => !('max_completion_tokens' in request.body!))).toBe(true);
  });

  it('sends temperature only when the model supports it', async () => {
    fake.respond(fakeAnthropicText('a'), fakeAnthropicText('b'));
    const provider = createAnthropicProvider({ apiKey, baseUrl: fake.url });
    await provider('claude-sonnet-4-6').generate({
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0.2,
    });
    await provider('claude-sonnet-4-6', { capabilities: { supportsTemperature: false } }).generate({
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0.2,
    });
    expect(fake.requests[0]!.body!.temperature).toBe(0.2);
    expect(fake.requests[1]!.body).not.toHaveProperty('temperature');
  });

  it('turns tool arguments that are not a JSON object into a ProviderError', async () => {
    fake.respond(
      fakeAnthropicToolCalls([{ name: 'get_weather', input: {} }], { rawToolInput: { 0: '{"city": "Par' } }),
    );
    const error = await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('get_weather');
  });

  it('resolves capabilities from the table and the overrides', () => {
    const provider = createAnthropicProvider({ apiKey, baseUrl: fake.url });
    expect(provider('claude-opus-4-1').capabilities.maxOutputTokens).toBe(32_000);
    expect(provider('claude-3-haiku').capabilities.maxOutputTokens).toBe(8_192);
    const overridden = provider('claude-sonnet-4-6', { capabilities: { contextWindow: 1_000_000 } });
    expect(overridden).toMatchObject({ provider: 'anthropic', modelId: 'claude-sonnet-4-6' });
    expect(overridden.capabilities.contextWindow).toBe(1_000_000);
  });

  it('refuses an empty key with a secret_key error', () => {
    expect(() => createAnthropicProvider({ apiKey: ' ' })).toThrowError(
      expect.objectContaining({ code: 'secret_key' }),
    );
  });
});

describe('stream', () => {
  it('streams text deltas and ends with exactly one finish delta', async () => {
    fake.respond(
      fakeAnthropicText('Hello streaming world', {
        chunkSize: 5,
        usage: { inputTokens: 4, outputTokens: 6, cacheReadInputTokens: 2 },
      }),
    );
    const deltas = await collect(
      model().stream!({ system: 'sys', messages: [{ role: 'user', content: 'Hi' }] }),
    );

    const texts = deltas.filter((delta) => delta.type === 'text');
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.map((delta) => delta.text).join('')).toBe('Hello streaming world');
    expect(deltas.filter((delta) => delta.type === 'finish')).toHaveLength(1);
    expect(deltas.at(-1)).toEqual({
      type: 'finish',
      usage: { inputTokens: 6, outputTokens: 6, cachedInputTokens: 2 },
      finishReason: 'stop',
    });
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, system: 'sys', max_tokens: 64_000 });
  });

  it('assembles a streamed tool call from partial JSON fragments', async () => {
    const input = { city: 'Paris', units: 'metric', days: [1, 2, 3] };
    fake.respond(
      fakeAnthropicToolCalls([{ id: 'toolu_9', name: 'get_weather', input }], {
        text: 'Checking',
        chunkSize: 3,
      }),
    );
    const deltas = await collect(
      model().stream!({ messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }),
    );

    expect(deltas.filter((delta) => delta.type === 'tool-call')).toEqual([
      { type: 'tool-call', toolCall: { id: 'toolu_9', name: 'get_weather', arguments: input } },
    ]);
    expect(
      deltas
        .filter((delta) => delta.type === 'text')
        .map((delta) => delta.text)
        .join(''),
    ).toBe('Checking');
    expect(deltas.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('throws a ProviderError for malformed streamed tool JSON', async () => {
    fake.respond(
      fakeAnthropicToolCalls([{ name: 'get_weather', input: {} }], { rawToolInput: { 0: '{"city":' } }),
    );
    const error = await rejection(collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] })));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('malformed JSON');
  });

  it('retries a 429 before the first delta', async () => {
    fake.respond(
      fakeAnthropicError(429, { headers: { 'retry-after-ms': '10' } }),
      fakeAnthropicText('after retry'),
    );
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(fake.requests).toHaveLength(2);
    expect(deltas.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('retries an overloaded error event that comes before the first delta', async () => {
    fake.respond(
      fakeAnthropicText('lost', {
        errorAfterEvents: { events: 1, errorType: 'overloaded_error', message: 'Overloaded' },
      }),
      fakeAnthropicText('kept'),
    );
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(fake.requests).toHaveLength(2);
    expect(
      deltas
        .filter((delta) => delta.type === 'text')
        .map((delta) => delta.text)
        .join(''),
    ).toBe('kept');
  });

  it('does not retry once a delta has been yielded', async () => {
    fake.respond(
      fakeAnthropicText('abcdefgh', {
        chunkSize: 2,
        errorAfterEvents: { events: 4, errorType: 'overloaded_error', message: 'Overloaded' },
      }),
      fakeAnthropicText('never used'),
    );
    const seen: GenerationDelta[] = [];
    const error = await rejection(
      (async () => {
        for await (const delta of model().stream!({ messages: [{ role: 'user', content: 'x' }] }))
          seen.push(delta);
      })(),
    );
    expect(seen.map((delta) => delta.type)).toEqual(['text', 'text']);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, retryable: true });
    expect((error as ProviderError).message).toMatch(/overloaded/i);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops promptly with canceled when the signal is aborted mid-stream', async () => {
    fake.respond(fakeAnthropicText('first and then nothing', { chunkSize: 5, stallAfterEvents: 3 }));
    const controller = new AbortController();
    const stream = model().stream!({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();

    const first = await iterator.next();
    expect(first.value).toEqual({ type: 'text', text: 'first' });
    const pending = iterator.next();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    const error = await rejection(pending);
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('applies the timeout between events', async () => {
    fake.respond(fakeAnthropicText('slow', { chunkSize: 1, stallAfterEvents: 3 }));
    const deltas: GenerationDelta[] = [];
    const error = await rejection(
      (async () => {
        for await (const delta of model({ timeoutMs: 150, maxRetries: 0 }).stream!({
          messages: [{ role: 'user', content: 'x' }],
        }))
          deltas.push(delta);
      })(),
    );
    expect(deltas).toEqual([{ type: 'text', text: 's' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('150 ms timeout');
  });
});

describe('errors and retries', () => {
  it('maps a rejected key to a non-retryable ProviderError after one request, without the key', async () => {
    const wrongKey = 'sk-ant-wrong-key-9876543210';
    const claude = createAnthropicProvider({ apiKey: wrongKey, baseUrl: fake.url })('claude-sonnet-4-6');
    const error = await rejection(claude.generate({ messages: [{ role: 'user', content: 'x' }] }));

    expect(error).toBeInstanceOf(ProviderError);
    const providerError = error as ProviderError;
    expect(providerError).toMatchObject({
      status: 401,
      retryable: false,
      provider: 'anthropic',
      code: 'provider',
    });
    expect(providerError.message).toContain('ANTHROPIC_API_KEY');
    expect(providerError.message).not.toContain('\n');
    expect(fake.requests).toHaveLength(1);
    expect(providerError.message).not.toContain(wrongKey);
    expect(JSON.stringify(providerError)).not.toContain(wrongKey);
  });

  it('redacts the key when the provider echoes it', async () => {
    fake.respond(
      fakeAnthropicError(403, {
        errorType: 'permission_error',
        message: `key ${apiKey} may not use this model`,
      }),
    );
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toMatchObject({ status: 403, retryable: false });
    expect(error.message).toContain('***');
    expect(error.message).not.toContain(apiKey);
    expect(JSON.stringify(error)).not.toContain(apiKey);
    expect(JSON.stringify(error.toJSON())).not.toContain(apiKey);
  });

  it('keeps a 400 detail in the message and does not retry it', async () => {
    fake.respond(fakeAnthropicError(400, { message: 'messages: roles must alternate' }));
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('invalid_request_error');
    expect(error.message).toContain('roles must alternate');
    expect(fake.requests).toHaveLength(1);
  });

  it('waits the retry-after of a 429, then succeeds', async () => {
    fake.respond(
      fakeAnthropicError(429, { headers: { 'retry-after-ms': '60' } }),
      fakeAnthropicText('finally'),
    );
    const retries: number[] = [];
    const started = Date.now();
    const generation = await model({ onRetry: (event) => retries.push(event.delayMs) }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    const elapsed = Date.now() - started;

    expect(generation.text).toBe('finally');
    expect(fake.requests).toHaveLength(2);
    expect(retries).toEqual([60]);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('reads a retry-after in seconds as well', async () => {
    fake.respond(fakeAnthropicError(429, { headers: { 'retry-after': '0.05' } }), fakeAnthropicText('ok'));
    const retries: number[] = [];
    await model({ onRetry: (event) => retries.push(event.delayMs) }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(retries).toEqual([50]);
  });

  it('gives up after three 500s with maxRetries 2', async () => {
    fake.respond(
      fakeAnthropicError(500),
      fakeAnthropicError(500),
      fakeAnthropicError(500),
      fakeAnthropicText('unused'),
    );
    const error = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(fake.requests).toHaveLength(3);
    expect(fake.pending()).toBe(1);
  });

  it('treats 529 overloaded as retryable', async () => {
    fake.respond(fakeAnthropicError(529, { message: 'Overloaded' }), fakeAnthropicText('recovered'));
    const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generation.text).toBe('recovered');
    expect(fake.requests).toHaveLength(2);

    fake.respond(fakeAnthropicError(529, { message: 'Overloaded' }));
    const error = (await rejection(
      model({ maxRetries: 0 }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toMatchObject({ status: 529, retryable: true });
    expect(error.message).toMatch(/overloaded/i);
  });

  it('times out with a ProviderError that says so', async () => {
    fake.respond(fakeAnthropicText('too late', { delayMs: 1_000 }));
    const started = Date.now();
    const error = (await rejection(
      model({ timeoutMs: 100, maxRetries: 0 }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(error.message).toContain('100 ms timeout');
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports an unreachable server as a retryable network failure', async () => {
    const port = await closedPort();
    const claude = createAnthropicProvider({ apiKey, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 })(
      'claude-sonnet-4-6',
    );
    const error = (await rejection(
      claude.generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(error.message).toContain('could not be reached');
  });

  it('is canceled when the signal is already aborted, without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }),
    );
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(fake.requests).toHaveLength(0);
  });

  it('is canceled when the signal is aborted during a call', async () => {
    fake.respond(fakeAnthropicText('late', { delayMs: 2_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }),
    );
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('clients and the environment', () => {
  it('shares one SDK client per base URL and key', () => {
    clearAnthropicClientCache();
    createAnthropicProvider({ apiKey, baseUrl: fake.url });
    createAnthropicProvider({ apiKey, baseUrl: `${fake.url}/` })('claude-sonnet-4-6');
    expect(anthropicClientCacheSize()).toBe(1);
    createAnthropicProvider({ apiKey: 'sk-ant-another-key', baseUrl: fake.url });
    expect(anthropicClientCacheSize()).toBe(2);
    createAnthropicProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    expect(anthropicClientCacheSize()).toBe(3);
    const customFetch: typeof fetch = (input, init) => fetch(input, init);
    createAnthropicProvider({ apiKey, baseUrl: fake.url, fetch: customFetch });
    createAnthropicProvider({ apiKey, baseUrl: fake.url, fetch: customFetch });
    expect(anthropicClientCacheSize()).toBe(4);
  });

  it('uses an injected fetch', async () => {
    fake.respond(fakeAnthropicText('via custom fetch'));
    const seen: string[] = [];
    const customFetch: typeof fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const generation = await model({ fetch: customFetch }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(generation.text).toBe('via custom fetch');
    expect(seen).toEqual([`${fake.url}/v1/messages`]);
  });

  it('ignores the SDK environment variables and credential chain when given a key', async () => {
    process.env.ANTHROPIC_BASE_URL = 'http://127.0.0.1:9';
    process.env.ANTHROPIC_API_KEY = 'sk-ant-from-environment';
    process.env.ANTHROPIC_AUTH_TOKEN = 'token-from-environment';
    process.env.ANTHROPIC_PROFILE = 'no-such-profile';
    process.env.ANTHROPIC_CONFIG_DIR = '/nonexistent/anthropic-config';
    try {
      clearAnthropicClientCache();
      fake.respond(fakeAnthropicText('explicit wins'));
      const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
      expect(generation.text).toBe('explicit wins');
      const headers = JSON.stringify(fake.requests[0]!.headers);
      expect(headers).toContain(apiKey);
      expect(headers).not.toContain('from-environment');
    } finally {
      for (const name of [
        'ANTHROPIC_BASE_URL',
        'ANTHROPIC_API_KEY',
        'ANTHROPIC_AUTH_TOKEN',
        'ANTHROPIC_PROFILE',
        'ANTHROPIC_CONFIG_DIR',
      ]) {
        delete process.env[name];
      }
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
