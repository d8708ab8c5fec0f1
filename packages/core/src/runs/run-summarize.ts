import { summarizeConversation } from '../agents/summarize-conversation.ts';
import type { Usage } from '../domain/index.ts';
import type { LanguageModel, TokenUsage } from '../ports/language-model.ts';
import type { SummaryRequest } from '../triggers/built-in-templates.ts';
import type { RunEventInput } from './run-events.ts';

/**
 * A summary run's work: summarizes the conversation in chunks and merges them, with a progress
 * event per model call and one `run-tokens` event for all of them (`addCall` adds their usage to
 * the run's and returns the run's total).
 */
export async function summarizeRun(
  context: {
    emit: (event: RunEventInput) => Promise<unknown>;
    model: LanguageModel;
    request: SummaryRequest;
    signal: AbortSignal;
  },
  addCall: (call: TokenUsage) => Usage,
): Promise<{ text: string; warnings: string[] }> {
  const { emit, request } = context;
  let progress: Promise<unknown> = Promise.resolve();
  const summary = await summarizeConversation({
    model: context.model,
    transcript: request.transcript,
    language: request.language,
    signal: context.signal,
    onProgress: (done, total) => {
      progress = progress.then(() =>
        emit({
          type: 'run-log',
          message: `summarizing: ${done} of ${total} model calls done`,
          data: { done, total },
        }),
      );
    },
  });
  await progress;
  const total = addCall(summary.usage);
  await emit({
    type: 'run-tokens',
    message: `${summary.calls} model ${summary.calls === 1 ? 'call' : 'calls'} over ${summary.chunks} ${summary.chunks === 1 ? 'chunk' : 'chunks'}`,
    data: { call: summary.usage, total },
  });
  return {
    text: summary.text,
    warnings: summary.text === '' ? ['the model returned an empty summary'] : [],
  };
}
