import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { eventually, everythingSent, openTestLease, startRecordingUpstream } from './support.ts';

const realKey = 'sk-openai-real-key-77aa01fe';

function responseObject(status: string, usage: unknown) {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1_760_000_000,
    status,
    model: 'the-profile-model',
    output:
      status === 'completed'
        ? [
            {
              type: 'message',
              id: 'msg_1',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'hi there', annotations: [] }],
            },
          ]
        : [],
    usage,
  };
}

const usage = {
  input_tokens: 100,
  input_tokens_details: { cached_tokens: 60 },
  output_tokens: 20,
  output_tokens_details: { reasoning_tokens: 5 },
  total_tokens: 120,
};

async function setUp() {
  // No provided fake speaks the Responses API: the recording upstream plays it.
  const upstream = await startRecordingUpstream();
  const { lease, calls } = await openTestLease('openai-responses', {
    baseUrl: `${upstream.url}/v1`,
    apiKey: realKey,
  });
  const client = new OpenAI({ apiKey: lease.token, baseURL: `${lease.baseUrl}/v1`, maxRetries: 0 });
  return { upstream, lease, client, calls };
}

describe('the openai-responses wire (Codex), driven by the openai SDK', () => {
  it('forwards a response request with the profile model and the real key, and meters it', async () => {
    const { upstream, lease, client, calls } = await setUp();
    upstream.respond({ json: responseObject('completed', usage), headers: { 'x-request-id': 'req_abc' } });

    const response = await client.responses.create({ model: 'gpt-codex-pick', input: 'hi' });

    expect(response.output_text).toBe('hi there');
    expect(response._request_id).toBe('req_abc');
    const [sent] = upstream.requests;
    expect(sent?.url).toBe('/v1/responses');
    expect(sent?.body).toMatchObject({ model: 'the-profile-model', input: 'hi' });
    expect(sent?.headers.authorization).toBe(`Bearer ${realKey}`);
    expect(everythingSent(sent!)).not.toContain(lease.token);
    expect(calls).toEqual([
      {
        wire: 'openai-responses',
        path: '/v1/responses',
        model: 'the-profile-model',
        status: 200,
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60 },
        costUsd: 0.086, // 40 × $1000 + 60 × $100 + 20 × $2000 per million
        durationMs: expect.any(Number),
        refused: null,
      },
    ]);
  });

  it('streams the events back and meters response.completed', async () => {
    const { upstream, lease, client, calls } = await setUp();
    const delta = (text: string, sequence: number) => ({
      type: 'response.output_text.delta',
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: text,
      sequence_number: sequence,
    });
    upstream.respond({
      sse: [
        [
          'response.created',
          { type: 'response.created', sequence_number: 0, response: responseObject('in_progress', null) },
        ],
        ['response.output_text.delta', delta('hi ', 1)],
        ['response.output_text.delta', delta('there', 2)],
        [
          'response.completed',
          { type: 'response.completed', sequence_number: 3, response: responseObject('completed', usage) },
        ],
      ],
      frameDelayMs: 5,
    });

    const stream = await client.responses.create({ model: 'gpt-codex-pick', input: 'hi', stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;

    expect(text).toBe('hi there');
    await eventually(() => calls.length === 1);
    expect(upstream.requests[0]?.body).toMatchObject({ model: 'the-profile-model', stream: true });
    expect(calls[0]).toMatchObject({
      status: 200,
      usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60 },
      costUsd: 0.086,
    });
    expect(lease.totals()).toEqual({
      calls: 1,
      usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60 },
      costUsd: 0.086,
    });
  });

  it('answers GET /v1/models itself and refuses chat completions (another wire)', async () => {
    const { upstream, client } = await setUp();
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['the-profile-model']);
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(upstream.requests).toEqual([]);
  });
});
