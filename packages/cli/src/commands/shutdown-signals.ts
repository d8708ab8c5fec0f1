import { constants } from 'node:os';
import type { CliIo } from '../cli-io.ts';

/** The exit code of a process ended by `signal`, as shells report it: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Listens for SIGTERM and SIGINT: `first` resolves with the first one; a second one, while the
 * graceful shutdown runs, ends the process at once (exit 128 + the signal's number: 130 for
 * SIGINT, 143 for SIGTERM), as an impatient operator asks. Runs still running are then left as a
 * crash leaves them: their leases expire and they start over on the next start.
 */
export function shutdownSignals(io: CliIo): { first: Promise<NodeJS.Signals>; dispose(): void } {
  let received: NodeJS.Signals | null = null;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  const listener = (signal: NodeJS.Signals) => {
    if (received === null) {
      received = signal;
      resolveFirst(signal);
      return;
    }
    io.stderr.write(`goosuke: ${signal} again: exiting at once\n`);
    // Nothing must wait here: that is what the second signal asks for.
    process.exit(signalExitCode(signal));
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  return {
    first,
    dispose() {
      process.off('SIGTERM', listener);
      process.off('SIGINT', listener);
    },
  };
}
