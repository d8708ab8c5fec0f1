import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { fakeAnthropicText, startFakeAnthropicServer } from '@goosuke/anthropic/testing';
import { ConflictError, InvalidInputError } from '@goosuke/core';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createModelGateway } from '../src/index.ts';
import { everythingSent, leaseOptions, onTeardown, startGateway, startRecordingUpstream } from './support.ts';

const realKey = 'sk-real-provider-key-9b2e4d6f';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('run tokens', () => {
  it('a wrong token gets 401 in each wire’s shape and nothing goes upstream', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const open = (wire: Parameters<typeof leaseOptions>[0]) =>
      gateway.open(leaseOptions(wire, { baseUrl: upstream.url, apiKey: realKey }));
    const anthropicLease = await open('anthropic');
    const openaiLease = await open('openai-chat');
    const geminiLease = await open('gemini');

    const anthropic = new Anthropic({
      apiKey: 'wrong-token',
      baseURL: anthropicLease.baseUrl,
      maxRetries: 0,
    });
    const anthropicError = await anthropic.messages
      .create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(anthropicError).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((anthropicError as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });

    const openai = new OpenAI({ apiKey: 'wrong-token', baseURL: `${openaiLease.baseUrl}/v1`, maxRetries: 0 });
    const openaiError = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(openaiError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((openaiError as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');

    const gemini = new GoogleGenAI({
      apiKey: 'wrong-token',
      httpOptions: { baseUrl: geminiLease.baseUrl, apiVersion: 'v1beta' },
    });
    const geminiError = await gemini.models
      .generateContent({ model: 'm', contents: 'hi' })
      .catch((error: unknown) => error);
    expect(geminiError).toMatchObject({ status: 401 });
    expect(String(geminiError)).toContain('UNAUTHENTICATED');

    // No token at all.
    const bare = await fetch(`${openaiLease.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(bare.status).toBe(401);
    expect(upstream.requests).toEqual([]);
  });

  it("one lease's token is refused on another lease's path", async () => {
    const upstream = await startFakeAnthropicServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const mine = await gateway.open(leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }));
    const theirs = await gateway.open(leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }));
    expect(mine.baseUrl).not.toBe(theirs.baseUrl);
    expect(mine.token).not.toBe(theirs.token);
    expect(mine.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    expect(mine.baseUrl).toMatch(new RegExp(`^${gateway.url}/r/[A-Za-z0-9_-]+$`));

    const crossed = new Anthropic({ apiKey: mine.token, baseURL: theirs.baseUrl, maxRetries: 0 });
    await expect(
      crossed.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(upstream.requests).toEqual([]);
  });

  it('a closed lease’s token gets 401', async () => {
    const upstream = await startFakeAnthropicServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const lease = await gateway.open(leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }));
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 0 });
    upstream.respond(fakeAnthropicText('before'));
    await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });

    await lease.close();
    await lease.close(); // idempotent

    await expect(
      client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('routes', () => {
  it('unknown paths and methods get 404 in the wire’s shape; nothing is forwarded', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const anthropicLease = await gateway.open(
      leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }),
    );
    const openaiLease = await gateway.open(
      leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey }),
    );
    const geminiLease = await gateway.open(
      leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey }),
    );

    const anthropic = await fetch(`${anthropicLease.baseUrl}/v1/complete`, {
      method: 'POST',
      headers: { 'x-api-key': anthropicLease.token },
      body: '{}',
    });
    expect(anthropic.status).toBe(404);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    const openai = new OpenAI({
      apiKey: openaiLease.token,
      baseURL: `${openaiLease.baseUrl}/v1`,
      maxRetries: 0,
    });
    const embeddings = await openai.embeddings
      .create({ model: 'e', input: 'x' })
      .catch((error: unknown) => error);
    expect(embeddings).toBeInstanceOf(OpenAI.NotFoundError);
    expect((embeddings as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('unknown_url');

    const gemini = await fetch(`${geminiLease.baseUrl}/v1beta/models/x:embedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': geminiLease.token },
      body: '{}',
    });
    expect(gemini.status).toBe(404);
    expect(await gemini.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });

    const wrongMethod = await fetch(`${anthropicLease.baseUrl}/v1/messages`, {
      headers: { 'x-api-key': anthropicLease.token },
    });
    expect(wrongMethod.status).toBe(404);
    const outside = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(outside.status).toBe(404);
    expect(upstream.requests).toEqual([]);
  });

  it('refuses an oversized body (413) and a body that is not a JSON object (400), unforwarded', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway({ maxRequestBytes: 1024 });
    const options = leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    const post = (body: string) =>
      fetch(`${lease.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lease.token}`, 'content-type': 'application/json' },
        body,
      });

    const large = await post(
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    );
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: { code: 'request_too_large' } });
    const invalid = await post('{"model": "m", ');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const array = await post('[1, 2]');
    expect(array.status).toBe(400);

    // A body streamed without content-length is cut at the limit too.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 16; index++)
          controller.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        controller.close();
      },
    });
    const streamed = await fetch(`${lease.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lease.token}` },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(upstream.requests).toEqual([]);
    expect(options.calls).toEqual([]);
  });
});

describe('the upstream connection', () => {
  it('answers 502 when the provider cannot be reached, without naming it or the key', async () => {
    const gateway = await startGateway();
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const options = leaseOptions('openai-chat', { baseUrl, apiKey: realKey });
    const lease = await gateway.open(options);
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });

    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const text = JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error);
    expect(text).toContain('could not be reached');
    for (const secret of [realKey, lease.token, baseUrl]) expect(text).not.toContain(secret);
    expect(options.calls).toMatchObject([{ status: 502, usage: null, refused: null }]);
  });

  it('answers 504 when the provider does not answer in time', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway({ upstreamTimeoutMs: 100 });
    const lease = await gateway.open(leaseOptions('gemini', { baseUrl: upstream.url, apiKey: realKey }));
    upstream.respond({ delayMs: 2_000, json: {} });
    const response = await fetch(`${lease.baseUrl}/v1beta/models/m:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': lease.token },
      body: '{}',
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 504, status: 'DEADLINE_EXCEEDED' } });
  });

  it('forwards only allowlisted request headers and relays only safe response headers', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const lease = await gateway.open(leaseOptions('anthropic', { baseUrl: upstream.url, apiKey: realKey }));
    upstream.respond({
      json: { usage: { input_tokens: 1, output_tokens: 1 } },
      headers: {
        'set-cookie': 'session=provider-cookie',
        'request-id': 'req_123',
        'anthropic-ratelimit-tokens-remaining': '999',
        'x-internal-debug': 'provider internals',
      },
    });

    const response = await fetch(`${lease.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': lease.token,
        authorization: `Bearer ${lease.token}`,
        'x-goog-api-key': lease.token,
        cookie: 'agent=cookie',
        'proxy-authorization': 'Basic c2VjcmV0',
        'x-forwarded-for': '10.0.0.1',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'some-beta',
        'user-agent': 'claude-cli/1.0',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'm', max_tokens: 1, messages: [] }),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('x-internal-debug')).toBeNull();
    expect(response.headers.get('request-id')).toBe('req_123');
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('999');
    const [sent] = upstream.requests;
    // Credentials the agent sent, cookies, proxy and forwarding headers: none goes upstream.
    for (const name of [
      'authorization',
      'x-goog-api-key',
      'cookie',
      'proxy-authorization',
      'x-forwarded-for',
    ]) {
      expect(sent?.headers[name], name).toBeUndefined();
    }
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers['anthropic-beta']).toBe('some-beta');
    expect(sent?.headers['x-api-key']).toBe(realKey);
    expect(sent?.headers['user-agent']).toBe('claude-cli/1.0');
    expect(everythingSent(sent!)).not.toContain(lease.token);
  });

  it('takes the real key out of an upstream error that echoes it', async () => {
    // The fake OpenAI server echoes a wrong key in its 401, as some compatible servers do.
    const upstream = await startFakeOpenAIServer({ apiKey: 'the-key-the-server-wants' });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const lease = await gateway.open(leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey }));
    const response = await fetch(`${lease.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lease.token}` },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).toContain('Incorrect API key provided: ***');
    expect(text).not.toContain(realKey);
  });

  it('does not follow an upstream redirect (it would carry the key elsewhere)', async () => {
    const upstream = await startRecordingUpstream();
    const elsewhere = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions('openai-chat', { baseUrl: upstream.url, apiKey: realKey });
    const lease = await gateway.open(options);
    upstream.respond({ status: 307, headers: { location: `${elsewhere.url}/steal` }, json: {} });
    const response = await fetch(`${lease.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lease.token}` },
      body: '{}',
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('location')).toBeNull();
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('options', () => {
  it('refuses a non-loopback host with InvalidInputError', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      await expect(createModelGateway({ host })).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(createModelGateway({ port: 70_000 })).rejects.toBeInstanceOf(InvalidInputError);
    const local = await startGateway({ host: 'localhost' });
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses invalid lease options without quoting the key, and opening after close', async () => {
    const gateway = await createModelGateway();
    const valid = leaseOptions('anthropic', { baseUrl: 'https://api.anthropic.com', apiKey: realKey });
    const error = await gateway
      .open({ ...valid, upstream: { baseUrl: `https://user:${realKey}@example.com`, apiKey: realKey } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(JSON.stringify(error)).not.toContain(realKey);
    expect(String(error)).not.toContain(realKey);
    await expect(gateway.open({ ...valid, model: '' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(gateway.open({ ...valid, limits: { maxTokens: -1 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await gateway.close();
    await expect(gateway.open(valid)).rejects.toBeInstanceOf(ConflictError);
  });
});
