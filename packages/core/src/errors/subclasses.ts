import { GoosukeError, type GoosukeErrorOptions } from './goosuke-error.ts';
import { redactedCause, redactSecrets } from './redact-secrets.ts';

/** A referenced entity does not exist. Carries the entity kind and id. */
export class NotFoundError extends GoosukeError {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string, options: GoosukeErrorOptions = {}) {
    super('not_found', `${entity} ${JSON.stringify(id)} was not found`, options);
    this.name = 'NotFoundError';
    this.entity = entity;
    this.id = id;
  }
}

/** One problem with an input, in the shape of a zod issue (path + message). */
export interface InputIssue {
  /** Where in the input the problem is; empty for the input as a whole. */
  path: ReadonlyArray<string | number>;
  message: string;
  /** The zod issue code, when the issue comes from zod. */
  code?: string;
}

/** Input failed validation. `issues` lists every problem found, not just the first. */
export class InvalidInputError extends GoosukeError {
  readonly issues: readonly InputIssue[];

  constructor(message: string, issues: readonly InputIssue[] = [], options: GoosukeErrorOptions = {}) {
    super('invalid_input', message, options);
    this.name = 'InvalidInputError';
    this.issues = issues;
  }

  /**
   * Builds an error from zod issues (or anything of that shape), with a message that
   * names the first problem and how many more there are.
   */
  static fromIssues(
    subject: string,
    issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>,
  ): InvalidInputError {
    const normalized: InputIssue[] = issues.map((issue) => ({
      path: issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
      message: issue.message,
      ...(issue.code === undefined ? {} : { code: issue.code }),
    }));
    const first = normalized[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    const more = normalized.length > 1 ? ` (and ${normalized.length - 1} more)` : '';
    const message = first ? `invalid ${subject}${where}: ${first.message}${more}` : `invalid ${subject}`;
    return new InvalidInputError(message, normalized);
  }

  override toJSON() {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** The call conflicts with current state: a duplicate unique key, or a concurrent change. */
export class ConflictError extends GoosukeError {
  constructor(message: string, options: GoosukeErrorOptions = {}) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** An entity was asked to move between states in a way its rules forbid. */
export class IllegalTransitionError extends GoosukeError {
  readonly entity: string;
  readonly from: string;
  readonly to: string;

  constructor(entity: string, from: string, to: string) {
    super('illegal_transition', `a ${entity} cannot move from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

/** The implementation in use cannot do what was asked (an optional capability is missing). */
export class UnsupportedError extends GoosukeError {
  constructor(message: string, options: GoosukeErrorOptions = {}) {
    super('unsupported', message, options);
    this.name = 'UnsupportedError';
  }
}

/**
 * Why a caller could not be authenticated, as far as callers may know: `token` for a bearer
 * token, refresh token or stream ticket that is malformed, unknown, expired, revoked or
 * forged; `credentials` for a failed sign-in (unknown user, wrong password, disabled user);
 * `signature` for a webhook whose signature is missing, malformed, stale, wrong or replayed.
 */
export type UnauthorizedReason = 'token' | 'credentials' | 'signature';

const unauthorizedMessages: Record<UnauthorizedReason, string> = {
  token: 'invalid or expired token',
  credentials: 'wrong username or password',
  signature: 'missing, invalid, expired or replayed webhook signature',
};

/**
 * The caller is not authenticated. The message is one of three fixed sentences and never says
 * which check failed (unknown user or wrong password, bad signature or expiry), so that it
 * tells an attacker nothing; the precise reason may ride in `cause`, for logs only.
 */
export class UnauthorizedError extends GoosukeError {
  readonly reason: UnauthorizedReason;

  constructor(reason: UnauthorizedReason = 'token', options: GoosukeErrorOptions = {}) {
    super('unauthorized', unauthorizedMessages[reason], options);
    this.name = 'UnauthorizedError';
    this.reason = reason;
  }
}

/**
 * The caller is authenticated but may not do this (e.g. a member asking for an admin-only
 * operation). The message names what is not allowed, never a secret.
 */
export class ForbiddenError extends GoosukeError {
  constructor(message: string, options: GoosukeErrorOptions = {}) {
    super('forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions extends GoosukeErrorOptions {
  /** The provider's HTTP status, when there was a response. */
  status?: number | null;
  /** How long the provider asked callers to wait before retrying (from `retry-after` headers). */
  retryAfterMs?: number | null;
  /**
   * Keys and tokens the error must never hold: they are redacted from the message, and a
   * `cause` that holds one anywhere (an SDK error echoing the server's answer, say) is
   * replaced by a redacted copy (name, message, stack and plain fields), so that logging the
   * cause chain leaks nothing.
   */
  secrets?: ReadonlyArray<string | null | undefined>;
}

/**
 * A model provider failed. `status` is the provider's HTTP status when there was one.
 * Retryable by default for 408, 409, 429 and 5xx and for failures without a response
 * (network errors, timeouts); never for 401/403 (a bad key stays bad).
 * The message and the cause never hold a key: pass the keys in `secrets`, or redact them
 * beforehand (see {@link redactSecrets}).
 */
export class ProviderError extends GoosukeError {
  readonly provider: string;
  readonly status: number | null;
  readonly retryAfterMs: number | null;

  constructor(provider: string, message: string, options: ProviderErrorOptions = {}) {
    const status = options.status ?? null;
    const retryable =
      options.retryable ??
      (status === null || status === 408 || status === 409 || status === 429 || status >= 500);
    const { secrets, ...rest } = options;
    super('provider', secrets ? redactSecrets(message, secrets) : message, {
      ...rest,
      retryable,
      ...(secrets && rest.cause !== undefined ? { cause: redactedCause(rest.cause, secrets) } : {}),
    });
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = status;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  override toJSON() {
    return { ...super.toJSON(), provider: this.provider, status: this.status };
  }
}

/**
 * An input is larger than the configured limit (an instruction or message over
 * `maxInstructionBytes`, say). `limit` and `size` are in `unit` (bytes of UTF-8 unless said
 * otherwise), so that a client can shorten its input to fit. Adapters answer 413 with the limit.
 */
export class PayloadTooLargeError extends GoosukeError {
  /** What was too large, e.g. `instruction`. */
  readonly subject: string;
  /** The largest accepted size. */
  readonly limit: number;
  /** The size given. */
  readonly size: number;
  /** The unit of `limit` and `size`. */
  readonly unit: 'bytes';

  constructor(subject: string, limit: number, size: number, options: GoosukeErrorOptions = {}) {
    super('payload_too_large', `the ${subject} is ${size} bytes, over the limit of ${limit} bytes`, options);
    this.name = 'PayloadTooLargeError';
    this.subject = subject;
    this.limit = limit;
    this.size = size;
    this.unit = 'bytes';
  }

  override toJSON() {
    return { ...super.toJSON(), limit: this.limit, size: this.size };
  }
}

/**
 * The caller has too much going on to be given more now (e.g. more queued and running runs
 * than the per-user limit); trying again later, after `retryAfterSeconds`, may succeed.
 * Always retryable. Adapters answer 429 with `Retry-After`.
 */
export class RateLimitedError extends GoosukeError {
  /** How long to wait before trying again, in whole seconds (at least 1). */
  readonly retryAfterSeconds: number;
  /** The limit that was reached, when there is one number to name. */
  readonly limit: number | null;

  constructor(
    message: string,
    retryAfterSeconds: number,
    options: Omit<GoosukeErrorOptions, 'retryable'> & { limit?: number } = {},
  ) {
    const { limit, ...rest } = options;
    super('rate_limited', message, { ...rest, retryable: true });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    this.limit = limit ?? null;
  }

  override toJSON() {
    return { ...super.toJSON(), retryAfterSeconds: this.retryAfterSeconds, limit: this.limit };
  }
}
