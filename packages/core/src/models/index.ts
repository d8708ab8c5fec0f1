export { type ProviderRetryOptions, parseRetryAfter, withProviderRetry } from './provider-retry.ts';
