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
}

/** How an agent's attempt ended. Expected failures are values, not exceptions. */
export type AgentOutcome =
  | { status: 'succeeded'; summary: string; usage: Usage | null; warnings: string[] }
  | { status: 'failed'; reason: string; summary: string | null; usage: Usage | null; warnings: string[] };

/**
 * Something that carries out a run: Goosuke's edit agent or text agent on a LanguageModel,
 * or an agent CLI (Claude Code, Codex, Gemini CLI, Goose). Changes go to the workspace;
 * the run's patch is taken from it afterwards.
 */
export interface Agent {
  run(input: AgentInput): Promise<AgentOutcome>;
}
