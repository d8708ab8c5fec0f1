import path from 'node:path';
import type { McpServer } from '@agentclientprotocol/sdk';
import { InvalidInputError } from '@goosuke/core';
import type { AgentSandbox } from './agent-sandbox.ts';
import { createBubblewrapSandbox } from './bubblewrap-sandbox.ts';
import { type AcpPermissionPolicy, defaultAcpPermissionPolicy } from './permission-policy.ts';
import { readPathList } from './sandbox-mounts.ts';

/** Options of {@link createAcpAgent}. */
export interface AcpAgentOptions {
  /** The agent's executable: an absolute path, or a name looked up in `env.PATH` (not this process's PATH). */
  command: string;
  /** Arguments after the command, e.g. `['--acp']`; default none. */
  args?: readonly string[];
  /**
   * The child's whole environment; default empty. Nothing of this process's environment is
   * inherited: a secret reaches the agent only when the caller puts it here. `HOME` and `TMPDIR`
   * are the run's own (see `home`) and may not be declared here; nor may a `homeEnv` name.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * Files written into the run's HOME before the agent starts: paths relative to HOME (relative,
   * normalised, no `..`, no NUL, not empty) → UTF-8 content. Parent directories are made 0700,
   * files 0600; in a kept `home` they are rewritten every run (a symbolic link left on one of
   * these paths is replaced, never followed). Default none.
   */
  homeFiles?: Readonly<Record<string, string>>;
  /**
   * Environment variables given the absolute path of a directory of the run's HOME: variable
   * name → path relative to HOME, validated as `homeFiles`' paths (e.g.
   * `{ CODEX_HOME: '.codex', GOOSE_PATH_ROOT: '.goose' }`). Each directory is created (0700)
   * before the agent starts. A name may not also be in `env`, nor be `HOME` or `TMPDIR`. Default none.
   */
  homeEnv?: Readonly<Record<string, string>>;
  /**
   * An absolute directory the caller keeps as the agent's HOME (a per-task agent home, so that a
   * follow-up run can `session/load` the agent's session): created when missing (0700), used as
   * it is otherwise, never removed; `homeFiles` are rewritten into it each run. It may neither
   * contain the working copy nor lie inside it. Run at most one agent at a time with one `home`.
   * Default: a fresh private HOME per run, removed after it. Either way TMPDIR is fresh per run
   * and removed after it, and both are private to the run, with a sandbox or without one.
   */
  home?: string;
  /**
   * TCP ports of the host's 127.0.0.1 the agent may reach (the model gateway's), at the same
   * address `127.0.0.1:<port>` inside the sandbox, so that URLs need no rewriting; integers from
   * 1 to 65535. Everything else of the network stays unreachable. The sandbox must forward them
   * (the bubblewrap sandbox does, for ports from 1024 up) and lists them in the run's `sandbox`
   * event. Without a sandbox it changes nothing: the agent reaches the whole network anyway, and
   * the run's warning says so. Default none.
   */
  allowLoopbackPorts?: readonly number[];
  /**
   * Absolute paths the agent reads to run (its Node, its package tree, its binary's directory),
   * kept readable (read-only) by the sandbox even inside what it hides, such as the HOME of the
   * user running Goosuke; passed to the sandbox as `AgentLaunch.visiblePaths`. Never `/`. Without
   * a sandbox it changes nothing (everything is visible). Default none.
   */
  visiblePaths?: readonly string[];
  /** MCP servers passed as they are to `session/new`; default none. */
  mcpServers?: readonly McpServer[];
  /** Decides each `session/request_permission`; default {@link defaultAcpPermissionPolicy}. */
  permissionPolicy?: AcpPermissionPolicy;
  /** After a cancel, how long the agent may take to end its turn before its process group is killed; default 3000 ms. */
  cancelGraceMs?: number;
  /** Wall-clock limit of the prompt turn; default 30 minutes. */
  timeLimitMs?: number;
  /**
   * Limit of `initialize` plus `session/load` and/or `session/new` and `session/set_mode` (agents
   * start slowly: Claude's session/new takes ~1.6 s); default 60 s.
   */
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
  /**
   * When the agent is done after its turn, sooner than `stopDelayMs`: polled every
   * {@link stopPollMs} ms during that delay (given the run's HOME and the session's id), the group
   * is killed as soon as it resolves true (Claude Code: once its transcript ends with the turn's
   * last message). A rejection counts as false. Default none: the whole delay is waited for (or the
   * agent's exit).
   */
  stopWhen?: (context: { home: string; sessionId: string }) => Promise<boolean>;
  /**
   * The first signal of the group's stop after a turn: `SIGTERM` (default; SIGKILL follows after
   * a second) or `SIGKILL` for an agent whose shutdown does harm (Claude Code's metrics exporter
   * calls api.anthropic.com on SIGTERM). A cancel, a failure or a time limit always begin with
   * SIGTERM.
   */
  stopSignal?: 'SIGTERM' | 'SIGKILL';
  /**
   * Paths relative to the working copy where the agent keeps state of its own, not the user's
   * change (Claude Code's `.claude/settings.local.json`, which it writes when an edit is allowed):
   * each one the agent creates during the run is removed after it (with the directories it made
   * for it, when left empty), so it never lands in the run's commit. One the repository already
   * had is left alone. Validated as `homeFiles`' paths. Default none.
   */
  agentStatePaths?: readonly string[];
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
  /** Null for a fresh HOME per run; else the caller's kept HOME, absolute. */
  home: string | null;
  homeFiles: Readonly<Record<string, string>>;
  homeEnv: Readonly<Record<string, string>>;
  /** Sorted, without duplicates. */
  allowLoopbackPorts: readonly number[];
  /** Absolute, normalised, in the order given. */
  visiblePaths: readonly string[];
  /** Values of `env` that name a secret (see {@link secretsOf}): never recorded as they are. */
  secrets: readonly string[];
  sessionMode: string | null;
  stopDelayMs: number;
  stopWhen: ((context: { home: string; sessionId: string }) => Promise<boolean>) | null;
  stopSignal: 'SIGTERM' | 'SIGKILL';
  agentStatePaths: readonly string[];
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
  const homeEnv = readHomePaths('homeEnv', options.homeEnv, (name, value) => {
    if (!validVariableName(name)) {
      throw new InvalidInputError(`homeEnv: ${JSON.stringify(name)} is not a valid variable name`);
    }
    if (name in env || ownVariables.includes(name)) {
      throw new InvalidInputError(
        `homeEnv.${name} is also ${name in env ? 'in env' : "the run's own"}: a variable has one value`,
      );
    }
    return value;
  });
  const homeFiles = readHomePaths('homeFiles', options.homeFiles, (name, value) => {
    if (typeof value !== 'string')
      throw new InvalidInputError(`homeFiles[${JSON.stringify(name)}] must be a string`);
    return name;
  });
  refuseFilesAboveOthers(Object.keys(homeFiles), Object.values(homeEnv));
  return {
    command,
    args: [...args],
    home: readHome(options.home),
    homeFiles,
    homeEnv,
    allowLoopbackPorts: readPorts(options.allowLoopbackPorts),
    visiblePaths: readPathList('visiblePaths', options.visiblePaths),
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
    stopWhen: readStopWhen(options.stopWhen),
    stopSignal: readStopSignal(options.stopSignal),
    agentStatePaths: readAgentStatePaths(options.agentStatePaths),
  };
}

function readSessionMode(mode: unknown): string | null {
  if (mode === undefined) return null;
  if (typeof mode !== 'string' || mode.trim() === '') {
    throw new InvalidInputError('sessionMode must be a non-empty mode id (e.g. "acceptEdits")');
  }
  return mode;
}

/** The variables every run sets itself, whatever the caller declares. */
const ownVariables = ['HOME', 'TMPDIR'];

const validVariableName = (name: string) => name !== '' && !name.includes('=') && !name.includes('\0');

function readEnvironment(env: unknown): Readonly<Record<string, string>> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidInputError('env must be an object of variable names to string values');
  }
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!validVariableName(name)) {
      throw new InvalidInputError(`env: ${JSON.stringify(name)} is not a valid variable name`);
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new InvalidInputError(`env.${name} must be a string without NUL bytes`);
    }
    if (ownVariables.includes(name)) {
      // Silently replacing it would hide from the caller that the agent gets another HOME.
      throw new InvalidInputError(
        `env.${name} cannot be declared: the run's ${name} is its own (a private one${name === 'HOME' ? ', or the home option' : ''})`,
      );
    }
    copy[name] = value;
  }
  return Object.freeze(copy);
}

/**
 * `homeFiles` or `homeEnv`: an object whose keys (files) or values (directories), relative paths
 * under HOME, are checked by {@link checkHomePath}; `check(key, value)` validates the rest and
 * returns the path of the entry.
 */
function readHomePaths(
  option: 'homeFiles' | 'homeEnv',
  value: unknown,
  check: (key: string, value: unknown) => unknown,
): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      option === 'homeFiles'
        ? 'homeFiles must be an object of paths relative to HOME to file contents'
        : 'homeEnv must be an object of variable names to paths relative to HOME',
    );
  }
  const copy: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    const checked = check(key, entry);
    checkHomePath(option, checked);
    copy[key] = entry as string;
  }
  return Object.freeze(copy);
}

/** A path under HOME (or `base`): relative, normalised (`a/b`, no `.`, `..`, `//` or trailing `/`), no NUL, not empty. */
function checkHomePath(option: string, candidate: unknown, base = 'HOME'): asserts candidate is string {
  const shown = JSON.stringify(candidate);
  if (typeof candidate !== 'string' || candidate === '') {
    throw new InvalidInputError(
      `${option}: ${shown} is not a path: give a non-empty path relative to ${base}`,
    );
  }
  if (candidate.includes('\0')) throw new InvalidInputError(`${option}: ${shown} contains a NUL byte`);
  if (path.posix.isAbsolute(candidate)) {
    throw new InvalidInputError(`${option}: ${shown} is absolute: give a path relative to ${base}`);
  }
  if (candidate === '.')
    throw new InvalidInputError(`${option}: "." is ${base} itself: give a path under ${base}`);
  const parts = candidate.split('/');
  if (parts.includes('..'))
    throw new InvalidInputError(`${option}: ${shown} contains "..": it must stay under ${base}`);
  if (parts.some((part) => part === '' || part === '.')) {
    throw new InvalidInputError(
      `${option}: ${shown} is not normalised (write it as ${JSON.stringify(path.posix.normalize(candidate).replace(/\/$/, ''))})`,
    );
  }
}

/** `agentStatePaths`: an array of paths relative to the working copy, checked as HOME's are. */
function readAgentStatePaths(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new InvalidInputError('agentStatePaths must be an array of paths relative to the working copy');
  }
  for (const entry of value) checkHomePath('agentStatePaths', entry, 'the working copy');
  return Object.freeze([...new Set(value as string[])]);
}

/** A file of `homeFiles` cannot also be a directory on the way to another file or a `homeEnv` directory. */
function refuseFilesAboveOthers(files: readonly string[], directories: readonly string[]): void {
  for (const file of files) {
    const clash = directories.includes(file)
      ? file
      : [...files, ...directories].find((other) => other.startsWith(`${file}/`));
    if (clash !== undefined) {
      throw new InvalidInputError(
        `homeFiles: ${JSON.stringify(file)} is a file, but ${JSON.stringify(clash)} needs it as a directory`,
      );
    }
  }
}

function readHome(home: unknown): string | null {
  if (home === undefined) return null;
  if (typeof home !== 'string' || !path.isAbsolute(home) || home.includes('\0')) {
    throw new InvalidInputError(`home must be an absolute directory path, got ${JSON.stringify(home)}`);
  }
  return path.resolve(home);
}

function readPorts(ports: unknown): readonly number[] {
  if (ports === undefined) return Object.freeze([]);
  if (!Array.isArray(ports)) throw new InvalidInputError('allowLoopbackPorts must be an array of TCP ports');
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new InvalidInputError(
        `allowLoopbackPorts: ${JSON.stringify(port)} is not a TCP port (an integer from 1 to 65535)`,
      );
    }
  }
  return Object.freeze([...new Set(ports as number[])].sort((a, b) => a - b));
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

/** How often `stopWhen` is asked during the stop delay. */
export const stopPollMs = 50;

/** `stopWhen`: a function, or absent. */
function readStopWhen(value: unknown): AcpAgentSettings['stopWhen'] {
  if (value === undefined) return null;
  if (typeof value !== 'function') throw new InvalidInputError('stopWhen must be a function');
  return value as NonNullable<AcpAgentSettings['stopWhen']>;
}

/** `stopSignal`: `SIGTERM` (default) or `SIGKILL`. */
function readStopSignal(value: unknown): AcpAgentSettings['stopSignal'] {
  if (value === undefined) return 'SIGTERM';
  if (value !== 'SIGTERM' && value !== 'SIGKILL') {
    throw new InvalidInputError(`stopSignal must be SIGTERM or SIGKILL, not ${JSON.stringify(value)}`);
  }
  return value;
}
