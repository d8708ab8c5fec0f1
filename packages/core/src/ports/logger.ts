/** How much a log line matters, least first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured context of a log line: plain JSON-friendly values, and an `err` holding an Error
 * (loggers such as pino serialize it with its stack). Never a secret: implementations should
 * still redact the usual places (authorization headers, cookies, passwords, tokens, API keys).
 */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where Goosuke and its adapters write what an operator needs to know: unexpected errors (with
 * their stack), requests, provider SDK notices. Pass one to `createGoosuke({ logger })` and the
 * adapters; the default writes nothing. Methods never throw and return at once (buffer or drop
 * rather than block). `child(bindings)` returns a logger whose every line carries `bindings`
 * (e.g. `{ requestId }`) besides its own fields.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

const ignore = (): void => undefined;

/** The logger that writes nothing: the default wherever a Logger is optional. */
export const noopLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => noopLogger,
});

/**
 * Runs `work` with `console.warn` sent to `logger.debug` (with `fields`), for SDKs that print
 * notices (deprecations, "non-text parts") with `console.warn` instead of their own logger, which
 * would otherwise reach the user's terminal. Only what `work` does synchronously is covered (a
 * returned promise's later steps are not): no other code can run meanwhile, so nothing else's
 * warnings are captured. `console.warn` is restored even when `work` throws.
 */
export function withConsoleWarningsLogged<Result>(
  logger: Logger,
  fields: LogFields,
  work: () => Result,
): Result {
  const original = console.warn;
  console.warn = (...parts: unknown[]) => {
    logger.debug(parts.map((part) => (typeof part === 'string' ? part : String(part))).join(' '), fields);
  };
  try {
    return work();
  } finally {
    console.warn = original;
  }
}

/** The `logger` option of the Stainless-made SDKs (openai, @anthropic-ai/sdk). */
export interface SdkLogger {
  error(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  debug(message: string, ...rest: unknown[]): void;
}

/**
 * An SDK's `logger` option writing every level to `logger.debug` (with `fields` and the SDK's
 * level): an SDK's notices are for operators who asked for detail, never for the user's
 * terminal. Failures reach callers as errors anyway.
 */
export function sdkLoggerFor(logger: Logger, fields: LogFields): SdkLogger {
  const at =
    (level: LogLevel) =>
    (message: string, ...rest: unknown[]) =>
      logger.debug(
        message,
        rest.length === 0 ? { ...fields, sdkLevel: level } : { ...fields, sdkLevel: level, details: rest },
      );
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
