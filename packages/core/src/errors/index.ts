export {
  GoosukeError,
  type GoosukeErrorCode,
  type GoosukeErrorOptions,
  goosukeErrorCodes,
} from './goosuke-error.ts';
export {
  ConflictError,
  IllegalTransitionError,
  type InputIssue,
  InvalidInputError,
  NotFoundError,
  ProviderError,
  type ProviderErrorOptions,
  redactSecrets,
  UnsupportedError,
} from './subclasses.ts';
