import { describe, expect, it } from 'vitest';
import type { Run } from '../domain/index.ts';
import type { AgentOutcome } from '../ports/agent.ts';
import { buildMessage, buildRun, buildTask } from '../testing/entity-builders.ts';
import { createMemoryStore } from '../testing/index.ts';
import { agentSessionOf, findAgentContinuation } from './agent-continuation.ts';
import { runBranchName } from './run-runtime.ts';

async function seed() {
  const store = createMemoryStore();
  const task = await store.tasks.insert(
    buildTask({ repoId: null, actionId: null, createdBy: null, firedBy: null }),
  );
  const message = await store.messages.insert(
    buildMessage({ taskId: task.id, role: 'user', runId: null, createdBy: null }),
  );
  const agentRun = (overrides: Partial<Run> = {}): Run =>
    buildRun({
      taskId: task.id,
      messageId: message.id,
      executor: { kind: 'agent', agent: 'claude-code', modelProfileId: 'model_a' },
      status: 'succeeded',
      error: null,
      agentSession: null,
      extensions: [],
      ...overrides,
    });
  return { store, task, agentRun };
}

describe('findAgentContinuation', () => {
  it('continues the session of the run a follow-up builds on, when it is the same agent’s and succeeded', async () => {
    const { store, agentRun } = await seed();
    const parent = await store.runs.insert(
      agentRun({ agentSession: { id: 'session-1', directoryRunId: 'run_origin', resumed: true } }),
    );
    const child = agentRun({
      baseRef: runBranchName(parent.id),
      executor: { kind: 'agent', agent: 'claude-code', modelProfileId: 'model_b' },
    });
    expect(await findAgentContinuation(store, child, 1)).toEqual({
      sessionId: 'session-1',
      directoryRunId: 'run_origin',
    });
    // A retried attempt starts afresh in its own directory.
    expect(await findAgentContinuation(store, child, 2)).toBeNull();
  });

  it('starts afresh after another agent, a model run, a failed run, a run without a session, or a plain base', async () => {
    const { store, agentRun } = await seed();
    const session = { id: 'session-1', directoryRunId: 'run_x', resumed: false };
    const parents = await Promise.all([
      store.runs.insert(
        agentRun({ agentSession: session, executor: { kind: 'agent', agent: 'codex', modelProfileId: 'm' } }),
      ),
      store.runs.insert(
        agentRun({ agentSession: session, executor: { kind: 'model', modelProfileId: 'm' } }),
      ),
      store.runs.insert(agentRun({ agentSession: session, status: 'failed' })),
      store.runs.insert(agentRun()),
    ]);
    for (const parent of parents) {
      expect(
        await findAgentContinuation(store, agentRun({ baseRef: runBranchName(parent.id) }), 1),
      ).toBeNull();
    }
    expect(await findAgentContinuation(store, agentRun({ baseRef: 'main' }), 1)).toBeNull();
    // A model run continues nothing.
    const model = agentRun({
      executor: { kind: 'model', modelProfileId: 'm' },
      baseRef: runBranchName(parents[0]!.id),
    });
    expect(await findAgentContinuation(store, model, 1)).toBeNull();
  });

  it('records the session an agent reports, with the directory it ran in', () => {
    const outcome: AgentOutcome = { status: 'succeeded', summary: 'ok', usage: null, warnings: [] };
    expect(agentSessionOf(outcome, 'run_a')).toBeNull();
    expect(agentSessionOf({ ...outcome, session: { id: 's', resumed: true } }, 'run_a')).toEqual({
      id: 's',
      directoryRunId: 'run_a',
      resumed: true,
    });
  });
});
