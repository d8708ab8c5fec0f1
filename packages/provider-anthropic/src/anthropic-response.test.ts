import { describe, expect, it } from 'vitest';
import { toTokenUsage } from './anthropic-response.ts';

describe('toTokenUsage', () => {
  it("counts every input token, as Goosuke's TokenUsage does for all providers", () => {
    // Anthropic reports uncached input, cache reads and cache writes separately.
    expect(
      toTokenUsage({
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 200,
        cache_creation_input_tokens: 30,
      }),
    ).toEqual({ inputTokens: 240, outputTokens: 5, cachedInputTokens: 200 });
    expect(toTokenUsage(null)).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
  });
});
