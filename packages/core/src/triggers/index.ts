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
