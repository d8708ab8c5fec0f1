import { type Run, type TaskStatus, taskStatusOf } from '../domain/index.ts';
import { collectPages, type Store } from '../ports/store.ts';

/**
 * Recomputes the status of `run`'s task once the run ended, with `tx` (the transaction that
 * stored the run's end): `active` while any run of the task is queued or running, else from the
 * runs of the ended run's message (the latest that ran: a newer message's runs would be active or
 * have set it when they ended). Writes only when it changes.
 */
export async function refreshTaskStatus(
  tx: Store,
  run: Pick<Run, 'taskId' | 'messageId'>,
): Promise<TaskStatus | null> {
  const task = await tx.tasks.get(run.taskId);
  if (task === null) return null;
  const any = async (status: Run['status']) =>
    (await tx.runs.list({ taskId: run.taskId, status, limit: 1 })).items.length > 0;
  const status: TaskStatus =
    (await any('queued')) || (await any('running'))
      ? 'active'
      : taskStatusOf(
          await collectPages((cursor) => tx.runs.list({ messageId: run.messageId, limit: 500, cursor })),
        );
  if (task.status !== status) await tx.tasks.update(run.taskId, { status });
  return status;
}
