import { startFakeOpenAIServer } from '@goosuke/openai/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  everythingSent,
  leaseOptions,
  onTeardown,
  openTestLease,
  startGateway,
  startRecordingUpstream,
} from './support.ts';

const realKey = 'sk-openai-real-key-0d7c3e81';

async function setUp() {
  const upstream = await startFakeOpenAIServer({ apiKey: realKey });
  onTeardown(() => upstream.close());
  const { lease, calls } = await openTestLease('openai-chat', {
    baseUrl: upstream.url,
    apiKey: realKey,
  });
  const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });
  return { upstream, lease, client, calls };
}

describe('the openai-chat wire (Goose), driven by the openai SDK', () => {
  it('forwards a completion with the profile model and the real key, and meters it', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond({
      kind: 'reply',
      text: 'chat answer',
      usage: { promptTokens: 30, completionTokens: 10, cachedTokens: 10 },
    });

    const completion = await client.chat.completions.create({
      model: 'gpt-agent-choice',
      messages: [{ role: 'user', content: 'hi' }],
    });

    expect(completion.choices[0]?.message.content).toBe('chat answer');
    const [sent] = upstream.requests;
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body?.model).toBe('the-profile-model');
    expect(sent?.headers.authorization).toBe(`Bearer ${realKey}`);
    expect(everythingSent(sent!)).not.toContain(lease.token);
    expect(calls).toEqual([
      {
        wire: 'openai-chat',
        path: '/v1/chat/completions',
        model: 'the-profile-model',
        status: 200,
        usage: { inputTokens: 30, outputTokens: 10, cachedInputTokens: 10 },
        costUsd: 0.041,
        durationMs: expect.any(Number),
        refused: null,
      },
    ]);
  });

  it('asks for usage on streams (stream_options.include_usage) and meters the last chunk', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond({ kind: 'reply', text: 'one two three' });

    const stream = await client.chat.completions.create({
      model: 'gpt-agent-choice',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';

    expect(text).toBe('one two three');
    await eventually(() => calls.length === 1);
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'the-profile-model',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(calls[0]).toMatchObject({
      status: 200,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      costUsd: 0.02,
    });
    expect(lease.totals()).toEqual({
      calls: 1,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      costUsd: 0.02,
    });
  });

  it('keeps the stream options the agent set', async () => {
    const { upstream, client } = await setUp();
    upstream.respond({ kind: 'reply', text: 'x' });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_obfuscation: false },
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const _chunk of stream) {
      // drained
    }
    expect(upstream.requests[0]?.body?.stream_options).toEqual({
      include_obfuscation: false,
      include_usage: true,
    });
  });

  it('answers GET /v1/models itself, with the lease model only', async () => {
    const { upstream, client, calls } = await setUp();
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toEqual([
      { id: 'the-profile-model', object: 'model', created: expect.any(Number), owned_by: 'goosuke' },
    ]);
    expect(upstream.requests).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('finds the usage in a stream cut into pieces anywhere, and relays the bytes unchanged', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('openai-chat', { baseUrl: `${upstream.url}/v1`, apiKey: realKey });
    const lease = await gateway.open(options);
    const chunk = (content: string) => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    });
    const frames: Array<[string | null, unknown]> = [
      [null, chunk('Crème brûlée, ')],
      [null, chunk('s’il vous plaît — 🍮')],
      [
        null,
        {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'm',
          choices: [],
          usage: { prompt_tokens: 12, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 2 } },
        },
      ],
      [null, '[DONE]'],
    ];
    // Three bytes at a time: events, lines and multi-byte characters all cut apart.
    upstream.respond({ sse: frames, sliceBytes: 3 });
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });

    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'dessert?' }],
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';

    expect(text).toBe('Crème brûlée, s’il vous plaît — 🍮');
    await eventually(() => options.calls.length === 1);
    expect(options.calls[0]?.usage).toEqual({ inputTokens: 12, outputTokens: 8, cachedInputTokens: 2 });
  });
});
