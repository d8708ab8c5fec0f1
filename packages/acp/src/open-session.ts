import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as acp from '@agentclientprotocol/sdk';
import type { AgentInput } from '@goosuke/core';
import { clip, type RunEventLog } from './run-event-log.ts';
import type { Watched } from './watch-request.ts';

/**
 * Keeps a `session/load`'s replay out of the run's record. While a load is pending the agent
 * replays the whole earlier conversation as `session/update` notifications (the user's messages,
 * the agent's, its tool calls): they are the earlier runs' record, not this one's, so they must
 * become neither this run's events nor its summary. The client's notification handler asks
 * {@link SessionReplay.takes} first; while a load is pending it counts the update and says so.
 */
export class SessionReplay {
  private active = false;
  private count = 0;

  /** True (and the update counted) when `session/update` notifications are a load's replay now. */
  takes(): boolean {
    if (!this.active) return false;
    this.count++;
    return true;
  }

  /** From now on, updates are a replay. */
  start(): void {
    this.active = true;
    this.count = 0;
  }

  /**
   * Ends the replay once the load was answered, and returns how many updates it held. The SDK
   * dispatches a notification through a few awaited handler layers while it settles a response
   * at once, so a replayed update read just before the answer may reach the handler just after
   * it: one turn of the event loop lets every update already read land here first.
   */
  async stop(): Promise<number> {
    await nextTurn();
    this.active = false;
    return this.count;
  }
}

/** What {@link openSession} needs of the run. */
export interface OpenSessionOptions {
  agent: acp.ClientConnection['agent'];
  /** From the agent's `initialize` answer. */
  capabilities: acp.AgentCapabilities | null | undefined;
  /** The session to continue, when the caller asks for one (`AgentInput.resume`). */
  resume: AgentInput['resume'];
  /** The working copy's root: `cwd` of `session/load` and `session/new`. */
  cwd: string;
  mcpServers: acp.McpServer[];
  events: RunEventLog;
  replay: SessionReplay;
  /** Waits for a start-up request, within what is left of the start deadline. */
  watch<T>(request: Promise<T>): Promise<Watched<T>>;
}

/** How opening the run's session ended. */
export type OpenedSession =
  | {
      kind: 'opened';
      sessionId: string;
      /** True when it is the session `resume` asked for, loaded: the prompt is the instruction alone. */
      resumed: boolean;
      /** Whether the agent can load sessions (`loadSession`), so that a later run may continue this one. */
      loadable: boolean;
      modes: acp.SessionModeState | null;
    }
  | {
      /** The agent exited, timed out or was aborted during `method` (or `session/new` failed): the run fails. */
      kind: 'unanswered';
      method: 'session/load' | 'session/new';
      watched: Exclude<Watched<unknown>, { kind: 'answered' }>;
    };

/**
 * Opens the run's ACP session. With `resume` and an agent that advertises `loadSession`, sends
 * `session/load` (the replay it causes is counted by `replay`, not recorded) and records a
 * `session_loaded` event; when the agent answers the load with an error (an unknown session, a
 * HOME or cwd other than the session's, Gemini CLI 0.61's same-minute bug), or cannot load at
 * all, records a `warn` event (`session_load_failed`, `session_not_loadable`) and falls back to
 * `session/new`, as without `resume`. An agent that exits, times out or is aborted during the
 * load is `unanswered`, as during any start-up request. Never rejects.
 */
export async function openSession(options: OpenSessionOptions): Promise<OpenedSession> {
  const { agent, resume, cwd, mcpServers, events, replay, watch } = options;
  const loadable = options.capabilities?.loadSession === true;
  if (resume !== undefined && !loadable) {
    const reason = 'the agent does not advertise loadSession: it cannot continue a session';
    events.log({
      level: 'warn',
      message: `not continuing session ${clip(resume.sessionId, 100)}: ${reason}; starting a new one with the conversation`,
      data: { kind: 'session_not_loadable', sessionId: resume.sessionId, reason },
    });
  } else if (resume !== undefined) {
    replay.start();
    const loaded = await watch(
      agent.request('session/load', { sessionId: resume.sessionId, cwd, mcpServers }),
    );
    const replayedUpdates = await replay.stop();
    if (loaded.kind === 'answered') {
      events.log({
        level: 'info',
        message: `continuing session ${clip(resume.sessionId, 100)} (session/load; ${replayedUpdates} updates of its history replayed, not recorded)`,
        data: { kind: 'session_loaded', sessionId: resume.sessionId, replayedUpdates },
      });
      return {
        kind: 'opened',
        sessionId: resume.sessionId,
        resumed: true,
        loadable,
        modes: loaded.value.modes ?? null,
      };
    }
    if (loaded.kind !== 'failed') return { kind: 'unanswered', method: 'session/load', watched: loaded };
    const reason = clip(errorText(loaded.error), 1_000);
    events.log({
      level: 'warn',
      message: `could not continue session ${clip(resume.sessionId, 100)}: ${clip(reason, 300)}; starting a new one with the conversation`,
      data: { kind: 'session_load_failed', sessionId: resume.sessionId, reason, replayedUpdates },
    });
  }
  const created = await watch(agent.request('session/new', { cwd, mcpServers }));
  if (created.kind !== 'answered') return { kind: 'unanswered', method: 'session/new', watched: created };
  return {
    kind: 'opened',
    sessionId: created.value.sessionId,
    resumed: false,
    loadable,
    modes: created.value.modes ?? null,
  };
}

/** An ACP error's message, with its `data` when that says more (agents put the details there). */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { data?: unknown } | null)?.data;
  const details =
    typeof data === 'string'
      ? data
      : typeof (data as { details?: unknown } | null)?.details === 'string'
        ? (data as { details: string }).details
        : typeof (data as { message?: unknown } | null)?.message === 'string'
          ? (data as { message: string }).message
          : '';
  return details === '' || message.includes(details) ? message : `${message}: ${details}`;
}
