import { UnsupportedError } from '@goosuke/core';
import type { AcpAgentSettings } from './acp-agent-options.ts';
import { type AgentDirs, prepareAgentDirs } from './agent-dirs.ts';
import type { AgentLaunch, AgentSandbox, ConfinedLaunch, ProcessLaunch } from './agent-sandbox.ts';
import type { RunEventLog } from './run-event-log.ts';

/** The launch of one run, confined or (only when the caller allowed it) not. */
export interface RunLaunch {
  launch: ProcessLaunch & { fd3: Uint8Array | null };
  /** Null when the agent runs unconfined. */
  confined: ConfinedLaunch | null;
  /** The run's HOME and TMPDIR. */
  dirs: AgentDirs;
  /** For the outcome's `warnings`: unconfined runs and limits not applied. */
  warnings: string[];
  /** The limits the agent ran into, in words; ask once its group is gone, before `release`. Never rejects. */
  limitsReached(): Promise<readonly string[]>;
  /** Removes what the sandbox and the run's directories made (not a kept HOME). Idempotent; never rejects. */
  release(): Promise<void>;
}

/**
 * Decides how one run's agent is started and records it as a `sandbox` run-log event. First, for
 * a sandboxed and an unsandboxed run alike, makes the run's HOME and TMPDIR (`prepareAgentDirs`:
 * `homeFiles`, `homeEnv`, a kept `home`) and adds them to the agent's environment; then starts it
 * through the sandbox when it is available, unconfined (with a warning) only under
 * `unsafeNoSandbox`, where `allowLoopbackPorts` changes nothing.
 * @throws UnsupportedError when the sandbox is not available and `unsafeNoSandbox` is not set:
 * Goosuke does not start an agent it cannot confine. Nothing is left behind then.
 */
export async function launchFor(
  settings: AcpAgentSettings,
  cwd: string,
  events: RunEventLog,
): Promise<RunLaunch> {
  const { sandbox, why } = await chooseSandbox(settings);
  const dirs = await prepareAgentDirs(settings, cwd);
  const plain: AgentLaunch = {
    command: settings.command,
    args: settings.args,
    env: { ...settings.env, ...dirs.env },
    cwd,
    home: dirs.home,
    tmpdir: dirs.tmpdir,
    allowLoopbackPorts: settings.allowLoopbackPorts,
    visiblePaths: settings.visiblePaths,
  };
  const where = { home: dirs.home, tmpdir: dirs.tmpdir, homeKept: dirs.homeKept };

  if (sandbox !== null) {
    let confined: ConfinedLaunch;
    try {
      confined = await sandbox.confine(plain);
    } catch (error) {
      await dirs.release();
      throw error;
    }
    events.log({
      level: confined.warnings.length > 0 ? 'warn' : 'info',
      message: `sandboxed: ${[confined.summary, ...confined.warnings].join('; ')}`,
      data: { ...confined.report, ...where, kind: 'sandbox' },
    });
    let released: Promise<void> | null = null;
    return {
      launch: confined,
      confined,
      dirs,
      warnings: [...confined.warnings],
      limitsReached: async () => (await confined.limitsReached?.().catch(() => [])) ?? [],
      release: () => {
        released ??= confined
          .release()
          .catch(() => {})
          .then(() => dirs.release());
        return released;
      },
    };
  }

  const ports =
    settings.allowLoopbackPorts.length === 0
      ? ''
      : `; allowLoopbackPorts (${settings.allowLoopbackPorts.join(', ')}) changes nothing without a sandbox`;
  const warning = `the agent ran unsandboxed, with this process's user, file system and network (${why})${ports}`;
  events.log({
    level: 'warn',
    message: warning,
    data: { kind: 'sandbox', sandboxed: false, reason: why, ...where },
  });
  return {
    launch: { ...plain, fd3: null },
    confined: null,
    dirs,
    warnings: [warning],
    limitsReached: async () => [],
    release: () => dirs.release(),
  };
}

/** The sandbox to use, or null with the reason why the agent runs unconfined. */
async function chooseSandbox(
  settings: AcpAgentSettings,
): Promise<{ sandbox: AgentSandbox; why: null } | { sandbox: null; why: string }> {
  const { sandbox } = settings;
  if (sandbox === null) return { sandbox: null, why: 'unsafeNoSandbox is set and no sandbox was given' };
  const availability = await sandbox.available();
  if (availability.available) return { sandbox, why: null };
  if (!settings.unsafeNoSandbox) {
    throw new UnsupportedError(
      `the agent ${settings.command} will not be started without a sandbox: ${availability.reason}. ` +
        'Pass unsafeNoSandbox: true (--unsafe-no-sandbox) to run it unconfined, with your user, files and network.',
    );
  }
  return {
    sandbox: null,
    why: `unsafeNoSandbox is set and the ${sandbox.name} sandbox is not available: ${availability.reason}`,
  };
}
