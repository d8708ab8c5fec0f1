import type { Message, Run, Usage } from '../domain/index.ts';
import { transitionRun } from '../domain/index.ts';
import type { Clock } from '../ports/clock.ts';
import { isoNow } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { Store } from '../ports/store.ts';
import { lineTotals } from './patch-stats.ts';
import type { RunEventHub, RunEventInput } from './run-events.ts';
import { refreshTaskStatus } from './task-status.ts';

/** How a run ends, with the fields it ends with. */
export type RunEnding =
  | {
      to: 'failed';
      error: NonNullable<Run['error']>;
      usage: Usage | null;
      warnings?: string[];
      summary?: string | null;
    }
  | { to: 'canceled'; usage: Usage | null }
  | {
      to: 'succeeded';
      fields: Pick<Run, 'summary' | 'patch' | 'filesChanged' | 'warnings' | 'usage' | 'workingBranch'>;
      commit: string | null;
    };

/**
 * The executor's last step: moves a run to a terminal status with its last fields and the
 * terminal event (and, on success, the assistant message holding its summary), in one
 * transaction, then delivers the event. A run already terminal is left as it is.
 */
export function createRunFinisher(context: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  events: RunEventHub;
}): (run: Run, outcome: RunEnding) => Promise<void> {
  const { store, clock, events } = context;
  return async function finish(run: Run, outcome: RunEnding): Promise<void> {
    const at = isoNow(clock);
    const stored = await store.transaction(async (tx) => {
      const current = (await tx.runs.get(run.id)) ?? run;
      if (current.status !== 'running' && current.status !== 'queued') return null;
      let next: Run;
      let event: RunEventInput;
      if (outcome.to === 'succeeded') {
        next = { ...transitionRun(current, { to: 'succeeded', at }), ...outcome.fields };
        const { added, removed } = lineTotals(outcome.fields.filesChanged);
        event = {
          type: 'run-succeeded',
          message:
            outcome.fields.patch === null
              ? `succeeded: answered in ${(outcome.fields.summary ?? '').length} characters`
              : `succeeded: ${outcome.fields.filesChanged.length} ${outcome.fields.filesChanged.length === 1 ? 'file' : 'files'} changed, +${added} -${removed}`,
          data: { filesChanged: outcome.fields.filesChanged.length, added, removed, commit: outcome.commit },
        };
        await tx.messages.insert({
          id: context.ids.next('message'),
          taskId: run.taskId,
          role: 'assistant',
          content: outcome.fields.summary ?? '',
          runId: run.id,
          createdBy: null,
          createdAt: at,
        } satisfies Message);
      } else if (outcome.to === 'failed') {
        next = {
          ...transitionRun(current, { to: 'failed', at, error: outcome.error }),
          usage: outcome.usage,
          ...(outcome.warnings === undefined ? {} : { warnings: outcome.warnings }),
          ...(outcome.summary === undefined ? {} : { summary: outcome.summary }),
        };
        event = {
          type: 'run-failed',
          level: 'error',
          message: `failed: ${outcome.error.message}`,
          data: { code: outcome.error.code, message: outcome.error.message },
        };
      } else {
        next = { ...transitionRun(current, { to: 'canceled', at }), usage: outcome.usage };
        event = { type: 'run-canceled', level: 'warn', message: 'canceled', data: {} };
      }
      const { id: _, createdAt: __, ...patch } = next;
      await tx.runs.update(run.id, patch);
      await refreshTaskStatus(tx, current);
      return events.append(tx, run.id, event);
    });
    if (stored !== null) events.deliver([stored]);
  };
}
