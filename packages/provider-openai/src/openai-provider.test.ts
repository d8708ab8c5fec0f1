import { type GenerationDelta, GoosukeError, ProviderError, UnsupportedError } from '@goosuke/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearOpenAIClientCache, openAIClientCacheSize, openAIClientFor } from './openai-client-cache.ts';
import { createOpenAIProvider } from './openai-provider.ts';
import {
  type OpenAIProviderOptions,
  openAIProviderOptionsFromEnvironment,
  resolveOpenAIProviderOptions,
} from './openai-provider-options.ts';
import { type FakeOpenAIServer, startFakeOpenAIServer } from './testing/index.ts';

// Every variable the openai SDK reads by itself; none may influence these tests.
const sdkVariables = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_ADMIN_KEY',
  'OPENAI_ORG_ID',
  'OPENAI_PROJECT_ID',
  'OPENAI_WEBHOOK_SECRET',
  'OPENAI_LOG',
  'OPENAI_CUSTOM_HEADERS',
];
const savedEnvironment = new Map<string, string | undefined>();

beforeAll(() => {
  for (const name of sdkVariables) {
    savedEnvironment.set(name, process.env[name]);
    delete process.env[name];
  }
});

afterAll(() => {
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const key = 'sk-test-0123456789abcdef';
let fake: FakeOpenAIServer;

beforeEach(async () => {
  fake = await startFakeOpenAIServer({ apiKey: key });
});

afterEach(async () => {
  await fake.close();
});

function provider(options: Partial<OpenAIProviderOptions> = {}) {
  return createOpenAIProvider({ apiKey: key, baseUrl: fake.url, ...options });
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

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('generate', () => {
  it('returns text, usage and finish reason, and sends the key and model', async () => {
    fake.respond({ kind: 'reply', text: 'Hello there', usage: { promptTokens: 12, completionTokens: 3 } });
    const model = provider()('gpt-4o');
    expect(model.provider).toBe('openai');
    expect(model.modelId).toBe('gpt-4o');
    const generation = await model.generate({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(generation).toEqual({
      text: 'Hello there',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
      finishReason: 'stop',
    });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${key}`);
    expect(request.body?.model).toBe('gpt-4o');
    expect(request.body?.stream).toBe(false);
    expect(request.body).not.toHaveProperty('max_completion_tokens');
    expect(request.body).not.toHaveProperty('max_tokens');
    expect(request.body).not.toHaveProperty('tools');
  });

  it('maps the system prompt and a multi-turn history onto chat messages', async () => {
    fake.respond({ kind: 'reply', text: 'fine' });
    await provider()('gpt-4o').generate({
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    expect(fake.requests[0]!.body?.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
  });

  it('does a tool round trip in the Chat Completions wire shape', async () => {
    fake.respond(
      { kind: 'reply', toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { kind: 'reply', text: 'It is sunny in Paris.' },
    );
    const model = provider()('gpt-4.1');
    const first = await model.generate({
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.text).toBe('');
    expect(first.toolCalls).toEqual([{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Paris' } }]);
    expect(fake.requests[0]!.body?.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: weatherTool.description,
          parameters: weatherTool.inputSchema,
        },
      },
    ]);

    const second = await model.generate({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'call_abc', name: 'get_weather', content: '{"sky":"sunny"}' },
      ],
      tools: [weatherTool],
    });
    expect(second.text).toBe('It is sunny in Paris.');
    expect(second.finishReason).toBe('stop');
    expect(fake.requests[1]!.body?.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_abc',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"sky":"sunny"}' },
    ]);
  });

  it('marks failed tool results in their content', async () => {
    fake.respond({ kind: 'reply', text: 'sorry' });
    await provider()('gpt-4o').generate({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'calling', toolCalls: [{ id: 'c1', name: 'run', arguments: {} }] },
        { role: 'tool', toolCallId: 'c1', name: 'run', content: 'exit code 1', isError: true },
      ],
    });
    const messages = fake.requests[0]!.body?.messages as Array<Record<string, unknown>>;
    expect(messages[1]!.content).toBe('calling');
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'Error: exit code 1' });
  });

  it('turns malformed tool-call arguments into a non-retryable ProviderError', async () => {
    fake.respond({ kind: 'reply', toolCalls: [{ name: 'get_weather', arguments: '{"city": "Par' }] });
    const error = await rejection(
      provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).message).toMatch(/malformed JSON arguments for tool "get_weather"/);
    expect(fake.requests).toHaveLength(1);
  });

  it('reports cached input tokens and maps finish reasons', async () => {
    fake.respond(
      {
        kind: 'reply',
        text: 'cut',
        finishReason: 'length',
        usage: { promptTokens: 100, completionTokens: 7, cachedTokens: 64 },
      },
      { kind: 'reply', text: '', finishReason: 'content_filter' },
    );
    const model = provider()('gpt-4o');
    const long = await model.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(long.finishReason).toBe('length');
    expect(long.usage).toEqual({ inputTokens: 100, outputTokens: 7, cachedInputTokens: 64 });
    const filtered = await model.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(filtered.finishReason).toBe('content-filter');
  });

  it('reports a response without choices as content-filter, with zero usage when none is given', async () => {
    fake.respond({ kind: 'raw', body: { id: 'x', object: 'chat.completion', choices: [] } });
    const generation = await provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(generation).toEqual({
      text: '',
      toolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      finishReason: 'content-filter',
    });
  });

  it('sends maxOutputTokens in the parameter the capabilities name, capped at the model limit', async () => {
    fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' }, { kind: 'reply', text: 'c' });
    await provider()('gpt-4o').generate({
      messages: [{ role: 'user', content: 'x' }],
      maxOutputTokens: 1_000_000,
    });
    expect(fake.requests[0]!.body?.max_completion_tokens).toBe(16_384);
    expect(fake.requests[0]!.body).not.toHaveProperty('max_tokens');

    await provider()('gpt-4o', {
      capabilities: { outputLimitParameter: 'max_tokens', maxOutputTokens: 2000 },
    }).generate({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 500 });
    expect(fake.requests[1]!.body?.max_tokens).toBe(500);
    expect(fake.requests[1]!.body).not.toHaveProperty('max_completion_tokens');

    await provider()('gpt-5.1').generate({
      messages: [{ role: 'user', content: 'x' }],
      maxOutputTokens: 4096,
    });
    expect(fake.requests[2]!.body?.max_completion_tokens).toBe(4096);
  });

  it('omits temperature when the model does not support it', async () => {
    fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' });
    await provider()('gpt-5.1').generate({ messages: [{ role: 'user', content: 'x' }], temperature: 0.2 });
    expect(fake.requests[0]!.body).not.toHaveProperty('temperature');
    await provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }], temperature: 0.2 });
    expect(fake.requests[1]!.body?.temperature).toBe(0.2);
  });

  it('refuses tools for a model whose capabilities say it cannot call them, without a request', async () => {
    const model = provider()('gpt-4o', { capabilities: { supportsTools: false } });
    const error = await rejection(
      model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] }),
    );
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('errors and retries', () => {
  it('turns 401 into a non-retryable ProviderError without the key, after one request', async () => {
    const wrongKey = 'sk-wrong-key-9876543210';
    const error = await rejection(
      provider({ apiKey: wrongKey })('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    const providerError = error as ProviderError;
    expect(providerError.status).toBe(401);
    expect(providerError.retryable).toBe(false);
    expect(providerError.provider).toBe('openai');
    expect(providerError.message).toMatch(/the API key was rejected; check OPENAI_API_KEY/);
    expect(providerError.message).not.toContain(wrongKey);
    expect(JSON.stringify(providerError)).not.toContain(wrongKey);
    expect(JSON.stringify(providerError.toJSON())).not.toContain(wrongKey);
    expect(providerError.message).not.toMatch(/\n/);
    expect(fake.requests).toHaveLength(1);
  });

  it('waits the asked retry-after on 429 and then succeeds', async () => {
    fake.respond(
      { kind: 'error', status: 429, type: 'rate_limit_exceeded', headers: { 'retry-after': '0.05' } },
      { kind: 'reply', text: 'finally' },
    );
    const retries: Array<{ attempt: number; delayMs: number; status: number | null }> = [];
    const started = performance.now();
    const generation = await provider({
      onRetry: ({ attempt, delayMs, error }) => retries.push({ attempt, delayMs, status: error.status }),
    })('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] });
    const elapsed = performance.now() - started;
    expect(generation.text).toBe('finally');
    expect(fake.requests).toHaveLength(2);
    expect(retries).toEqual([{ attempt: 1, delayMs: 50, status: 429 }]);
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(2000);
  });

  it('gives up after maxRetries + 1 attempts on repeated 500s', async () => {
    const failure = {
      kind: 'error' as const,
      status: 500,
      message: 'The server had an error',
      headers: { 'retry-after-ms': '5' },
    };
    fake.respond(failure, failure, failure, { kind: 'reply', text: 'too late' });
    const error = await rejection(
      provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(500);
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).message).toMatch(
      /HTTP 500 \(The server had an error\); the provider failed/,
    );
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a 400 and keeps the server explanation', async () => {
    fake.respond({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'Unsupported parameter',
    });
    const error = await rejection(
      provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((error as ProviderError).status).toBe(400);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).message).toContain('Unsupported parameter');
    expect(fake.requests).toHaveLength(1);
  });

  it('turns a slow answer into a retryable timeout ProviderError', async () => {
    fake.respond({ kind: 'reply', text: 'late', delayMs: 1000 });
    const started = performance.now();
    const error = await rejection(
      provider({ timeoutMs: 100, maxRetries: 0 })('gpt-4o').generate({
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBeNull();
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).message).toMatch(/timed out after 100 ms/);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('turns an unreachable server into a retryable ProviderError with status null', async () => {
    const closed = await startFakeOpenAIServer();
    const url = closed.url;
    await closed.close();
    const error = await rejection(
      createOpenAIProvider({ apiKey: key, baseUrl: url, maxRetries: 0 })('gpt-4o').generate({
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBeNull();
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).message).toMatch(/could not reach/);
  });

  it('rejects with canceled when the signal aborts during a call', async () => {
    fake.respond({ kind: 'reply', text: 'late', delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = await rejection(
      provider()('gpt-4o').generate({
        messages: [{ role: 'user', content: 'x' }],
        signal: controller.signal,
      }),
    );
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('stream', () => {
  it('streams text deltas and ends with one finish delta carrying usage', async () => {
    fake.respond({
      kind: 'reply',
      textChunks: ['Hel', 'lo ', 'world'],
      usage: { promptTokens: 9, completionTokens: 3, cachedTokens: 4 },
    });
    const model = provider()('gpt-4o');
    const deltas = await collect(model.stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(deltas).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo ' },
      { type: 'text', text: 'world' },
      {
        type: 'finish',
        usage: { inputTokens: 9, outputTokens: 3, cachedInputTokens: 4 },
        finishReason: 'stop',
      },
    ]);
    expect(fake.requests[0]!.body?.stream).toBe(true);
    expect(fake.requests[0]!.body?.stream_options).toEqual({ include_usage: true });
  });

  it('assembles streamed tool calls from argument fragments', async () => {
    fake.respond({
      kind: 'reply',
      text: 'Checking.',
      toolCalls: [
        {
          id: 'call_1',
          name: 'get_weather',
          arguments: { city: 'Paris' },
          argumentFragments: ['{"ci', 'ty": "Pa', 'ris"}'],
        },
        { id: 'call_2', name: 'get_weather', arguments: { city: 'Oslo' } },
      ],
    });
    const deltas = await collect(
      provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] }),
    );
    expect(deltas).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call', toolCall: { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } } },
      { type: 'tool-call', toolCall: { id: 'call_2', name: 'get_weather', arguments: { city: 'Oslo' } } },
      {
        type: 'finish',
        usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
        finishReason: 'tool-calls',
      },
    ]);
  });

  it('reports a streamed length cut', async () => {
    fake.respond({ kind: 'reply', text: 'partial', finishReason: 'length' });
    const deltas = await collect(
      provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(deltas.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });

  it('retries a stream that fails before its first delta', async () => {
    fake.respond(
      { kind: 'error', status: 503, headers: { 'retry-after-ms': '5' } },
      { kind: 'reply', textChunks: ['ok'] },
    );
    const deltas = await collect(
      provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(deltas.map((delta) => delta.type)).toEqual(['text', 'finish']);
    expect(fake.requests).toHaveLength(2);
  });

  it('stops promptly with canceled when the signal aborts mid-stream', async () => {
    fake.respond({ kind: 'reply', textChunks: ['one ', 'two '], hang: true });
    const controller = new AbortController();
    const seen: GenerationDelta[] = [];
    let caught: unknown;
    const started = performance.now();
    try {
      for await (const delta of provider()('gpt-4o').stream!({
        messages: [{ role: 'user', content: 'x' }],
        signal: controller.signal,
      })) {
        seen.push(delta);
        if (seen.length === 1) setTimeout(() => controller.abort(), 20);
      }
    } catch (error) {
      caught = error;
    }
    expect(GoosukeError.isInstance(caught) && caught.code).toBe('canceled');
    expect(seen[0]).toEqual({ type: 'text', text: 'one ' });
    expect(seen.some((delta) => delta.type === 'finish')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fake.requests).toHaveLength(1);
  });

  it('turns an error frame after the first delta into a ProviderError, without retrying', async () => {
    fake.respond({ kind: 'reply', textChunks: ['one '], streamError: { message: 'overloaded mid-answer' } });
    const seen: GenerationDelta[] = [];
    let caught: unknown;
    try {
      for await (const delta of provider()('gpt-4o').stream!({
        messages: [{ role: 'user', content: 'x' }],
      })) {
        seen.push(delta);
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect((caught as ProviderError).status).toBeNull();
    expect((caught as ProviderError).message).toMatch(/stream reported an error: overloaded mid-answer/);
    expect(seen).toEqual([{ type: 'text', text: 'one ' }]);
    expect(fake.requests).toHaveLength(1);
  });

  it('closes the HTTP stream when the consumer stops reading', async () => {
    fake.respond({ kind: 'reply', textChunks: ['one ', 'two '], hang: true });
    for await (const delta of provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }] })) {
      expect(delta).toEqual({ type: 'text', text: 'one ' });
      break;
    }
    const deadline = Date.now() + 1000;
    while (fake.openStreams() > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.openStreams()).toBe(0);
  });

  it('times out a stream that stalls, without retrying after a delta was yielded', async () => {
    fake.respond({ kind: 'reply', textChunks: ['one '], hang: true }, { kind: 'reply', text: 'never' });
    const seen: GenerationDelta[] = [];
    let caught: unknown;
    try {
      for await (const delta of provider({ timeoutMs: 150 })('gpt-4o').stream!({
        messages: [{ role: 'user', content: 'x' }],
      })) {
        seen.push(delta);
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect((caught as ProviderError).message).toMatch(/timed out after 150 ms/);
    expect(seen).toEqual([{ type: 'text', text: 'one ' }]);
    expect(fake.requests).toHaveLength(1);
  });

  it('turns a 401 on a stream into the same ProviderError as generate', async () => {
    const error = await rejection(
      collect(
        provider({ apiKey: 'sk-other-key-1234' })('gpt-4o').stream!({
          messages: [{ role: 'user', content: 'x' }],
        }),
      ),
    );
    expect((error as ProviderError).status).toBe(401);
    expect((error as ProviderError).message).not.toContain('sk-other-key-1234');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('openai-compatible servers', () => {
  let local: FakeOpenAIServer;

  beforeEach(async () => {
    local = await startFakeOpenAIServer({ apiKey: null, basePath: '/api/v1' });
  });

  afterEach(async () => {
    await local.close();
  });

  it('works without a key, sends a placeholder and the extra headers, and uses the compatible table', async () => {
    process.env.OPENAI_API_KEY = 'sk-must-not-leak-1234';
    try {
      local.respond({ kind: 'reply', text: 'local answer' });
      const model = createOpenAIProvider({
        provider: 'openai-compatible',
        baseUrl: local.url,
        headers: { 'HTTP-Referer': 'https://goosuke.example', 'X-Title': 'Goosuke' },
      })('qwen/qwen2.5-coder-32b-instruct');
      expect(model.provider).toBe('openai-compatible');
      expect(model.capabilities.outputLimitParameter).toBe('max_tokens');
      const generation = await model.generate({
        messages: [{ role: 'user', content: 'x' }],
        maxOutputTokens: 100_000,
      });
      expect(generation.text).toBe('local answer');
      const request = local.requests[0]!;
      expect(request.path).toBe('/api/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer not-needed');
      expect(request.headers['http-referer']).toBe('https://goosuke.example');
      expect(request.headers['x-title']).toBe('Goosuke');
      expect(request.body?.max_tokens).toBe(8192);
      expect(request.body?.model).toBe('qwen/qwen2.5-coder-32b-instruct');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('streams from a compatible server', async () => {
    local.respond({ kind: 'reply', textChunks: ['a', 'b'] });
    const model = createOpenAIProvider({ provider: 'openai-compatible', baseUrl: local.url })('llama3.2');
    const deltas = await collect(model.stream!({ messages: [{ role: 'user', content: 'x' }] }));
    expect(deltas.map((delta) => (delta.type === 'text' ? delta.text : delta.type))).toEqual([
      'a',
      'b',
      'finish',
    ]);
  });

  it('tells the user to configure a key when a compatible server wants one', async () => {
    const error = await rejection(
      createOpenAIProvider({ provider: 'openai-compatible', baseUrl: fake.url, maxRetries: 0 })(
        'llama3.2',
      ).generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((error as ProviderError).status).toBe(401);
    expect((error as ProviderError).provider).toBe('openai-compatible');
    expect((error as ProviderError).message).toMatch(/wants an API key; set apiKey/);
  });
});

describe('configuration', () => {
  it('never lets the SDK read its environment variables', async () => {
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
    process.env.OPENAI_ORG_ID = 'org-from-env';
    process.env.OPENAI_PROJECT_ID = 'proj-from-env';
    try {
      clearOpenAIClientCache();
      fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' });
      await provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] });
      expect(fake.requests[0]!.headers['openai-organization']).toBeUndefined();
      expect(fake.requests[0]!.headers['openai-project']).toBeUndefined();
      await provider({ organization: 'org-given', project: 'proj-given' })('gpt-4o').generate({
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(fake.requests[1]!.headers['openai-organization']).toBe('org-given');
      expect(fake.requests[1]!.headers['openai-project']).toBe('proj-given');
    } finally {
      delete process.env.OPENAI_BASE_URL;
      delete process.env.OPENAI_ORG_ID;
      delete process.env.OPENAI_PROJECT_ID;
    }
  });

  it('shares one SDK client per base URL and key, never keyed by the plain key', () => {
    clearOpenAIClientCache();
    const settings = resolveOpenAIProviderOptions({ apiKey: key, baseUrl: fake.url });
    const first = openAIClientFor(settings);
    const again = openAIClientFor(resolveOpenAIProviderOptions({ apiKey: key, baseUrl: `${fake.url}/` }));
    expect(again).toBe(first);
    createOpenAIProvider({ apiKey: key, baseUrl: fake.url });
    expect(openAIClientCacheSize()).toBe(1);
    const other = openAIClientFor(
      resolveOpenAIProviderOptions({ apiKey: 'sk-another-key-42', baseUrl: fake.url }),
    );
    expect(other).not.toBe(first);
    createOpenAIProvider({ apiKey: key, baseUrl: 'http://127.0.0.1:1/v1' });
    expect(openAIClientCacheSize()).toBe(3);
  });

  it('validates the factory options', () => {
    expect(() => createOpenAIProvider({})).toThrow(expect.objectContaining({ code: 'secret_key' }));
    expect(() => createOpenAIProvider({ provider: 'openai-compatible' })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    expect(() => createOpenAIProvider({ apiKey: key, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });

  it('reads options from the OpenAI variables of a given environment', () => {
    expect(
      openAIProviderOptionsFromEnvironment({ OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'https://proxy/v1' }),
    ).toEqual({
      provider: 'openai',
      apiKey: 'sk-env',
      baseUrl: 'https://proxy/v1',
    });
    expect(
      openAIProviderOptionsFromEnvironment({
        OPENAI_API_KEY: 'sk-env',
        OPENAI_ORG_ID: 'org',
        OPENAI_PROJECT_ID: 'p',
      }),
    ).toEqual({ provider: 'openai', apiKey: 'sk-env', organization: 'org', project: 'p' });
    const missing = (() => {
      try {
        openAIProviderOptionsFromEnvironment({ OPENAI_API_KEY: '  ' });
      } catch (error) {
        return error;
      }
    })();
    expect(GoosukeError.isInstance(missing) && missing.code).toBe('secret_key');
    expect((missing as Error).message).toMatch(/set OPENAI_API_KEY/);
    expect(
      openAIProviderOptionsFromEnvironment(
        { OPENAI_BASE_URL: 'http://localhost:11434/v1' },
        { provider: 'openai-compatible' },
      ),
    ).toEqual({ provider: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' });
    expect(() => openAIProviderOptionsFromEnvironment({}, { provider: 'openai-compatible' })).toThrow(
      /OPENAI_BASE_URL/,
    );
  });
});
