export {
  type ActionConfigs,
  actionConfigSchemas,
  type DiscordCommandTriggerConfig,
  type DiscordReactionTriggerConfig,
  defaultSummaryEmojis,
  discordCommandTriggerConfigSchema,
  discordIdSchema,
  discordReactionTriggerConfigSchema,
  manualTriggerConfigSchema,
  parseActionConfig,
  type ScheduleTriggerConfig,
  scheduleTriggerConfigSchema,
  type WebhookTriggerConfig,
  webhookTriggerConfigSchema,
} from './action-config.ts';
export {
  type BuiltInTemplateDefinition,
  readSummaryRequest,
  type SummaryRequest,
  summarizeConversationTemplate,
  summarizeConversationTemplateName,
} from './built-in-templates.ts';
export { type CronSchedule, lastCronTimeBetween, nextCronTime, parseCron } from './cron.ts';
export { type DiscordEmoji, emojiKey, emojiMatches } from './discord-emoji.ts';
export {
  type DiscordGuildConfig,
  type DiscordGuildConfigInput,
  defaultDiscordDailyRunCap,
  defaultDiscordGuildConfig,
  discordGuildConfigInputSchema,
  discordGuildConfigSchema,
} from './discord-guild-config.ts';
export {
  type DiscordIgnored,
  type DiscordRefusal,
  type DiscordRefusalReason,
  type DiscordRoute,
  type DiscordRouted,
  type DiscordStarted,
  type DiscordTriggerOutcome,
  dailyCapText,
  discordRefusal,
  policyRefusalText,
} from './discord-outcome.ts';
export {
  channelsAdmit,
  type DiscordActionLimits,
  type DiscordMember,
  type DiscordPlace,
  type DiscordPolicyInput,
  type DiscordPolicyReason,
  type DiscordPolicyVerdict,
  discordActionLimits,
  discordMemberSchema,
  discordPlaceSchema,
  evaluateDiscordPolicy,
  limitsAdmitPlace,
  noDiscordActionLimits,
} from './discord-policy.ts';
export {
  type DiscordConversationWindow,
  type DiscordTemplateInput,
  fillDiscordParameters,
  pickReactionAction,
  pickSummaryAction,
  type ReactionRoute,
  reactionWindow,
  summarizeWindow,
  templateTakes,
} from './discord-routing.ts';
export { mapParameters, parameterMappingSchema, parseJsonPath, readJsonPath } from './parameter-mapping.ts';
export {
  checkTemplate,
  dataBlockNotice,
  maximumStringParameterLength,
  maximumTextParameterLength,
  type RenderableTemplate,
  type RenderedTemplate,
  type RenderTemplateOptions,
  renderTemplate,
  type TemplateValue,
} from './render-template.ts';
export {
  constantTimeEqual,
  createReplayGuard,
  defaultWebhookToleranceSeconds,
  type ReplayGuard,
  type ReplayGuardOptions,
  signWebhook,
  type VerifiedWebhook,
  verifyGitHubSignature,
  verifyWebhookSignature,
  type WebhookHeaderLookup,
  type WebhookSignatureHeaders,
} from './webhook-signature.ts';
