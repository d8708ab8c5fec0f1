import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGoogleServer, startFakeGoogleServer } from './index.ts';

let fake: FakeGoogleServer;
beforeAll(async () => {
  fake = await startFakeGoogleServer({ apiKey: 'right-key' });
});
afterAll(() => fake.close());

const post = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
  });

describe('startFakeGoogleServer', () => {
  it('answers like Google when the key header is missing or wrong', async () => {
    const missing = await post('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });

    const wrong = await post('/v1beta/models/gemini-2.5-pro:generateContent', { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] },
    });
  });

  it('streams SSE data frames without [DONE], the last one with finishReason and usage', async () => {
    fake.respond({ kind: 'reply', text: ['a', 'b'] });
    const response = await post('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      'x-goog-api-key': 'right-key',
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await response.text()).split('\r\n\r\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames.every((frame) => frame.startsWith('data: '))).toBe(true);
    const last = JSON.parse(frames[1]!.slice('data: '.length));
    expect(last.candidates[0]).toMatchObject({
      content: { role: 'model', parts: [{ text: 'b' }] },
      finishReason: 'STOP',
    });
    expect(last.usageMetadata.promptTokenCount).toBe(10);
  });

  it('cuts a stream short or leaves it open, and counts the streams still open', async () => {
    const path = '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse';
    fake.respond(
      { kind: 'reply', text: ['a', 'b'], endAfterFrames: 1 },
      { kind: 'reply', text: ['a', 'b'], stallAfterFrames: 1 },
    );
    const cut = (await (await post(path, { 'x-goog-api-key': 'right-key' })).text()).split('\r\n\r\n');
    expect(cut.filter(Boolean)).toHaveLength(1);
    expect(cut[0]).not.toContain('finishReason');
    expect(fake.openStreams()).toBe(0);

    const controller = new AbortController();
    const stalled = await fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'right-key' },
      body: '{}',
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

  it('answers 500 when nothing is scripted, and 404 for unknown paths', async () => {
    expect((await post('/v1beta/models/m:generateContent', { 'x-goog-api-key': 'right-key' })).status).toBe(
      500,
    );
    expect((await post('/v1/other', { 'x-goog-api-key': 'right-key' })).status).toBe(404);
  });
});
