import type { Run, RunAgentSession } from '../domain/index.ts';
import type { AgentOutcome } from '../ports/agent.ts';
import type { Store } from '../ports/store.ts';
import type { RunEventInput } from './run-events.ts';
import { runIdOfBranch } from './run-runtime.ts';

/** An earlier agent session a run continues, and the run whose working-copy directory it was made in. */
export interface AgentContinuation {
  sessionId: string;
  directoryRunId: string;
}

/**
 * The session an agent run continues: that of the run it builds on (its base is that run's
 * branch: a follow-up on the task's chosen run, `fromRun`, a pull request's run) when that run is
 * of the same task and agent, succeeded, and recorded a session its agent can load. Null
 * otherwise, and on a retried attempt (the first one may have left the directory behind). The
 * model may differ: the gateway gives the session's calls to this run's model.
 */
export async function findAgentContinuation(
  store: Store,
  run: Run,
  attempt: number,
): Promise<AgentContinuation | null> {
  if (run.executor.kind !== 'agent' || attempt > 1) return null;
  const parentId = runIdOfBranch(run.baseRef);
  const parent = parentId === null ? null : await store.runs.get(parentId);
  if (
    parent === null ||
    parent.taskId !== run.taskId ||
    parent.status !== 'succeeded' ||
    parent.agentSession === null ||
    parent.executor.kind !== 'agent' ||
    parent.executor.agent !== run.executor.agent
  ) {
    return null;
  }
  return { sessionId: parent.agentSession.id, directoryRunId: parent.agentSession.directoryRunId };
}

/**
 * What the run records of its agent's session: the agent's id for it, the run whose directory it
 * was made in (`directoryRunId`: where this run's copy was made), and whether it is the session
 * continued. Null when the agent reported none (its sessions cannot be loaded).
 */
export function agentSessionOf(outcome: AgentOutcome, directoryRunId: string): RunAgentSession | null {
  if (outcome.session === undefined) return null;
  return { id: outcome.session.id, directoryRunId, resumed: outcome.session.resumed };
}

/** The `run-log` event saying the earlier session is not continued because its directory is taken. */
export function directoryTakenEvent(continuation: AgentContinuation, dir: string): RunEventInput {
  return {
    type: 'run-log',
    level: 'warn',
    message: `the agent session of run ${continuation.directoryRunId} is not continued: its directory ${dir} is in use (another run continues it); a new session gets the conversation`,
    data: { kind: 'session_directory_taken', sessionId: continuation.sessionId, dir },
  };
}
