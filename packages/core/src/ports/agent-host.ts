import type { AgentDefinition, AgentInstallation, BuiltInAgent } from '../domain/agent.ts';
import type { ExtensionType } from '../domain/extension.ts';
import type { ModelProfile } from '../domain/model-profile.ts';
import type { Agent } from './agent.ts';

/** The agent a run names, resolved: a built-in one or an administrator's definition. */
export type AgentSpec =
  | { readonly kind: 'built-in'; readonly agent: BuiltInAgent }
  | { readonly kind: 'custom'; readonly definition: AgentDefinition };

/** What {@link AgentHost.create} needs for one run. */
export interface AgentRunRequest {
  readonly runId: string;
  /** The task's id: an agent home kept per task lets a follow-up continue the agent's session. */
  readonly taskId: string;
  readonly spec: AgentSpec;
  /** The profile the run's model calls go to (through the gateway; the agent never sees its key). */
  readonly profile: ModelProfile;
  /**
   * The run's endpoint on the model gateway: the base URL the agent takes as its provider's and
   * the run token it sends as its API key. The only credential the agent gets.
   */
  readonly gateway: { readonly baseUrl: string; readonly token: string };
  /** Whether the run may answer the agent's shell-command permission requests with yes. */
  readonly allowShell: boolean;
  /**
   * The run's MCP extensions, secrets opened: the host gives them to the agent (ACP
   * `session/new`'s `mcpServers`) in a transport it supports, bridging one it lacks. The agent
   * sees every value here. None when absent.
   */
  readonly extensions?: readonly AgentExtension[];
}

/** One MCP extension of an agent run, as the agent host needs it to hand it to the agent. */
export interface AgentExtension {
  readonly id: string;
  readonly name: string;
  readonly type: ExtensionType;
  /** `stdio`: the executable, its arguments, its working directory (null: the run's) and environment. */
  readonly command: string | null;
  readonly args: readonly string[];
  readonly cwd: string | null;
  readonly env: Readonly<Record<string, string>>;
  /** `sse`, `streamable_http`: the endpoint and the headers sent with every request. */
  readonly url: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

/**
 * Starts coding agents (Claude Code, Codex, Gemini CLI, Goose, custom ACP programs) for runs:
 * finds them on the host, launches them confined, and drives them as an {@link Agent}. The
 * composition root provides it (`@goosuke/acp`'s `createAcpAgentHost`); without one, agent
 * runs fail with `unsupported`.
 */
export interface AgentHost {
  /** Whether `spec` can be started here, and which version. Never rejects. */
  inspect(spec: AgentSpec): Promise<AgentInstallation>;
  /**
   * The Agent for one run. The Agent's `run` gets the run's working copy (which it may write in
   * place: runs of agents get copies that share no file with any other).
   */
  create(request: AgentRunRequest): Agent;
}
