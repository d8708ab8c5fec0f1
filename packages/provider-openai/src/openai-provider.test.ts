import { type GenerationDelta, GoosukeError, type ProviderError } from '@goosuke/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearOpenAIClientCache, openAIClientCacheSize, openAIClientFor } from './openai-client-cache.ts';
import { createOpenAIProvider } from './openai-provider.ts';
import {
  type OpenAIProviderOptions,
  openAIProviderOptionsFromEnvironment,
  resolveOpenAIProviderOptions,
} from './openai-provider-options.ts';
import { type FakeOpenAIServer, isolateOpenAIEnvironment, startFakeOpenAIServer } from './testing/index.ts';

// The behaviours every LanguageModel shares (retries, timeouts, cancellation, redaction,
// streams…) are checked by the conformance suite (openai-conformance.test.ts); this file keeps
// the Chat Completions mapping, OpenAI-compatible servers and the configuration.

let restoreEnvironment: () => void;

beforeAll(() => {
  restoreEnvironment = isolateOpenAIEnvironment();
});

afterAll(() => {
  restoreEnvironment();
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
  it('posts to /chat/completions with the key and the model, and a body without optional fields', async () => {
    fake.respond({ kind: 'reply', text: 'Hello there' });
    const model = provider()('gpt-4o');
    expect(model.provider).toBe('openai');
    expect(model.modelId).toBe('gpt-4o');
    expect((await model.generate({ messages: [{ role: 'user', content: 'Hi' }] })).text).toBe('Hello there');
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

  it('sends tools and a tool round trip in the Chat Completions wire shape', async () => {
    fake.respond(
      { kind: 'reply', toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { kind: 'reply', text: 'It is sunny in Paris.' },
    );
    const model = provider()('gpt-4.1');
    const first = await model.generate({
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    expect(first.text).toBe('');
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

    await model.generate({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'call_abc', name: 'get_weather', content: '{"sky":"sunny"}' },
      ],
      tools: [weatherTool],
    });
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
});

describe('errors', () => {
  it('names the server, the HTTP status, its explanation and what to do', async () => {
    fake.respond({ kind: 'error', status: 500, message: 'The server had an error' });
    const failed = await rejection(
      provider({ maxRetries: 0 })('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((failed as ProviderError).message).toBe(
      `openai: the openai server at ${fake.url} answered HTTP 500 (The server had an error); the provider failed; retry later`,
    );
    const refused = await rejection(
      provider({ apiKey: 'sk-wrong-key-9876543210' })('gpt-4o').generate({
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect((refused as ProviderError).status).toBe(401);
    expect((refused as ProviderError).message).toMatch(/the API key was rejected; check OPENAI_API_KEY$/);
  });

  it('gives an error frame in a stream no HTTP status and says the stream reported it', async () => {
    fake.respond({ kind: 'reply', textChunks: ['one '], streamError: { message: 'overloaded mid-answer' } });
    const error = await rejection(
      collect(provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }] })),
    );
    expect((error as ProviderError).status).toBeNull();
    expect((error as ProviderError).message).toMatch(/stream reported an error: overloaded mid-answer/);
  });
});

describe('stream', () => {
  it('asks for a streamed answer with its usage frame', async () => {
    fake.respond({ kind: 'reply', textChunks: ['Hel', 'lo'] });
    const deltas = await collect(
      provider()('gpt-4o').stream!({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(deltas.map((delta) => delta.type)).toEqual(['text', 'text', 'finish']);
    expect(fake.requests[0]!.body?.stream).toBe(true);
    expect(fake.requests[0]!.body?.stream_options).toEqual({ include_usage: true });
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
  it('retries twice by default', async () => {
    const failure = { kind: 'error' as const, status: 500, headers: { 'retry-after-ms': '1' } };
    fake.respond(failure, failure, failure, { kind: 'reply', text: 'unused' });
    await rejection(provider()('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(fake.requests).toHaveLength(3);
  });

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
