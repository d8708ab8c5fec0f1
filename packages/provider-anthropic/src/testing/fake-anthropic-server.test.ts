import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeAnthropicServer,
  fakeAnthropicError,
  fakeAnthropicText,
  fakeAnthropicToolCalls,
  startFakeAnthropicServer,
} from './fake-anthropic-server.ts';

let fake: FakeAnthropicServer;
beforeEach(async () => {
  fake = await startFakeAnthropicServer({ apiKey: 'fake-key-1234' });
});
afterEach(async () => {
  await fake.close();
});

function post(body: unknown, headers: Record<string, string> = {}, path = '/v1/messages') {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
}

const body = { model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('startFakeAnthropicServer', () => {
  it('answers 401 authentication_error in Anthropic shape for a wrong or missing key', async () => {
    const attempts: Array<Record<string, string>> = [
      { 'x-api-key': 'wrong' },
      { authorization: 'Bearer wrong' },
      {},
    ];
    for (const headers of attempts) {
      const response = await post(body, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      });
    }
    expect(fake.requests).toHaveLength(3);
  });

  it('accepts the key as x-api-key or as a bearer token', async () => {
    fake.respond(fakeAnthropicText('one'), fakeAnthropicText('two'));
    const first = await post(body, { 'x-api-key': 'fake-key-1234' });
    const second = await post(body, { authorization: 'Bearer fake-key-1234' });
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'one' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    expect(await second.json()).toMatchObject({ content: [{ type: 'text', text: 'two' }] });
    expect(fake.requests[1]).toMatchObject({ method: 'POST', path: '/v1/messages', body });
  });

  it('requires anthropic-version, serves only POST /v1/messages, and fails fast when unscripted', async () => {
    const auth = { 'x-api-key': 'fake-key-1234' };
    const noVersion = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: auth, body: '{}' });
    expect(noVersion.status).toBe(400);
    expect((await post(body, auth, '/v1/complete')).status).toBe(404);
    const unscripted = await post(body, auth);
    expect(unscripted.status).toBe(400);
    expect(await unscripted.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('streams SSE frames that each carry an event line', async () => {
    fake.respond(
      fakeAnthropicToolCalls([{ id: 'toolu_x', name: 'look', input: { q: 'abc' } }], {
        text: 'hm',
        chunkSize: 4,
      }),
    );
    const response = await post({ ...body, stream: true }, { 'x-api-key': 'fake-key-1234' });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.every((frame) => frame.startsWith('event: '))).toBe(true);
    const events = frames.map((frame) => frame.split('\n')[0]!.slice('event: '.length));
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const fragments = frames
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)))
      .filter((data) => data.delta?.type === 'input_json_delta')
      .map((data) => data.delta.partial_json);
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(''))).toEqual({ q: 'abc' });
  });

  it('streams given text chunks, cuts a stream short, and counts the streams still open', async () => {
    const auth = { 'x-api-key': 'fake-key-1234' };
    fake.respond(
      fakeAnthropicText('', { textChunks: ['He', 'llo'], endAfterEvents: 4 }),
      fakeAnthropicText('waiting', { stallAfterEvents: 1 }),
    );
    const cut = await (await post({ ...body, stream: true }, auth)).text();
    const deltas = cut
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)))
      .filter((data) => data.type === 'content_block_delta')
      .map((data) => data.delta.text);
    expect(deltas).toEqual(['He', 'llo']);
    expect(cut).not.toContain('message_stop');
    expect(fake.openStreams()).toBe(0);

    const controller = new AbortController();
    const stalled = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...auth },
      body: JSON.stringify({ ...body, stream: true }),
      signal: controller.signal,
    });
    expect(stalled.status).toBe(200);
    expect(fake.openStreams()).toBe(1);
    controller.abort();
    const deadline = Date.now() + 1000;
    while (fake.openStreams() > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.openStreams()).toBe(0);
  });

  it('sends scripted errors with their headers, and answers from functions and the fallback', async () => {
    const withFallback = await startFakeAnthropicServer({ fallback: fakeAnthropicText('default') });
    try {
      withFallback.respond(fakeAnthropicError(529, { headers: { 'retry-after': '1' } }), (request) =>
        fakeAnthropicText(`you said ${JSON.stringify(request.body?.messages?.[0]?.content)}`),
      );
      const call = () =>
        fetch(`${withFallback.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': withFallback.apiKey, 'anthropic-version': '2023-06-01' },
          body: JSON.stringify(body),
        });
      const overloaded = await call();
      expect(overloaded.status).toBe(529);
      expect(overloaded.headers.get('retry-after')).toBe('1');
      expect(await overloaded.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      expect(await (await call()).json()).toMatchObject({ content: [{ text: 'you said "hi"' }] });
      expect(await (await call()).json()).toMatchObject({ content: [{ text: 'default' }] });
    } finally {
      await withFallback.close();
    }
  });
});
