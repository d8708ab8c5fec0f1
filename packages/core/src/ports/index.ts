export type { Agent, AgentInput, AgentOutcome } from './agent.ts';
export type { AgentExtension, AgentHost, AgentRunRequest, AgentSpec } from './agent-host.ts';
export {
  type BuiltinExtensionGrant,
  type BuiltinExtensionName,
  type BuiltinExtensions,
  builtinExtensionNames,
} from './builtin-extensions.ts';
export { type Clock, isoNow, systemClock } from './clock.ts';
export type {
  CodeHost,
  CodeHostResolver,
  HostedPullRequest,
  PullRequestTemplate,
} from './code-host.ts';
export type { EventSink } from './event-sink.ts';
export type {
  ExtensionConnection,
  ExtensionConnector,
  ExtensionConnectRequest,
  ExtensionTool,
  ExtensionToolResult,
} from './extension-connector.ts';
export type { GitAuth, GitAuthor, GitBackend, RepoCheckout } from './git-backend.ts';
export { type IdGenerator, randomIdGenerator } from './id-generator.ts';
export type { Job, JobContext, JobHandler, JobQueue, JobQueueStats, JobStatus, NewJob } from './job-queue.ts';
export type {
  ChatMessage,
  FinishReason,
  GenerateOptions,
  Generation,
  GenerationDelta,
  LanguageModel,
  LanguageModelProvider,
  TokenUsage,
  ToolCall,
  ToolSpec,
} from './language-model.ts';
export { type LogFields, type Logger, type LogLevel, noopLogger } from './logger.ts';
export type {
  GatewayCall,
  GatewayLease,
  GatewayLeaseOptions,
  GatewayLimits,
  GatewayTotals,
  ModelGateway,
} from './model-gateway.ts';
export type { PasswordHasher } from './password-hasher.ts';
export type { SecretBox } from './secret-box.ts';
export type {
  AccessTokenRepository,
  ActionRepository,
  AgentDefinitionRepository,
  EntityRepository,
  ExtensionRepository,
  IdempotencyKeyRepository,
  IdempotencyLookup,
  ListOptions,
  MessageRepository,
  ModelProfileRepository,
  NewRunEvent,
  Page,
  PullRequestRepository,
  RefreshTokenRepository,
  RepoRepository,
  RunEventRepository,
  RunRepository,
  SettingRepository,
  Store,
  TaskListFilter,
  TaskRepository,
  TemplateRepository,
  TriggerKeyRepository,
  UserRepository,
} from './store.ts';
export { collectPages } from './store.ts';
export type { CommitFiles, FileSize, Workspace } from './workspace.ts';
