import type { AgentWire } from '../domain/agent.ts';
import type { ModelPrice } from '../models/model-prices.ts';
import type { TokenUsage } from './language-model.ts';

/** One model call an agent made through the gateway, as its run's ledger records it. */
export interface GatewayCall {
  readonly wire: AgentWire;
  /** The request path under the lease's base URL, e.g. `/v1/messages` (no query string). */
  readonly path: string;
  /** The model the call was forwarded with (the profile's, whatever the agent asked for). */
  readonly model: string;
  /** The upstream's HTTP status, or the gateway's own refusal status. */
  readonly status: number;
  /** Tokens the upstream reported for the call; null when it reported none (an error, a count). */
  readonly usage: TokenUsage | null;
  /** The call's cost at the lease's price; null when the price or the usage is unknown. */
  readonly costUsd: number | null;
  readonly durationMs: number;
  /** Why the gateway refused the call without forwarding it, or null when it forwarded it. */
  readonly refused: 'budget' | null;
}

/** Spending limits of one lease; a call is refused once either is reached. */
export interface GatewayLimits {
  readonly maxCostUsd?: number | null;
  readonly maxTokens?: number | null;
}

/** Options of {@link ModelGateway.open}: one run's endpoint. */
export interface GatewayLeaseOptions {
  /** For logs and errors only. */
  readonly runId: string;
  readonly wire: AgentWire;
  /**
   * Where calls go, with the real key: `baseUrl` as the provider's SDK takes it
   * (`https://api.openai.com/v1`, `https://api.anthropic.com`,
   * `https://generativelanguage.googleapis.com`, an OpenAI-compatible server's `.../v1`).
   */
  readonly upstream: { readonly baseUrl: string; readonly apiKey: string };
  /** The model every call is forwarded with (agents such as Claude Code choose their own names). */
  readonly model: string;
  /** The model's price, for costs and `maxCostUsd`; null when unknown (costs are then null). */
  readonly price: ModelPrice | null;
  readonly limits?: GatewayLimits;
  /** Told about every call after it ended (streams: after the last byte). Must not throw. */
  readonly onCall?: (call: GatewayCall) => void;
}

/** Totals of a lease so far. */
export interface GatewayTotals {
  readonly calls: number;
  readonly usage: TokenUsage;
  /** Null when a call's cost was unknown. */
  readonly costUsd: number | null;
}

/**
 * One run's endpoint on the gateway. The agent gets `baseUrl` and `token` and nothing else: the
 * token is valid for this lease only and stops working when the lease is closed.
 */
export interface GatewayLease {
  /**
   * The root under which the wire's usual paths are served (`/v1/messages`, `/v1/responses`,
   * `/v1/chat/completions`, `/v1/models`, `/v1beta/models/...`): what the agent takes as its
   * provider base URL (for OpenAI wires append `/v1`).
   */
  readonly baseUrl: string;
  /** The run token the agent sends as its API key (any of the wire's usual auth headers). */
  readonly token: string;
  totals(): GatewayTotals;
  /** True once a call was refused because a limit was reached. */
  budgetExceeded(): boolean;
  /** Revokes the token and waits for the lease's calls in flight to end. Idempotent. */
  close(): Promise<void>;
}

/**
 * A loopback reverse proxy between agents and model providers: per-run endpoints that check a
 * run token, set the model, forward with the real key, stream replies back and meter usage.
 */
export interface ModelGateway {
  /** The gateway's own origin, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  open(options: GatewayLeaseOptions): Promise<GatewayLease>;
  /** Revokes every lease and stops listening. Idempotent. */
  close(): Promise<void>;
}
