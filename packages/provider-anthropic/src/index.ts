/**
 * @goosuke/anthropic: Goosuke's LanguageModel for Anthropic's Claude models, on the official
 * `@anthropic-ai/sdk`. The loopback fake for tests lives in `@goosuke/anthropic/testing`.
 */
export { anthropicClientCacheSize, clearAnthropicClientCache } from './anthropic-client-cache.ts';
export { anthropicProviderOptionsFromEnvironment } from './anthropic-environment.ts';
export { type AnthropicProviderOptions, createAnthropicProvider } from './anthropic-provider.ts';
