import { describe, expect, it } from 'vitest';
import { modelCapabilitiesSchema, resolveModelCapabilities } from './model-capabilities.ts';

describe('resolveModelCapabilities', () => {
  it('knows the families of each provider', () => {
    expect(resolveModelCapabilities('openai', 'gpt-5.1')).toMatchObject({
      contextWindow: 400_000,
      outputLimitParameter: 'max_completion_tokens',
      supportsTemperature: false,
      preferredEditFormat: 'apply-patch',
    });
    expect(resolveModelCapabilities('openai', 'o4-mini').supportsTemperature).toBe(false);
    expect(resolveModelCapabilities('openai', 'gpt-4.1-mini')).toMatchObject({ supportsTemperature: true });
    expect(resolveModelCapabilities('anthropic', 'claude-sonnet-4-5')).toMatchObject({
      maxOutputTokens: 64_000,
      outputLimitParameter: 'max_tokens',
      preferredEditFormat: 'search-replace',
    });
    expect(resolveModelCapabilities('google', 'gemini-2.5-pro')).toMatchObject({
      contextWindow: 1_048_576,
      outputLimitParameter: 'maxOutputTokens',
    });
  });

  it('gives unknown models a conservative default, and open models the most forgiving format', () => {
    expect(resolveModelCapabilities('openai-compatible', 'llama3.2:3b')).toMatchObject({
      contextWindow: 32_768,
      preferredEditFormat: 'whole-file',
      supportsTools: false,
    });
    expect(resolveModelCapabilities('openai-compatible', 'Qwen/Qwen3-Coder-30B').preferredEditFormat).toBe(
      'search-replace',
    );
    expect(resolveModelCapabilities('anthropic', 'claude-future-9').maxOutputTokens).toBe(8_192);
  });

  it('applies profile overrides on top, ignoring undefined values, and stays valid', () => {
    const resolved = resolveModelCapabilities('openai-compatible', 'llama3.2:3b', {
      contextWindow: 131_072,
      preferredEditFormat: undefined,
    });
    expect(resolved.contextWindow).toBe(131_072);
    expect(resolved.preferredEditFormat).toBe('whole-file');
    expect(modelCapabilitiesSchema.parse(resolved)).toEqual(resolved);
  });
});
