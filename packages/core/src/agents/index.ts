/**
 * Goosuke's own agents on a LanguageModel. The edit agent shows a model the relevant files of
 * a working copy, asks for edits in the model's preferred format and applies them all or
 * nothing, retrying with precise failure reports.
 */
export { createEditAgent, type EditAgentOptions, editAgentDefaults } from './edit-agent.ts';
export {
  buildFileTree,
  type ContextCache,
  type ContextCandidate,
  type ContextReport,
  createContextCache,
  estimateTokens,
  type GatherContextOptions,
  type GatheredContext,
  gatherContext,
  type IncludedFile,
  type SelectContextOptions,
  type SkippedFiles,
  selectContext,
  type WeightedText,
} from './gather-context.ts';
export {
  type ConversationMessage,
  type ConversationSummary,
  formatConversation,
  minimumChunkTokens,
  type SummarizeConversationInput,
  type SummaryLanguage,
  summarizeConversation,
  summaryHeadings,
} from './summarize-conversation.ts';
export {
  runTextAgent,
  type TextAgentEvent,
  type TextAgentInput,
  type TextAgentOutcome,
} from './text-agent.ts';
