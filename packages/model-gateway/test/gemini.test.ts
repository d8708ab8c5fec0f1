import { GoogleGenAI } from '@google/genai';
import { startFakeGoogleServer } from '@goosuke/google/testing';
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

const realKey = 'AIza-real-gemini-key-3c9d';

async function setUp() {
  const upstream = await startFakeGoogleServer({ apiKey: realKey });
  onTeardown(() => upstream.close());
  const { lease, calls } = await openTestLease('gemini', { baseUrl: upstream.url, apiKey: realKey });
  // Gemini CLI's SDK calls v1beta; this SDK's default is v1 (tested below).
  const client = new GoogleGenAI({
    apiKey: lease.token,
    httpOptions: { baseUrl: lease.baseUrl, apiVersion: 'v1beta' },
  });
  return { upstream, lease, client, calls };
}

describe('the gemini wire (Gemini CLI), driven by @google/genai', () => {
  it('forwards generateContent to the profile model with the real key, and meters it', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond({
      kind: 'reply',
      text: 'gemini answer',
      usage: {
        promptTokenCount: 50,
        candidatesTokenCount: 10,
        thoughtsTokenCount: 5,
        cachedContentTokenCount: 20,
      },
    });

    const response = await client.models.generateContent({ model: 'gemini-agent-pick', contents: 'hi' });

    expect(response.text).toBe('gemini answer');
    const [sent] = upstream.requests;
    expect(sent?.path).toBe('/v1beta/models/the-profile-model:generateContent');
    expect(sent?.query).toEqual({});
    expect(sent?.headers['x-goog-api-key']).toBe(realKey);
    expect(everythingSent(sent!)).not.toContain(lease.token);
    expect(calls).toEqual([
      {
        wire: 'gemini',
        path: '/v1beta/models/gemini-agent-pick:generateContent',
        model: 'the-profile-model',
        status: 200,
        usage: { inputTokens: 50, outputTokens: 15, cachedInputTokens: 20 },
        costUsd: 0.062, // 30 × $1000 + 20 × $100 + 15 × $2000 per million
        durationMs: expect.any(Number),
        refused: null,
      },
    ]);
  });

  it('streams streamGenerateContent (alt=sse) back and meters the last chunk with usage', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond({ kind: 'reply', text: ['one ', 'two ', 'three'], chunkDelayMs: 5 });

    const stream = await client.models.generateContentStream({ model: 'gemini-agent-pick', contents: 'hi' });
    let text = '';
    for await (const chunk of stream) text += chunk.text ?? '';

    expect(text).toBe('one two three');
    await eventually(() => calls.length === 1);
    expect(upstream.requests[0]?.path).toBe('/v1beta/models/the-profile-model:streamGenerateContent');
    expect(upstream.requests[0]?.query).toEqual({ alt: 'sse' });
    expect(calls[0]).toMatchObject({
      status: 200,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      costUsd: 0.02,
    });
    expect(lease.totals()).toMatchObject({ calls: 1, costUsd: 0.02 });
  });

  it('forwards countTokens to the profile model, recorded without usage', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new GoogleGenAI({
      apiKey: lease.token,
      httpOptions: { baseUrl: lease.baseUrl, apiVersion: 'v1beta' },
    });
    upstream.respond({ json: { totalTokens: 7 } });

    const counted = await client.models.countTokens({ model: 'gemini-agent-pick', contents: 'count me' });

    expect(counted.totalTokens).toBe(7);
    expect(upstream.requests[0]?.url).toBe('/v1beta/models/the-profile-model:countTokens');
    expect(options.calls).toMatchObject([{ status: 200, usage: null, costUsd: null }]);
  });

  it('keeps the API version the agent used (v1, the SDK default)', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new GoogleGenAI({ apiKey: lease.token, httpOptions: { baseUrl: lease.baseUrl } });
    upstream.respond({
      json: {
        candidates: [{ content: { role: 'model', parts: [{ text: 'v1 answer' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2 },
      },
    });

    const response = await client.models.generateContent({ model: 'models/gemini-x', contents: 'hi' });

    expect(response.text).toBe('v1 answer');
    expect(upstream.requests[0]?.url).toBe('/v1/models/the-profile-model:generateContent');
    expect(options.calls[0]?.usage).toEqual({ inputTokens: 4, outputTokens: 2, cachedInputTokens: 0 });
  });

  it('accepts the token as ?key= and never passes it upstream', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const lease = await gateway.open(leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey }));
    upstream.respond({
      sse: [[null, { candidates: [], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } }]],
    });

    const response = await fetch(
      `${lease.baseUrl}/v1beta/models/whatever:streamGenerateContent?alt=sse&key=${lease.token}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"contents":[]}' },
    );

    expect(response.status).toBe(200);
    await response.text();
    const [sent] = upstream.requests;
    expect(sent?.url).toBe('/v1beta/models/the-profile-model:streamGenerateContent?alt=sse');
    expect(sent?.headers['x-goog-api-key']).toBe(realKey);
    expect(everythingSent(sent!)).not.toContain(lease.token);
  });

  it('meters a stream sent as a JSON array (streamGenerateContent without alt=sse)', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    upstream.respond({
      json: [
        { candidates: [] },
        { candidates: [], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 2 } },
      ],
    });
    const response = await fetch(`${lease.baseUrl}/v1beta/models/x:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': lease.token },
      body: '{"contents":[]}',
    });
    expect(response.status).toBe(200);
    await response.text();
    await eventually(() => options.calls.length === 1);
    expect(options.calls[0]?.usage).toEqual({ inputTokens: 8, outputTokens: 2, cachedInputTokens: 0 });
  });
});
