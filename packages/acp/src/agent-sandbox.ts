import type { JsonValue } from '@goosuke/core';

/** A process to start: what {@link AgentSandbox.confine} takes apart and rewrites. */
export interface ProcessLaunch {
  /** The executable: an absolute path, or a name looked up in `env.PATH`. */
  readonly command: string;
  /** Its arguments, after the command. */
  readonly args: readonly string[];
  /** The whole environment (nothing inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** The working directory, absolute. */
  readonly cwd: string;
}

/**
 * How an agent is started when nothing confines it: what {@link AgentSandbox.confine} rewrites.
 * `createAcpAgent` prepares the run's private directories before it asks the sandbox, the same
 * way for a sandboxed run and an unsandboxed one, so that the two cannot drift apart.
 */
export interface AgentLaunch extends ProcessLaunch {
  /** The agent's whole environment, as declared, plus `HOME`, `TMPDIR` and the `homeEnv` paths. */
  readonly env: Readonly<Record<string, string>>;
  /** The working copy's root, absolute: the agent's cwd, and the one tree it may write. */
  readonly cwd: string;
  /**
   * The agent's HOME, absolute and real (no symbolic link on the way), existing, already holding
   * the run's `homeFiles` and `homeEnv` directories; equal to `env.HOME`. The agent must be able
   * to write it. A fresh directory per run, or the caller's kept one (`home` option).
   */
  readonly home: string;
  /** The agent's TMPDIR, absolute and real, existing and empty, made for this run; equal to `env.TMPDIR`. */
  readonly tmpdir: string;
  /**
   * TCP ports of the host's 127.0.0.1 the agent must be able to reach, at the same address
   * (`127.0.0.1:<port>`), sorted, without duplicates; everything else of the network stays as the
   * sandbox confines it. Empty when none.
   */
  readonly allowLoopbackPorts: readonly number[];
  /**
   * Absolute paths the agent must be able to read even where the sandbox hides what holds them:
   * what it runs from (its Node, its package tree, its binary's directory) when that lives under
   * a hidden directory such as the HOME of the user running Goosuke. Read-only, never writable;
   * a path that does not exist is ignored. Absent or empty when none (`createAcpAgent` sets it
   * from its `visiblePaths` option). A sandbox that hides nothing may ignore it.
   */
  readonly visiblePaths?: readonly string[];
}

/**
 * A launch rewritten to run inside a sandbox: start `command args` in `cwd` with exactly `env`,
 * write `fd3` (when not null) to the child's file descriptor 3 and close it, and call `release`
 * once the process group is gone.
 */
export interface ConfinedLaunch extends ProcessLaunch {
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
  /**
   * The limits the agent's processes ran into, each in words (`the memory limit of 64 MiB was
   * reached: ...`), so that a run killed by one says why. Asked once the process group is gone
   * and before `release`; empty when none. Never rejects. Optional: a sandbox without limits of
   * its own need not implement it.
   */
  limitsReached?(): Promise<readonly string[]>;
  /**
   * Removes what the sandbox made for this run (its cgroup, its forwarders, its own directory;
   * never `home` or `tmpdir`, which belong to the caller). Idempotent; never rejects.
   */
  release(): Promise<void>;
}

/** Whether a sandbox can confine agents on this host. */
export type SandboxAvailability =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly reason: string };

/**
 * Confines an agent's process: the file system, the network, the environment, resource limits.
 * `createAcpAgent` asks `available()` before each run and, when it is, `confine()` for the launch.
 *
 * Division of work: the run's HOME and TMPDIR are not the sandbox's. `createAcpAgent` makes them
 * (a fresh pair per run, or the caller's kept HOME), writes the `homeFiles`, creates the
 * `homeEnv` directories, sets `HOME`, `TMPDIR` and the `homeEnv` variables in `launch.env`, and
 * removes what it made after the run, whether a sandbox confines the agent or none does. A sandbox
 * only has to:
 * - make the working copy (`launch.cwd`), `launch.home` and `launch.tmpdir` writable, and keep
 *   `launch.env` as it is (it may add variables of its own, never change these);
 * - leave each of `launch.visiblePaths` readable (read-only) to the agent, also inside what it
 *   hides;
 * - make each of `launch.allowLoopbackPorts` reachable at `127.0.0.1:<port>` from inside, or
 *   throw `UnsupportedError` when it cannot (never silently leave the agent without its gateway
 *   nor widen its network further than asked).
 */
export interface AgentSandbox {
  /** A short name for events and errors, e.g. `bubblewrap`. */
  readonly name: string;
  /** Probes (once; later calls get the cached answer) whether this host can run the sandbox. Never rejects. */
  available(): Promise<SandboxAvailability>;
  /**
   * Prepares one run's confined launch (per-run resources of the sandbox included).
   * @throws UnsupportedError when the sandbox is not available on this host, or cannot give the
   * launch what it asks (a loopback port it cannot forward).
   */
  confine(launch: AgentLaunch): Promise<ConfinedLaunch>;
}
