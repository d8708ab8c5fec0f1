import type { Run } from '../domain/index.ts';
import type { RunService } from './run-service.ts';

/** Options of {@link waitForRunsOrCancel}. */
export interface WaitForRunsOrCancelOptions {
  /** Aborting it cancels every run that has not ended, then waits for them to end. */
  signal?: AbortSignal;
  /**
   * Called once when the signal aborts, before the runs are canceled (e.g. to say so); awaited.
   * What it throws propagates, and the runs are then not canceled.
   */
  onCancel?: () => void | Promise<void>;
}

/** What {@link waitForRunsOrCancel} resolves with. */
export interface RunsWaitOutcome {
  /** The runs as they ended, in the order of the ids given. */
  runs: Run[];
  /**
   * True when the signal aborted: every run still queued or running was asked to cancel (those
   * that had ended keep their outcome). False when they all ended on their own.
   */
  canceled: boolean;
}

/**
 * Waits until every run of `runIds` has ended (succeeded, failed or canceled), whichever process
 * executes them. When `signal` aborts (before or while waiting), cancels each run (a run that
 * ended meanwhile is left as it is; a failed cancel request does not stop the others) and waits
 * for them all to end: a running run ends once its worker has cleaned up, so keep the workers
 * executing them running until this resolves. Errors other than the abort (e.g. NotFoundError
 * for an unknown run) reject.
 */
export async function waitForRunsOrCancel(
  runs: Pick<RunService, 'waitFor' | 'cancel'>,
  runIds: readonly string[],
  options: WaitForRunsOrCancelOptions = {},
): Promise<RunsWaitOutcome> {
  const { signal } = options;
  // A function: the compiler would otherwise keep the first check's answer across the await.
  const aborted = (): boolean => signal?.aborted === true;
  if (!aborted()) {
    try {
      return { runs: await runs.waitFor(runIds, signal === undefined ? {} : { signal }), canceled: false };
    } catch (error) {
      if (!aborted()) throw error;
    }
  }
  await options.onCancel?.();
  for (const id of runIds) await runs.cancel(id).catch(() => undefined);
  return { runs: await runs.waitFor(runIds), canceled: true };
}
