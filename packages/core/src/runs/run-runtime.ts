import type { ModelProfile, Repo, Run } from '../domain/index.ts';
import type { ModelPriceOverrides } from '../models/model-prices.ts';
import type { Agent } from '../ports/agent.ts';
import type { AgentHost } from '../ports/agent-host.ts';
import type { BuiltinExtensions } from '../ports/builtin-extensions.ts';
import type { ExtensionConnector } from '../ports/extension-connector.ts';
import type { GitAuth, GitAuthor, GitBackend } from '../ports/git-backend.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { LanguageModel } from '../ports/language-model.ts';
import type { ModelGateway } from '../ports/model-gateway.ts';

/**
 * Turns a stored model profile into a ready LanguageModel. The composition root knows the
 * provider packages and where keys come from: `apiKey` is the profile's decrypted key, or null
 * when none is stored (the root may then use the ecosystem's environment variable, e.g.
 * `OPENAI_API_KEY`). Throws a GoosukeError (`secret_key`/`invalid_input`) when no key can be found.
 */
export type LanguageModelResolver = (
  profile: ModelProfile,
  apiKey: string | null,
) => LanguageModel | Promise<LanguageModel>;

/** Where runs keep their files; the composition root chooses (e.g. under `GOOSUKE_DATA_DIR`). */
export interface RunLayout {
  /** The local clone of `repo`, made once and fetched before runs. */
  cloneDir(repo: Repo): string;
  /**
   * The working copy of the run with this id; it exists only while the run executes. The same for
   * an id every time: a follow-up of an agent run has its copy made in the directory of the run
   * whose agent session it continues (agents key their sessions by directory).
   */
  workingCopyDir(run: Pick<Run, 'id'>): string;
}

/** What executing runs needs besides the store: the queue, git, the models and the file layout. */
export interface RunRuntime {
  queue: JobQueue;
  git: GitBackend;
  languageModels: LanguageModelResolver;
  layout: RunLayout;
  /**
   * Credentials for cloning and fetching a repository (a private GitHub repository, say), asked
   * for each clone or fetch and passed to that call only; undefined for none. `fresh` asks for
   * newly obtained credentials, for one retry after the server refused the previous ones.
   * `createGoosuke` fills it from its `codeHosts` when not given.
   */
  gitAuth?: (repoUrl: string, options?: { fresh?: boolean }) => Promise<GitAuth | undefined>;
  /** Starts coding agents for agent runs (`@goosuke/acp`); without it agent runs fail `unsupported`. */
  agentHost?: AgentHost;
  /** Serves agents' model calls with the real key and meters them; agent runs need it. */
  modelGateway?: ModelGateway;
  /**
   * Connects model runs to their MCP extensions (`@goosuke/mcp`'s `createMcpExtensionConnector`);
   * without it, a model run given extensions runs without their tools and says so. Agent runs
   * do not use it: their agents start or reach the servers themselves.
   */
  extensionConnector?: ExtensionConnector;
  /**
   * Serves Goosuke's built-in extensions (`discord`) to runs; the CLI's Discord bot registers
   * itself. Without it, runs given a built-in extension go without it.
   */
  builtinExtensions?: BuiltinExtensions;
  /**
   * Where a profile's model calls go and with which key, for the model gateway: `apiKey` is the
   * profile's decrypted key or null. Default: the profile's `baseUrl`, else the provider's public
   * endpoint, with the stored key (SecretKeyError-like `invalid_input` when none). The
   * composition root may fall back to the environment's keys, as its language models do.
   */
  modelEndpoint?: (profile: ModelProfile, apiKey: string | null) => ModelEndpoint | Promise<ModelEndpoint>;
}

/** Where a profile's calls go: the provider's base URL as its SDK takes it, and the key. */
export interface ModelEndpoint {
  baseUrl: string;
  apiKey: string;
}

/** What chooses the agent of a run; the default is Goosuke's edit agent on the run's model. */
export type AgentFactory = (context: { run: Run; profile: ModelProfile; model: LanguageModel }) => Agent;

/** How runs execute. Every field has a default. */
export interface RunSettings {
  /** Per-model price overrides keyed `provider:model` (see resolveModelPrice). */
  prices?: ModelPriceOverrides;
  /**
   * How many times a run whose worker died (its job's lease expired) is started over before it
   * fails with reason `interrupted`. Default 1.
   */
  maxInterruptedRetries?: number;
  /** Model calls the edit agent makes per run before giving up on edits that do not apply. Default 3. */
  maxEditAttempts?: number;
  /** Globs no run may change; default the edit engine's defaultForbiddenPaths. */
  forbiddenPaths?: readonly string[];
  /** Replaces the default edit agent (agent CLIs, tests). */
  createAgent?: AgentFactory;
  /** The author of run commits; default `Goosuke <goosuke@localhost>`. */
  author?: GitAuthor;
}

/** Options of {@link RunWorkers}: how many runs execute at once. */
export interface RunWorkerOptions {
  /** Runs executing at once in this process. Default 4. */
  concurrency?: number;
  /**
   * Runs executing at once per provider (`openai`, `anthropic`, `google`, `openai-compatible`);
   * a provider not named here is bounded by `concurrency` only.
   */
  perProvider?: Partial<Record<ModelProfile['provider'], number>>;
  /** How often to look for runs whose job was lost or given up, in milliseconds. Default 30,000. */
  recoverEveryMs?: number;
}

/** Options of {@link RunWorkers.stop}. */
export interface RunWorkersStopOptions {
  /**
   * A graceful stop: take no new run at once, let the running ones finish for up to this many
   * milliseconds, then cancel those still running. A run canceled this way ends `canceled`,
   * with a `run-log` event before its `run-canceled` saying so (`data.reason: 'shutdown'`);
   * it is not resumed. Runs still queued stay queued for the next start. Without `graceMs`,
   * running runs are interrupted at once and resume (start over) on the next start.
   */
  graceMs?: number;
}

/** What {@link RunWorkers.stop} did. */
export interface RunWorkersStopped {
  /** The runs a graceful stop canceled because they outlasted the grace period. */
  canceled: string[];
}

/** Workers executing runs in this process; see `RunService.startWorkers`. */
export interface RunWorkers {
  /**
   * Stops taking runs, then ends the running ones: at once (interrupted, they resume on the
   * next start) or after a grace period (see {@link RunWorkersStopOptions.graceMs}); resolves
   * once the queue is closed. Idempotent: later calls return the first call's promise.
   */
  stop(options?: RunWorkersStopOptions): Promise<RunWorkersStopped>;
  /** The ids of the runs this process executes now. */
  running(): string[];
  /** Resolves once no run is queued or running in this process's queue. */
  drain(): Promise<void>;
}

/** The branch that holds a run's commit. */
export function runBranchName(runId: string): string {
  return `goosuke/run-${runId}`;
}

/** The run whose branch `ref` names (see {@link runBranchName}), or null. */
export function runIdOfBranch(ref: string | null): string | null {
  const match = /^goosuke\/run-(.+)$/.exec(ref ?? '');
  return match === null ? null : match[1]!;
}
