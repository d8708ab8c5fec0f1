import { describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import { type Run, type RunStatus, runSchema, runStatusSchema, transitionRun } from './run.ts';

const queued: Run = {
  id: 'run_1',
  taskId: 'task_1',
  messageId: 'msg_1',
  executor: { kind: 'model', modelProfileId: 'model_1' },
  instruction: 'Add a test',
  baseRef: 'main',
  baseSource: { kind: 'base-branch' },
  baseCommit: null,
  workingBranch: null,
  status: 'queued',
  summary: null,
  patch: null,
  filesChanged: [],
  warnings: [],
  error: null,
  usage: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  completedAt: null,
  cancelRequestedAt: null,
  maxCostUsd: null,
  maxTokens: null,
  allowShell: false,
  agentSession: null,
  extensions: [],
};

const allowed: Array<[RunStatus, RunStatus]> = [
  ['queued', 'running'],
  ['queued', 'canceled'],
  ['queued', 'failed'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'canceled'],
];

describe('transitionRun', () => {
  it('accepts exactly the lifecycle moves and refuses every other one', () => {
    for (const from of runStatusSchema.options) {
      for (const to of runStatusSchema.options) {
        const run = { ...queued, status: from };
        const legal = allowed.some(([a, b]) => a === from && b === to);
        if (legal) {
          expect(transitionRun(run, { to, at: '2026-01-01T00:00:01.000Z' }).status).toBe(to);
        } else {
          let error: unknown;
          try {
            transitionRun(run, { to, at: '2026-01-01T00:00:01.000Z' });
          } catch (caught) {
            error = caught;
          }
          expect(GoosukeError.isInstance(error) && error.code, `${from} -> ${to}`).toBe('illegal_transition');
        }
      }
    }
  });

  it('stamps start and completion times and leaves the input untouched', () => {
    const running = transitionRun(queued, { to: 'running', at: '2026-01-01T00:00:01.000Z' });
    expect(running.startedAt).toBe('2026-01-01T00:00:01.000Z');
    expect(running.completedAt).toBeNull();
    const failed = transitionRun(running, {
      to: 'failed',
      at: '2026-01-01T00:00:02.000Z',
      error: { code: 'edit_failed', message: 'no hunk applied' },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      completedAt: '2026-01-01T00:00:02.000Z',
      error: { code: 'edit_failed' },
    });
    expect(queued.status).toBe('queued');
    expect(runSchema.parse(failed)).toEqual(failed);
  });
});
