/**
 * @goosuke/core/testing: in-memory reference ports, a deterministic clock and ids, entity
 * builders and the conformance suites every Store, JobQueue, GitBackend, CodeHost, Workspace
 * and LanguageModel implementation runs.
 * This is the one core entry point that may import `vitest` and `node:` modules.
 */
export { type ActorPolicyCase, actorPolicyCases, type PolicyOutcome } from './actor-policy-cases.ts';
export {
  createPolicyTargets,
  createPolicyUsers,
  type PolicyRole,
  type PolicyTargets,
  type PolicyUsers,
  sessionOf,
} from './actor-policy-fixture.ts';
export {
  type CodeHostConformanceFactory,
  type CodeHostConformanceSubject,
  describeCodeHostConformance,
} from './code-host-conformance.ts';
export {
  buildAccessToken,
  buildAction,
  buildAgentDefinition,
  buildExtension,
  buildId,
  buildMessage,
  buildModelProfile,
  buildPullRequest,
  buildRefreshToken,
  buildRepo,
  buildRun,
  buildRunEvent,
  buildSetting,
  buildTask,
  buildTemplate,
  buildUser,
} from './entity-builders.ts';
export {
  createFakePasswordHasher,
  type FakePasswordHasher,
} from './fake-password-hasher.ts';
export { createFixedClock, defaultFixedClockStart, type FixedClock } from './fixed-clock.ts';
export {
  describeGitBackendConformance,
  type GitBackendConformanceFactory,
} from './git-backend-conformance.ts';
export {
  gitFixtureEnvironment,
  makeGitRepository,
  type RunGitOptions,
  runGit,
} from './git-fixtures.ts';
export { type GitHttpServer, type GitHttpServerOptions, startGitHttpServer } from './git-http-server.ts';
export { describeJobQueueConformance, type JobQueueConformanceFactory } from './job-queue-conformance.ts';
export {
  describeLanguageModelConformance,
  type LanguageModelConformanceAnswer,
  type LanguageModelConformanceFactory,
  type LanguageModelConformanceHttpError,
  type LanguageModelConformanceModelOptions,
  type LanguageModelConformanceReply,
  type LanguageModelConformanceRequest,
  type LanguageModelConformanceSubject,
  type LanguageModelConformanceToolCall,
} from './language-model-conformance.ts';
export {
  createMemoryCodeHost,
  type MemoryCodeHost,
  type MemoryCodeHostOptions,
  type MemoryCodeHostRepository,
} from './memory-code-host.ts';
export {
  createMemoryJobQueue,
  createMemoryJobQueueBacking,
  type MemoryJobQueue,
  type MemoryJobQueueBacking,
  type MemoryJobQueueOptions,
} from './memory-job-queue.ts';
export { createMemoryStore } from './memory-store.ts';
export {
  createMemoryWorkspace,
  type MemoryWorkspace,
  type MemoryWorkspaceOptions,
} from './memory-workspace.ts';
export {
  createScriptedLanguageModel,
  type ScriptedLanguageModel,
  type ScriptedLanguageModelOptions,
  type ScriptedReply,
} from './scripted-language-model.ts';
export { createSeededRandom } from './seeded-random.ts';
export { createSequentialIdGenerator } from './sequential-id-generator.ts';
export { describeStoreConformance, type StoreConformanceFactory } from './store-conformance.ts';
export { unusedGitBackend } from './unused-git-backend.ts';
export { sleep, type WaitUntilOptions, waitUntil } from './wait-until.ts';
export {
  describeWorkspaceConformance,
  type WorkspaceConformanceFactory,
  type WorkspaceConformanceLinks,
  type WorkspaceConformanceSubject,
} from './workspace-conformance.ts';
