import Anthropic from '@anthropic-ai/sdk';
import { fakeAnthropicText, startFakeAnthropicServer } from '@goosuke/anthropic/testing';
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

const realKey = 'sk-ant-real-key-5f1e9c2b7a';

async function setUp() {
  const upstream = await startFakeAnthropicServer({ apiKey: realKey });
  onTeardown(() => upstream.close());
  const { gateway, lease, calls } = await openTestLease('anthropic', {
    baseUrl: upstream.url,
    apiKey: realKey,
  });
  const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
  return { upstream, gateway, lease, client, calls };
}

describe('the anthropic wire (Claude Code), driven by @anthropic-ai/sdk', () => {
  it('forwards a message with the profile model and the real key, and meters it', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond(fakeAnthropicText('Hello from upstream', { usage: { cacheReadInputTokens: 4 } }));

    const message = await client.messages.create({
      model: 'claude-the-agent-chose',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });

    expect(message.content).toEqual([{ type: 'text', text: 'Hello from upstream' }]);
    const [sent] = upstream.requests;
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.body?.model).toBe('the-profile-model');
    expect(sent?.headers['x-api-key']).toBe(realKey);
    expect(sent?.headers['anthropic-version']).toBeDefined();
    expect(everythingSent(sent!)).not.toContain(lease.token);
    // The provider's request id reaches the agent.
    expect(calls).toEqual([
      {
        wire: 'anthropic',
        path: '/v1/messages',
        model: 'the-profile-model',
        status: 200,
        usage: { inputTokens: 14, outputTokens: 5, cachedInputTokens: 4 },
        costUsd: 0.0204, // 10 × $1000 + 4 × $100 + 5 × $2000 per million
        durationMs: expect.any(Number),
        refused: null,
      },
    ]);
    expect(lease.totals()).toEqual({
      calls: 1,
      usage: { inputTokens: 14, outputTokens: 5, cachedInputTokens: 4 },
      costUsd: 0.0204,
    });
  });

  it('streams a message back unchanged and meters it from message_start and message_delta', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond(
      fakeAnthropicText('streamed answer text', {
        usage: { inputTokens: 20, outputTokens: 7 },
        chunkSize: 3,
      }),
    );

    const stream = await client.messages.create({
      model: 'claude-whatever',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }

    expect(text).toBe('streamed answer text');
    // Recorded once the gateway saw the stream's end, which may come just after the SDK's.
    await eventually(() => calls.length === 1);
    expect(upstream.requests[0]?.body?.model).toBe('the-profile-model');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      status: 200,
      usage: { inputTokens: 20, outputTokens: 7, cachedInputTokens: 0 },
      costUsd: 0.034,
      refused: null,
    });
    expect(lease.totals()).toMatchObject({ calls: 1, costUsd: 0.034 });
  });

  it('relays the SSE bytes exactly as the provider sent them', async () => {
    const { upstream, lease } = await setUp();
    upstream.respond(fakeAnthropicText('byte for byte'));
    const body = JSON.stringify({ model: 'x', max_tokens: 5, stream: true, messages: [] });
    const viaGateway = await fetch(`${lease.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': lease.token,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body,
    });
    const relayed = await viaGateway.text();
    upstream.respond(fakeAnthropicText('byte for byte'));
    const direct = await fetch(`${upstream.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': realKey,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ...JSON.parse(body), model: 'the-profile-model' }),
    });
    // The fake numbers its messages: the second one is msg_fake_2.
    expect(relayed).toBe((await direct.text()).replaceAll('msg_fake_2', 'msg_fake_1'));
    expect(viaGateway.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(viaGateway.headers.get('request-id')).toBe('req_msg_fake_1');
  });

  it('accepts the token as Authorization: Bearer and keeps the beta query and header', async () => {
    const { upstream, lease } = await setUp();
    upstream.respond(fakeAnthropicText('beta'));
    const client = new Anthropic({
      apiKey: null,
      authToken: lease.token,
      baseURL: lease.baseUrl,
      maxRetries: 0,
    });

    await client.beta.messages.create({
      model: 'claude-x',
      max_tokens: 10,
      betas: ['interleaved-thinking-2025-05-14'],
      messages: [{ role: 'user', content: 'hi' }],
    });

    // Claude Code calls `/v1/messages?beta=true`: that query goes upstream, no other.
    upstream.respond(fakeAnthropicText('beta'));
    const raw = await fetch(`${lease.baseUrl}/v1/messages?beta=true&other=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lease.token}`, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'x', max_tokens: 5, messages: [] }),
    });
    expect(raw.status).toBe(200);

    const [sent, sentRaw] = upstream.requests;
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(sent?.headers['x-api-key']).toBe(realKey);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(everythingSent(sent!)).not.toContain(lease.token);
    expect(sentRaw?.path).toBe('/v1/messages?beta=true');
    expect(sentRaw?.headers['x-api-key']).toBe(realKey);
    expect(everythingSent(sentRaw!)).not.toContain(lease.token);
  });

  it('forwards count_tokens with the profile model, recorded without usage', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    upstream.respond({ json: { input_tokens: 42 } });

    const counted = await client.messages.countTokens({
      model: 'claude-agent-pick',
      messages: [{ role: 'user', content: 'count me' }],
    });

    expect(counted.input_tokens).toBe(42);
    expect(upstream.requests[0]?.url).toBe('/v1/messages/count_tokens');
    expect(upstream.requests[0]?.body?.model).toBe('the-profile-model');
    expect(options.calls).toMatchObject([
      { path: '/v1/messages/count_tokens', status: 200, usage: null, costUsd: null },
    ]);
    expect(lease.totals()).toEqual({
      calls: 1,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      costUsd: 0,
    });
  });

  it('counts cache writes as input, and later message_delta usage wins', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [] };
    upstream.respond({
      sse: [
        [
          'message_start',
          {
            type: 'message_start',
            message: {
              ...message,
              stop_reason: null,
              stop_sequence: null,
              usage: {
                input_tokens: 3,
                cache_creation_input_tokens: 100,
                cache_read_input_tokens: 50,
                output_tokens: 1,
              },
            },
          },
        ],
        [
          'message_delta',
          {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: 9, input_tokens: 3, cache_read_input_tokens: 50 },
          },
        ],
        ['message_stop', { type: 'message_stop' }],
      ],
    });

    const stream = await client.messages.create({
      model: 'm',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const _event of stream) {
      // drained
    }

    await eventually(() => options.calls.length === 1);
    expect(options.calls[0]?.usage).toEqual({ inputTokens: 153, outputTokens: 9, cachedInputTokens: 50 });
  });
});
