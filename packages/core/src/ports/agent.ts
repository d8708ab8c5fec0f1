import type { Message, RunEvent, Usage } from '../domain/index.ts';
import type { Workspace } from './workspace.ts';

/** What an agent is asked to do. */
export interface AgentInput {
  /** The instruction of the latest user message. */
  instruction: string;
  /** The conversation so far, oldest first, ending with the latest user message. */
  history: Message[];
  /** The working copy to change; absent for text tasks. */
  workspace?: Workspace;
  /** Records progress; the run's event log and live views receive it. */
  emit(event: Pick<RunEvent, 'type' | 'level' | 'message' | 'data'>): Promise<void>;
  signal?: AbortSignal;
  /**
   * Continue this session of the same agent (the `sessionId` an earlier run of the task reported)
   * instead of starting afresh: an agent that can load it (ACP `session/load`, in the same HOME and
   * with `workspace.root` the directory the session was made in) gets only `instruction`, since
   * the session holds the conversation. When the agent cannot load it, or the load fails, the run
   * starts a new session with the conversation, as without `resume`, and records why.
   */
  resume?: { sessionId: string };
}

/** How an agent's attempt ended. Expected failures are values, not exceptions. */
export type AgentOutcome = (
  | { status: 'succeeded'; summary: string; usage: Usage | null; warnings: string[] }
  | { status: 'failed'; reason: string; summary: string | null; usage: Usage | null; warnings: string[] }
) & {
  /**
   * The agent's session, when a later run may continue it (see {@link AgentInput.resume}): its id,
   * and whether it is the session `resume` asked for (`resumed: true`) or a new one. Absent for
   * agents without loadable sessions (Goosuke's own agents, ACP agents that cannot load).
   */
  session?: { id: string; resumed: boolean };
};

/**
 * Something that carries out a run: Goosuke's edit agent or text agent on a LanguageModel,
 * or an agent CLI (Claude Code, Codex, Gemini CLI, Goose). Changes go to the workspace;
 * the run's patch is taken from it afterwards.
 */
export interface Agent {
  run(input: AgentInput): Promise<AgentOutcome>;
}
