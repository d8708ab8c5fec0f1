/**
 * Executing runs: the event hub, the executor behind the job queue, per-provider limits, and
 * the runtime ports a composition root provides.
 */
export { codeHostGitAuth, withFreshCredentialsOnce } from './git-credentials.ts';
export { createKeyedLimiter, type KeyedLimiter } from './keyed-limiter.ts';
export { lineTotals, summarizePatch } from './patch-stats.ts';
export {
  createRunEventHub,
  type RunEventHub,
  type RunEventInput,
  type RunEventListener,
} from './run-events.ts';
export {
  type AgentFactory,
  type LanguageModelResolver,
  type RunLayout,
  type RunRuntime,
  type RunSettings,
  type RunWorkerOptions,
  type RunWorkers,
  type RunWorkersStopOptions,
  type RunWorkersStopped,
  runBranchName,
  runIdOfBranch,
} from './run-runtime.ts';
