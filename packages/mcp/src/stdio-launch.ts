import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentLaunch,
  type AgentProcess,
  type AgentSandbox,
  type ConfinedLaunch,
  createBubblewrapSandbox,
  prepareAgentDirs,
  startAgentProcess,
} from '@goosuke/acp';
import { UnsupportedError } from '@goosuke/core';
import type { McpStdioServerOptions } from './mcp-server-options.ts';

/** A stdio server's running process and what was made for it. */
export interface StdioServerProcess {
  readonly process: AgentProcess;
  /** True when a sandbox confines the server. */
  readonly sandboxed: boolean;
  /** One line on the confinement (or its absence), for logs. */
  readonly summary: string;
  /** Ends the process group and removes the private HOME/TMPDIR and the sandbox's resources. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/**
 * Starts a stdio MCP server the way `@goosuke/acp` starts an agent: a private HOME and TMPDIR
 * made for it (under the per-user directory every sandbox hides from its processes, so that no
 * other confined process reads this one's files), exactly `options.env` plus those, in a process
 * group of its own, confined by the sandbox unless it is not available and `unsafeNoSandbox`
 * allows running unconfined.
 * @throws UnsupportedError when the sandbox is not available and `unsafeNoSandbox` is not set.
 * @throws Error (the system's) when the command cannot be started.
 */
export async function startStdioServer(options: McpStdioServerOptions): Promise<StdioServerProcess> {
  const sandbox: AgentSandbox = options.sandbox ?? createBubblewrapSandbox();
  const availability = await sandbox.available();
  if (!availability.available && options.unsafeNoSandbox !== true) {
    throw new UnsupportedError(
      `the MCP server ${options.command} will not be started without a sandbox: ${availability.reason}. ` +
        'Pass unsafeNoSandbox: true to run it unconfined, with your user, files and network.',
    );
  }
  const dirs = await prepareAgentDirs({ home: null, homeFiles: {}, homeEnv: {} }, options.cwd ?? '/');
  let confined: ConfinedLaunch | null = null;
  const release = async () => {
    await confined?.release().catch(() => {});
    await dirs.release();
  };
  try {
    // The default cwd: a directory of its own beside HOME, so the server writes nowhere else.
    let cwd = options.cwd;
    if (cwd === undefined) {
      cwd = path.join(path.dirname(dirs.home), 'work');
      await mkdir(cwd, { mode: 0o700 });
    }
    const plain: AgentLaunch = {
      command: options.command,
      args: options.args ?? [],
      env: { ...options.env, ...dirs.env },
      cwd,
      home: dirs.home,
      tmpdir: dirs.tmpdir,
      allowLoopbackPorts: [...new Set(options.allowLoopbackPorts ?? [])].sort((a, b) => a - b),
      visiblePaths: options.visiblePaths ?? [],
    };
    let launch: AgentLaunch | ConfinedLaunch = plain;
    let summary = `unsandboxed (unsafeNoSandbox: ${availability.available ? 'no sandbox' : availability.reason})`;
    if (availability.available) {
      confined = await sandbox.confine(plain);
      launch = confined;
      summary = [confined.summary, ...confined.warnings].join('; ');
    }
    const process = await startAgentProcess({
      command: launch.command,
      args: launch.args,
      cwd: launch.cwd,
      env: launch.env,
      fd3: confined?.fd3 ?? null,
    });
    let stopped: Promise<void> | null = null;
    return {
      process,
      sandboxed: confined !== null,
      summary,
      stop: () => {
        stopped ??= process
          .killGroup()
          .catch(() => {})
          .then(release);
        return stopped;
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
