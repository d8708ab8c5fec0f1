/**
 * @goosuke/core: Goosuke's domain schemas, ports, services and edit engine.
 * Pure: zod is the only runtime dependency and nothing here touches `node:` I/O.
 *
 * This entry is what an SDK program and an adapter use: `createGoosuke` and the facade's types,
 * the domain, the ports (their values are passed to `createGoosuke`), the errors, the access
 * policy and the edit engine. Helpers for implementing a port are in `@goosuke/core/implementing`,
 * reference ports and conformance suites in `@goosuke/core/testing`. Every name is listed on
 * purpose; `api/index.api.md` is the reviewed report of this surface.
 */

// The actor-scoped facade: goosuke.as(actor)
export type { Actor } from './actor/actor.ts';
export type { ActorAccount, ActorTokens, ActorUsers } from './actor/actor-account.ts';
export {
  type ActorActions,
  type ActorAgents,
  type ActorDiscord,
  type ActorExtensions,
  type ActorGitHub,
  type ActorModels,
  type ActorRepos,
  type ActorSettings,
  type ActorTemplates,
  type ActorTriggerActionInput,
  actorTriggerActionInputSchema,
} from './actor/actor-admin.ts';
export type { ActorGoosuke } from './actor/actor-goosuke.ts';
export {
  type ActorAddMessageInput,
  type ActorCreateRunsInput,
  type ActorCreateTaskInput,
  type ActorIdempotency,
  type ActorPullRequests,
  type ActorRuns,
  type ActorTasks,
  actorAddMessageInputSchema,
  actorCreateRunsInputSchema,
  actorCreateTaskInputSchema,
} from './actor/actor-tasks.ts';

// How a conversation (a Discord thread) reads to the summarizing agent
export type { ConversationMessage } from './agents/summarize-conversation.ts';

// The access policy: who may do what through goosuke.as(actor)
export {
  type AccessRule,
  type ActorOperation,
  actorOperations,
  authorizeRole,
  recentSignInMs,
} from './auth/access-policy.ts';
// Sign-in protection: bounded password hashing and the per-account limit of failed sign-ins
export {
  createBoundedPasswordHasher,
  defaultMaxConcurrentPasswordHashes,
  defaultMaxQueuedPasswordHashes,
  type PasswordHashingLimits,
} from './auth/bounded-password-hasher.ts';
export {
  type AccountLoginLimit,
  defaultAccountLoginLimit,
  defaultAccountLoginWindowMs,
} from './auth/login-throttle.ts';

// createGoosuke(deps): the trusted system view
export { createGoosuke, type Goosuke, type GoosukeDependencies } from './create-goosuke.ts';

// The domain: zod schemas, their types, pure rules
export {
  type Action,
  type ActionTrigger,
  type ActionTriggerKey,
  actionSchema,
  actionTriggerKeySchema,
  actionTriggerSchema,
} from './domain/action.ts';
export {
  type AgentDefinition,
  type AgentInstallation,
  type AgentView,
  type AgentWire,
  agentDefinitionSchema,
  agentInstallationSchema,
  agentNameSchema,
  agentViewSchema,
  agentWireSchema,
  type BuiltInAgent,
  type BuiltInAgentName,
  builtInAgentNameSchema,
  builtInAgentOf,
  builtInAgents,
  firstProfileOfWire,
  providersOfWire,
} from './domain/agent.ts';
export {
  type AccessToken,
  type AuthenticationMethod,
  accessTokenSchema,
  authenticationMethodSchema,
  type Principal,
  principalSchema,
  type RefreshToken,
  refreshTokenSchema,
} from './domain/auth-token.ts';
export {
  commitIdSchema,
  gitRefSchema,
  idSchema,
  type JsonObject,
  type JsonValue,
  jsonObjectSchema,
  jsonValueSchema,
  relativePathSchema,
  timestampSchema,
} from './domain/common.ts';
export {
  type Extension,
  type ExtensionEnvVar,
  type ExtensionHeader,
  type ExtensionServerInfo,
  type ExtensionType,
  extensionEnvVarSchema,
  extensionHeaderSchema,
  extensionSchema,
  extensionServerInfoSchema,
  extensionTypeSchema,
} from './domain/extension.ts';
export { type FileChange, fileChangeSchema } from './domain/file-change.ts';
export { type HostedRepository, hostedRepositorySchema } from './domain/hosted-repository.ts';
export {
  type IdempotencyRecord,
  type IdempotentOperation,
  idempotencyRecordSchema,
  idempotentOperationSchema,
} from './domain/idempotency.ts';
export { defaultMaxJsonDepth, exceedsJsonDepth } from './domain/json-depth.ts';
export {
  type ModelCapabilities,
  type ModelCapabilityOverrides,
  modelCapabilitiesSchema,
  modelCapabilityOverridesSchema,
} from './domain/model-capabilities.ts';
export {
  type ModelProfile,
  type ModelProvider,
  modelProfileSchema,
  modelProviderSchema,
} from './domain/model-profile.ts';
export {
  type PullRequest,
  type PullRequestState,
  pullRequestSchema,
  pullRequestStateSchema,
  transitionPullRequest,
} from './domain/pull-request.ts';
export { type Repo, repoSchema } from './domain/repo.ts';
export {
  canTransitionRun,
  type Executor,
  executorLabel,
  executorSchema,
  type FileChangeSummary,
  fileChangeSummarySchema,
  isTerminalRunEventType,
  isTerminalRunStatus,
  type Run,
  type RunAgentSession,
  type RunBaseSource,
  type RunError,
  type RunEvent,
  type RunEventDataByType,
  type RunEventType,
  type RunStatus,
  type RunTokensData,
  type RunTransition,
  runAgentSessionSchema,
  runBaseSourceSchema,
  runErrorSchema,
  runEventSchema,
  runEventTypeSchema,
  runSchema,
  runStatusSchema,
  transitionRun,
  type Usage,
  usageSchema,
} from './domain/run.ts';
export {
  type Setting,
  type SettingView,
  settingDescriptionSchema,
  settingKeySchema,
  settingSchema,
  settingViewSchema,
} from './domain/setting.ts';
export {
  type Message,
  type MessageRole,
  messageRoleSchema,
  messageSchema,
  type Task,
  taskSchema,
} from './domain/task.ts';
export {
  type Template,
  type TemplateParameter,
  templateOutputKindSchema,
  templateParameterSchema,
  templateSchema,
} from './domain/template.ts';
export { type User, type UserRole, userRoleSchema, userSchema } from './domain/user.ts';

// The edit engine
export { applyEdits } from './edits/apply-edits.ts';
export { formatApplyFailure } from './edits/format-failure.ts';
export { parseEdits } from './edits/parse-edits.ts';
export { defaultForbiddenPaths } from './edits/paths.ts';
export type {
  AppliedFile,
  AppliedHunk,
  ApplyEditsOptions,
  ApplyEditsResult,
  ClosestRegion,
  EditFormat,
  EditHunk,
  FileEdit,
  HunkFailure,
  HunkFailureReason,
  MatchTier,
  ParsedEdits,
  ParseProblem,
} from './edits/types.ts';

// Errors
export {
  CodeHostUnavailableError,
  type CodeHostUnavailableReason,
} from './errors/code-host-unavailable-error.ts';
export {
  GoosukeError,
  type GoosukeErrorCode,
  type GoosukeErrorOptions,
  goosukeErrorCodes,
} from './errors/goosuke-error.ts';
export {
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  type InputIssue,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderError,
  type ProviderErrorOptions,
  RateLimitedError,
  UnauthorizedError,
  type UnauthorizedReason,
  UnsupportedError,
} from './errors/subclasses.ts';

// Model prices (RunSettings.prices)
export {
  costOf,
  type ModelPrice,
  type ModelPriceEntry,
  type ModelPriceOverrides,
  modelPriceSchema,
  resolveModelPrice,
} from './models/model-prices.ts';

// Ports: the values createGoosuke is built from
export type { Agent, AgentInput, AgentOutcome } from './ports/agent.ts';
export type { AgentHost, AgentRunRequest, AgentSpec } from './ports/agent-host.ts';
export type { Clock } from './ports/clock.ts';
export type {
  CodeHost,
  CodeHostResolver,
  HostedPullRequest,
  PullRequestTemplate,
} from './ports/code-host.ts';
export type { EventSink } from './ports/event-sink.ts';
export type { GitAuth, GitAuthor, GitBackend, RepoCheckout } from './ports/git-backend.ts';
export type { IdGenerator } from './ports/id-generator.ts';
export type {
  Job,
  JobContext,
  JobHandler,
  JobQueue,
  JobQueueStats,
  JobStatus,
  NewJob,
} from './ports/job-queue.ts';
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
} from './ports/language-model.ts';
export { type LogFields, type Logger, type LogLevel, noopLogger } from './ports/logger.ts';
export type {
  GatewayCall,
  GatewayLease,
  GatewayLeaseOptions,
  GatewayLimits,
  GatewayTotals,
  ModelGateway,
} from './ports/model-gateway.ts';
export type { PasswordHasher } from './ports/password-hasher.ts';
export type { SecretBox } from './ports/secret-box.ts';
export {
  type AccessTokenRepository,
  type ActionRepository,
  type AgentDefinitionRepository,
  collectPages,
  type EntityRepository,
  type ExtensionRepository,
  type IdempotencyKeyRepository,
  type IdempotencyLookup,
  type ListOptions,
  type MessageRepository,
  type ModelProfileRepository,
  type NewRunEvent,
  type Page,
  type PullRequestRepository,
  type RefreshTokenRepository,
  type RepoRepository,
  type RunEventRepository,
  type RunRepository,
  type SettingRepository,
  type Store,
  type TaskRepository,
  type TemplateRepository,
  type TriggerKeyRepository,
  type UserRepository,
} from './ports/store.ts';
export type { CommitFiles, FileSize, Workspace } from './ports/workspace.ts';

// The pick among runs, and the block Goosuke owns in a pull request body
export { type PickCandidate, pickMatches, pickRun, type RunPick } from './pull-requests/pick-run.ts';
export { ownedBlockEnd, ownedBlockStart } from './pull-requests/pull-request-body.ts';
export { defaultModelEndpoint, publicModelEndpoint } from './runs/agent-session.ts';
// Running: what a composition root passes as runtime and runs, and the workers it starts
export type { RunEndedEvent, RunEndedListener } from './runs/run-ended.ts';
export type { RunEventListener } from './runs/run-events.ts';
export type {
  AgentFactory,
  LanguageModelResolver,
  ModelEndpoint,
  RunLayout,
  RunRuntime,
  RunSettings,
  RunWorkerOptions,
  RunWorkers,
  RunWorkersStopOptions,
  RunWorkersStopped,
} from './runs/run-runtime.ts';

// Secrets at rest
export {
  assertStrongSecret,
  createWebCryptoSecretBox,
  type WebCryptoSecretBoxOptions,
} from './secrets/web-crypto-secret-box.ts';

// The facade's services: their inputs (types and zod schemas) and outputs
export {
  type AccessTokenService,
  type CreateAccessTokenInput,
  type CreatedAccessToken,
  createAccessTokenInputSchema,
  createdAccessTokenSchema,
} from './services/access-token-service.ts';
export type { ActionCallbackBody, CallbackStatus } from './services/action-callbacks.ts';
export type { ActionScheduler, ActionSchedulerOptions } from './services/action-scheduler.ts';
export {
  type ActionService,
  type CreateActionInput,
  type CreatedAction,
  createActionInputSchema,
  type TriggerActionInput,
  type TriggeredTask,
  triggerActionInputSchema,
  type UpdateActionInput,
  updateActionInputSchema,
  type WebhookDelivery,
  type WebhookOutcome,
} from './services/action-service.ts';
export {
  type AgentService,
  type CreateAgentInput,
  createAgentInputSchema,
} from './services/agent-service.ts';
export {
  type AuthService,
  type AuthSettings,
  type AuthTokens,
  authTokensSchema,
  type LoginContext,
  type LoginInput,
  loginInputSchema,
  type StreamTicket,
  streamTicketSchema,
} from './services/auth-service.ts';
export type { DailyRunAllowance, DiscordGuildService, DiscordService } from './services/discord-service.ts';
export {
  type DiscordConfigureInput,
  type DiscordConfigureOutcome,
  type DiscordMemberInput,
  type DiscordRequest,
  type DiscordRouteInput,
  type DiscordTriggerInput,
  type DiscordTriggerService,
  discordConfigureInputSchema,
  discordRequestSchema,
  discordRouteInputSchema,
  discordTriggerInputSchema,
  maximumDiscordSummarizeLast,
} from './services/discord-trigger-service.ts';
export {
  type CreateExtensionInput,
  createExtensionInputSchema,
  type ExtensionService,
  type RevealedExtension,
  type UpdateExtensionInput,
  updateExtensionInputSchema,
} from './services/extension-service.ts';
export {
  type GitHubConfigInput,
  type GitHubConfigView,
  type GitHubService,
  gitHubConfigInputSchema,
  gitHubConfigViewSchema,
  gitHubSettingKeys,
  secretGitHubSettingKeys,
} from './services/github-service.ts';
export {
  type IdempotencyOptions,
  idempotencyKeyLifetimeMs,
  idempotencyKeySchema,
} from './services/idempotency.ts';
export {
  type CreateModelProfileInput,
  createModelProfileInputSchema,
  type ModelProfileService,
  type UpdateModelProfileInput,
  updateModelProfileInputSchema,
} from './services/model-profile-service.ts';
export { parseInput } from './services/parse-input.ts';
export {
  type CreatePullRequestInput,
  createPullRequestInputSchema,
  type PullRequestService,
  type UpdatePullRequestInput,
  updatePullRequestInputSchema,
} from './services/pull-request-service.ts';
export {
  type CreateRepoInput,
  createRepoInputSchema,
  type RepoService,
  type UpdateRepoInput,
  updateRepoInputSchema,
} from './services/repo-service.ts';
export {
  type AgentRunInput,
  agentRunInputSchema,
} from './services/run-agents.ts';
export {
  type RunComparison,
  type RunComparisonEntry,
  runComparisonEntrySchema,
  runComparisonSchema,
} from './services/run-comparison.ts';
export {
  defaultRunLimits,
  type RunLimits,
  resolveRunLimits,
  runLimitsSchema,
} from './services/run-limits.ts';
export type { RunPipeline } from './services/run-pipeline.ts';
export {
  type RunPipelineBase,
  type RunPipelineEvent,
  type RunPipelineInput,
  type RunPipelineOptions,
  type RunPipelineOutcome,
  type RunPipelinePick,
  type RunPipelineResult,
  runPipelineInputSchema,
} from './services/run-pipeline-input.ts';
export {
  type CreateRunsInput,
  createRunsInputSchema,
  type RunService,
  type TaskUsage,
} from './services/run-service.ts';
export {
  type SetSettingInput,
  type SettingService,
  setSettingInputSchema,
} from './services/setting-service.ts';
export { type SystemHealth, type SystemService, systemHealthSchema } from './services/system-service.ts';
export {
  type AddMessageInput,
  addMessageInputSchema,
  type CreateTaskInput,
  createTaskInputSchema,
  type TaskDetail,
  type TaskService,
  type TaskWithMessages,
} from './services/task-service.ts';
export {
  type CreateTemplateInput,
  createTemplateInputSchema,
  type TemplateService,
  templateParameterInputSchema,
  type UpdateTemplateInput,
  updateTemplateInputSchema,
} from './services/template-service.ts';
export {
  type ChangePasswordInput,
  type CreateUserInput,
  changePasswordInputSchema,
  createUserInputSchema,
  type ResetPasswordInput,
  resetPasswordInputSchema,
  type UserCountFilter,
  type UserService,
} from './services/user-service.ts';
export {
  type RunsWaitOutcome,
  type WaitForRunsOrCancelOptions,
  waitForRunsOrCancel,
} from './services/wait-for-runs-or-cancel.ts';

// Triggers: action configurations, templates, Discord, webhook signatures
export {
  type ActionConfigs,
  actionConfigSchemas,
  type DiscordCommandTriggerConfig,
  type DiscordReactionTriggerConfig,
  discordCommandTriggerConfigSchema,
  discordIdSchema,
  discordReactionTriggerConfigSchema,
  manualTriggerConfigSchema,
  type ScheduleTriggerConfig,
  scheduleTriggerConfigSchema,
  type WebhookTriggerConfig,
  webhookTriggerConfigSchema,
} from './triggers/action-config.ts';
export { type DiscordEmoji, emojiKey, emojiMatches } from './triggers/discord-emoji.ts';
export {
  type DiscordGuildConfig,
  type DiscordGuildConfigInput,
  discordGuildConfigInputSchema,
  discordGuildConfigSchema,
} from './triggers/discord-guild-config.ts';
export type {
  DiscordIgnored,
  DiscordRefusal,
  DiscordRefusalReason,
  DiscordRoute,
  DiscordRouted,
  DiscordStarted,
  DiscordTriggerOutcome,
} from './triggers/discord-outcome.ts';
export {
  type DiscordMember,
  type DiscordPlace,
  type DiscordPolicyReason,
  discordMemberSchema,
  discordPlaceSchema,
} from './triggers/discord-policy.ts';
export type { DiscordConversationWindow } from './triggers/discord-routing.ts';
export {
  type RenderableTemplate,
  type RenderedTemplate,
  type RenderTemplateOptions,
  renderTemplate,
  type TemplateValue,
} from './triggers/render-template.ts';
export {
  signWebhook,
  type VerifiedWebhook,
  verifyWebhookSignature,
  type WebhookHeaderLookup,
  type WebhookSignatureHeaders,
} from './triggers/webhook-signature.ts';
