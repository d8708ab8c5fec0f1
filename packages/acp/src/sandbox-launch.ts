import { UnsupportedError } from '@goosuke/core';
import type { AcpAgentSettings } from './acp-agent-options.ts';
import type { AgentLaunch, ConfinedLaunch } from './agent-sandbox.ts';
import type { RunEventLog } from './run-event-log.ts';

/** The launch of one run, confined or (only when the caller allowed it) not. */
export interface RunLaunch {
  launch: AgentLaunch & { fd3: Uint8Array | null };
  /** Null when the agent runs unconfined. */
  confined: ConfinedLaunch | null;
  /** For the outcome's `warnings`: unconfined runs and limits not applied. */
  warnings: string[];
}

/**
 * Decides how one run's agent is started and records it as a `sandbox` run-log event: through the
 * sandbox when it is available; unconfined (with a warning) only under `unsafeNoSandbox`.
 * @throws UnsupportedError when the sandbox is not available and `unsafeNoSandbox` is not set:
 * Goosuke does not start an agent it cannot confine.
 */
export async function launchFor(
  settings: AcpAgentSettings,
  cwd: string,
  events: RunEventLog,
): Promise<RunLaunch> {
  const plain: AgentLaunch = { command: settings.command, args: settings.args, env: settings.env, cwd };
  const { sandbox } = settings;
  let why: string;
  if (sandbox === null) {
    why = 'unsafeNoSandbox is set and no sandbox was given';
  } else {
    const availability = await sandbox.available();
    if (availability.available) {
      const confined = await sandbox.confine(plain);
      events.log({
        level: confined.warnings.length > 0 ? 'warn' : 'info',
        message: `sandboxed: ${[confined.summary, ...confined.warnings].join('; ')}`,
        data: { ...confined.report, kind: 'sandbox' },
      });
      return { launch: confined, confined, warnings: [...confined.warnings] };
    }
    if (!settings.unsafeNoSandbox) {
      throw new UnsupportedError(
        `the agent ${settings.command} will not be started without a sandbox: ${availability.reason}. ` +
          'Pass unsafeNoSandbox: true (--unsafe-no-sandbox) to run it unconfined, with your user, files and network.',
      );
    }
    why = `unsafeNoSandbox is set and the ${sandbox.name} sandbox is not available: ${availability.reason}`;
  }
  const warning = `the agent ran unsandboxed, with this process's user, file system and network (${why})`;
  events.log({
    level: 'warn',
    message: warning,
    data: { kind: 'sandbox', sandboxed: false, reason: why },
  });
  return { launch: { ...plain, fd3: null }, confined: null, warnings: [warning] };
}
