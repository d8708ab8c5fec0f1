import { z } from 'zod';
import {
  type ModelCapabilityOverrides,
  type ModelProfile,
  modelCapabilityOverridesSchema,
  modelProfileSchema,
} from '../domain/index.ts';
import { InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { ModelPriceOverrides } from '../models/model-prices.ts';
import { isoNow } from '../ports/clock.ts';
import type { ListOptions, Page } from '../ports/store.ts';
import type { LanguageModelResolver } from '../runs/run-runtime.ts';
import { type ModelProfileTestResult, testModelProfile } from './model-profile-test.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

const apiKeySchema = z.string().trim().min(1, 'an API key cannot be empty').max(4096);

// Strict so that a misspelt capability is refused rather than silently dropped.
const capabilityOverridesInputSchema = modelCapabilityOverridesSchema.strict();

/** Input of {@link ModelProfileService.create}. `apiKey` is write-only: it is encrypted and never returned. */
export const createModelProfileInputSchema = z
  .object({
    provider: modelProfileSchema.shape.provider,
    modelName: modelProfileSchema.shape.modelName,
    displayName: modelProfileSchema.shape.displayName.optional(),
    baseUrl: modelProfileSchema.shape.baseUrl.optional(),
    apiKey: apiKeySchema.optional(),
    /** Overrides of the model family table for this profile; `{}` (the default) overrides nothing. */
    capabilities: capabilityOverridesInputSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateModelProfileInput' });
/** Input to create a model profile. */
export type CreateModelProfileInput = z.input<typeof createModelProfileInputSchema>;

/**
 * Input of {@link ModelProfileService.update}; `apiKey: null` removes the stored key.
 * `capabilities` replaces the profile's overrides as a whole (`{}` clears them).
 */
export const updateModelProfileInputSchema = z
  .object({
    modelName: modelProfileSchema.shape.modelName.optional(),
    displayName: modelProfileSchema.shape.displayName.optional(),
    baseUrl: modelProfileSchema.shape.baseUrl.optional(),
    apiKey: apiKeySchema.nullable().optional(),
    capabilities: capabilityOverridesInputSchema.optional(),
  })
  .strict()
  .meta({ id: 'UpdateModelProfileInput' });
/** Input to update a model profile. */
export type UpdateModelProfileInput = z.input<typeof updateModelProfileInputSchema>;

/** Model profiles with encrypted, write-only API keys. */
export interface ModelProfileService {
  /** Creates a profile; encrypts `apiKey`. InvalidInputError for bad input (e.g. an openai-compatible profile without baseUrl). */
  create(input: CreateModelProfileInput): Promise<ModelProfile>;
  /** NotFoundError when missing. */
  get(id: string): Promise<ModelProfile>;
  list(options?: ListOptions & { provider?: ModelProfile['provider'] }): Promise<Page<ModelProfile>>;
  update(id: string, input: UpdateModelProfileInput): Promise<ModelProfile>;
  /** NotFoundError when missing. */
  delete(id: string): Promise<void>;
  /**
   * Makes one tiny call to the profile's model ("Reply with OK.") with its stored key and
   * reports the latency and usage, or why the call failed (`ok: false`, the key redacted).
   * NotFoundError when missing; UnsupportedError when Goosuke has no runtime to call models.
   */
  test(id: string): Promise<ModelProfileTestResult>;
  /**
   * Decrypts the profile's API key, or null when none is stored. For composition roots
   * building a LanguageModel only: never return it from an API, never log it.
   */
  revealApiKey(id: string): Promise<string | null>;
}

function keyContext(id: string): string {
  return `model-profile:${id}`;
}

function requireBaseUrl(provider: ModelProfile['provider'], baseUrl: string | null): void {
  if (provider === 'openai-compatible' && baseUrl === null) {
    throw new InvalidInputError(
      'an openai-compatible model profile needs a baseUrl (e.g. http://127.0.0.1:11434/v1)',
      [{ path: ['baseUrl'], message: 'required for openai-compatible' }],
    );
  }
}

// `{ contextWindow: undefined }` means "not overridden": keep such keys out of what is stored.
function withoutUndefined(overrides: ModelCapabilityOverrides): ModelCapabilityOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}

/** What {@link ModelProfileService.test} calls models with; absent without a runtime. */
export interface ModelProfileServiceOptions {
  /** The composition root's resolver (`RunRuntime.languageModels`). */
  languageModels?: LanguageModelResolver;
  /** Price overrides for the test call's cost (`RunSettings.prices`). */
  prices?: ModelPriceOverrides;
}

/** Builds the model profile service on the given ports. */
export function createModelProfileService(
  context: ServiceContext,
  options: ModelProfileServiceOptions = {},
): ModelProfileService {
  const { store, secretBox, clock, ids } = context;

  async function revealApiKey(id: string): Promise<string | null> {
    const sealed = await store.models.getEncryptedApiKey(id);
    return sealed === null ? null : secretBox.open(sealed, keyContext(id));
  }

  async function get(id: string): Promise<ModelProfile> {
    const profile = await store.models.get(id);
    if (!profile) throw new NotFoundError('model profile', id);
    return profile;
  }

  return {
    async create(raw) {
      const input = parseInput(createModelProfileInputSchema, raw, 'model profile');
      const baseUrl = input.baseUrl ?? null;
      requireBaseUrl(input.provider, baseUrl);
      const now = isoNow(clock);
      const profile: ModelProfile = {
        id: ids.next('model'),
        provider: input.provider,
        modelName: input.modelName,
        displayName: input.displayName ?? input.modelName,
        baseUrl,
        hasApiKey: false,
        capabilities: withoutUndefined(input.capabilities ?? {}),
        createdAt: now,
        updatedAt: now,
      };
      // Encrypt before the transaction: Web Crypto is async and a transaction should hold no slow work.
      const sealed =
        input.apiKey === undefined ? null : await secretBox.seal(input.apiKey, keyContext(profile.id));
      return store.transaction(async (tx) => {
        await tx.models.insert(profile);
        if (sealed !== null) await tx.models.setEncryptedApiKey(profile.id, sealed);
        return (await tx.models.get(profile.id))!;
      });
    },

    get,

    list(options) {
      return store.models.list(options);
    },

    async update(id, raw) {
      const input = parseInput(updateModelProfileInputSchema, raw, 'model profile update');
      const current = await get(id);
      const baseUrl = input.baseUrl === undefined ? current.baseUrl : input.baseUrl;
      requireBaseUrl(current.provider, baseUrl);
      const sealed =
        input.apiKey === undefined || input.apiKey === null
          ? input.apiKey
          : await secretBox.seal(input.apiKey, keyContext(id));
      return store.transaction(async (tx) => {
        const updated = await tx.models.update(id, {
          ...(input.modelName === undefined ? {} : { modelName: input.modelName }),
          ...(input.displayName === undefined ? {} : { displayName: input.displayName }),
          baseUrl,
          ...(input.capabilities === undefined ? {} : { capabilities: withoutUndefined(input.capabilities) }),
          updatedAt: isoNow(clock),
        });
        if (sealed !== undefined) {
          await tx.models.setEncryptedApiKey(id, sealed);
          return (await tx.models.get(id))!;
        }
        return updated;
      });
    },

    async delete(id) {
      if (!(await store.models.delete(id))) throw new NotFoundError('model profile', id);
    },

    async test(id) {
      const profile = await get(id);
      return testModelProfile(
        { languageModels: options.languageModels, prices: options.prices },
        profile,
        await revealApiKey(id),
      );
    },

    revealApiKey,
  };
}
