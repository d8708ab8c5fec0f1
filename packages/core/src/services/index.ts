export {
  type AccessTokenService,
  type CreateAccessTokenInput,
  type CreatedAccessToken,
  createAccessTokenInputSchema,
  createAccessTokenService,
  createdAccessTokenSchema,
  defaultAccessTokenExpiryDays,
  maximumAccessTokenExpiryDays,
} from './access-token-service.ts';
export {
  type ActionCallbackBody,
  type ActionCallbacks,
  actionCallbackJobType,
  actionPullRequestJobType,
  type CallbackStatus,
  callbackRetryDelaysMs,
  createActionCallbacks,
  webhookSecretContext,
} from './action-callbacks.ts';
export {
  type ActionScheduler,
  type ActionSchedulerOptions,
  startActionScheduler,
} from './action-scheduler.ts';
export {
  type ActionService,
  type ActionServiceContext,
  type CreateActionInput,
  type CreatedAction,
  createActionInputSchema,
  createActionService,
  type TriggerActionInput,
  type TriggeredTask,
  triggerActionInputSchema,
  type UpdateActionInput,
  updateActionInputSchema,
  type WebhookDelivery,
  type WebhookOutcome,
} from './action-service.ts';
export {
  type AuthService,
  type AuthServiceContext,
  type AuthSettings,
  type AuthTokens,
  authTokensSchema,
  createAuthService,
  defaultAccessTokenTtlSeconds,
  defaultRefreshTokenTtlSeconds,
  type LoginInput,
  loginInputSchema,
  type StreamTicket,
  streamTicketSchema,
  streamTicketTtlSeconds,
} from './auth-service.ts';
export {
  createDiscordGuildService,
  createDiscordService,
  type DailyRunAllowance,
  type DiscordGuildService,
  type DiscordService,
  type DiscordServiceContext,
} from './discord-service.ts';
export {
  createDiscordTriggerService,
  type DiscordConfigureInput,
  type DiscordConfigureOutcome,
  type DiscordMemberInput,
  type DiscordRequest,
  type DiscordRouteInput,
  type DiscordTriggerInput,
  type DiscordTriggerService,
  type DiscordTriggerServiceContext,
  defaultDiscordSummaryActionName,
  discordConfigureInputSchema,
  discordRequestSchema,
  discordRouteInputSchema,
  discordTriggerInputSchema,
  maximumDiscordSummarizeLast,
} from './discord-trigger-service.ts';
export {
  createGitHubService,
  type GitHubConfigInput,
  type GitHubConfigView,
  type GitHubService,
  gitHubConfigInputSchema,
  gitHubConfigViewSchema,
  gitHubSettingKeys,
  secretGitHubSettingKeys,
} from './github-service.ts';
export {
  type CreateModelProfileInput,
  createModelProfileInputSchema,
  createModelProfileService,
  type ModelProfileService,
  type UpdateModelProfileInput,
  updateModelProfileInputSchema,
} from './model-profile-service.ts';
export { parseInput } from './parse-input.ts';
export {
  type CreatePullRequestInput,
  createPullRequestInputSchema,
  createPullRequestService,
  findOpenPullRequest,
  type PullRequestService,
  type PullRequestServiceContext,
  type UpdatePullRequestInput,
  updatePullRequestInputSchema,
} from './pull-request-service.ts';
export { createReadCache, deepFreeze, type ReadCache } from './read-cache.ts';
export {
  type CreateRepoInput,
  createRepoInputSchema,
  createRepoService,
  gitUrlSchema,
  type RepoService,
  repoNameFromUrl,
  type UpdateRepoInput,
  updateRepoInputSchema,
} from './repo-service.ts';
export {
  type RunComparison,
  type RunComparisonEntry,
  runComparisonEntrySchema,
  runComparisonSchema,
} from './run-comparison.ts';
export { createRunPipeline, type RunPipeline, type RunPipelineContext } from './run-pipeline.ts';
export {
  type RunPipelineBase,
  type RunPipelineEvent,
  type RunPipelineInput,
  type RunPipelineOptions,
  type RunPipelinePick,
  type RunPipelineResult,
  runPipelineInputSchema,
} from './run-pipeline-input.ts';
export {
  type CreateRunsInput,
  createRunService,
  createRunsInputSchema,
  type RunService,
  type RunServiceContext,
  runJobType,
  type TaskUsage,
} from './run-service.ts';
export type { ServiceContext } from './service-context.ts';
export {
  createSettingService,
  maximumSettingValueBytes,
  type SetSettingInput,
  type SettingService,
  setSettingInputSchema,
} from './setting-service.ts';
export {
  createSystemService,
  type SystemHealth,
  type SystemService,
  type SystemServiceContext,
  systemHealthSchema,
} from './system-service.ts';
export {
  type AddMessageInput,
  addMessageInputSchema,
  type CreateTaskInput,
  createTaskInputSchema,
  createTaskService,
  type TaskDetail,
  type TaskService,
  type TaskWithMessages,
  taskDetailLimit,
  taskTitleFrom,
} from './task-service.ts';
export {
  builtInTemplateNames,
  type CreateTemplateInput,
  createTemplateInputSchema,
  createTemplateService,
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
  createUserService,
  maximumPasswordLength,
  passwordSchema,
  type ResetPasswordInput,
  resetPasswordInputSchema,
  type UserCountFilter,
  type UserService,
  type UserServiceContext,
  usernameInputSchema,
} from './user-service.ts';
export {
  type RunsWaitOutcome,
  type WaitForRunsOrCancelOptions,
  waitForRunsOrCancel,
} from './wait-for-runs-or-cancel.ts';
