import type { ProcessExit } from './agent-process.ts';

/** How waiting for one request to the agent ended. */
export type Watched<T> =
  | { kind: 'answered'; value: T }
  | { kind: 'failed'; error: unknown }
  | { kind: 'exited'; exit: ProcessExit }
  | { kind: 'aborted' }
  | { kind: 'timed-out' };

/**
 * Waits for a request to the agent, or whichever comes first of: the agent's process exiting,
 * `signal` aborting (when given) and `timeoutMs` passing. Never rejects, and leaves no timer or
 * listener behind. A request that fails because the process died usually fails a moment before
 * the exit is reported, so a failure is held for up to `exitWaitMs` to see whether an exit
 * explains it.
 */
export async function watchRequest<T>(
  request: Promise<T>,
  options: { exited: Promise<ProcessExit>; signal?: AbortSignal | undefined; timeoutMs: number },
): Promise<Watched<T>> {
  const cleanups: Array<() => void> = [];
  try {
    const outcomes: Array<Promise<Watched<T>>> = [
      request.then(
        (value): Watched<T> => ({ kind: 'answered', value }),
        async (error: unknown): Promise<Watched<T>> => {
          // Its own timer, unref'd: it may start after the wait is over, and must not hold the process.
          const grace = new Promise<null>((resolve) => setTimeout(resolve, exitWaitMs, null).unref());
          const exit = await Promise.race([options.exited, grace]);
          return exit === null ? { kind: 'failed', error } : { kind: 'exited', exit };
        },
      ),
      options.exited.then((exit): Watched<T> => ({ kind: 'exited', exit })),
      delay(options.timeoutMs, cleanups).then((): Watched<T> => ({ kind: 'timed-out' })),
    ];
    const { signal } = options;
    if (signal !== undefined) {
      outcomes.push(
        new Promise<Watched<T>>((resolve) => {
          if (signal.aborted) return resolve({ kind: 'aborted' });
          const onAbort = () => resolve({ kind: 'aborted' });
          signal.addEventListener('abort', onAbort, { once: true });
          cleanups.push(() => signal.removeEventListener('abort', onAbort));
        }),
      );
    }
    return await Promise.race(outcomes);
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}

const exitWaitMs = 500;

function delay(ms: number, cleanups: Array<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    cleanups.push(() => clearTimeout(timer));
  });
}
