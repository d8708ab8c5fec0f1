import { z } from 'zod';
import type { Message, PullRequest, Repo, Run, RunEvent, Task } from '../domain/index.ts';
import { idSchema, maxExtensionsPerRun, taskSchema } from '../domain/index.ts';
import type { HostedPullRequest } from '../ports/code-host.ts';
import type { RunWorkerOptions } from '../runs/run-runtime.ts';
import { createPullRequestInputSchema } from './pull-request-service.ts';
import { gitUrlSchema } from './repo-service.ts';
import type { RunComparison } from './run-comparison.ts';
import { createRunsInputSchema } from './run-service.ts';

/** What the pipeline's pull request is made with: a stable branch, a draft. */
export const runPipelinePullRequestSchema = z
  .object({
    /**
     * The branch to push to, instead of `goosuke/<title>-<id>`. When an open pull request already
     * has this branch as its head, the runs start from it and that pull request is updated.
     */
    branch: createPullRequestInputSchema.shape.branch,
    /** Open it as a draft (a new pull request only). */
    draft: z.boolean().optional(),
  })
  .strict();

/** Input of {@link RunPipeline.run}: `goosuke run` in one call. */
export const runPipelineInputSchema = z
  .object({
    /**
     * The repository: a clone URL, or the absolute path of a local git checkout (which Goosuke
     * clones, never writes to, and whose HEAD is the default base). Found among the registered
     * repositories by this URL, or registered.
     */
    repo: gitUrlSchema,
    /** The instruction every model gets. */
    instruction: createRunsInputSchema.shape.instruction,
    /** Model profile ids, one run each, each named once (at most `RunLimits.maxModelsPerMessage`). */
    models: createRunsInputSchema.shape.models,
    /** Coding agents, one run each (see `CreateRunsInput.agents`); with `models`, at least one. */
    agents: createRunsInputSchema.shape.agents,
    /** Each run's spending limit in US dollars (see `Run.maxCostUsd`). */
    maxCostUsd: createRunsInputSchema.shape.maxCostUsd,
    /** Each run's token limit (see `Run.maxTokens`). */
    maxTokens: createRunsInputSchema.shape.maxTokens,
    /** Grant agents the shell commands they ask permission for (see `Run.allowShell`). */
    allowShell: createRunsInputSchema.shape.allowShell,
    /**
     * MCP extensions, by name or id, the runs get besides those always on (see `Run.extensions`);
     * each must exist and be enabled.
     */
    extensions: z.array(z.string().trim().min(1).max(200)).max(maxExtensionsPerRun).default([]),
    /**
     * The branch, tag or commit to start from, and (a branch) where the pull request goes.
     * Default: a local checkout's HEAD, else the remote's HEAD (its default branch).
     */
    base: z.string().trim().min(1).max(255).optional(),
    /** The task's title; default the instruction's first line. */
    title: taskSchema.shape.title.optional(),
    /**
     * The run to pick by its model (the profile's name, `provider:model` or the model name) or its
     * agent's name, instead of the default rule (see `pickRun`); it must name one of the runs.
     */
    pick: z.string().trim().min(1).max(200).optional(),
    /**
     * Open a pull request from the picked run (`true`, or how to make it), or update the open one
     * on `branch`. The repository must be on a configured code host.
     */
    pullRequest: z.union([z.boolean(), runPipelinePullRequestSchema]).optional(),
    /** The user the task and runs are created for. */
    createdBy: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'RunPipelineInput' });
/** Input of {@link RunPipeline.run}. */
export type RunPipelineInput = z.input<typeof runPipelineInputSchema>;

/** Where the runs start from, and why that base. */
export interface RunPipelineBase {
  /** The ref the runs start from (a commit id, a branch, `origin/<branch>`). */
  ref: string;
  /**
   * `given`: the input's `base`; `checkout`: the local checkout's HEAD; `remote`: the remote's
   * HEAD; `pull-request`: the branch of the open pull request being updated.
   */
  from: 'given' | 'checkout' | 'remote' | 'pull-request';
}

/** The run the pipeline picked, and why (for people and the pull request's body). */
export interface RunPipelinePick {
  runId: string;
  /** The display name of the run's model profile. */
  label: string;
  reason: string;
}

/**
 * What the pipeline reports as it goes, in order. `run` carries every event of the pipeline's
 * runs recorded in this process (all of them when the workers run here).
 */
export type RunPipelineEvent =
  /** A local checkout's `origin` is on the code host: it is the repository (credentials removed). */
  | { type: 'checkout-origin'; checkout: string; url: string }
  /** The clone is being made or updated (the first clone of a large repository takes a while). */
  | { type: 'cloning'; repo: Repo }
  /** An open pull request has the branch asked for: the runs start from it and it is updated. */
  | { type: 'pull-request-adopted'; pullRequest: HostedPullRequest }
  /** The task and its runs exist (queued); `labels` name each run's model, in order. */
  | {
      type: 'runs-started';
      repo: Repo;
      task: Task;
      message: Message;
      runs: Run[];
      labels: string[];
      base: RunPipelineBase;
    }
  | { type: 'run'; event: RunEvent }
  /** The signal aborted while the runs were going: they are being canceled. */
  | { type: 'canceling'; runIds: string[] }
  /** Every run has ended. */
  | { type: 'runs-ended'; runs: Run[]; comparison: RunComparison }
  /** The pick, or why there is none (no run succeeded with changes). */
  | { type: 'picked'; pick: RunPipelinePick | null; noPickReason: string | null }
  | { type: 'pull-request'; pullRequest: PullRequest; action: 'opened' | 'updated' };

/** Options of {@link RunPipeline.run}. */
export interface RunPipelineOptions {
  /**
   * Aborting it before the runs exist rejects with a `canceled` GoosukeError (the signal's reason
   * when that is a GoosukeError) and starts nothing more; once they exist, every run that has not
   * ended is canceled, the pipeline waits for them to end and resolves with outcome `canceled`.
   * Picking and the pull request are not interrupted once the runs have ended.
   */
  signal?: AbortSignal;
  /**
   * Execute the runs in this process: `true` (as many at once as there are runs) or worker
   * options. This Goosuke's run workers are started unless they run already (then the options
   * are not used), and they keep running for later calls until `close()` stops them. Leave it
   * out where runs execute elsewhere (workers of another process).
   */
  workers?: boolean | RunWorkerOptions;
  /**
   * Called with each {@link RunPipelineEvent}. The pipeline awaits what it returns before going
   * on, and what it throws rejects the pipeline; except for `run` events, which arrive while the
   * runs execute: their result is not awaited and their errors are dropped.
   */
  onEvent?: (event: RunPipelineEvent) => void | Promise<void>;
}

/** What every outcome of {@link RunPipeline.run} holds. */
export interface RunPipelineOutcome {
  repo: Repo;
  task: Task;
  /** The user message the runs answer. */
  message: Message;
  /** The runs as they ended, in the order of the models given. */
  runs: Run[];
  /** The display name of each run's model profile, in the same order. */
  labels: string[];
  base: RunPipelineBase;
}

/**
 * What {@link RunPipeline.run} resolves with: `completed` when every run ended on its own (then
 * the comparison, the pick or why there is none, and the pull request when one was asked for and
 * a run could be picked), `canceled` when the signal aborted while they ran.
 */
export type RunPipelineResult =
  | (RunPipelineOutcome & { outcome: 'canceled' })
  | (RunPipelineOutcome & {
      outcome: 'completed';
      comparison: RunComparison;
      pick: RunPipelinePick | null;
      /** Why nothing was picked (and no pull request made); null when a run was picked. */
      noPickReason: string | null;
      /** The pull request opened or updated; null when none was asked for or nothing was picked. */
      pullRequest: PullRequest | null;
      /** `updated` when the open pull request on the branch asked for got the new commit. */
      pullRequestAction: 'opened' | 'updated' | null;
    });
