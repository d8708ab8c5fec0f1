/**
 * The facade's services' public names (their inputs as types and zod schemas, and their
 * outputs), listed for the package's index.
 */
export {
  type AccessTokenService,
  type CreateAccessTokenInput,
  type CreatedAccessToken,
  createAccessTokenInputSchema,
  createdAccessTokenSchema,
} from './access-token-service.ts';
export type { ActionCallbackBody, CallbackStatus } from './action-callbacks.ts';
export type { ActionScheduler, ActionSchedulerOptions } from './action-scheduler.ts';
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
} from './action-service.ts';
export { type AgentService, type CreateAgentInput, createAgentInputSchema } from './agent-service.ts';
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
} from './auth-service.ts';
export type { DailyRunAllowance, DiscordGuildService, DiscordService } from './discord-service.ts';
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
} from './discord-trigger-service.ts';
export {
  type ExportToGooseInput,
  type ExtensionGooseSync,
  exportToGooseInputSchema,
  type ImportFromGooseInput,
  importFromGooseInputSchema,
} from './extension-goose-sync.ts';
export {
  type CreateExtensionInput,
  createExtensionInputSchema,
  type ExtensionService,
  type RevealedExtension,
  type UpdateExtensionInput,
  updateExtensionInputSchema,
} from './extension-service.ts';
export {
  type GitHubConfigInput,
  type GitHubConfigView,
  type GitHubService,
  gitHubConfigInputSchema,
  gitHubConfigViewSchema,
  gitHubSettingKeys,
  secretGitHubSettingKeys,
} from './github-service.ts';
export {
  type GooseExportReport,
  type GooseImportedExtension,
  type GooseImportReport,
  type GooseImportSkip,
  type GooseImportSkipReason,
  type GooseSkippedField,
  gooseExportReportSchema,
  gooseImportedExtensionSchema,
  gooseImportReportSchema,
  gooseImportSkipReasonSchema,
  gooseImportSkipSchema,
  gooseKeyOf,
  gooseSkippedFieldSchema,
} from './goose-config.ts';
export type { GooseConfigEdit, GooseExportPlan } from './goose-config-export.ts';
export { type IdempotencyOptions, idempotencyKeyLifetimeMs, idempotencyKeySchema } from './idempotency.ts';
export {
  type CreateModelProfileInput,
  createModelProfileInputSchema,
  type ModelProfileService,
  type ModelProfileServiceOptions,
  type UpdateModelProfileInput,
  updateModelProfileInputSchema,
} from './model-profile-service.ts';
export {
  type ModelProfileTestResult,
  modelProfileTestPrompt,
  modelProfileTestResultSchema,
} from './model-profile-test.ts';
export { parseInput } from './parse-input.ts';
export {
  type CreatePullRequestInput,
  createPullRequestInputSchema,
  type PullRequestService,
  type UpdatePullRequestInput,
  updatePullRequestInputSchema,
} from './pull-request-service.ts';
export {
  type CreateRepoInput,
  createRepoInputSchema,
  type RepoService,
  type UpdateRepoInput,
  updateRepoInputSchema,
} from './repo-service.ts';
export { type AgentRunInput, agentRunInputSchema } from './run-agents.ts';
export {
  type RunComparison,
  type RunComparisonEntry,
  runComparisonEntrySchema,
  runComparisonSchema,
} from './run-comparison.ts';
export { defaultRunLimits, type RunLimits, resolveRunLimits, runLimitsSchema } from './run-limits.ts';
export type { RunPipeline } from './run-pipeline.ts';
export {
  type RunPipelineBase,
  type RunPipelineEvent,
  type RunPipelineInput,
  type RunPipelineOptions,
  type RunPipelineOutcome,
  type RunPipelinePick,
  type RunPipelineResult,
  runPipelineInputSchema,
} from './run-pipeline-input.ts';
export {
  type CreateRunsInput,
  createRunsInputSchema,
  type RunService,
  type TaskUsage,
} from './run-service.ts';
export { type SetSettingInput, type SettingService, setSettingInputSchema } from './setting-service.ts';
export { type SystemHealth, type SystemService, systemHealthSchema } from './system-service.ts';
export {
  type AddMessageInput,
  addMessageInputSchema,
  type CreateTaskInput,
  createTaskInputSchema,
  type TaskDetail,
  type TaskService,
  type TaskWithMessages,
} from './task-service.ts';
export {
  type CreateTemplateInput,
  createTemplateInputSchema,
  type TemplateService,
  templateParameterInputSchema,
  type UpdateTemplateInput,
  updateTemplateInputSchema,
} from './template-service.ts';
export {
  type ChangePasswordInput,
  type CreateUserInput,
  changePasswordInputSchema,
  createUserInputSchema,
  type ResetPasswordInput,
  resetPasswordInputSchema,
  type UserCountFilter,
  type UserService,
} from './user-service.ts';
export {
  type RunsWaitOutcome,
  type WaitForRunsOrCancelOptions,
  waitForRunsOrCancel,
} from './wait-for-runs-or-cancel.ts';
