import { beforeEach, describe, expect, it } from 'vitest';
import { capabilitiesOf, type ModelProfile, resolveModelCapabilities } from '../domain/index.ts';
import { GoosukeError, type InvalidInputError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { createFixedClock, createMemoryStore, createSequentialIdGenerator } from '../testing/index.ts';
import { createModelProfileService, type ModelProfileService } from './model-profile-service.ts';

async function invalidInput(promise: Promise<unknown>): Promise<InvalidInputError> {
  try {
    await promise;
  } catch (error) {
    expect(GoosukeError.isInstance(error), String(error)).toBe(true);
    expect((error as GoosukeError).code).toBe('invalid_input');
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('model profile capabilities', () => {
  let store: Store;
  let models: ModelProfileService;

  beforeEach(async () => {
    store = createMemoryStore();
    models = createModelProfileService({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'test-master-secret-0123456789-abcdefghij' }),
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
  });

  const local = {
    provider: 'openai-compatible',
    modelName: 'qwen3-coder:30b',
    baseUrl: 'http://127.0.0.1:11434/v1',
  } as const;

  it('create stores no overrides by default, and capabilitiesOf gives the family table', async () => {
    const profile = await models.create(local);
    expect(profile.capabilities).toEqual({});
    expect((await store.models.get(profile.id))?.capabilities).toEqual({});
    expect(capabilitiesOf(profile)).toEqual(resolveModelCapabilities('openai-compatible', 'qwen3-coder:30b'));
    expect(capabilitiesOf(profile).contextWindow).toBe(32_768);
  });

  it('create stores the overrides given, and capabilitiesOf puts them over the table', async () => {
    const profile = await models.create({
      ...local,
      capabilities: {
        contextWindow: 131_072,
        preferredEditFormat: 'apply-patch',
        supportsTemperature: false,
      },
    });
    const expected = {
      contextWindow: 131_072,
      preferredEditFormat: 'apply-patch',
      supportsTemperature: false,
    };
    expect(profile.capabilities).toEqual(expected);
    expect((await models.get(profile.id)).capabilities).toEqual(expected);
    expect(capabilitiesOf(profile)).toEqual({
      ...resolveModelCapabilities('openai-compatible', 'qwen3-coder:30b'),
      ...expected,
    });
    // What is not overridden still comes from the table.
    expect(capabilitiesOf(profile).maxOutputTokens).toBe(8_192);
  });

  it('leaves keys set to undefined out of what is stored', async () => {
    const profile = await models.create({
      ...local,
      capabilities: { contextWindow: 65_536, maxOutputTokens: undefined },
    });
    expect(Object.keys(profile.capabilities)).toEqual(['contextWindow']);
  });

  it('update replaces the overrides as a whole, {} clears them, and leaving them out keeps them', async () => {
    const profile = await models.create({ ...local, capabilities: { contextWindow: 65_536 } });
    const replaced = await models.update(profile.id, { capabilities: { maxOutputTokens: 16_384 } });
    // Replaced, not merged: contextWindow is no longer overridden.
    expect(replaced.capabilities).toEqual({ maxOutputTokens: 16_384 });
    expect(capabilitiesOf(replaced).contextWindow).toBe(32_768);
    expect(capabilitiesOf(replaced).maxOutputTokens).toBe(16_384);

    const renamed = await models.update(profile.id, { displayName: 'local qwen' });
    expect(renamed.capabilities).toEqual({ maxOutputTokens: 16_384 });

    const cleared = await models.update(profile.id, { capabilities: {} });
    expect(cleared.capabilities).toEqual({});
    expect((await models.get(profile.id)).capabilities).toEqual({});
    expect(capabilitiesOf(cleared)).toEqual(resolveModelCapabilities('openai-compatible', 'qwen3-coder:30b'));
  });

  it('refuses invalid overrides on create, naming the capability, and stores nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ contextWindow: 0 }, 'contextWindow'],
      [{ contextWindow: -5 }, 'contextWindow'],
      [{ maxOutputTokens: 1.5 }, 'maxOutputTokens'],
      [{ maxOutputTokens: '4096' }, 'maxOutputTokens'],
      [{ preferredEditFormat: 'ed-script' }, 'preferredEditFormat'],
      [{ supportsTemperature: 'no' }, 'supportsTemperature'],
      [{ contextWindo: 4096 }, ''],
    ];
    for (const [capabilities, field] of cases) {
      const error = await invalidInput(
        models.create({ ...local, capabilities } as unknown as Parameters<ModelProfileService['create']>[0]),
      );
      const issue = error.issues?.[0];
      expect(issue?.path.slice(0, 1), JSON.stringify(capabilities)).toEqual(['capabilities']);
      if (field !== '') expect(issue?.path[1], JSON.stringify(capabilities)).toBe(field);
      else expect(issue?.message, 'an unknown capability is refused, not dropped').toMatch(/contextWindo/);
    }
    expect((await models.list()).items).toEqual([]);
  });

  it('refuses invalid overrides on update and keeps the stored ones', async () => {
    const profile = await models.create({ ...local, capabilities: { contextWindow: 65_536 } });
    const error = await invalidInput(
      models.update(profile.id, {
        capabilities: { preferredEditFormat: 'whole-files' },
      } as unknown as Parameters<ModelProfileService['update']>[1]),
    );
    expect(error.issues?.[0]?.path).toEqual(['capabilities', 'preferredEditFormat']);
    expect((await models.get(profile.id)).capabilities).toEqual({ contextWindow: 65_536 });
  });
});

describe('capabilitiesOf', () => {
  const base: Pick<ModelProfile, 'provider' | 'modelName'> = { provider: 'openai', modelName: 'gpt-5.1' };

  it('is the family table when nothing is overridden', () => {
    expect(capabilitiesOf({ ...base, capabilities: {} })).toEqual(
      resolveModelCapabilities('openai', 'gpt-5.1'),
    );
  });

  it('overrides exactly the capabilities the profile sets', () => {
    const table = resolveModelCapabilities('openai', 'gpt-5.1');
    expect(table.supportsTemperature).toBe(false);
    const resolved = capabilitiesOf({
      ...base,
      capabilities: { supportsTemperature: true, preferredEditFormat: 'whole-file' },
    });
    expect(resolved).toEqual({ ...table, supportsTemperature: true, preferredEditFormat: 'whole-file' });
  });
});
