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
