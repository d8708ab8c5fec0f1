/**
 * @goosuke/google: Goosuke's LanguageModel for Google Gemini, on the official Google Gen AI
 * SDK (`@google/genai`). The loopback fake for tests lives in `@goosuke/google/testing`.
 */
export { clearGoogleClientCache, googleClientCacheSize } from './google-client-cache.ts';
export { googleProviderOptionsFromEnvironment } from './google-environment.ts';
export { createGoogleProvider, type GoogleProviderOptions } from './google-provider.ts';
