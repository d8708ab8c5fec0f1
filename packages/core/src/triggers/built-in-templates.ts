import type { SummaryLanguage } from '../agents/summarize-conversation.ts';
import type { TemplateParameter } from '../domain/index.ts';

/** The name of the built-in conversation summary template (reserved: no other template may take it). */
export const summarizeConversationTemplateName = 'summarize-conversation';

/** A template as Goosuke ships it: everything but ids, timestamps, models and repo. */
export interface BuiltInTemplateDefinition {
  name: string;
  description: string;
  prompt: string;
  parameters: TemplateParameter[];
  outputKind: 'text';
}

/**
 * The built-in `summarize-conversation` template: `conversation` (text, written as
 * `formatConversation` writes it; triggers pass it as untrusted data) and `language` (`ja`,
 * `en`, or `auto` for the conversation's own). Its runs are executed by the conversation
 * summarizer, which works on long conversations in chunks and merges the notes; the prompt also
 * reads well on its own, so any model answers it sensibly if someone edits the template.
 */
export const summarizeConversationTemplate: BuiltInTemplateDefinition = {
  name: summarizeConversationTemplateName,
  description:
    'Summarizes a chat conversation: a short summary, decisions, action items with owners and open questions.',
  prompt: [
    'Summarize the chat conversation in the data block below.',
    'Language: {{language}} (ja = Japanese, en = English, auto = the language most of the conversation is written in).',
    'Use four Markdown sections: a short summary, decisions, action items with their owners, and open questions.',
    '',
    '{{conversation}}',
  ].join('\n'),
  parameters: [
    {
      name: 'conversation',
      type: 'text',
      description: 'The conversation, one message per line as "[time] author (reply to …): text".',
      required: true,
      options: null,
      default: null,
    },
    {
      name: 'language',
      type: 'enum',
      description: 'The language of the summary: ja, en, or auto (the conversation’s own).',
      required: false,
      options: ['ja', 'en', 'auto'],
      default: 'auto',
    },
  ],
  outputKind: 'text',
};

/** What a summary run was asked: the conversation's transcript and the language. */
export interface SummaryRequest {
  transcript: string;
  language: SummaryLanguage;
}

const languageLine = /^Language: (ja|en|auto) \(/m;
const conversationBlock = /<data name="conversation">\n([\s\S]*)\n<\/data>\s*$/;

/**
 * Reads the conversation and the language back from an instruction rendered from the built-in
 * summary template (the conversation as a data block). Null when the instruction does not have
 * that shape (the template was edited): such a run is answered by the plain text agent.
 */
export function readSummaryRequest(instruction: string): SummaryRequest | null {
  const language = languageLine.exec(instruction)?.[1] as SummaryLanguage | undefined;
  const transcript = conversationBlock.exec(instruction)?.[1];
  if (language === undefined || transcript === undefined) return null;
  return { transcript, language };
}
