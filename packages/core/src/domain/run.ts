import { z } from 'zod';
import { IllegalTransitionError } from '../errors/index.ts';
import { agentNameSchema } from './agent.ts';
import { idSchema, type JsonValue, jsonObjectSchema, timestampSchema } from './common.ts';
import { runExtensionSchema } from './extension.ts';

/**
 * What executes a run: an API model driven by Goosuke's own agent loop (`model`), or a coding
 * agent over the Agent Client Protocol (`agent`: a built-in one such as `claude-code` or a custom
 * one, by name) whose model calls go through the model gateway to `modelProfileId`'s provider.
 * `modelProfileId` of an agent run is null only for runs stored before agents ran (the
 * `agent-cli` executors of earlier versions, migrated).
 */
export const executorSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('model'), modelProfileId: idSchema }),
    z.object({ kind: z.literal('agent'), agent: agentNameSchema, modelProfileId: idSchema.nullable() }),
  ])
  .meta({ id: 'Executor' });
/** A run's executor. */
export type Executor = z.infer<typeof executorSchema>;

/**
 * How people see a run's executor: the model profile's display name (`profile`, the one
 * `modelProfileId` names, or null when unknown or deleted: the id then), for an agent run
 * `<agent> on <display name>` (the agent's name alone without a profile).
 */
export function executorLabel(executor: Executor, profile: { displayName: string } | null): string {
  if (executor.kind === 'model') return profile?.displayName ?? executor.modelProfileId;
  return profile === null ? executor.agent : `${executor.agent} on ${profile.displayName}`;
}

/** A run's lifecycle. Terminal: succeeded, failed, canceled. */
export const runStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed', 'canceled'])
  .meta({ id: 'RunStatus' });
/** A run status. */
export type RunStatus = z.infer<typeof runStatusSchema>;

/** One file a run changed, with line counts. */
export const fileChangeSummarySchema = z
  .object({
    path: z.string().min(1),
    /** The previous path for a rename, else null. */
    oldPath: z.string().min(1).nullable(),
    status: z.enum(['added', 'modified', 'deleted', 'renamed']),
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
  })
  .meta({ id: 'FileChangeSummary' });
/** A changed file of a run. */
export type FileChangeSummary = z.infer<typeof fileChangeSummarySchema>;

/** Tokens used and their cost. Cost is null when the price of the model is unknown. */
export const usageSchema = z
  .object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cachedInputTokens: z.number().int().nonnegative(),
    costUsd: z.number().nonnegative().nullable(),
  })
  .meta({ id: 'Usage' });
/** Token usage and cost. */
export type Usage = z.infer<typeof usageSchema>;

/** Why a run failed, safe to show: a code and a message without secrets. */
export const runErrorSchema = z
  .object({ code: z.string().min(1), message: z.string() })
  .meta({ id: 'RunError' });
/** A run's failure reason. */
export type RunError = z.infer<typeof runErrorSchema>;

/**
 * Why a run starts from its base, chosen when the run is created, in this order: an explicit
 * `baseRef` (`explicit-ref`); an explicit `fromRun` (`from-run`); the branch of the task's open
 * pull request (`pull-request`); the task's chosen run (`chosen-run`, see `Task.chosenRunId`);
 * the task's base branch (`base-branch`). The run ids and the pull request name where it came from.
 */
export const runBaseSourceSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('explicit-ref') }),
    z.object({ kind: z.literal('from-run'), runId: idSchema }),
    z.object({
      kind: z.literal('pull-request'),
      pullRequestId: idSchema,
      number: z.number().int().positive(),
    }),
    z.object({ kind: z.literal('chosen-run'), runId: idSchema }),
    z.object({ kind: z.literal('base-branch') }),
  ])
  .meta({ id: 'RunBaseSource' });
/** Where a run's base came from. */
export type RunBaseSource = z.infer<typeof runBaseSourceSchema>;

/**
 * The session a coding agent ran a run in. A follow-up run of the same agent on the run's result
 * continues it (ACP `session/load`) in the same agent HOME (kept per task) and in a working copy
 * made at the same path, since agents key their sessions by directory.
 */
export const runAgentSessionSchema = z
  .object({
    /** The agent's own session id. */
    id: z.string().min(1).max(500),
    /**
     * The run whose working-copy directory the session was made in (its cwd): this run's own id
     * for a new session, the earlier run's for a continued one.
     */
    directoryRunId: idSchema,
    /** Whether this run continued an earlier run's session rather than starting one. */
    resumed: z.boolean(),
  })
  .strict()
  .meta({ id: 'RunAgentSession' });
/** The session a coding agent ran a run in. */
export type RunAgentSession = z.infer<typeof runAgentSessionSchema>;

/**
 * One executor's attempt at the latest user message of a task. Runs of one message run in
 * parallel, each in its own working copy, and end as comparable records.
 */
export const runSchema = z
  .object({
    id: idSchema,
    taskId: idSchema,
    messageId: idSchema,
    executor: executorSchema,
    instruction: z.string().min(1).max(1_000_000),
    /**
     * The ref the run started from (`main`, a pull request's branch, an earlier run's branch);
     * null for a text run that builds on no earlier answer.
     */
    baseRef: z.string().min(1).nullable(),
    /**
     * Why the run starts from `baseRef` (see {@link runBaseSourceSchema}); null when `baseRef` is
     * null, and for runs recorded before Goosuke kept it.
     */
    baseSource: runBaseSourceSchema.nullable(),
    /** The commit `baseRef` resolved to when the run started. */
    baseCommit: z.string().min(1).nullable(),
    /** The branch holding the run's commit, once there is one. */
    workingBranch: z.string().min(1).nullable(),
    status: runStatusSchema,
    /** The executor's own summary of what it did, or the text answer of a text task. */
    summary: z.string().nullable(),
    /** Unified diff of the run's change against `baseCommit`. */
    patch: z.string().nullable(),
    filesChanged: z.array(fileChangeSummarySchema),
    warnings: z.array(z.string()),
    error: runErrorSchema.nullable(),
    usage: usageSchema.nullable(),
    createdAt: timestampSchema,
    startedAt: timestampSchema.nullable(),
    completedAt: timestampSchema.nullable(),
    /**
     * When a cancel was asked for while the run was running and its worker had not stopped it yet
     * (a worker in another process, or one that died): the run ends `canceled` when its worker
     * (or recovery, for a dead one) takes the cancel in. Null when none was asked.
     */
    cancelRequestedAt: timestampSchema.nullable(),
    /**
     * The most the run may spend, in US dollars at the model's price (null: no limit). Once its
     * calls reach it, the run's next model call is refused and the run fails `budget_exceeded`.
     * A limit on a model without a known price cannot be checked and fails the run at its start.
     */
    maxCostUsd: z.number().positive().max(1_000_000).nullable(),
    /** The most input plus output tokens the run may use (null: no limit); as `maxCostUsd`. */
    maxTokens: z.number().int().positive().max(1_000_000_000).nullable(),
    /**
     * Whether an agent run may be granted the shell commands its agent asks permission for (the
     * sandbox still confines them). False for model runs, and by default.
     */
    allowShell: z.boolean(),
    /**
     * The agent session an agent run ran in, when a later run may continue it; null for model
     * runs, agents whose sessions cannot be loaded, and runs that did not get as far.
     */
    agentSession: runAgentSessionSchema.nullable(),
    /**
     * The MCP extensions the run was given (see {@link runExtensionSchema}): the union of its
     * template's and action's, its task's, its own and those always on, fixed when the run is
     * created; each server's reported name and version is filled in as the run connects. Empty
     * for runs stored before extensions ran.
     */
    extensions: z.array(runExtensionSchema),
  })
  .meta({ id: 'Run' });
/** A run. */
export type Run = z.infer<typeof runSchema>;

const runTransitions: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'canceled', 'failed'],
  running: ['succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

/** True for statuses a run never leaves. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return runTransitions[status].length === 0;
}

/** Whether a run may move from `from` to `to`. */
export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return runTransitions[from].includes(to);
}

/** What a status change records beside the status. */
export interface RunTransition {
  to: RunStatus;
  /** When the change happened (from the Clock port). */
  at: string;
  error?: Run['error'];
}

/**
 * Returns the run moved to `transition.to`, stamping `startedAt` when it starts and
 * `completedAt` when it ends. Pure: the input is not modified.
 *
 * @throws IllegalTransitionError for a move the lifecycle forbids (e.g. out of a terminal status).
 */
export function transitionRun(run: Run, transition: RunTransition): Run {
  if (!canTransitionRun(run.status, transition.to)) {
    throw new IllegalTransitionError('run', run.status, transition.to);
  }
  const next: Run = { ...run, status: transition.to };
  if (transition.to === 'running') next.startedAt = transition.at;
  if (isTerminalRunStatus(transition.to)) next.completedAt = transition.at;
  if (transition.error !== undefined) next.error = transition.error;
  return next;
}

/**
 * Kinds of run events, in the order a run emits them: `run-queued` once; `run-started` when a
 * worker takes it (again after an interruption); any number of `run-log` (progress lines, with
 * optional structured `data`) and `run-tokens` (after every model call: that call's tokens and the
 * run's running totals); then exactly one terminal event, `run-succeeded`, `run-failed` or
 * `run-canceled`. {@link RunEventDataByType} gives each kind's `data`.
 */
export const runEventTypeSchema = z
  .enum(['run-queued', 'run-started', 'run-log', 'run-tokens', 'run-succeeded', 'run-failed', 'run-canceled'])
  .meta({ id: 'RunEventType' });
/** A run event type. */
export type RunEventType = z.infer<typeof runEventTypeSchema>;

/** Token counts of one model call and of the run so far (`total`), as `run-tokens` carries them. */
export type RunTokensData = {
  call: { inputTokens: number; outputTokens: number; cachedInputTokens: number };
  total: { inputTokens: number; outputTokens: number; cachedInputTokens: number; costUsd: number | null };
  /**
   * For an agent's call through the model gateway: the path, HTTP status, duration, the call's
   * cost, and whether the gateway refused it (`budget`) instead of forwarding it.
   */
  gateway?: {
    path: string;
    status: number;
    durationMs: number;
    costUsd: number | null;
    refused: 'budget' | null;
  };
};

/** The `data` of each kind of run event. Events are stored with `data` as a JSON object. */
export interface RunEventDataByType {
  'run-queued': {
    executor: string;
    baseRef?: string | null;
    baseSource?: RunBaseSource | null;
    /** The names of the run's extensions (see `Run.extensions`), when it has any. */
    extensions?: string[];
  };
  'run-started': { attempt: number; baseCommit: string | null };
  'run-log': { [key: string]: JsonValue };
  'run-tokens': RunTokensData;
  'run-succeeded': { filesChanged: number; added: number; removed: number; commit: string | null };
  'run-failed': { code: string; message: string };
  'run-canceled': Record<string, never>;
}

/** True for the event types that end a run. */
export function isTerminalRunEventType(type: RunEventType): boolean {
  return type === 'run-succeeded' || type === 'run-failed' || type === 'run-canceled';
}

/** One entry of a run's append-only event log. `sequence` counts from 1 per run, without gaps. */
export const runEventSchema = z
  .object({
    id: idSchema,
    runId: idSchema,
    sequence: z.number().int().positive(),
    type: runEventTypeSchema,
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    data: jsonObjectSchema,
    createdAt: timestampSchema,
  })
  .meta({ id: 'RunEvent' });
/** A run event. */
export type RunEvent = z.infer<typeof runEventSchema>;
