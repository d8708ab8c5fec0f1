/**
 * Executing runs: the worker runtime (a job router keyed by job type, the recovery sweep, the
 * graceful stop), the event hub, the executor behind the job queue, per-provider limits, and the
 * runtime ports a composition root provides.
 */
export { codeHostGitAuth, withFreshCredentialsOnce } from './git-credentials.ts';
export { createKeyedLimiter, type KeyedLimiter } from './keyed-limiter.ts';
export { lineTotals, summarizePatch } from './patch-stats.ts';
export { createRunEndedEvent, type RunEndedEvent, type RunEndedListener } from './run-ended.ts';
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
export {
  createWorkerRuntime,
  type JobTypeRegistration,
  type WorkerRuntime,
  type WorkerRuntimeState,
  type WorkerStartOptions,
  type WorkerStopOptions,
  type WorkerStopped,
} from './worker-runtime.ts';
