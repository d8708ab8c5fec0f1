import { z } from 'zod';
import { type ModelProfile, usageSchema } from '../domain/index.ts';
import { GoosukeError, goosukeErrorCodes, redactSecrets, UnsupportedError } from '../errors/index.ts';
import { costOf, type ModelPriceOverrides, resolveModelPrice } from '../models/model-prices.ts';
import type { LanguageModelResolver } from '../runs/run-runtime.ts';

/** What a model profile's test call answered: the call worked, or why it did not (no secret in it). */
export const modelProfileTestResultSchema = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      /** Milliseconds from building the model to its complete answer. */
      latencyMs: z.number().int().nonnegative(),
      /** The model id the call was made with. */
      model: z.string(),
      /** Tokens the call used and their cost (null when the model's price is unknown). */
      usage: usageSchema,
    }),
    z.object({
      ok: z.literal(false),
      latencyMs: z.number().int().nonnegative(),
      /** Why the call failed: a Goosuke error code and a message with every key redacted. */
      error: z.object({
        code: z.enum(goosukeErrorCodes),
        message: z.string(),
        /** The provider's HTTP status, when it answered with one (e.g. 401 for a wrong key). */
        status: z.number().int().nullable(),
      }),
    }),
  ])
  .meta({ id: 'ModelProfileTestResult' });
/** What {@link testModelProfile} answers. */
export type ModelProfileTestResult = z.infer<typeof modelProfileTestResultSchema>;

/** The one message of a test call: short, so that the call costs next to nothing. */
export const modelProfileTestPrompt = 'Reply with OK.';
// Enough for "OK" on every provider; reasoning models may spend some of it thinking first.
const testMaxOutputTokens = 16;
/** How long a test call may take before it is reported as failed. */
export const modelProfileTestTimeoutMs = 30_000;

/** What {@link testModelProfile} needs besides the profile and its key. */
export interface ModelProfileTestContext {
  /** The composition root's resolver (`RunRuntime.languageModels`); undefined without a runtime. */
  languageModels: LanguageModelResolver | undefined;
  prices?: ModelPriceOverrides;
}

/**
 * Makes one tiny call to the profile's model and reports how it went. A failure of the call
 * (no key, a wrong key, an unknown model, the provider down) is an answer, `ok: false`, not a
 * thrown error; its message has the key redacted again, whatever produced it.
 *
 * @throws UnsupportedError when Goosuke was built without a runtime (no way to call models).
 */
export async function testModelProfile(
  context: ModelProfileTestContext,
  profile: ModelProfile,
  apiKey: string | null,
): Promise<ModelProfileTestResult> {
  const { languageModels } = context;
  if (languageModels === undefined) {
    throw new UnsupportedError('testing a model profile needs a runtime: pass runtime to createGoosuke');
  }
  // Wall time, not the injected clock: latency is a measurement, not a timestamp of the domain.
  const started = performance.now();
  const latencyMs = () => Math.max(0, Math.round(performance.now() - started));
  try {
    const model = await languageModels(profile, apiKey);
    const generation = await model.generate({
      messages: [{ role: 'user', content: modelProfileTestPrompt }],
      maxOutputTokens: testMaxOutputTokens,
      signal: AbortSignal.timeout(modelProfileTestTimeoutMs),
    });
    const price = resolveModelPrice(profile.provider, profile.modelName, { overrides: context.prices });
    return {
      ok: true,
      latencyMs: latencyMs(),
      model: model.modelId,
      usage: { ...generation.usage, costUsd: costOf(generation.usage, price) },
    };
  } catch (error) {
    // Providers redact their messages already; redacting again costs nothing and covers any
    // resolver or SDK error that did not.
    const known = GoosukeError.isInstance(error);
    const message = error instanceof Error ? error.message : String(error);
    // ProviderError carries the provider's HTTP status.
    const status = known ? (error as { status?: unknown }).status : undefined;
    return {
      ok: false,
      latencyMs: latencyMs(),
      error: {
        code: known ? error.code : 'internal',
        message: redactSecrets(message, [apiKey]),
        status: typeof status === 'number' ? status : null,
      },
    };
  }
}
