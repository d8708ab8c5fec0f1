import type { LogFields, Logger, LogLevel } from '@goosuke/core';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import type { CliIo } from './cli-io.ts';
import { ConfigurationError } from './configuration-error.ts';

/** The levels `GOOSUKE_LOG_LEVEL` accepts: a {@link LogLevel}, or `silent` for none. */
export type CliLogLevel = LogLevel | 'silent';

const secretKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'ticket',
  'apiKey',
  'api_key',
  'secret',
  'webhookSecret',
  'clientSecret',
  'privateKey',
  'x-api-key',
  'x-goog-api-key',
];

/**
 * Where secrets may sit in a log line, for pino's `redact`: those keys at the top level and one
 * or two levels down (`fields.password`, `req.headers.authorization`). Their values are written
 * as `[redacted]`; adapters log no headers or bodies in the first place.
 */
export const redactedLogPaths: readonly string[] = secretKeys.flatMap((key) => {
  const property = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  const top = property.startsWith('.') ? key : property;
  return [top, `*${property}`, `*.*${property}`];
});

/** The core Logger port on a pino logger: fields become the line's properties (`err` keeps its stack). */
export function pinoLoggerPort(logger: Pino): Logger {
  const fieldsOf = (fields: LogFields | undefined): object => fields ?? {};
  return {
    debug: (message, fields) => logger.debug(fieldsOf(fields), message),
    info: (message, fields) => logger.info(fieldsOf(fields), message),
    warn: (message, fields) => logger.warn(fieldsOf(fields), message),
    error: (message, fields) => logger.error(fieldsOf(fields), message),
    child: (bindings) => pinoLoggerPort(logger.child(bindings)),
  };
}

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Lines below this level are dropped; default `info`. */
  level?: CliLogLevel;
  /** Where the JSON lines go (one per line); default standard error. */
  destination?: DestinationStream;
}

/**
 * The CLI's logger: pino writing JSON lines (to standard error unless told otherwise), with the
 * secret paths of {@link redactedLogPaths} redacted and errors under `err` serialized with their
 * stack, as the core Logger port.
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { name: 'goosuke' },
      redact: { paths: [...redactedLogPaths], censor: '[redacted]' },
    },
    options.destination ?? pino.destination(2),
  );
  return pinoLoggerPort(logger);
}

/** `GOOSUKE_LOG_LEVEL` read: one of {@link CliLogLevel}, or `fallback` when unset. Null when it names none. */
export function readLogLevel(text: string | undefined, fallback: CliLogLevel): CliLogLevel | null {
  const level = text?.trim().toLowerCase() ?? '';
  if (level === '') return fallback;
  return ['debug', 'info', 'warn', 'error', 'silent'].includes(level) ? (level as CliLogLevel) : null;
}

/**
 * The logger of a command: pino on `io.stderr` at `GOOSUKE_LOG_LEVEL` (from `env`), else
 * `fallback` (`serve` logs requests at `info`; one-shot commands only warnings, so that an SDK's
 * debug notices never reach the terminal). A level that names none is a ConfigurationError.
 */
export function createCliLogger(
  io: Pick<CliIo, 'stderr'>,
  env: Readonly<Record<string, string | undefined>>,
  fallback: CliLogLevel,
): Logger {
  const level = readLogLevel(env.GOOSUKE_LOG_LEVEL, fallback);
  if (level === null) {
    throw new ConfigurationError(
      'invalid_input',
      'GOOSUKE_LOG_LEVEL must be debug, info, warn, error or silent',
    );
  }
  return createPinoLogger({ level, destination: { write: (line: string) => void io.stderr.write(line) } });
}
