import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { fakeAnthropicText, startFakeAnthropicServer } from '@goosuke/anthropic/testing';
import { startFakeGoogleServer } from '@goosuke/google/testing';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { leaseOptions, onTeardown, startGateway, startRecordingUpstream } from './support.ts';

const realKey = 'sk-real-budget-key-11c4f0a9';

describe('budgets', () => {
  it('refuses calls once maxTokens is reached, with a 400 the SDK does not retry', async () => {
    const upstream = await startFakeOpenAIServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const options = leaseOptions(
      'openai-chat',
      { baseUrl: upstream.url, apiKey: realKey },
      { limits: { maxTokens: 15 } },
    );
    const lease = await gateway.open(options);
    // Retries allowed: a refusal must still reach the upstream zero times.
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 3 });
    upstream.respond({ kind: 'reply', text: 'first' }, { kind: 'reply', text: 'never sent' });

    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(lease.budgetExceeded()).toBe(false);
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'again' }] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('budget exceeded');
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('budget_exceeded');
    expect(upstream.requests).toHaveLength(1);
    expect(lease.budgetExceeded()).toBe(true);
    expect(options.calls.map((call) => [call.status, call.refused])).toEqual([
      [200, null],
      [400, 'budget'],
    ]);
    expect(options.calls[1]).toMatchObject({ usage: null, costUsd: null, path: '/v1/chat/completions' });
    expect(lease.totals()).toEqual({
      calls: 2,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      costUsd: 0.02,
    });
  });

  it('refuses calls once maxCostUsd is reached, in the Anthropic error shape', async () => {
    const upstream = await startFakeAnthropicServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const options = leaseOptions(
      'anthropic',
      { baseUrl: upstream.url, apiKey: realKey },
      { limits: { maxCostUsd: 0.02 } },
    );
    const lease = await gateway.open(options);
    const client = new Anthropic({ apiKey: lease.token, baseURL: lease.baseUrl, maxRetries: 3 });
    upstream.respond(fakeAnthropicText('spends $0.02'), fakeAnthropicText('never sent'));

    await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(lease.totals().costUsd).toBe(0.02);
    const error = await client.messages
      .create({ model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'again' }] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('budget exceeded') },
    });
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).headers.get('x-should-retry')).toBe(
      'false',
    );
    expect(upstream.requests).toHaveLength(1);
    expect(lease.budgetExceeded()).toBe(true);
    expect(options.calls[1]).toMatchObject({ status: 400, refused: 'budget', usage: null });
  });

  it('refuses in the Gemini error shape, and a zero limit refuses the first call', async () => {
    const upstream = await startFakeGoogleServer({ apiKey: realKey });
    onTeardown(() => upstream.close());
    const gateway = await startGateway();
    const options = leaseOptions(
      'gemini',
      { baseUrl: upstream.url, apiKey: realKey },
      { limits: { maxTokens: 0 } },
    );
    const lease = await gateway.open(options);
    const client = new GoogleGenAI({
      apiKey: lease.token,
      httpOptions: { baseUrl: lease.baseUrl, apiVersion: 'v1beta' },
    });

    const error = await client.models
      .generateContent({ model: 'm', contents: 'hi' })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 400 });
    const body = JSON.parse((error as Error).message) as unknown;
    expect(body).toEqual({
      error: {
        code: 400,
        status: 'FAILED_PRECONDITION',
        message: expect.stringContaining('budget exceeded'),
      },
    });
    expect(upstream.requests).toEqual([]);
    expect(lease.budgetExceeded()).toBe(true);
    expect(options.calls).toMatchObject([{ status: 400, refused: 'budget' }]);
  });

  it('with no price, costs are unknown (null) and maxCostUsd cannot refuse', async () => {
    const upstream = await startRecordingUpstream();
    const gateway = await startGateway();
    const options = leaseOptions(
      'openai-responses',
      { baseUrl: upstream.url, apiKey: realKey },
      { price: null, limits: { maxCostUsd: 0 } },
    );
    const lease = await gateway.open(options);
    const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });
    const reply = {
      json: { id: 'r', object: 'response', output: [], usage: { input_tokens: 5, output_tokens: 1 } },
    };
    upstream.respond(reply, reply);

    await client.responses.create({ model: 'm', input: 'one' });
    await client.responses.create({ model: 'm', input: 'two' });

    expect(options.calls.map((call) => call.costUsd)).toEqual([null, null]);
    expect(lease.totals()).toEqual({
      calls: 2,
      usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
      costUsd: null,
    });
    expect(lease.budgetExceeded()).toBe(false);
  });
});
