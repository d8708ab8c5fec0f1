import { constants } from 'node:os';
import type { CliIo } from '../cli-io.ts';

/** The exit code of a process ended by `signal`, as shells report it: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** How often a process started by npm checks that its parent is still there. */
const parentPollMs = 500;

/** What asked a long-running command to stop: a signal, or the npm process that started it exiting. */
export type ShutdownCause = NodeJS.Signals | 'npm exited';

/** The line a long-running command prints when its shutdown starts. */
export function shutdownLine(cause: ShutdownCause): string {
  return `goosuke: ${cause}: shutting down (a second SIGTERM or SIGINT exits at once)\n`;
}

/**
 * Listens for SIGTERM and SIGINT: `first` resolves with the first one; a second one, while the
 * graceful shutdown runs, ends the process at once (exit 128 + the signal's number: 130 for
 * SIGINT, 143 for SIGTERM), as an impatient operator asks. Runs still running are then left as a
 * crash leaves them: their leases expire and they start over on the next start.
 *
 * Started by npm (`npx goosuke serve`, `npm exec`, an npm script: npm sets `npm_command`), the
 * process is npm's grandchild behind `sh -c`: npm forwards a SIGTERM to that shell, which dies
 * without passing it on, and the server would stay up, orphaned. So there `first` also resolves,
 * with `'npm exited'`, once the parent process is gone (the parent pid changes). Outside npm the
 * parent is not watched: `nohup goosuke serve &` must outlive its shell.
 *
 * `deadline(ms)` bounds the shutdown: a process still alive `ms` later says so and exits 1, whatever
 * holds it open. `dispose` removes the listeners and the parent watch but leaves the deadline armed
 * (unreferenced: it never delays a clean exit), so that a handle left open after the shutdown
 * cannot keep the process up either.
 */
export function shutdownSignals(io: CliIo): {
  first: Promise<ShutdownCause>;
  deadline(ms: number): void;
  dispose(): void;
} {
  let received: ShutdownCause | null = null;
  let parentWatch: NodeJS.Timeout | null = null;
  let resolveFirst: (cause: ShutdownCause) => void = () => {};
  const first = new Promise<ShutdownCause>((resolve) => {
    resolveFirst = resolve;
  });
  const receive = (cause: ShutdownCause) => {
    if (received !== null) return;
    received = cause;
    if (parentWatch !== null) clearInterval(parentWatch);
    resolveFirst(cause);
  };
  const listener = (signal: NodeJS.Signals) => {
    if (received === null) {
      receive(signal);
      return;
    }
    io.stderr.write(`goosuke: ${signal} again: exiting at once\n`);
    // Nothing must wait here: that is what the second signal asks for.
    process.exit(signalExitCode(signal));
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);

  if (io.env.npm_command !== undefined) {
    const parent = process.ppid;
    parentWatch = setInterval(() => {
      if (process.ppid !== parent) receive('npm exited');
    }, parentPollMs);
    // The watch alone must not keep a finished command alive.
    parentWatch.unref();
  }

  return {
    first,
    deadline(ms) {
      const deadlineTimer = setTimeout(() => {
        io.stderr.write(`goosuke: the shutdown did not finish within ${ms / 1000} s: exiting\n`);
        process.exit(1);
      }, ms);
      deadlineTimer.unref();
    },
    dispose() {
      process.off('SIGTERM', listener);
      process.off('SIGINT', listener);
      if (parentWatch !== null) clearInterval(parentWatch);
    },
  };
}
