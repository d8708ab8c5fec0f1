import { type GenerationDelta, type LanguageModel, ProviderError, type ToolSpec } from '@goosuke/core';
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

// The behaviours every LanguageModel shares (retries, timeouts, cancellation, redaction,
// streams…) are checked by the conformance suite (anthropic-conformance.test.ts); this file
// keeps the Messages API mapping, the clients and the environment.

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
  it('posts to /v1/messages with the version header and the key, and a body without optional fields', async () => {
    fake.respond(fakeAnthropicText('Hello there'));
    const claude = model();
    expect(claude).toMatchObject({ provider: 'anthropic', modelId: 'claude-sonnet-4-6' });
    expect((await claude.generate({ messages: [{ role: 'user', content: 'Hi' }] })).text).toBe('Hello there');
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

  it('sends tools and a tool round trip in Anthropic wire shapes', async () => {
    fake.respond(
      fakeAnthropicToolCalls([{ id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }], {
        text: 'Let me check.',
      }),
      fakeAnthropicText('It is sunny in Paris.'),
    );
    const claude = model();
    const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];

    const first = await claude.generate({ messages, tools: [weatherTool] });
    expect(fake.requests[0]!.body!.tools).toEqual([
      { name: 'get_weather', description: 'The weather in a city.', input_schema: weatherTool.inputSchema },
    ]);

    await claude.generate({
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_1', name: 'get_weather', content: '{"sky":"sunny"}' },
      ],
    });
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

  it('maps the stop reasons the conformance suite does not script', async () => {
    fake.respond(
      fakeAnthropicText('halt', { stopReason: 'stop_sequence' }),
      fakeAnthropicText('paused', { stopReason: 'pause_turn' }),
      fakeAnthropicText('window', { stopReason: 'model_context_window_exceeded' }),
    );
    const claude = model();
    const ask = () => claude.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect((await ask()).finishReason).toBe('stop');
    expect((await ask()).finishReason).toBe('other');
    expect((await ask()).finishReason).toBe('length');
  });

  it('sends max_tokens: the capability by default, the caller value capped at it', async () => {
    fake.respond(fakeAnthropicText('a'), fakeAnthropicText('b'), fakeAnthropicText('c'));
    const claude = model();
    const messages = [{ role: 'user' as const, content: 'x' }];
    expect(claude.capabilities.maxOutputTokens).toBe(64_000);
    expect(claude.capabilities.outputLimitParameter).toBe('max_tokens');

    await claude.generate({ messages });
    await claude.generate({ messages, maxOutputTokens: 500 });
    await claude.generate({ messages, maxOutputTokens: 1_000_000 });

    expect(fake.requests.map((request) => request.body?.max_tokens)).toEqual([64_000, 500, 64_000]);
    expect(fake.requests.every((request) => !('max_completion_tokens' in request.body!))).toBe(true);
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
  it('asks for a stream with the same body', async () => {
    fake.respond(fakeAnthropicText('Hello streaming world', { chunkSize: 5 }));
    const deltas = await collect(
      model().stream!({ system: 'sys', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(deltas.filter((delta) => delta.type === 'text').map((delta) => delta.text)).toEqual([
      'Hello',
      ' stre',
      'aming',
      ' worl',
      'd',
    ]);
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, system: 'sys', max_tokens: 64_000 });
  });

  it('gives an error event the status of its type (overloaded_error: 529, retryable)', async () => {
    fake.respond(
      fakeAnthropicText('abcdefgh', {
        chunkSize: 2,
        errorAfterEvents: { events: 4, errorType: 'overloaded_error', message: 'Overloaded' },
      }),
    );
    const error = await rejection(collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, retryable: true });
    expect((error as ProviderError).message).toMatch(/overloaded/i);
  });
});

describe('errors', () => {
  it('names the status and the error type; a 403 points at the key and is not retried', async () => {
    fake.respond(
      fakeAnthropicError(400, { message: 'messages: roles must alternate' }),
      fakeAnthropicError(403, { errorType: 'permission_error', message: 'this key may not use this model' }),
    );
    const refused = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(refused.message).toBe(
      'Anthropic rejected the request (400 invalid_request_error): messages: roles must alternate',
    );
    const forbidden = (await rejection(
      model().generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(forbidden).toMatchObject({ status: 403, retryable: false });
    expect(forbidden.message).toContain('403 permission_error');
    expect(forbidden.message).toContain('ANTHROPIC_API_KEY');
  });

  it('reads a retry-after in seconds as well as retry-after-ms', async () => {
    fake.respond(fakeAnthropicError(429, { headers: { 'retry-after': '0.05' } }), fakeAnthropicText('ok'));
    const retries: number[] = [];
    await model({ onRetry: (event) => retries.push(event.delayMs) }).generate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(retries).toEqual([50]);
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
});

describe('clients and the environment', () => {
  it('retries twice by default', async () => {
    const failure = fakeAnthropicError(500, { headers: { 'retry-after-ms': '1' } });
    fake.respond(failure, failure, failure, fakeAnthropicText('unused'));
    await rejection(
      createAnthropicProvider({ apiKey, baseUrl: fake.url })('claude-sonnet-4-6').generate({
        messages: [{ role: 'user', content: 'x' }],
      }),
    );
    expect(fake.requests).toHaveLength(3);
  });

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
