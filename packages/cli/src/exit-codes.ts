import { GoosukeError, type GoosukeErrorCode } from '@goosuke/core';
import { ConfigurationError } from './configuration-error.ts';

const configurationMeaning = 'configuration error: set what the message names (e.g. GOOSUKE_SECRET_KEY)';

/**
 * The one table of `goosuke` exit codes: every GoosukeError code maps to a process exit code,
 * with the meaning shown in `goosuke --help`. 0 is success; 1 "ran, but did not succeed";
 * 2 "fix the command line"; 3 "fix the configuration" (environment variables or `.env`); the rest
 * follow BSD sysexits where one fits. `configuration` is not a GoosukeError code: it is the row of
 * a {@link ConfigurationError}, whatever that error's own code.
 */
export const exitCodeTable = {
  invalid_input: { exitCode: 2, meaning: 'usage error: fix the command line, or the input it names' },
  // A name given on the command line (a FILE, later a task or user id) names nothing: fix the call.
  not_found: { exitCode: 2, meaning: 'something named on the command line does not exist' },
  // An instruction over the size limit: shorten it, or raise GOOSUKE_MAX_INSTRUCTION_BYTES.
  payload_too_large: { exitCode: 2, meaning: 'an input is over its size limit' },
  unsupported: { exitCode: 2, meaning: 'this build cannot do what was asked' },
  edit_failed: { exitCode: 1, meaning: 'the command ran but did not succeed (e.g. an edit did not apply)' },
  conflict: { exitCode: 1, meaning: 'the request conflicts with the current state' },
  illegal_transition: { exitCode: 1, meaning: 'the request conflicts with the current state' },
  provider: { exitCode: 69, meaning: 'a model provider failed or is unavailable' },
  internal: { exitCode: 70, meaning: 'internal error (a bug): rerun with GOOSUKE_DEBUG=1 and report it' },
  storage: { exitCode: 74, meaning: 'reading or writing files or the database failed' },
  timeout: { exitCode: 75, meaning: 'timed out; trying again may work' },
  rate_limited: { exitCode: 75, meaning: 'too many requests or runs for now; trying again later may work' },
  unauthorized: { exitCode: 77, meaning: 'not signed in or not allowed' },
  forbidden: { exitCode: 77, meaning: 'not signed in or not allowed' },
  // A missing, weak or rotated-away secret key is always fixed in the configuration.
  secret_key: { exitCode: 3, meaning: configurationMeaning },
  configuration: { exitCode: 3, meaning: configurationMeaning },
  canceled: { exitCode: 130, meaning: 'canceled' },
} as const satisfies Record<GoosukeErrorCode | 'configuration', { exitCode: number; meaning: string }>;

/** Named exit codes the commands return directly. */
export const exitCodes = {
  /** The command did what was asked (with `--check`: it would). */
  success: 0,
  /** The command ran but its outcome is a failure, e.g. a hunk did not apply. */
  failure: exitCodeTable.edit_failed.exitCode,
  /** The command line is wrong; the one line on stderr says what to fix. */
  usage: exitCodeTable.invalid_input.exitCode,
  /** Goosuke's configuration is missing or wrong; the one line on stderr says what to set. */
  configuration: exitCodeTable.configuration.exitCode,
  /** Anything unexpected: a bug. */
  internal: exitCodeTable.internal.exitCode,
} as const;

/** The exit codes of a command that lists what the database holds (`models list`, `actions list`). */
export const listingExitCodes: ReadonlyArray<readonly [number, string]> = [
  [exitCodes.success, 'Listed (possibly none).'],
  [exitCodes.usage, 'Usage error (unknown flag, an argument given).'],
  [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
  [exitCodeTable.storage.exitCode, 'Reading the database failed.'],
];

/**
 * The exit code for an error that reached the top of `main`: {@link exitCodes.configuration} for a
 * ConfigurationError, the table's entry for any other GoosukeError's code, {@link exitCodes.internal}
 * for anything else.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigurationError) return exitCodes.configuration;
  if (GoosukeError.isInstance(error)) return exitCodeTable[error.code]?.exitCode ?? exitCodes.internal;
  return exitCodes.internal;
}

/** One line per distinct exit code, smallest first, for help text: `[code, meaning]`. */
export function describeExitCodes(): Array<[number, string]> {
  const meanings = new Map<number, string>([[exitCodes.success, 'success']]);
  for (const { exitCode, meaning } of Object.values(exitCodeTable)) {
    if (!meanings.has(exitCode)) meanings.set(exitCode, meaning);
  }
  return [...meanings].sort(([left], [right]) => left - right);
}
