import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAIServer, startFakeOpenAIServer } from './index.ts';

let fake: FakeOpenAIServer;

beforeEach(async () => {
  fake = await startFakeOpenAIServer();
});

afterEach(async () => {
  await fake.close();
});

function post(path: string, body: unknown, key = 'test-key') {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('startFakeOpenAIServer', () => {
  it('answers 401 in OpenAI shape for a wrong key', async () => {
    const response = await post('/chat/completions', { model: 'm', messages: [] }, 'nope');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
  });

  it('answers 400 when no response is scripted, and 404 for unknown paths', async () => {
    expect((await post('/chat/completions', { model: 'm', messages: [] })).status).toBe(400);
    expect((await post('/responses', {})).status).toBe(404);
    expect(fake.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/responses']);
  });

  it('frames streams as SSE data lines ending with [DONE], with a usage frame when asked', async () => {
    fake.respond({ kind: 'reply', textChunks: ['a'] });
    const response = await post('/chat/completions', {
      model: 'm',
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.every((frame) => frame.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(frames.at(-2)!.slice(6))).toMatchObject({ choices: [], usage: { prompt_tokens: 10 } });
    expect(fake.pending()).toBe(0);
  });

  it('cuts a stream short without a finish frame or [DONE]', async () => {
    fake.respond({ kind: 'reply', textChunks: ['a'], cutShort: true });
    const text = await (await post('/chat/completions', { model: 'm', messages: [], stream: true })).text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.map((frame) => JSON.parse(frame.slice(6)).choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'a' },
    ]);
    expect(text).not.toContain('finish_reason":"stop');
    expect(text).not.toContain('[DONE]');
  });
});
