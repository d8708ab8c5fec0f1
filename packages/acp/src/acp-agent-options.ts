import path from 'node:path';
import type { McpServer } from '@agentclientprotocol/sdk';
import { InvalidInputError } from '@goosuke/core';
import type { AgentSandbox } from './agent-sandbox.ts';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.ts';
import { type AcpPermissionPolicy, defaultAcpPermissionPolicy } from './permission-policy.ts';

/** Options of {@link createAcpAgent}. */
export interface AcpAgentOptions {
  /** The agent's executable: an absolute path, or a name looked up in `env.PATH` (not this process's PATH). */
  command: string;
  /** Arguments after the command, e.g. `['--acp']`; default none. */
  args?: readonly string[];
  /**
   * The child's whole environment; default empty. Nothing of this process's environment is
   * inherited: a secret reaches the agent only when the caller puts it here.
   */
  env?: Readonly<Record<string, string>>;
  /** MCP servers passed as they are to `session/new`; default none. */
  mcpServers?: readonly McpServer[];
  /** Decides each `session/request_permission`; default {@link defaultAcpPermissionPolicy}. */
  permissionPolicy?: AcpPermissionPolicy;
  /** After a cancel, how long the agent may take to end its turn before its process group is killed; default 3000 ms. */
  cancelGraceMs?: number;
  /** Wall-clock limit of the prompt turn; default 30 minutes. */
  timeLimitMs?: number;
  /** Limit of `initialize` plus `session/new` (agents start slowly: Claude's session/new takes ~1.6 s); default 60 s. */
  initializeTimeoutMs?: number;
  /**
   * What confines the agent's process; default `createBubblewrapSandbox()` unless
   * `unsafeNoSandbox` is true. A run whose sandbox is not available on the host throws
   * `UnsupportedError` before the agent is started, unless `unsafeNoSandbox` is true.
   */
  sandbox?: AgentSandbox;
  /**
   * Allows the agent to run unconfined, with this process's user, file system and network:
   * without `sandbox`, no sandbox is used at all; with one, the run falls back to none when the
   * sandbox is not available here. Either way the run's events carry a warning and the outcome's
   * `warnings` say so. Default false: Goosuke refuses to start an agent it cannot confine.
   */
  unsafeNoSandbox?: boolean;
  /**
   * A session mode set right after `session/new` (`session/set_mode`), when the agent offers it:
   * how an agent is told to apply edits without asking (Gemini `autoEdit`, Claude Code
   * `acceptEdits`). A mode the agent does not offer is not set, and a warning says so (its
   * permission requests then go to the policy). Default none.
   */
  sessionMode?: string;
  /**
   * How long the agent may go on after its turn ended before its process group is killed: Claude
   * Code writes the end of its transcript (which a later `session/load` reads) up to about 1.5 s
   * after the turn. Not waited for after a cancel, a failure or a time limit. Default 0.
   */
  stopDelayMs?: number;
}

/** The defaults of {@link AcpAgentOptions}. */
export const acpAgentDefaults = Object.freeze({
  cancelGraceMs: 3_000,
  /** 30 minutes. */
  timeLimitMs: 1_800_000,
  initializeTimeoutMs: 60_000,
});

/** Options after validation, with defaults applied. */
export interface AcpAgentSettings {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  mcpServers: McpServer[];
  permissionPolicy: AcpPermissionPolicy;
  cancelGraceMs: number;
  timeLimitMs: number;
  initializeTimeoutMs: number;
  /** Null only when `unsafeNoSandbox` was given without a sandbox. */
  sandbox: AgentSandbox | null;
  unsafeNoSandbox: boolean;
  /** Values of `env` that name a secret (see {@link secretsOf}): never recorded as they are. */
  secrets: readonly string[];
  sessionMode: string | null;
  stopDelayMs: number;
}

/** Variable names whose values are credentials: an API key, a token, a password. */
const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

/**
 * The values of the variables of `env` whose names say they hold a secret (`OPENAI_API_KEY`,
 * `GITHUB_TOKEN`, ...): an agent may print them (in an error, on stderr, in a message), and what
 * it prints is recorded in the run's events and outcome, so they are replaced there.
 */
export function secretsOf(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => secretName.test(name) && value !== '')
    .map(([, value]) => value);
}

// Node's timers overflow (and fire at once) above 2^31 - 1 ms.
const maxTimerMs = 2_147_483_647;

/**
 * Validates the options of {@link createAcpAgent}, once, at construction.
 * @throws InvalidInputError naming the first bad option.
 */
export function readAcpAgentSettings(options: AcpAgentOptions): AcpAgentSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('createAcpAgent needs options with a command');
  }
  const { command } = options;
  if (typeof command !== 'string' || command.trim() === '' || command.includes('\0')) {
    throw new InvalidInputError(
      'command must be a non-empty string (an absolute path or a name on env.PATH)',
    );
  }
  const args = options.args ?? [];
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string' || arg.includes('\0'))) {
    throw new InvalidInputError('args must be an array of strings');
  }
  const env = readEnvironment(options.env ?? {});
  if (!path.isAbsolute(command) && command.includes('/')) {
    // A relative path would resolve against each run's working copy: a file the agent may have written.
    throw new InvalidInputError(`command ${JSON.stringify(command)} must be an absolute path or a bare name`);
  }
  if (!path.isAbsolute(command) && (env.PATH === undefined || env.PATH === '')) {
    throw new InvalidInputError(
      `command ${JSON.stringify(command)} is a name, but env has no PATH to find it in: give an absolute path or env.PATH`,
    );
  }
  const mcpServers = options.mcpServers ?? [];
  if (
    !Array.isArray(mcpServers) ||
    mcpServers.some((server) => typeof server !== 'object' || server === null)
  ) {
    throw new InvalidInputError('mcpServers must be an array of ACP McpServer objects');
  }
  const permissionPolicy = options.permissionPolicy ?? defaultAcpPermissionPolicy;
  if (typeof permissionPolicy !== 'function') {
    throw new InvalidInputError('permissionPolicy must be a function');
  }
  const unsafeNoSandbox = options.unsafeNoSandbox ?? false;
  if (typeof unsafeNoSandbox !== 'boolean') {
    throw new InvalidInputError('unsafeNoSandbox must be a boolean');
  }
  const { sandbox } = options;
  if (
    sandbox !== undefined &&
    (typeof sandbox !== 'object' ||
      sandbox === null ||
      typeof sandbox.available !== 'function' ||
      typeof sandbox.confine !== 'function')
  ) {
    throw new InvalidInputError('sandbox must be an AgentSandbox (e.g. createBubblewrapSandbox())');
  }
  return {
    command,
    args: [...args],
    // Sandboxed by default: a caller must say `unsafeNoSandbox: true` to run an agent unconfined.
    sandbox: sandbox ?? (unsafeNoSandbox ? null : createBubblewrapSandbox()),
    unsafeNoSandbox,
    env,
    secrets: secretsOf(env),
    mcpServers: [...mcpServers],
    permissionPolicy,
    cancelGraceMs: readDuration('cancelGraceMs', options.cancelGraceMs, 0) ?? acpAgentDefaults.cancelGraceMs,
    timeLimitMs: readDuration('timeLimitMs', options.timeLimitMs, 1) ?? acpAgentDefaults.timeLimitMs,
    initializeTimeoutMs:
      readDuration('initializeTimeoutMs', options.initializeTimeoutMs, 1) ??
      acpAgentDefaults.initializeTimeoutMs,
    sessionMode: readSessionMode(options.sessionMode),
    stopDelayMs: readDuration('stopDelayMs', options.stopDelayMs, 0) ?? 0,
  };
}

function readSessionMode(mode: unknown): string | null {
  if (mode === undefined) return null;
  if (typeof mode !== 'string' || mode.trim() === '') {
    throw new InvalidInputError('sessionMode must be a non-empty mode id (e.g. "acceptEdits")');
  }
  return mode;
}

function readEnvironment(env: unknown): Readonly<Record<string, string>> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidInputError('env must be an object of variable names to string values');
  }
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new InvalidInputError(`env: ${JSON.stringify(name)} is not a valid variable name`);
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new InvalidInputError(`env.${name} must be a string without NUL bytes`);
    }
    copy[name] = value;
  }
  return Object.freeze(copy);
}

function readDuration(name: string, value: number | undefined, min: number): number | null {
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value < min || value > maxTimerMs) {
    throw new InvalidInputError(
      `${name} must be an integer number of milliseconds from ${min} to ${maxTimerMs}`,
    );
  }
  return value;
}
