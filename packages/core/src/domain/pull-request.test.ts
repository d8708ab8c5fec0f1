import { describe, expect, it } from 'vitest';
import { type PullRequest, transitionPullRequest } from './pull-request.ts';

const open: PullRequest = {
  id: 'pr_1',
  taskId: 'task_1',
  repoId: 'repo_1',
  runId: 'run_1',
  number: 7,
  url: 'https://github.com/acme/widgets/pull/7',
  title: 'Fix',
  body: '',
  branch: 'goosuke/fix',
  baseBranch: 'main',
  state: 'open',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('transitionPullRequest', () => {
  it('closes, reopens and merges, and never leaves merged', () => {
    const closed = transitionPullRequest(open, 'closed', '2026-01-02T00:00:00.000Z');
    expect(closed).toMatchObject({ state: 'closed', updatedAt: '2026-01-02T00:00:00.000Z' });
    expect(transitionPullRequest(closed, 'open', '2026-01-03T00:00:00.000Z').state).toBe('open');
    const merged = transitionPullRequest(open, 'merged', '2026-01-03T00:00:00.000Z');
    expect(() => transitionPullRequest(merged, 'open', '2026-01-04T00:00:00.000Z')).toThrow(/merged to open/);
    expect(() => transitionPullRequest(closed, 'merged', '2026-01-04T00:00:00.000Z')).toThrow(
      /closed to merged/,
    );
  });
});
