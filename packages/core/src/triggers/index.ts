/**
 * The triggers' public names (action configurations, templates, Discord, webhook signatures),
 * listed for the package's index.
 */
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
} from './action-config.ts';
export { type DiscordEmoji, emojiKey, emojiMatches } from './discord-emoji.ts';
export {
  type DiscordGuildConfig,
  type DiscordGuildConfigInput,
  type DiscordGuildEntry,
  discordGuildConfigInputSchema,
  discordGuildConfigSchema,
  discordGuildEntrySchema,
} from './discord-guild-config.ts';
export type {
  DiscordIgnored,
  DiscordRefusal,
  DiscordRefusalReason,
  DiscordRoute,
  DiscordRouted,
  DiscordStarted,
  DiscordTriggerOutcome,
} from './discord-outcome.ts';
export {
  type DiscordMember,
  type DiscordPlace,
  type DiscordPolicyReason,
  discordMemberSchema,
  discordPlaceSchema,
} from './discord-policy.ts';
export type { DiscordConversationWindow } from './discord-routing.ts';
export {
  type RenderableTemplate,
  type RenderedTemplate,
  type RenderTemplateOptions,
  renderTemplate,
  type TemplateValue,
} from './render-template.ts';
export {
  signWebhook,
  type VerifiedWebhook,
  verifyWebhookSignature,
  type WebhookHeaderLookup,
  type WebhookSignatureHeaders,
} from './webhook-signature.ts';
