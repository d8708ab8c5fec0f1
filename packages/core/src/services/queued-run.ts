import type { Run, RunExtension } from '../domain/index.ts';

/**
 * A new queued run of `executor`: nothing done yet, the base chosen, the limits asked for. Shell
 * commands are granted only to agent runs (a model run never runs one).
 */
export function queuedRun(fields: {
  id: string;
  taskId: string;
  messageId: string;
  executor: Run['executor'];
  instruction: string;
  base: Pick<Run, 'baseRef' | 'baseSource'>;
  createdAt: string;
  limits: {
    maxCostUsd?: number | undefined;
    maxTokens?: number | undefined;
    allowShell?: boolean | undefined;
  };
  /** The run's extensions (see `planRunExtensions`); none when absent. */
  extensions?: readonly RunExtension[];
}): Run {
  const { executor, limits } = fields;
  return {
    id: fields.id,
    taskId: fields.taskId,
    messageId: fields.messageId,
    executor,
    instruction: fields.instruction,
    baseRef: fields.base.baseRef,
    baseSource: fields.base.baseSource,
    baseCommit: null,
    workingBranch: null,
    status: 'queued',
    summary: null,
    patch: null,
    filesChanged: [],
    warnings: [],
    error: null,
    usage: null,
    createdAt: fields.createdAt,
    startedAt: null,
    completedAt: null,
    cancelRequestedAt: null,
    maxCostUsd: limits.maxCostUsd ?? null,
    maxTokens: limits.maxTokens ?? null,
    allowShell: executor.kind === 'agent' && limits.allowShell === true,
    agentSession: null,
    extensions: [...(fields.extensions ?? [])],
  };
}
