/**
 * @goosuke/cli: the `goosuke` command line and Goosuke's default composition root.
 * Import `main` to run the command line in-process, or the pieces it is built from.
 */

// Moved to @goosuke/git-isomorphic; re-exported so existing imports keep working.
export { createDirectoryWorkspace, type DirectoryWorkspaceOptions } from '@goosuke/git-isomorphic';
export {
  createDefaultAgentRuntime,
  createModelEndpointResolver,
  type DefaultAgentRuntime,
  type DefaultAgentRuntimeOptions,
} from './agent-runtime.ts';
export type { CliIo, TextSink } from './cli-io.ts';
export {
  createDefaultGoosuke,
  type DefaultGoosuke,
  type DefaultGoosukeConfig,
  type DefaultGoosukeOptions,
  readDefaultGoosukeConfig,
} from './default-goosuke.ts';
export { exitCodes, exitCodeTable } from './exit-codes.ts';
export type { Environment } from './language-models.ts';
export { main } from './main.ts';
export {
  type CliLogLevel,
  createPinoLogger,
  type PinoLoggerOptions,
  pinoLoggerPort,
  redactedLogPaths,
} from './pino-logger.ts';
