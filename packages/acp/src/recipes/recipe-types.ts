import type { AcpPermissionPolicy } from '../permission-policy.ts';

/** The run's endpoint on the model gateway, as `AgentRunRequest.gateway` gives it. */
export interface GatewayCoordinates {
  /** `http://127.0.0.1:PORT[/prefix]`: the root under which the wire's usual paths are served. */
  readonly baseUrl: string;
  /** The run token the agent sends as its API key. */
  readonly token: string;
}

/**
 * How an agent's executable is started: a JavaScript entry point run with Node (`node`: the npm
 * agents, whose bin is a script), or a native executable run as it is (`exec`: Goose, Codex's
 * platform binary).
 */
export interface AgentExecutable {
  /** Absolute path of the script or binary. */
  readonly path: string;
  readonly runWith: 'node' | 'exec';
}

/** What a built-in agent's recipe is built from: everything it needs, nothing read from the process. */
export interface AgentRecipeInput {
  readonly gateway: GatewayCoordinates;
  /** The model the run's profile names (`profile.modelName`); the gateway forwards with it anyway. */
  readonly model: string;
  readonly executable: AgentExecutable;
  /** Whether the run may answer the agent's shell-command (`execute`) permission requests with yes. */
  readonly allowShell: boolean;
  /**
   * The Node binary, absolute: it runs `node` executables, and its directory leads the agent's
   * PATH (Claude Code and Gemini CLI start more Node processes by name). Default `process.execPath`.
   */
  readonly nodePath?: string;
}

/**
 * The part of `createAcpAgent`'s options a recipe decides: how the agent is launched, what it
 * finds in its environment and home, and how its permission requests are answered. The host adds
 * the sandbox, the home directory and the time limits.
 */
export interface AgentLaunchRecipe {
  /** Absolute path of the program started (Node for script agents). */
  readonly command: string;
  readonly args: readonly string[];
  /**
   * The agent's whole environment: an allowlist built from the input alone (PATH, LANG, the
   * gateway coordinates, the token, the agent's switches). Nothing of `process.env`.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Files written in the agent's HOME before it starts (paths relative to HOME → content). */
  readonly homeFiles: Readonly<Record<string, string>>;
  /** Variables given the absolute path of a directory under HOME (name → path relative to HOME). */
  readonly homeEnv: Readonly<Record<string, string>>;
  /** The ACP session mode set after `session/new`, or undefined for none. */
  readonly sessionMode: string | undefined;
  /** How long the agent may go on after its turn ended before its process group is killed. */
  readonly stopDelayMs: number;
  /** When the agent is done sooner than `stopDelayMs` after its turn (`AcpAgentOptions.stopWhen`). */
  readonly stopWhen?: (context: { home: string; sessionId: string }) => Promise<boolean>;
  /** The first signal of the stop after a turn (`AcpAgentOptions.stopSignal`). */
  readonly stopSignal?: 'SIGTERM' | 'SIGKILL';
  /** The agent's own state files in the working copy, removed after the run (`AcpAgentOptions.agentStatePaths`). */
  readonly agentStatePaths?: readonly string[];
  /** The host loopback ports the agent may reach from inside the sandbox: the gateway's. */
  readonly allowLoopbackPorts: readonly number[];
  /** Decides the agent's permission requests (normalised first for agents that send no `kind`). */
  readonly permissionPolicy: AcpPermissionPolicy;
}

/** A built-in agent's recipe: a pure function of its input. */
export type AgentRecipe = (input: AgentRecipeInput) => AgentLaunchRecipe;
