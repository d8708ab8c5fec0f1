import type { Message, Run, Task } from '../domain/index.ts';
import { collectPages, type Store } from '../ports/store.ts';
import {
  readSummaryRequest,
  type SummaryRequest,
  summarizeConversationTemplateName,
} from '../triggers/built-in-templates.ts';
import { runIdOfBranch } from './run-runtime.ts';

/** The conversation the agent sees: user messages up to this run's, and the answers of the runs it builds on. */
export async function historyOf(store: Store, run: Run): Promise<Message[]> {
  const messages = await collectPages((cursor) =>
    store.messages.list({ taskId: run.taskId, limit: 500, cursor }),
  );
  const ancestors = new Set<string>();
  for (let ref = run.baseRef, depth = 0; depth < 100; depth++) {
    const parentId = runIdOfBranch(ref);
    if (parentId === null || ancestors.has(parentId)) break;
    ancestors.add(parentId);
    ref = (await store.runs.get(parentId))?.baseRef ?? null;
  }
  const own = messages.findIndex((message) => message.id === run.messageId);
  return messages
    .slice(0, own === -1 ? messages.length : own + 1)
    .filter((message) => message.role === 'user' || (message.runId !== null && ancestors.has(message.runId)));
}

/**
 * The conversation and language of a run asked by the built-in summary template (the first
 * message of a task from an action on it); null for any other text run.
 */
export async function summaryRequestOf(store: Store, task: Task, run: Run): Promise<SummaryRequest | null> {
  if (task.actionId === null || run.baseRef !== null) return null;
  const action = await store.actions.get(task.actionId);
  const template = action === null ? null : await store.templates.get(action.templateId);
  if (template?.name !== summarizeConversationTemplateName) return null;
  return readSummaryRequest(run.instruction);
}
