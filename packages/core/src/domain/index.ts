export {
  type Action,
  type ActionTrigger,
  type ActionTriggerKey,
  actionSchema,
  actionTriggerKeySchema,
  actionTriggerSchema,
} from './action.ts';
export {
  type AgentDefinition,
  type AgentInstallation,
  type AgentRunInput,
  type AgentView,
  type AgentWire,
  agentDefinitionSchema,
  agentInstallationSchema,
  agentNameSchema,
  agentRunInputSchema,
  agentViewSchema,
  agentWireSchema,
  type BuiltInAgent,
  type BuiltInAgentName,
  builtInAgentNameSchema,
  builtInAgentOf,
  builtInAgents,
  firstProfileOfWire,
  providersOfWire,
} from './agent.ts';
export {
  type AccessToken,
  type AuthenticationMethod,
  accessTokenSchema,
  authenticationMethodSchema,
  type Principal,
  principalSchema,
  type RefreshToken,
  refreshTokenSchema,
} from './auth-token.ts';
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
} from './common.ts';
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
  maxExtensionsPerRun,
  type RunExtension,
  runExtensionSchema,
} from './extension.ts';
export { type ExtensionDeletion, extensionDeletionSchema } from './extension-deletion.ts';
export { type FileChange, fileChangeSchema } from './file-change.ts';
export { type HostedRepository, hostedRepositorySchema } from './hosted-repository.ts';
export {
  type IdempotencyRecord,
  type IdempotentOperation,
  idempotencyRecordSchema,
  idempotentOperationSchema,
} from './idempotency.ts';
export { defaultMaxJsonDepth, exceedsJsonDepth } from './json-depth.ts';
export {
  capabilitiesOf,
  type ModelCapabilities,
  type ModelCapabilityOverrides,
  modelCapabilitiesSchema,
  modelCapabilityOverridesSchema,
  resolveModelCapabilities,
} from './model-capabilities.ts';
export {
  type ModelProfile,
  type ModelProvider,
  modelProfileSchema,
  modelProviderSchema,
} from './model-profile.ts';
export {
  type PullRequest,
  type PullRequestState,
  pullRequestSchema,
  pullRequestStateSchema,
  transitionPullRequest,
} from './pull-request.ts';
export { type Repo, repoSchema } from './repo.ts';
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
} from './run.ts';
export {
  maximumSettingDescriptionLength,
  type Setting,
  type SettingView,
  settingDescriptionSchema,
  settingKeySchema,
  settingSchema,
  settingViewOf,
  settingViewSchema,
} from './setting.ts';
export {
  type Message,
  type MessageRole,
  messageRoleSchema,
  messageSchema,
  type Task,
  type TaskStatus,
  taskSchema,
  taskStatusOf,
  taskStatusSchema,
} from './task.ts';
export {
  type Template,
  type TemplateParameter,
  templateOutputKindSchema,
  templateParameterSchema,
  templateSchema,
} from './template.ts';
export { type User, type UserRole, userRoleSchema, userSchema } from './user.ts';
