import { describe, expect, it } from 'vitest';
import type { RunComparisonEntry } from '../services/run-comparison.ts';
import { type PickCandidate, pickRun } from './pick-run.ts';

function candidate(
  label: string,
  fields: Partial<RunComparisonEntry>,
  completedAt: string | null = '2026-01-01T00:00:10.000Z',
): PickCandidate {
  const [provider, modelName] = label.split(':') as ['openai', string];
  return {
    label,
    completedAt,
    entry: {
      runId: `run_${label.replace(/\W/g, '')}`,
      status: 'succeeded',
      agent: null,
      model: { profileId: 'model_x', provider, modelName, displayName: label },
      baseRef: 'main',
      baseSource: { kind: 'base-branch' },
      filesChanged: 1,
      added: 1,
      removed: 1,
      paths: ['a.ts'],
      durationMs: 1000,
      usage: null,
      error: null,
      modelCalls: 1,
      agentActivity: null,
      ...fields,
    },
  };
}

describe('pickRun', () => {
  it('takes the fewest model calls first, whatever the diff', () => {
    const pick = pickRun([
      candidate('openai:a', { modelCalls: 2, added: 1, removed: 0 }),
      candidate('openai:b', { modelCalls: 1, added: 9, removed: 9 }),
    ]);
    expect(pick.candidate.label).toBe('openai:b');
    expect(pick.reason).toBe('fewest edit retries (1 model call)');
  });

  it('then the smallest diff, then the first to finish, then the order given', () => {
    expect(
      pickRun([candidate('openai:a', { added: 3 }), candidate('openai:b', { added: 2, removed: 1 })]),
    ).toMatchObject({
      candidate: { label: 'openai:b' },
      reason: 'fewest edit retries (1 model call), then smallest diff (+2 -1)',
    });
    expect(
      pickRun([
        candidate('openai:a', {}, '2026-01-01T00:00:09.000Z'),
        candidate('openai:b', {}, '2026-01-01T00:00:05.000Z'),
      ]),
    ).toMatchObject({
      candidate: { label: 'openai:b' },
      reason: 'fewest edit retries (1 model call), then smallest diff (+1 -1), then first to finish',
    });
    expect(pickRun([candidate('openai:a', {}), candidate('openai:b', {})]).candidate.label).toBe('openai:a');
  });

  it('ignores failed runs and runs without changes', () => {
    const pick = pickRun([
      candidate('openai:a', { status: 'failed', modelCalls: 0 }),
      candidate('openai:b', { filesChanged: 0, added: 0, removed: 0 }),
      candidate('openai:c', { modelCalls: 3 }),
    ]);
    expect(pick).toMatchObject({
      candidate: { label: 'openai:c' },
      reason: 'the only run that succeeded with changes',
    });
  });

  it('with a model, takes its one run, by provider:model, model name or profile name', () => {
    const runs = [candidate('openai:a', {}), candidate('openai:b', { modelCalls: 2 })];
    expect(pickRun(runs, 'openai:b').candidate.label).toBe('openai:b');
    expect(pickRun(runs, 'b')).toMatchObject({
      candidate: { label: 'openai:b' },
      reason: 'chosen with --pick b',
    });
    expect(() => pickRun(runs, 'c')).toThrow(
      /--pick c: no succeeded run with changes .*candidates: openai:a, openai:b/,
    );
    expect(() => pickRun([...runs, candidate('openai:b', {})], 'b')).toThrow(
      /2 succeeded runs are of that model/,
    );
  });
});
