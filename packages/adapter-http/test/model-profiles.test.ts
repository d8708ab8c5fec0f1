// Model profiles over HTTP: PATCH changes them (the key write-only), POST …/test makes one tiny call
// through the real providers against their loopback fakes and answers how it went, never the key.
import { createAnthropicProvider } from '@goosuke/anthropic';
import {
  type FakeAnthropicServer,
  fakeAnthropicError,
  fakeAnthropicText,
  isolateAnthropicEnvironment,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { createOpenAIProvider } from '@goosuke/openai';
import {
  type FakeOpenAIServer,
  isolateOpenAIEnvironment,
  startFakeOpenAIServer,
} from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, isProblem, startHarness } from './harness.ts';

const openaiKey = 'sk-openai-good-key-0123456789';
const wrongKey = 'sk-openai-WRONG-key-9876543210';
const anthropicKey = 'sk-ant-good-key-0123456789';

let harness: Harness;
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
let restoreEnvironment: Array<() => void>;

beforeAll(async () => {
  restoreEnvironment = [isolateOpenAIEnvironment(), isolateAnthropicEnvironment()];
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  anthropic = await startFakeAnthropicServer({ apiKey: anthropicKey });
  // The composition root's resolver, as `goosuke serve` has it: one provider package per provider.
  harness = await startHarness({
    languageModels: (profile, apiKey) =>
      profile.provider === 'anthropic'
        ? createAnthropicProvider({
            apiKey: apiKey ?? '',
            ...(profile.baseUrl === null ? {} : { baseUrl: profile.baseUrl }),
            maxRetries: 0,
          })(profile.modelName, { capabilities: profile.capabilities })
        : createOpenAIProvider({
            provider: profile.provider === 'openai-compatible' ? 'openai-compatible' : 'openai',
            ...(apiKey === null ? {} : { apiKey }),
            ...(profile.baseUrl === null ? {} : { baseUrl: profile.baseUrl }),
            maxRetries: 0,
          })(profile.modelName, { capabilities: profile.capabilities }),
  });
});
afterAll(async () => {
  await harness?.close();
  await openai?.close();
  await anthropic?.close();
  for (const restore of restoreEnvironment ?? []) restore();
});

const api = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
  call(harness.url, method, `${apiPrefix}${url}`, { token: harness.admin.token, ...options });

async function openaiProfile(apiKey: string | undefined = openaiKey): Promise<string> {
  const created = await api('post', '/models', {
    body: {
      provider: 'openai-compatible',
      modelName: 'gpt-4.1-mini',
      baseUrl: openai.url,
      ...(apiKey === undefined ? {} : { apiKey }),
    },
  });
  expect(created.status).toBe(201);
  return created.json.id;
}

describe('PATCH /models/{id}', () => {
  it('changes the fields given, replaces the key without showing it, and removes it with null', async () => {
    const id = await openaiProfile();
    const renamed = await api('patch', `/models/${id}`, {
      body: { displayName: 'Mini', capabilities: { contextWindow: 131_072 }, apiKey: wrongKey },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({
      id,
      displayName: 'Mini',
      modelName: 'gpt-4.1-mini',
      baseUrl: openai.url,
      hasApiKey: true,
      capabilities: { contextWindow: 131_072 },
    });
    expect(renamed.text).not.toContain(wrongKey);
    expect(await harness.goosuke.models.revealApiKey(id)).toBe(wrongKey);
    const keyless = await api('patch', `/models/${id}`, { body: { apiKey: null } });
    expect(keyless.status).toBe(200);
    expect(keyless.json).toMatchObject({ hasApiKey: false, displayName: 'Mini' });
    expect(await harness.goosuke.models.revealApiKey(id)).toBeNull();
  });

  it('applies the checks of create, refuses members and answers 404 for an unknown profile', async () => {
    const id = await openaiProfile();
    // An openai-compatible profile cannot lose its base URL.
    const noBase = await api('patch', `/models/${id}`, { body: { baseUrl: null } });
    expect(isProblem(noBase, 400)).toBe(true);
    expect(isProblem(await api('patch', `/models/${id}`, { body: { apiKey: '   ' } }), 400)).toBe(true);
    expect(isProblem(await api('patch', `/models/${id}`, { body: { provider: 'anthropic' } }), 400)).toBe(
      true,
    );
    const member = await api('patch', `/models/${id}`, {
      token: harness.alice.token,
      body: { displayName: 'mine now' },
    });
    expect(isProblem(member, 403)).toBe(true);
    expect(isProblem(await api('patch', '/models/model_missing', { body: { displayName: 'x' } }), 404)).toBe(
      true,
    );
    expect((await harness.goosuke.models.get(id)).displayName).toBe('gpt-4.1-mini');
  });
});

describe('POST /models/{id}/test', () => {
  it('makes one tiny call to OpenAI with the stored key and answers latency, model and usage', async () => {
    const id = await openaiProfile();
    const before = openai.requests.length;
    openai.respond({
      kind: 'reply',
      text: 'OK',
      usage: { promptTokens: 12, completionTokens: 1, cachedTokens: 0 },
    });
    const result = await api('post', `/models/${id}/test`);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({
      ok: true,
      model: 'gpt-4.1-mini',
      usage: { inputTokens: 12, outputTokens: 1, cachedInputTokens: 0 },
    });
    expect(result.json.latencyMs).toBeGreaterThanOrEqual(0);
    const sent = openai.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${openaiKey}`);
    expect(JSON.stringify(sent[0]!.body?.messages)).toContain('Reply with OK.');
    const limit = sent[0]!.body?.max_completion_tokens ?? sent[0]!.body?.max_tokens;
    expect(limit).toBeLessThanOrEqual(16);
    expect(result.text).not.toContain(openaiKey);
  });

  it('answers a wrong key as ok: false with the code and status, never the key', async () => {
    const id = await openaiProfile(wrongKey);
    const result = await api('post', `/models/${id}/test`);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ ok: false, error: { code: 'provider', status: 401 } });
    expect(result.json.error.message.length).toBeGreaterThan(0);
    expect(result.text).not.toContain(wrongKey);
    expect(result.text).not.toContain(wrongKey.slice(-8));
  });

  it('calls Anthropic through its SDK, and reports its refusal the same way', async () => {
    const created = await api('post', '/models', {
      body: {
        provider: 'anthropic',
        modelName: 'claude-sonnet-4-5',
        baseUrl: anthropic.url,
        apiKey: anthropicKey,
      },
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    anthropic.respond(fakeAnthropicText('OK', { usage: { inputTokens: 9, outputTokens: 2 } }));
    const before = anthropic.requests.length;
    const ok = await api('post', `/models/${id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      ok: true,
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 9, outputTokens: 2 },
    });
    expect(anthropic.requests.slice(before).map((request) => request.body?.model)).toEqual([
      'claude-sonnet-4-5',
    ]);
    anthropic.respond(fakeAnthropicError(529, { message: 'Overloaded' }));
    const overloaded = await api('post', `/models/${id}/test`);
    expect(overloaded.json).toMatchObject({ ok: false, error: { code: 'provider', status: 529 } });
    expect(overloaded.text).not.toContain(anthropicKey);
    // A key the fake does not know: 401 from Anthropic.
    await api('patch', `/models/${id}`, { body: { apiKey: 'sk-ant-wrong-key-000000' } });
    const refused = await api('post', `/models/${id}/test`);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'provider', status: 401 } });
    expect(refused.text).not.toContain('sk-ant-wrong-key-000000');
  });

  it('is for admins only, and 404 for an unknown profile', async () => {
    const id = await openaiProfile();
    const before = openai.requests.length;
    expect(isProblem(await api('post', `/models/${id}/test`, { token: harness.alice.token }), 403)).toBe(
      true,
    );
    expect(isProblem(await api('post', '/models/model_missing/test'), 404)).toBe(true);
    expect(openai.requests.length).toBe(before);
  });
});
