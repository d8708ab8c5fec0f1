/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** How long to keep trying before failing; default 3000 ms. */
  timeoutMs?: number;
  /** Pause between tries; default 5 ms. */
  intervalMs?: number;
  /** Names the awaited condition in the failure message. */
  message?: string;
}

/**
 * Resolves as soon as `condition` returns true (it is tried at once, then every
 * `intervalMs`); rejects with an Error naming `message` once `timeoutMs` has passed.
 * Lets timing tests wait on a condition instead of sleeping a fixed time.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitUntilOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${options.message ?? 'the condition holds'}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
