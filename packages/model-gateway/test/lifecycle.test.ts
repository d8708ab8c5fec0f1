import Anthropic from '@anthropic-ai/sdk';
import { fakeAnthropicText, startFakeAnthropicServer } from '@goosuke/anthropic/testing';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createModelGateway } from '../src/index.ts';
import { eventually, leaseOptions, onTeardown, startGateway, startRecordingUpstream } from './support.ts';

const realKey = 'sk-real-lifecycle-key-8e3a5c77';

/** A promise and its resolver. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('an agent hanging up', () => {
  it('mid-stream aborts the upstream stream, and the call is recorded with the usage seen', async () => {
    const upstream = await startFakeAnthropicServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const options = leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    // message_start, content_block_start and two deltas, then silence until someone hangs up.
    upstream.respond(fakeAnthropicText('a long answer that never ends', { stallAfterEvents: 4 }));
    const controller = new AbortController();

    const stream = await client.messages.create(
      { model: 'm', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        if (seen.length === 4) controller.abort();
      }
    })();
    // The SDK ends an aborted stream quietly or with an abort error, depending on timing.
    await reading.catch(() => undefined);
    expect(seen).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
    ]);

    await eventually(() => upstream.openStreams() === 0);
    await eventually(() => options.calls.length === 1);
    expect(options.calls[0]).toMatchObject({
      status: 200,
      // message_start carried the input tokens and a first output count.
      usage: { inputTokens: 10, outputTokens: 1, cachedInputTokens: 0 },
      refused: null,
    });
  });

  it('mid-stream on the openai-chat wire aborts the upstream stream too', async () => {
    const upstream = await startFakeOpenAIServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const lease = await gateway.open(leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey }));
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });
    upstream.respond({ kind: 'reply', text: 'one two three', hang: true });
    const controller = new AbortController();

    const stream = await client.chat.completions.create(
      { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    await eventually(() => upstream.openStreams() === 1);
    const reading = (async () => {
      for await (const _chunk of stream) controller.abort();
    })();
    await reading.catch(() => undefined);
    await eventually(() => upstream.openStreams() === 0);
  });

  it('before the provider answered aborts the upstream request (recorded as 499)', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('openai-responses', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    upstream.respond({ delayMs: 10_000, json: {} });
    const cut = upstream.nextCut();
    const controller = new AbortController();

    const request = fetch(`${lease.baseUrl}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lease.token}` },
      body: '{"input":"hi"}',
      signal: controller.signal,
    });
    await eventually(() => upstream.requests.length === 1);
    controller.abort();
    await expect(request).rejects.toThrow();

    await cut;
    await eventually(() => options.calls.length === 1);
    expect(options.calls[0]).toMatchObject({ status: 499, usage: null, refused: null });
  });
});

describe('closing', () => {
  it('a lease revokes its token at once and resolves when its calls in flight have ended', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });
    const release = gate();
    upstream.respond({
      gate: release.promise,
      json: {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2 },
      },
    });

    const inFlight = client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await eventually(() => upstream.requests.length === 1);
    let closed = false;
    const closing = lease.close().then(() => {
      closed = true;
    });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'new' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);

    release.open();
    const completion = await inFlight;
    expect(completion.choices[0]?.message.content).toBe('late');
    await closing;
    expect(closed).toBe(true);
    expect(options.calls).toMatchObject([{ status: 200, usage: { inputTokens: 3, outputTokens: 2 } }]);
  });

  it('the gateway closes every lease, waits for calls in flight, and stops promptly', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await createModelGateway();
    const lease = await gateway.open(leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }));
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    // One finished call leaves an idle keep-alive socket behind.
    upstream.respond({ json: { usage: { input_tokens: 1, output_tokens: 1 } } });
    await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const release = gate();
    upstream.respond({ gate: release.promise, json: { usage: { input_tokens: 1, output_tokens: 1 } } });
    const inFlight = client.messages.create({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    await eventually(() => upstream.requests.length === 2);

    let closed = false;
    const closing = gateway.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    release.open();
    await inFlight;
    const started = Date.now();
    await closing;
    expect(Date.now() - started).toBeLessThan(900);
    expect(lease.totals().calls).toBe(2);
    await gateway.close(); // idempotent
    await expect(fetch(`${lease.baseUrl}/v1/messages`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('a throwing onCall does not fail the call', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const lease = await gateway.open(
      leaseOptions(
        'anthropic',
        { baseUrl: upstream.url, apiKey: realKey },
        {
          onCall: () => {
            throw new Error('ledger down');
          },
        },
      ),
    );
    upstream.respond({ json: { usage: { input_tokens: 2, output_tokens: 1 } } });
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(lease.totals().usage).toEqual({ inputTokens: 2, outputTokens: 1, cachedInputTokens: 0 });
  });
});
