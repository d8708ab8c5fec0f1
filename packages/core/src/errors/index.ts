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
  UnsupportedError,
} from './subclasses.ts';
