import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';
import { modelCapabilityOverridesSchema } from './model-capabilities.ts';

/** The model API families Goosuke talks to. `openai-compatible` covers Ollama, vLLM and the like. */
export const modelProviderSchema = z
  .enum(['openai', 'anthropic', 'google', 'openai-compatible'])
  .meta({ id: 'ModelProvider' });
/** One of the supported providers. */
export type ModelProvider = z.infer<typeof modelProviderSchema>;

/**
 * A model a team can run tasks on. The API key is stored encrypted beside the profile and
 * is never part of this type: no read returns it, only whether one is set.
 */
export const modelProfileSchema = z
  .object({
    id: idSchema,
    provider: modelProviderSchema,
    /** The provider's model name, e.g. `gpt-5.1`, `claude-sonnet-4-5`, `qwen3-coder:30b`. */
    modelName: z.string().min(1).max(200),
    /** The name shown to people. */
    displayName: z.string().min(1).max(200),
    /** Endpoint override; required for `openai-compatible`. */
    baseUrl: z.url({ protocol: /^https?$/ }).nullable(),
    /** Whether an encrypted API key is stored for this profile. */
    hasApiKey: z.boolean(),
    /**
     * Capabilities this profile declares itself; each value set here overrides the model family
     * table for this profile (e.g. a local server's real context window). `{}` when nothing is
     * overridden. Resolve the effective capabilities with `capabilitiesOf(profile)`.
     */
    capabilities: modelCapabilityOverridesSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'ModelProfile' });
/** A model profile without its key. */
export type ModelProfile = z.infer<typeof modelProfileSchema>;
