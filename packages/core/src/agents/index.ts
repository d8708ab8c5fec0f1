/**
 * Goosuke's own agents on a LanguageModel. The edit agent shows a model the relevant files of
 * a working copy, asks for edits in the model's preferred format and applies them all or
 * nothing, retrying with precise failure reports.
 */

export { type ContextCache, createContextCache } from './context/context-cache.ts';
export { buildFileTree } from './context/file-tree.ts';
export { type GatherContextOptions, gatherContext } from './context/gather-context.ts';
export type { WeightedText } from './context/query-terms.ts';
export type { ContextCandidate } from './context/rank-files.ts';
export {
  type ContextReport,
  type GatheredContext,
  type IncludedFile,
  type SelectContextOptions,
  type SkippedFiles,
  selectContext,
} from './context/select-context.ts';
export { estimateTokens } from './context/token-estimate.ts';
export { createEditAgent, type EditAgentOptions, editAgentDefaults } from './edit-agent.ts';
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
