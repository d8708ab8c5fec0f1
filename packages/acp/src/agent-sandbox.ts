import type { JsonValue } from '@goosuke/core';

/** How an agent is started when nothing confines it: what {@link AgentSandbox.confine} rewrites. */
export interface AgentLaunch {
  /** The agent's executable: an absolute path, or a name looked up in `env.PATH`. */
  readonly command: string;
  /** Its arguments, after the command. */
  readonly args: readonly string[];
  /** The agent's whole environment, as declared by the caller (nothing inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** The working copy's root, absolute: the agent's cwd, and the one tree it may write. */
  readonly cwd: string;
}

/**
 * An {@link AgentLaunch} rewritten to run inside a sandbox: start `command args` in `cwd` with
 * exactly `env`, write `fd3` (when not null) to the child's file descriptor 3 and close it, and
 * call `release` once the process group is gone.
 */
export interface ConfinedLaunch extends AgentLaunch {
  /**
   * Bytes for the child's file descriptor 3, or null for none. The bubblewrap sandbox passes its
   * options there (`bwrap --args 3`) so that the agent's environment, which may hold a token,
   * never appears on a command line other users of the host can read.
   */
  readonly fd3: Uint8Array | null;
  /** One line for the run's events: what confines the agent. */
  readonly summary: string;
  /** What confinement the run gets, recorded as the data of the run's `sandbox` event. */
  readonly report: { readonly [key: string]: JsonValue };
  /** Limits or protections asked for but not applied on this host, each in words. */
  readonly warnings: readonly string[];
  /** Removes what the sandbox made for this run (unless the caller keeps it). Idempotent; never rejects. */
  release(): Promise<void>;
}

/** Whether a sandbox can confine agents on this host. */
export type SandboxAvailability =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly reason: string };

/**
 * Confines an agent's process: the file system, the network, the environment, resource limits.
 * `createAcpAgent` asks `available()` before each run and, when it is, `confine()` for the launch.
 */
export interface AgentSandbox {
  /** A short name for events and errors, e.g. `bubblewrap`. */
  readonly name: string;
  /** Probes (once; later calls get the cached answer) whether this host can run the sandbox. Never rejects. */
  available(): Promise<SandboxAvailability>;
  /**
   * Prepares one run's confined launch (per-run directories included).
   * @throws UnsupportedError when the sandbox is not available on this host.
   */
  confine(launch: AgentLaunch): Promise<ConfinedLaunch>;
}
