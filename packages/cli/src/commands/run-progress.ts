import type { Run, RunEvent } from '@goosuke/core';
import type { TextSink } from '../cli-io.ts';

/** One run as the progress display tracks it. */
interface Line {
  label: string;
  state: string;
  detail: string;
}

function formatTokens(count: number): string {
  return count >= 10_000 ? `${Math.round(count / 1000)}k` : String(count);
}

/** What one event says about its run, for the progress line: the state word and a short detail. */
function describe(event: RunEvent): { state?: string; detail: string } | null {
  switch (event.type) {
    case 'run-queued':
      return { state: 'queued', detail: '' };
    case 'run-started': {
      const { attempt, baseCommit } = event.data as { attempt?: number; baseCommit?: string | null };
      const at = typeof baseCommit === 'string' ? `at ${baseCommit.slice(0, 12)}` : '';
      return {
        state: 'running',
        detail: attempt !== undefined && attempt > 1 ? `${at} (attempt ${attempt})` : at,
      };
    }
    case 'run-log':
      return { detail: event.message };
    case 'run-tokens': {
      const total = (
        event.data as { total?: { inputTokens: number; outputTokens: number; costUsd: number | null } }
      ).total;
      if (total === undefined) return null;
      const cost = total.costUsd === null ? '' : `, $${total.costUsd.toFixed(4)}`;
      return {
        detail: `${formatTokens(total.inputTokens)} in / ${formatTokens(total.outputTokens)} out tokens${cost}`,
      };
    }
    case 'run-succeeded':
      return { state: 'succeeded', detail: event.message.replace(/^succeeded: /, '') };
    case 'run-failed':
      return { state: 'failed', detail: event.message.replace(/^failed: /, '') };
    case 'run-canceled':
      return { state: 'canceled', detail: '' };
  }
}

/**
 * Live progress of several runs on a stream. On a terminal (`interactive`), one line per run that
 * is redrawn in place; elsewhere (CI logs, pipes), one plain line per change, prefixed with the
 * run's label, so that logs read well and never hold escape sequences.
 */
export function createRunProgress(options: {
  sink: TextSink;
  interactive: boolean;
  /** Width to cut lines to on a terminal. */
  columns?: number;
  runs: ReadonlyArray<{ run: Run; label: string }>;
}) {
  const lines = new Map<string, Line>();
  const width = Math.max(...options.runs.map((entry) => entry.label.length), 5);
  for (const { run, label } of options.runs) lines.set(run.id, { label, state: run.status, detail: '' });
  let drawn = 0;

  const render = (line: Line): string => {
    const text = `${line.label.padEnd(width)}  ${line.state.padEnd(9)}  ${line.detail}`.trimEnd();
    const columns = options.columns ?? 100;
    return text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text;
  };

  const redraw = (): void => {
    // Move up over the previous drawing and rewrite every line, clearing its rest.
    let text = drawn > 0 ? `\u001B[${drawn}A` : '';
    for (const line of lines.values()) text += `\r\u001B[2K${render(line)}\n`;
    drawn = lines.size;
    options.sink.write(text);
  };

  return {
    /** Draws the initial state (terminal only). */
    start(): void {
      if (options.interactive) redraw();
    },
    /** Takes one run event into account. */
    onEvent(event: RunEvent): void {
      const line = lines.get(event.runId);
      if (line === undefined) return;
      const change = describe(event);
      if (change === null) return;
      if (change.state !== undefined) line.state = change.state;
      line.detail = change.detail;
      if (options.interactive) redraw();
      else if (event.type !== 'run-queued') options.sink.write(`${render(line)}\n`);
    },
  };
}
