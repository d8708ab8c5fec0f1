import { z } from 'zod';
import type { ModelProvider } from '../domain/index.ts';
import type { TokenUsage } from '../ports/language-model.ts';

/** What a model costs, in US dollars per million tokens. */
export const modelPriceSchema = z
  .object({
    /** Input tokens not served from a prompt cache. */
    inputPerMillion: z.number().nonnegative(),
    /** Input tokens read from a prompt cache; defaults to the input price when the provider has no discount. */
    cachedInputPerMillion: z.number().nonnegative(),
    /** Output tokens, reasoning tokens included. */
    outputPerMillion: z.number().nonnegative(),
  })
  .meta({ id: 'ModelPrice' });
/** A model's price per million tokens. */
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** One row of a price table: the provider and a pattern over the lower-cased model name. */
export interface ModelPriceEntry {
  provider: ModelProvider;
  /** Matched against the lower-cased model name without any `vendor/` prefix; first match wins. */
  pattern: RegExp;
  price: ModelPrice;
}

function price(input: number, cachedInput: number, output: number): ModelPrice {
  return { inputPerMillion: input, cachedInputPerMillion: cachedInput, outputPerMillion: output };
}

/**
 * List prices (USD per million tokens, standard tier, prompts under 200k tokens) of the models
 * people run most, as the providers published them in 2025. Prices change: a deployment that
 * needs exact figures passes its own table (see {@link resolveModelPrice}). Models of
 * `openai-compatible` servers (Ollama, vLLM) have no price: their cost is unknown (null), not 0.
 * More specific patterns come before the families they belong to.
 */
export const defaultModelPrices: readonly ModelPriceEntry[] = [
  { provider: 'openai', pattern: /^gpt-5(\.\d+)?-nano/, price: price(0.05, 0.005, 0.4) },
  { provider: 'openai', pattern: /^gpt-5(\.\d+)?-mini/, price: price(0.25, 0.025, 2) },
  { provider: 'openai', pattern: /^gpt-5(\.\d+)?-pro/, price: price(15, 15, 120) },
  { provider: 'openai', pattern: /^gpt-5/, price: price(1.25, 0.125, 10) },
  { provider: 'openai', pattern: /^gpt-4\.1-nano/, price: price(0.1, 0.025, 0.4) },
  { provider: 'openai', pattern: /^gpt-4\.1-mini/, price: price(0.4, 0.1, 1.6) },
  { provider: 'openai', pattern: /^gpt-4\.1/, price: price(2, 0.5, 8) },
  { provider: 'openai', pattern: /^gpt-4o-mini/, price: price(0.15, 0.075, 0.6) },
  { provider: 'openai', pattern: /^gpt-4o/, price: price(2.5, 1.25, 10) },
  { provider: 'openai', pattern: /^o4-mini/, price: price(1.1, 0.275, 4.4) },
  { provider: 'openai', pattern: /^o3-mini/, price: price(1.1, 0.55, 4.4) },
  { provider: 'openai', pattern: /^o3/, price: price(2, 0.5, 8) },
  { provider: 'anthropic', pattern: /^claude-(opus-4-[56]|opus-4-5)/, price: price(5, 0.5, 25) },
  { provider: 'anthropic', pattern: /^claude-(opus-4|4-opus)/, price: price(15, 1.5, 75) },
  {
    provider: 'anthropic',
    pattern: /^claude-(sonnet-4|4-sonnet|3-7-sonnet|3-5-sonnet)/,
    price: price(3, 0.3, 15),
  },
  { provider: 'anthropic', pattern: /^claude-(haiku-4|4-haiku)/, price: price(1, 0.1, 5) },
  { provider: 'anthropic', pattern: /^claude-3-5-haiku/, price: price(0.8, 0.08, 4) },
  { provider: 'google', pattern: /^gemini-3(\.\d+)?-pro/, price: price(2, 0.2, 12) },
  { provider: 'google', pattern: /^gemini-3(\.\d+)?-flash/, price: price(0.5, 0.05, 3) },
  { provider: 'google', pattern: /^gemini-2\.5-pro/, price: price(1.25, 0.125, 10) },
  { provider: 'google', pattern: /^gemini-2\.5-flash-lite/, price: price(0.1, 0.01, 0.4) },
  { provider: 'google', pattern: /^gemini-2\.5-flash/, price: price(0.3, 0.03, 2.5) },
  { provider: 'google', pattern: /^gemini-2\.0-flash-lite/, price: price(0.075, 0.075, 0.3) },
  { provider: 'google', pattern: /^gemini-2\.0-flash/, price: price(0.1, 0.025, 0.4) },
];

/**
 * Price overrides keyed `provider:model` (exact, lower-case model name), e.g.
 * `{ 'openai-compatible:qwen3-coder:30b': { inputPerMillion: 0, ... } }`. They win over the table.
 */
export type ModelPriceOverrides = Readonly<Record<string, ModelPrice>>;

/**
 * The price of `provider`'s `modelName`: an override for `provider:model` first, then the first
 * matching row of `table` (default {@link defaultModelPrices}), else null (unknown).
 */
export function resolveModelPrice(
  provider: ModelProvider,
  modelName: string,
  options: { overrides?: ModelPriceOverrides; table?: readonly ModelPriceEntry[] } = {},
): ModelPrice | null {
  const name = modelName.toLowerCase();
  const override = options.overrides?.[`${provider}:${name}`];
  if (override !== undefined) return override;
  const bare = name.replace(/^.*\//, '');
  const entry = (options.table ?? defaultModelPrices).find(
    (row) => row.provider === provider && row.pattern.test(bare),
  );
  return entry?.price ?? null;
}

/**
 * The cost in US dollars of `usage` at `price`, or null when the price is unknown. Cached input
 * tokens are part of `inputTokens` (Goosuke's TokenUsage convention) and are billed at the cached
 * rate; the rest of the input at the input rate.
 */
export function costOf(usage: TokenUsage, price: ModelPrice | null): number | null {
  if (price === null) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const dollars =
    ((usage.inputTokens - cached) * price.inputPerMillion +
      cached * price.cachedInputPerMillion +
      usage.outputTokens * price.outputPerMillion) /
    1_000_000;
  // Round to a millionth of a dollar: float noise must not show in stored costs or comparisons.
  return Math.round(dollars * 1_000_000) / 1_000_000;
}
