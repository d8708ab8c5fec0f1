/**
 * Every error code Goosuke raises. Core knows no HTTP status: each adapter maps these
 * codes in one table (HTTP status and problem JSON, Discord reply, CLI exit code).
 */
export const goosukeErrorCodes = [
  'invalid_input',
  'not_found',
  'conflict',
  'illegal_transition',
  'unsupported',
  'unauthorized',
  'forbidden',
  'payload_too_large',
  'rate_limited',
  'secret_key',
  'provider',
  'storage',
  'edit_failed',
  'timeout',
  'canceled',
  'internal',
] as const;

/** One of {@link goosukeErrorCodes}. */
export type GoosukeErrorCode = (typeof goosukeErrorCodes)[number];

/** Options shared by every {@link GoosukeError} constructor. */
export interface GoosukeErrorOptions {
  /** The lower-level error this one explains; kept for logs, never shown to API clients. */
  cause?: unknown;
  /** Whether the same call may succeed if tried again unchanged. Defaults to `false`. */
  retryable?: boolean;
}

const marker = Symbol.for('goosuke.error');

/**
 * The one error type Goosuke throws for expected failures.
 *
 * Contract: `code` is stable and machine-readable; `message` is one sentence that says
 * what went wrong and, where possible, what to fix; it never contains a secret.
 * Use {@link GoosukeError.isInstance} rather than `instanceof` across package copies.
 */
export class GoosukeError extends Error {
  /** Machine-readable reason. */
  readonly code: GoosukeErrorCode;
  /** Whether retrying the same call unchanged may succeed. */
  readonly retryable: boolean;
  readonly [marker] = true;

  constructor(code: GoosukeErrorCode, message: string, options: GoosukeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GoosukeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /**
   * True for any GoosukeError, including one created by another copy of this package
   * (two versions in one `node_modules` tree break `instanceof`).
   */
  static isInstance(value: unknown): value is GoosukeError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** A plain JSON view for logs and API responses: code, message, retryable (no cause, no stack). */
  toJSON(): { name: string; code: GoosukeErrorCode; message: string; retryable: boolean } {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}
