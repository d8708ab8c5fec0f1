import { describe, expect, it } from 'vitest';
import { costOf, defaultModelPrices, resolveModelPrice } from './model-prices.ts';

describe('resolveModelPrice', () => {
  it('finds the most specific family first', () => {
    expect(resolveModelPrice('openai', 'gpt-4.1-mini')?.inputPerMillion).toBe(0.4);
    expect(resolveModelPrice('openai', 'gpt-4.1')?.inputPerMillion).toBe(2);
    expect(resolveModelPrice('openai', 'GPT-4.1-2025-04-14')?.outputPerMillion).toBe(8);
    expect(resolveModelPrice('anthropic', 'claude-sonnet-4-5')?.outputPerMillion).toBe(15);
    expect(resolveModelPrice('anthropic', 'claude-opus-4-1')?.outputPerMillion).toBe(75);
    expect(resolveModelPrice('anthropic', 'claude-opus-4-5')?.outputPerMillion).toBe(25);
    expect(resolveModelPrice('google', 'gemini-2.5-flash-lite')?.inputPerMillion).toBe(0.1);
    expect(resolveModelPrice('google', 'gemini-2.5-flash')?.inputPerMillion).toBe(0.3);
  });

  it('knows no price for unknown models and for openai-compatible servers', () => {
    expect(resolveModelPrice('openai', 'my-finetune')).toBeNull();
    expect(resolveModelPrice('openai-compatible', 'gpt-4.1')).toBeNull();
  });

  it('lets overrides win, keyed provider:model', () => {
    const free = { inputPerMillion: 0, cachedInputPerMillion: 0, outputPerMillion: 0 };
    expect(
      resolveModelPrice('openai-compatible', 'Qwen3-Coder:30B', {
        overrides: { 'openai-compatible:qwen3-coder:30b': free },
      }),
    ).toEqual(free);
    expect(
      resolveModelPrice('openai', 'gpt-4.1', {
        overrides: { 'openai:gpt-4.1': { ...free, outputPerMillion: 1 } },
      })?.outputPerMillion,
    ).toBe(1);
  });

  it('takes a whole table instead of the default', () => {
    const table = [{ provider: 'openai' as const, pattern: /./, price: defaultModelPrices[0]!.price }];
    expect(resolveModelPrice('openai', 'anything', { table })).toEqual(defaultModelPrices[0]!.price);
    expect(resolveModelPrice('google', 'gemini-2.5-pro', { table })).toBeNull();
  });
});

describe('costOf', () => {
  it('bills cached input at the cached rate and the rest at the input rate', () => {
    const price = { inputPerMillion: 3, cachedInputPerMillion: 0.3, outputPerMillion: 15 };
    // 1M input of which 400k cached: 600k * 3 + 400k * 0.3 = 1.8 + 0.12; 100k output: 1.5.
    expect(costOf({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 }, price)).toBe(
      3.42,
    );
    expect(costOf({ inputTokens: 1234, cachedInputTokens: 0, outputTokens: 56 }, price)).toBe(0.004542);
  });

  it('is null for an unknown price', () => {
    expect(costOf({ inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 }, null)).toBeNull();
  });
});
