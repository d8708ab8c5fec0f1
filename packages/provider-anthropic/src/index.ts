export { anthropicClientCacheSize, clearAnthropicClientCache } from './anthropic-client-cache.ts';
export { anthropicProviderOptionsFromEnvironment } from './anthropic-environment.ts';
export { anthropicProviderName } from './anthropic-errors.ts';
export {
  type AnthropicProviderOptions,
  createAnthropicProvider,
  defaultAnthropicBaseUrl,
  defaultAnthropicTimeoutMs,
} from './anthropic-provider.ts';
export { toFinishReason as anthropicFinishReason } from './anthropic-response.ts';
