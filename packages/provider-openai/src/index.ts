/**
 * @goosuke/openai: Goosuke's LanguageModel for OpenAI and OpenAI-compatible servers
 * (Ollama, vLLM, OpenRouter…), on the openai SDK's Chat Completions API.
 */
export { clearOpenAIClientCache, openAIClientCacheSize } from './openai-client-cache.ts';
export { createOpenAIProvider } from './openai-provider.ts';
export {
  type OpenAIProviderKind,
  type OpenAIProviderOptions,
  openAIProviderOptionsFromEnvironment,
} from './openai-provider-options.ts';
