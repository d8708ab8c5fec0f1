import { type GenerationDelta, type LanguageModel, ProviderError } from '@goosuke/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearGoogleClientCache, googleClientCacheSize, googleClientFor } from './google-client-cache.ts';
import { createGoogleProvider, type GoogleProviderOptions } from './google-provider.ts';
import { type FakeGoogleServer, isolateGoogleEnvironment, startFakeGoogleServer } from './testing/index.ts';

// The behaviours every LanguageModel shares (retries, timeouts, cancellation, redaction,
// streams…) are checked by the conformance suite (google-conformance.test.ts); this file keeps
// the Gemini mapping, the clients, the transport and the environment.

const apiKey = 'AIzaFakeGeminiKey-0123456789abcdef';
let fake: FakeGoogleServer;
let restoreEnvironment: () => void;

beforeAll(async () => {
  restoreEnvironment = isolateGoogleEnvironment();
  fake = await startFakeGoogleServer({ apiKey });
});

afterAll(async () => {
  await fake.close();
  restoreEnvironment();
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
  it('posts to :generateContent, sending the key only in x-goog-api-key', async () => {
    fake.respond({ kind: 'reply', text: 'Hello there' });
    const llm = model();
    expect(llm.provider).toBe('google');
    expect(llm.modelId).toBe('gemini-2.5-pro');
    expect(llm.capabilities.outputLimitParameter).toBe('maxOutputTokens');

    expect((await llm.generate({ messages: [{ role: 'user', content: 'Hi' }] })).text).toBe('Hello there');
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

  it('caps maxOutputTokens at the table limit and sends no generation config unasked', async () => {
    fake.respond({ kind: 'reply', text: 'a' }, { kind: 'reply', text: 'b' });
    await model('gemini-2.5-flash').generate({
      messages: [{ role: 'user', content: 'x' }],
      maxOutputTokens: 1e6,
    });
    expect(fake.requests[0]!.body!.generationConfig).toEqual({ maxOutputTokens: 65_536 });

    await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(fake.requests[1]!.body!.generationConfig ?? {}).toEqual({});
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
    ['RECITATION', 'content-filter'],
    ['BLOCKLIST', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['OTHER', 'other'],
  ])(
    'maps finish reason %s to %s (the suite scripts STOP, MAX_TOKENS and SAFETY)',
    async (google, goosuke) => {
      fake.respond({ kind: 'reply', text: 'partial', finishReason: google });
      const generation = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
      expect(generation.finishReason).toBe(goosuke);
    },
  );

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
    await llm.generate({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, name: 'get_weather', content: 'sunny, 21 °C' },
      ],
      tools: [weatherTool],
    });
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
});

describe('createGoogleProvider: stream', () => {
  it('streams from :streamGenerateContent?alt=sse, counting thinking tokens as output', async () => {
    fake.respond({
      kind: 'reply',
      text: ['Hel', 'lo'],
      usage: { promptTokenCount: 4, candidatesTokenCount: 3, thoughtsTokenCount: 2 },
    });
    const deltas = await collect(model().stream!({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(deltas.at(-1)).toEqual({
      type: 'finish',
      usage: { inputTokens: 4, outputTokens: 5, cachedInputTokens: 0 },
      finishReason: 'stop',
    });
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    expect(request.query).toEqual({ alt: 'sse' });
    expect(request.headers['x-goog-api-key']).toBe(apiKey);
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

  it('takes the status of an error frame in a stream from its code', async () => {
    fake.respond({
      kind: 'reply',
      text: ['partial'],
      streamError: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' },
    });
    const error = await rejection(collect(model().stream!({ messages: [{ role: 'user', content: 'x' }] })));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(503);
    expect((error as ProviderError).message).toMatch(/503 UNAVAILABLE.*overloaded/);
  });
});

describe('createGoogleProvider: errors and retries', () => {
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

  it("sends a rejected key in its header and reports Google's 400 API_KEY_INVALID as status 400", async () => {
    const wrongKey = 'AIzaWrongKey-ffffffffffffffff';
    const llm = createGoogleProvider({ apiKey: wrongKey, baseUrl: fake.url })('gemini-2.5-pro');
    const error = (await rejection(
      llm.generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/API key was rejected.*check GEMINI_API_KEY/);
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(wrongKey);
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

  it("names the HTTP status and Google's status name in its messages", async () => {
    fake.respond({ kind: 'error', status: 500, message: 'boom' });
    const error = (await rejection(
      model('gemini-2.5-pro', { maxRetries: 0 }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    )) as ProviderError;
    expect(error.message).toBe('Google Gemini failed (500 INTERNAL): boom; retry later');
  });
});

describe('createGoogleProvider: clients, transport and environment', () => {
  it('retries twice by default', async () => {
    const failure = { kind: 'error' as const, status: 500, headers: { 'retry-after': '0.001' } };
    fake.respond(failure, failure, failure);
    await rejection(model().generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(fake.requests).toHaveLength(3);
  });

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
    const names = [
      'GOOGLE_GENAI_USE_VERTEXAI',
      'GOOGLE_GEMINI_BASE_URL',
      'GEMINI_API_KEY',
      'GOOGLE_API_KEY',
      'GOOGLE_GENAI_API_VERSION',
      'GOOGLE_CLOUD_PROJECT',
    ];
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
      for (const name of names) delete process.env[name];
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
