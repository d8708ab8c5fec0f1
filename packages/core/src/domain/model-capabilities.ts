import { z } from 'zod';
import type { ModelProfile, ModelProvider } from './model-profile.ts';

/** What a model can take and give, as the edit agent and the providers need to know it. */
export const modelCapabilitiesSchema = z
  .object({
    /** Input plus output tokens the model accepts in one call. */
    contextWindow: z.number().int().positive(),
    /** The most output tokens one call may ask for. */
    maxOutputTokens: z.number().int().positive(),
    /** The request parameter that carries the output limit for this model's API. */
    outputLimitParameter: z.enum(['max_tokens', 'max_completion_tokens', 'maxOutputTokens']),
    /** Whether the API accepts a `temperature` for this model (reasoning models refuse it). */
    supportsTemperature: z.boolean(),
    /** Whether the model can call tools. */
    supportsTools: z.boolean(),
    /** The edit format this model writes most reliably. */
    preferredEditFormat: z.enum(['unified-diff', 'search-replace', 'apply-patch', 'whole-file']),
  })
  .meta({ id: 'ModelCapabilities' });
/** A model's capabilities. */
export type ModelCapabilities = z.infer<typeof modelCapabilitiesSchema>;

/** Per-profile overrides of the table's values (e.g. a local server's real context window). */
export const modelCapabilityOverridesSchema = modelCapabilitiesSchema
  .partial()
  .meta({ id: 'ModelCapabilityOverrides' });
/** Overrides of a model's capabilities. */
export type ModelCapabilityOverrides = z.infer<typeof modelCapabilityOverridesSchema>;

interface FamilyEntry {
  /** Matched against the lower-cased model name, after any `provider/` prefix is removed. */
  pattern: RegExp;
  capabilities: ModelCapabilities;
}

const openaiReasoning: ModelCapabilities = {
  contextWindow: 200_000,
  maxOutputTokens: 100_000,
  outputLimitParameter: 'max_completion_tokens',
  supportsTemperature: false,
  supportsTools: true,
  preferredEditFormat: 'apply-patch',
};

// Published limits of each family as of 2026; first match wins, so specific entries come first.
// Preferred formats follow published edit benchmarks (aider's leaderboards, OpenAI's apply_patch
// training for GPT-4.1 and later): GPT models write apply_patch, Claude and Gemini SEARCH/REPLACE.
const families: Readonly<Record<ModelProvider, readonly FamilyEntry[]>> = {
  openai: [
    {
      pattern: /^gpt-5/,
      capabilities: { ...openaiReasoning, contextWindow: 400_000, maxOutputTokens: 128_000 },
    },
    { pattern: /^(o1|o3|o4)(-|$)/, capabilities: openaiReasoning },
    {
      pattern: /^gpt-4\.1/,
      capabilities: {
        contextWindow: 1_047_576,
        maxOutputTokens: 32_768,
        outputLimitParameter: 'max_completion_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'apply-patch',
      },
    },
    {
      pattern: /^gpt-4o/,
      capabilities: {
        contextWindow: 128_000,
        maxOutputTokens: 16_384,
        outputLimitParameter: 'max_completion_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      pattern: /./,
      capabilities: {
        contextWindow: 128_000,
        maxOutputTokens: 16_384,
        outputLimitParameter: 'max_completion_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
  ],
  anthropic: [
    {
      pattern: /^claude-(opus-4|4-opus|opus-4-1)/,
      capabilities: {
        contextWindow: 200_000,
        maxOutputTokens: 32_000,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      // Families newer than this table: at least what the current generation offers.
      pattern: /^claude-(sonnet|opus|haiku|fable|mythos)-[5-9]/,
      capabilities: {
        contextWindow: 200_000,
        maxOutputTokens: 64_000,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      pattern: /^claude-(sonnet-4|4-sonnet|haiku-4|opus-4-[5-9]|3-7-sonnet)/,
      capabilities: {
        contextWindow: 200_000,
        maxOutputTokens: 64_000,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      pattern: /./,
      capabilities: {
        contextWindow: 200_000,
        maxOutputTokens: 8_192,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
  ],
  google: [
    {
      pattern: /^gemini-(2\.5|3)/,
      capabilities: {
        contextWindow: 1_048_576,
        maxOutputTokens: 65_536,
        outputLimitParameter: 'maxOutputTokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      pattern: /./,
      capabilities: {
        contextWindow: 1_048_576,
        maxOutputTokens: 8_192,
        outputLimitParameter: 'maxOutputTokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
  ],
  // Local and hosted open models vary widely; assume a modest window and the most forgiving
  // format (whole files) until a profile says otherwise, as aider does for unknown models.
  'openai-compatible': [
    {
      pattern: /(qwen.*coder|deepseek|devstral|codestral|gpt-oss|kimi|glm)/,
      capabilities: {
        contextWindow: 32_768,
        maxOutputTokens: 8_192,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: true,
        preferredEditFormat: 'search-replace',
      },
    },
    {
      pattern: /./,
      capabilities: {
        contextWindow: 32_768,
        maxOutputTokens: 4_096,
        outputLimitParameter: 'max_tokens',
        supportsTemperature: true,
        supportsTools: false,
        preferredEditFormat: 'whole-file',
      },
    },
  ],
};

/**
 * The capabilities of `modelName` on `provider`: the table entry of its family, then
 * `overrides` (from the model profile) on top. Unknown models of a known provider get the
 * provider's conservative default. Pure.
 */
export function resolveModelCapabilities(
  provider: ModelProvider,
  modelName: string,
  overrides: ModelCapabilityOverrides = {},
): ModelCapabilities {
  const name = modelName.toLowerCase().replace(/^.*\//, '');
  const entry = families[provider].find((family) => family.pattern.test(name));
  // Every provider's list ends with a catch-all entry.
  const base = entry!.capabilities;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...base, ...defined };
}

/**
 * The effective capabilities of a model profile: {@link resolveModelCapabilities} for its
 * provider and model name, with the profile's own `capabilities` overrides on top. Pure.
 */
export function capabilitiesOf(
  profile: Pick<ModelProfile, 'provider' | 'modelName' | 'capabilities'>,
): ModelCapabilities {
  return resolveModelCapabilities(profile.provider, profile.modelName, profile.capabilities);
}
