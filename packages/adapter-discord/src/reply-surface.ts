import type { Goosuke, Run, RunEvent } from '@goosuke/core';
import type { MessageMentionOptions } from 'discord.js';
import { splitMessage } from './split-message.ts';

/** No pings from anything the bot writes: results quote other people's names and words. */
export const noMentions: MessageMentionOptions = { parse: [], repliedUser: false };

/**
 * Where the bot talks about one task: a first message it edits (a "working…" reply, a deferred
 * interaction reply) and a way to add more messages after it (the rest of a long result).
 */
export interface ReplySurface {
  edit(content: string): Promise<void>;
  send(content: string): Promise<void>;
}

/** At most `max` characters of `text`, cut with an ellipsis: what users read stays short. */
export function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 3)}…` : text;
}

/** Short, plain sentences for run failures; the run keeps the detail. */
export function failureSentence(run: Run): string {
  const detail = (run.error?.message ?? 'the run failed').replace(/\s+/g, ' ').trim();
  return `⚠️ Could not finish: ${clip(detail)} (run \`${run.id}\`)`;
}

/** The text a finished run contributes to the reply. */
function resultOf(run: Run): string {
  if (run.status !== 'succeeded') return failureSentence(run);
  if (run.patch === null) return run.summary?.trim() || '(the model returned nothing)';
  const files = run.filesChanged.map((file) => `\`${file.path}\` +${file.added} −${file.removed}`).join(', ');
  return [run.summary?.trim() ?? '', files === '' ? 'No files changed.' : `Changed: ${files}`]
    .filter((part) => part !== '')
    .join('\n\n');
}

/** Options of {@link followRuns}. */
export interface FollowRunsOptions {
  goosuke: Goosuke;
  runs: readonly Run[];
  surface: ReplySurface;
  /** What the progress line says before any detail, e.g. "✏️ Summarizing 120 messages…". */
  working: string;
  /** Names each run's model in a result with several runs. */
  label?: (run: Run) => string;
  /** Appended to the result, e.g. a link to the task. */
  footer?: string;
  /** Least time between two progress edits (Discord rate-limits edits). Default 1500 ms. */
  editEveryMs?: number;
}

/**
 * Shows a task's runs on a surface: progress edits (throttled) while they run, then the result
 * (each run's answer or failure) in place of the progress, split at Discord's limit, the first
 * part as the edit and the rest as new messages. Resolves with the finished runs.
 */
export async function followRuns(options: FollowRunsOptions): Promise<Run[]> {
  const { goosuke, surface } = options;
  const ids = new Set(options.runs.map((run) => run.id));
  const editEveryMs = options.editEveryMs ?? 1500;
  let lastEdit = 0;
  let pending: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let editing: Promise<void> = Promise.resolve();
  let finished = false;
  const flush = (): void => {
    timer = undefined;
    if (pending === null || finished) return;
    const content = pending;
    pending = null;
    lastEdit = Date.now();
    editing = editing.then(() => surface.edit(content)).catch(() => undefined);
  };
  const onEvent = (event: RunEvent): void => {
    if (!ids.has(event.runId) || !['run-log', 'run-started', 'run-tokens'].includes(event.type)) return;
    pending = `${options.working}\n-# ${event.message}`;
    if (timer !== undefined) return;
    timer = setTimeout(flush, Math.max(0, lastEdit + editEveryMs - Date.now()));
  };
  const unsubscribe = goosuke.runs.subscribe(onEvent);
  let done: Run[];
  try {
    done = await goosuke.runs.waitFor([...ids]);
  } finally {
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    await editing;
  }
  const sections = done.map((run) =>
    done.length > 1 && options.label !== undefined
      ? `**${options.label(run)}**\n${resultOf(run)}`
      : resultOf(run),
  );
  const text = [...sections, ...(options.footer === undefined ? [] : [options.footer])].join('\n\n');
  const [first, ...rest] = splitMessage(text);
  await surface.edit(first ?? '(nothing to show)');
  for (const part of rest) await surface.send(part);
  return done;
}
