import { z } from 'zod';
import { idSchema, maxExtensionsPerRun } from '../domain/index.ts';
import { agentRunInputSchema } from './run-agents.ts';

/** Input of {@link RunService.create}: one instruction for several models and agents. */
export const createRunsInputSchema = z
  .object({
    /** At most the configured size (default 200 KiB of UTF-8; larger is a 413) and 1,000,000 characters. */
    instruction: z.string().trim().min(1, 'an instruction cannot be empty').max(1_000_000),
    /**
     * Model profile ids, one run each, each named once; at most the configured limit (default 8,
     * never over 16).
     */
    models: z.array(idSchema).max(16, 'at most 16 runs at once').default([]),
    /**
     * Coding agents, one run each, on a model profile of their wire's provider (repository tasks
     * only). Models and agents together: at least one, at most the configured limit.
     */
    agents: z.array(agentRunInputSchema).max(16, 'at most 16 runs at once').default([]),
    /** Each run's spending limit in US dollars (see `Run.maxCostUsd`). */
    maxCostUsd: z.number().positive().max(1_000_000).optional(),
    /** Each run's limit of input plus output tokens (see `Run.maxTokens`). */
    maxTokens: z.number().int().positive().max(1_000_000_000).optional(),
    /** Grant agents the shell commands they ask permission for (see `Run.allowShell`); default false. */
    allowShell: z.boolean().optional(),
    /**
     * The branch, tag or commit to start from. Without it (and without `fromRun`): the branch of
     * the task's open pull request, else the task's chosen run, else the task's base branch.
     */
    baseRef: z.string().trim().min(1).max(255).optional(),
    /**
     * Build on this earlier run of the task (not with `baseRef`): its result is the base and its
     * answer is in the history.
     */
    fromRun: idSchema.optional(),
    /**
     * MCP extensions, by id, the runs get besides those of the task, its action and template, and
     * those always on (see `Run.extensions`); each must exist and be enabled.
     */
    extensionIds: z.array(idSchema).max(maxExtensionsPerRun).default([]),
    createdBy: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateRunsInput' });
/** Input to start runs. */
export type CreateRunsInput = z.input<typeof createRunsInputSchema>;
