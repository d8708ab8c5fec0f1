export { CodeHostUnavailableError, type CodeHostUnavailableReason } from './code-host-unavailable-error.ts';
export {
  GoosukeError,
  type GoosukeErrorCode,
  type GoosukeErrorOptions,
  goosukeErrorCodes,
} from './goosuke-error.ts';
export { redactJson, redactSecrets } from './redact-secrets.ts';
export {
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  type InputIssue,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderError,
  type ProviderErrorOptions,
  RateLimitedError,
  UnauthorizedError,
  type UnauthorizedReason,
  UnsupportedError,
} from './subclasses.ts';
