import type { Run, RunBaseSource, Task } from '../domain/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { assertCallerBaseRef, ownBranchesOf } from '../runs/base-ref-policy.ts';
import { runBranchName } from '../runs/run-runtime.ts';
import { findOpenPullRequest } from './pull-request-service.ts';

/** Where the runs of a new message start, and why. */
export interface RunBase {
  /** The ref the runs start from; null for a text run that builds on no earlier answer. */
  baseRef: string | null;
  /** Why; null exactly when `baseRef` is. */
  baseSource: RunBaseSource | null;
}

/**
 * The ref a later run builds on when it continues from `run`: a repository run's commit branch,
 * or for a text task the run's own branch name (the conversation history follows it to the
 * run's answer). Null when the run has nothing to build on: it did not succeed, or a repository
 * run made no commit.
 */
export function continuationRefOf(task: Pick<Task, 'repoId'>, run: Run): string | null {
  if (run.status !== 'succeeded') return null;
  return task.repoId === null ? runBranchName(run.id) : run.workingBranch;
}

/**
 * Records `runId` as the run task `taskId` continues from (`Task.chosenRunId`) and returns the
 * task. Reads and writes with `store` (pass a transaction's).
 *
 * @throws NotFoundError for a missing task, or a run that is not the task's.
 * @throws ConflictError for a run with nothing to build on (see {@link continuationRefOf}).
 */
export async function chooseRun(store: Store, taskId: string, runId: string, at: string): Promise<Task> {
  const task = await store.tasks.get(taskId);
  if (task === null) throw new NotFoundError('task', taskId);
  const run = await store.runs.get(runId);
  if (run === null || run.taskId !== taskId) throw new NotFoundError('run', runId);
  if (continuationRefOf(task, run) === null) {
    throw new ConflictError(
      task.repoId === null
        ? `run ${runId} has no answer to continue from: it is ${run.status}`
        : `run ${runId} has no commit to continue from: it is ${run.status}${run.status === 'succeeded' ? ' without changes' : ''}`,
    );
  }
  return store.tasks.update(taskId, { chosenRunId: runId, updatedAt: at });
}

/**
 * Chooses the base of a new message's runs, in this order: an explicit `baseRef`; an explicit
 * `fromRun`; the branch of the task's open pull request; the task's chosen run; the task's base
 * branch (a text task: no base). A chosen run that has nothing to build on (or is not the task's)
 * is passed over. Reads with `tx`.
 *
 * @throws InvalidInputError for `baseRef` on a text task, `baseRef` and `fromRun` together, or a
 *   `baseRef` that is neither the repository's own ref nor one of the task's branches.
 * @throws NotFoundError when `fromRun` is not a run of the task.
 * @throws ConflictError when `fromRun` has no result to build on.
 */
export async function chooseRunBase(
  tx: Store,
  task: Task,
  input: { baseRef?: string | undefined; fromRun?: string | undefined; createdBy?: string | undefined },
): Promise<RunBase> {
  const textTask = task.repoId === null;
  if (textTask && input.baseRef !== undefined) {
    throw new InvalidInputError(`task ${task.id} has no repository: baseRef does not apply to its runs`, [
      { path: ['baseRef'], message: 'only for tasks on a repository' },
    ]);
  }
  if (input.baseRef !== undefined && input.fromRun !== undefined) {
    throw new InvalidInputError('give baseRef or fromRun, not both: each names the base of the runs', [
      { path: ['fromRun'], message: 'not with baseRef' },
    ]);
  }
  if (input.baseRef !== undefined) {
    // The shared clone holds every task's run branches: a user names the repository's own refs
    // or this task's branches only (trusted callers, without an author, name anything).
    if (input.createdBy !== undefined) {
      await assertCallerBaseRef(input.baseRef, ownBranchesOf(tx, task.id), 'baseRef');
    }
    return { baseRef: input.baseRef, baseSource: { kind: 'explicit-ref' } };
  }
  if (input.fromRun !== undefined) {
    const parent = await tx.runs.get(input.fromRun);
    if (parent === null || parent.taskId !== task.id) throw new NotFoundError('run', input.fromRun);
    const ref = continuationRefOf(task, parent);
    if (ref === null) {
      throw new ConflictError(
        `run ${input.fromRun} has no result to build on (it is ${parent.status} without a commit)`,
      );
    }
    return { baseRef: ref, baseSource: { kind: 'from-run', runId: parent.id } };
  }
  if (!textTask) {
    // A task with an open pull request continues on its branch: follow-ups update the PR.
    const pull = await findOpenPullRequest(tx, task.id);
    if (pull !== null) {
      return {
        baseRef: pull.branch,
        baseSource: { kind: 'pull-request', pullRequestId: pull.id, number: pull.number },
      };
    }
  }
  if (task.chosenRunId !== null) {
    const chosen = await tx.runs.get(task.chosenRunId);
    const ref = chosen === null || chosen.taskId !== task.id ? null : continuationRefOf(task, chosen);
    if (ref !== null) return { baseRef: ref, baseSource: { kind: 'chosen-run', runId: task.chosenRunId } };
  }
  return textTask
    ? { baseRef: null, baseSource: null }
    : { baseRef: task.baseBranch, baseSource: task.baseBranch === null ? null : { kind: 'base-branch' } };
}

/** How a run's events say where it starts: "starting from run X (chosen)"; null without a base. */
export function describeRunBase(base: RunBase): string | null {
  const { baseRef, baseSource } = base;
  if (baseRef === null || baseSource === null) return null;
  switch (baseSource.kind) {
    case 'explicit-ref':
      return `starting from ${baseRef} (as asked)`;
    case 'from-run':
      return `starting from run ${baseSource.runId} (fromRun)`;
    case 'pull-request':
      return `starting from the branch ${baseRef} of pull request #${baseSource.number}`;
    case 'chosen-run':
      return `starting from run ${baseSource.runId} (chosen)`;
    case 'base-branch':
      return `starting from ${baseRef} (the task's base branch)`;
  }
}
