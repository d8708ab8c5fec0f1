import {
  type CreateModelProfileInput,
  GoosukeError,
  InvalidInputError,
  type ModelProfile,
  type ModelProfileService,
  modelProviderSchema,
} from '@goosuke/core';
import type { Environment } from '../language-models.ts';
import { providerEnvironment } from '../language-models.ts';

/** What a `--model` value names: a stored profile, or one to store (`input`) for `provider:model`. */
export type ModelSpecPlan =
  | { kind: 'stored'; profile: ModelProfile }
  | { kind: 'new'; input: CreateModelProfileInput & { displayName: string }; preview: ModelProfile };

/**
 * Reads a `--model` value without storing anything: a stored profile whose id or display name it
 * is (a stored profile wins), else `provider:model`, which becomes a profile without a key (display
 * name = the value) whose key and base URL come from the environment; an earlier such profile is
 * reused. `preview` lets the caller check that a key is configured before anything is written.
 * InvalidInputError for a value that is neither; GoosukeError `secret_key` for an
 * openai-compatible model without OPENAI_BASE_URL.
 */
export function planModelSpec(
  spec: string,
  env: Environment,
  profiles: readonly ModelProfile[],
): ModelSpecPlan {
  const stored =
    profiles.find((profile) => profile.id === spec) ??
    profiles.find((profile) => profile.displayName === spec);
  if (stored !== undefined) return { kind: 'stored', profile: stored };
  const colon = spec.indexOf(':');
  const provider = modelProviderSchema.safeParse(colon === -1 ? '' : spec.slice(0, colon));
  const modelName = spec.slice(colon + 1).trim();
  if (!provider.success || modelName === '') {
    throw new InvalidInputError(
      `--model ${spec}: not a stored profile and not provider:model (providers: ${modelProviderSchema.options.join(', ')}); see goosuke models list`,
    );
  }
  let baseUrl: string | undefined;
  if (provider.data === 'openai-compatible') {
    baseUrl = env[providerEnvironment['openai-compatible'].baseUrl]?.trim() || undefined;
    if (baseUrl === undefined) {
      throw new GoosukeError(
        'secret_key',
        `--model ${spec}: an openai-compatible model needs a server; set OPENAI_BASE_URL or store a profile with goosuke models add --base-url`,
      );
    }
  }
  const input = {
    provider: provider.data,
    modelName,
    displayName: spec,
    ...(baseUrl === undefined ? {} : { baseUrl }),
  };
  const now = new Date(0).toISOString();
  return {
    kind: 'new',
    input,
    preview: {
      id: 'model_pending',
      provider: input.provider,
      modelName,
      displayName: spec,
      baseUrl: baseUrl ?? null,
      hasApiKey: false,
      capabilities: {},
      createdAt: now,
      updatedAt: now,
    },
  };
}

/** Stores the profile a plan describes (or returns the stored one). */
export async function realizeModelSpec(
  models: ModelProfileService,
  plan: ModelSpecPlan,
): Promise<ModelProfile> {
  return plan.kind === 'stored' ? plan.profile : models.create(plan.input);
}

/** A file-system-safe name for a run's patch: `<provider>-<model>.patch`, suffixed `-2`, `-3` when repeated. */
export function patchFileNames(models: ReadonlyArray<{ provider: string; modelName: string }>): string[] {
  const seen = new Map<string, number>();
  return models.map((model) => {
    const base = `${model.provider}-${model.modelName}`
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      // No `..` or leading dot: the name stays one plain file inside --out.
      .replace(/\.{2,}/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[.-]+|-+$/g, '')
      .slice(0, 120);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return `${base}${count === 1 ? '' : `-${count}`}.patch`;
  });
}
