/**
 * @goosuke/core/implementing: helpers for packages that implement a port (a LanguageModel
 * provider, a Store, a GitBackend or Workspace, a CodeHost), so that every implementation
 * follows the same rules: retries and Retry-After, secrets kept out of errors, model
 * capabilities, the workspace path rule, the project's line diff, the system clock.
 * An SDK program does not need them; the port interfaces themselves are in `@goosuke/core`.
 * Pure, like the main entry.
 */

export { resolveModelCapabilities } from './domain/model-capabilities.ts';
export { type DiffLine, diffLines } from './edits/line-diff.ts';
export { normalizeWorkspacePath } from './edits/workspace-path.ts';
export { redactSecrets } from './errors/redact-secrets.ts';
export { jsonRequestBody } from './models/json-request-body.ts';
export { type ProviderRetryOptions, parseRetryAfter, withProviderRetry } from './models/provider-retry.ts';
export { systemClock } from './ports/clock.ts';
export { type SdkLogger, sdkLoggerFor, withConsoleWarningsLogged } from './ports/logger.ts';
export { unlessAborted } from './runs/unless-aborted.ts';
