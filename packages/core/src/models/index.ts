export { jsonRequestBody } from './json-request-body.ts';
export {
  costOf,
  defaultModelPrices,
  type ModelPrice,
  type ModelPriceEntry,
  type ModelPriceOverrides,
  modelPriceSchema,
  resolveModelPrice,
} from './model-prices.ts';
export { type ProviderRetryOptions, parseRetryAfter, withProviderRetry } from './provider-retry.ts';
