import { z } from 'zod';
import { IllegalTransitionError } from '../errors/index.ts';
import { idSchema, timestampSchema } from './common.ts';

/** A pull request's state on its code host. */
export const pullRequestStateSchema = z.enum(['open', 'closed', 'merged']).meta({ id: 'PullRequestState' });
/** A pull request state. */
export type PullRequestState = z.infer<typeof pullRequestStateSchema>;

/**
 * A pull request opened from a task's chosen run. Later messages of the same task update
 * the same pull request (new commits on `branch`).
 */
export const pullRequestSchema = z
  .object({
    id: idSchema,
    taskId: idSchema,
    repoId: idSchema,
    /** The run whose change the branch currently holds. */
    runId: idSchema,
    /** The number on the code host. */
    number: z.number().int().positive(),
    url: z.url(),
    title: z.string().min(1).max(500),
    body: z.string().max(65_536),
    branch: z.string().min(1),
    baseBranch: z.string().min(1),
    state: pullRequestStateSchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'PullRequest' });
/** A pull request. */
export type PullRequest = z.infer<typeof pullRequestSchema>;

const pullRequestTransitions: Readonly<Record<PullRequestState, readonly PullRequestState[]>> = {
  open: ['closed', 'merged'],
  closed: ['open'],
  merged: [],
};

/**
 * Returns the pull request in state `to`. Pure.
 *
 * @throws IllegalTransitionError when the move is impossible (a merged PR never changes state).
 */
export function transitionPullRequest(
  pullRequest: PullRequest,
  to: PullRequestState,
  at: string,
): PullRequest {
  if (!pullRequestTransitions[pullRequest.state].includes(to)) {
    throw new IllegalTransitionError('pull request', pullRequest.state, to);
  }
  return { ...pullRequest, state: to, updatedAt: at };
}
