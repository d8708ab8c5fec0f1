import { describe, expect, it } from 'vitest';
import { createGoosuke } from '../create-goosuke.ts';
import { GoosukeError, ProviderError } from '../errors/index.ts';
import type { LanguageModel } from '../ports/language-model.ts';
import type { RunRuntime } from '../runs/run-runtime.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { createMemoryJobQueue, createMemoryStore } from '../testing/index.ts';

const apiKey = 'sk-test-model-profile-key-0123456789';

async function goosukeWith(languageModels?: RunRuntime['languageModels']) {
  return createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'model-test-secret-box-key-0123456789' }),
    ...(languageModels === undefined
      ? {}
      : {
          runtime: {
            queue: createMemoryJobQueue(),
            git: {} as RunRuntime['git'],
            languageModels,
            layout: { cloneDir: () => '/nowhere', workingCopyDir: () => '/nowhere' },
          },
        }),
  });
}

function modelAnswering(generate: LanguageModel['generate']): LanguageModel {
  return {
    provider: 'openai',
    modelId: 'gpt-4.1-mini',
    capabilities: {} as LanguageModel['capabilities'],
    generate,
  };
}

describe('models.test', () => {
  it('makes one tiny call with the stored key and reports latency, model and priced usage', async () => {
    const calls: Array<{ key: string | null; prompt: unknown; maxOutputTokens: unknown }> = [];
    const goosuke = await goosukeWith((_profile, key) =>
      modelAnswering(async (options) => {
        calls.push({ key, prompt: options.messages, maxOutputTokens: options.maxOutputTokens });
        return {
          text: 'OK',
          toolCalls: [],
          finishReason: 'stop',
          usage: { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 },
        };
      }),
    );
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini', apiKey });
    const result = await goosuke.models.test(profile.id);
    expect(result).toMatchObject({ ok: true, model: 'gpt-4.1-mini' });
    if (!result.ok) throw new Error('expected ok');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.usage).toMatchObject({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 });
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.key).toBe(apiKey);
    expect(calls[0]!.prompt).toEqual([{ role: 'user', content: 'Reply with OK.' }]);
    expect(calls[0]!.maxOutputTokens).toBeLessThanOrEqual(16);
  });

  it('answers a failed call with its code, status and a message without the key', async () => {
    const goosuke = await goosukeWith(() =>
      modelAnswering(async () => {
        // As if a provider had not redacted its message: the test's answer must still hide the key.
        throw new ProviderError('openai', `401 Incorrect API key provided: ${apiKey}`, { status: 401 });
      }),
    );
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini', apiKey });
    const result = await goosuke.models.test(profile.id);
    expect(result).toMatchObject({ ok: false, error: { code: 'provider', status: 401 } });
    expect(JSON.stringify(result)).not.toContain(apiKey);
    expect(JSON.stringify(result)).toContain('***');
  });

  it('answers an error of the resolver (no key found) and an unexpected error the same way', async () => {
    const goosuke = await goosukeWith(() => {
      throw new TypeError(`fetch failed for ${apiKey}`);
    });
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini', apiKey });
    const result = await goosuke.models.test(profile.id);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal', status: null } });
    expect(JSON.stringify(result)).not.toContain(apiKey);
  });

  it('is unsupported without a runtime, and not found for an unknown profile', async () => {
    const goosuke = await goosukeWith();
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini' });
    await expect(goosuke.models.test(profile.id)).rejects.toSatisfy(
      (error) => GoosukeError.isInstance(error) && error.code === 'unsupported',
    );
    await expect(goosuke.models.test('missing')).rejects.toSatisfy(
      (error) => GoosukeError.isInstance(error) && error.code === 'not_found',
    );
  });
});
