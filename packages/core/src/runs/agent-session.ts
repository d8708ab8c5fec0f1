import type { ModelProfile, Run, Task, Usage } from '../domain/index.ts';
import { InvalidInputError, UnsupportedError } from '../errors/index.ts';
import type { ModelPrice } from '../models/model-prices.ts';
import type { Agent } from '../ports/agent.ts';
import type { AgentExtension, AgentSpec } from '../ports/agent-host.ts';
import type { GatewayCall, GatewayLease } from '../ports/model-gateway.ts';
import { agentWireOf } from '../services/run-agents.ts';
import type { RunEventInput } from './run-events.ts';
import type { ModelEndpoint, RunRuntime } from './run-runtime.ts';

/** The provider's public endpoint, as its SDK takes it, for profiles without a `baseUrl`. */
const publicEndpoints: Readonly<Record<ModelProfile['provider'], string | null>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com',
  'openai-compatible': null,
};

/**
 * The public endpoint of `provider` as its SDK takes it (`https://api.openai.com/v1`,
 * `https://api.anthropic.com`, `https://generativelanguage.googleapis.com`); null for
 * `openai-compatible`, which has none.
 */
export function publicModelEndpoint(provider: ModelProfile['provider']): string | null {
  return publicEndpoints[provider];
}

/** RunRuntime.modelEndpoint's default: the profile's base URL or the public one, with the stored key. */
export function defaultModelEndpoint(profile: ModelProfile, apiKey: string | null): ModelEndpoint {
  const baseUrl = profile.baseUrl ?? publicEndpoints[profile.provider];
  if (baseUrl === null) {
    throw new InvalidInputError(`model profile ${profile.displayName} has no base URL; set one`);
  }
  if (apiKey === null) {
    throw new InvalidInputError(
      `model profile ${profile.displayName} has no API key: store one with the profile (agents get their calls through Goosuke's gateway, which needs it)`,
    );
  }
  return { baseUrl, apiKey };
}

/** One agent run's agent and its gateway lease. */
export interface AgentSession {
  agent: Agent;
  lease: GatewayLease;
}

/**
 * Opens the run's endpoint on the model gateway (the real key stays there; the agent gets the
 * lease's URL and token) and asks the agent host for the run's Agent. UnsupportedError when the
 * runtime has no agent host or gateway. The caller closes the lease when the agent has ended.
 */
export async function openAgentSession(context: {
  runtime: RunRuntime;
  run: Run;
  task: Task;
  spec: AgentSpec;
  profile: ModelProfile;
  apiKey: string | null;
  price: ModelPrice | null;
  onCall: (call: GatewayCall) => void;
  /** The run's extensions, secrets opened, for the agent. */
  extensions: readonly AgentExtension[];
}): Promise<AgentSession> {
  const { runtime, run, profile } = context;
  const host = runtime.agentHost;
  const gateway = runtime.modelGateway;
  if (host === undefined || gateway === undefined) {
    throw new UnsupportedError(
      'agent runs need an agent host and a model gateway: this Goosuke was built without them (the CLI and server build both)',
    );
  }
  const endpoint = await (runtime.modelEndpoint ?? defaultModelEndpoint)(profile, context.apiKey);
  const lease = await gateway.open({
    runId: run.id,
    wire: agentWireOf(context.spec),
    upstream: endpoint,
    model: profile.modelName,
    price: context.price,
    limits: { maxCostUsd: run.maxCostUsd, maxTokens: run.maxTokens },
    onCall: context.onCall,
  });
  try {
    const agent = host.create({
      runId: run.id,
      taskId: context.task.id,
      spec: context.spec,
      profile,
      gateway: { baseUrl: lease.baseUrl, token: lease.token },
      allowShell: run.allowShell,
      extensions: context.extensions,
    });
    return { agent, lease };
  } catch (error) {
    await lease.close();
    throw error;
  }
}

/** The `run-tokens` event of one gateway call, with the run's totals after it. */
export function gatewayCallEvent(call: GatewayCall, total: Usage): RunEventInput {
  return {
    type: 'run-tokens',
    level: call.refused === null ? 'info' : 'warn',
    message:
      call.refused === null
        ? `model call ${call.path}: ${call.status}`
        : `model call ${call.path} refused: budget exceeded`,
    data: {
      call: call.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      total,
      gateway: {
        path: call.path,
        status: call.status,
        durationMs: call.durationMs,
        costUsd: call.costUsd,
        refused: call.refused,
      },
    },
  };
}
