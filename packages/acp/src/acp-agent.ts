import { Readable, Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as acp from '@agentclientprotocol/sdk';
import type { Agent, AgentInput, AgentOutcome } from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';
import {
  type AcpAgentOptions,
  type AcpAgentSettings,
  readAcpAgentSettings,
  stopPollMs,
} from './acp-agent-options.ts';
import { type AgentProcess, describeExit, type ProcessExit, startAgentProcess } from './agent-process.ts';
import { noteAgentStatePaths } from './agent-state-paths.ts';
import { conversationPrompt } from './conversation-prompt.ts';
import { openSession, SessionReplay } from './open-session.ts';
import { type AcpPermissionDecision, answerFor, toolCallPaths } from './permission-policy.ts';
import { clip, RunEventLog } from './run-event-log.ts';
import { launchFor, type RunLaunch } from './sandbox-launch.ts';
import { SessionUpdateLog } from './session-updates.ts';
import { type Watched, watchRequest } from './watch-request.ts';
import { createWorkspaceFiles } from './workspace-files.ts';
import { type WorkspaceRoots, workspacePathOf, workspaceRootsOf } from './workspace-paths.ts';

/** The ACP protocol version this client speaks. */
const protocolVersion = 1;
/** Characters of the agent's stderr quoted in a failure reason (the run's events get all that was kept). */
const reasonStderrChars = 2_000;

/**
 * An {@link Agent} that drives a coding agent speaking the Agent Client Protocol (Claude Code
 * through claude-code-acp, Codex through codex-acp, `gemini --acp`, `goose acp`, or any other),
 * one child process per run.
 *
 * Each `run`:
 * - needs `input.workspace` (else a `failed` outcome); makes the run's HOME and TMPDIR (fresh
 *   ones, or the kept `home`; `homeFiles` written, `homeEnv` directories made) and starts
 *   `command` in the workspace root with exactly `env` plus `HOME`, `TMPDIR` and the `homeEnv`
 *   variables, in a process group of its own;
 * - sends `initialize` (ACP 1; the client offers `fs` reads and writes, no terminal), opens a
 *   session and sends one `session/prompt`. With `input.resume` and an agent that advertises
 *   `loadSession`, the session is `session/load`ed (that `sessionId`, cwd: the workspace root,
 *   `mcpServers`; it needs the HOME and cwd the session was made with, see `home`), the history
 *   the agent replays meanwhile is not recorded as this run's (a `session_loaded` event counts
 *   it), and the prompt is the instruction alone. Otherwise, or when the load is answered with an
 *   error (a `warn` event, `session_not_loadable` or `session_load_failed`, says why), it is
 *   `session/new` (same cwd and servers) with a prompt of the conversation and the instruction.
 *   `sessionMode` is then set either way;
 * - serves `fs/read_text_file` and `fs/write_text_file` through the Workspace, refusing paths
 *   outside it; answers `session/request_permission` by `permissionPolicy`; records every
 *   decision, file write, tool call, plan and the agent's messages as `run-log` events;
 * - ends with the process group killed, whatever happened, then removes the run's TMPDIR and
 *   (unless kept) HOME. A limit of the sandbox the agent ran into (its memory) is a warning, and
 *   leads the reason of a failed outcome.
 *
 * The agent is confined by `sandbox` (default: `createBubblewrapSandbox()`), recorded in a
 * `sandbox` run-log event. When the sandbox is not available on this host, `run` throws
 * `UnsupportedError` before starting anything, unless `unsafeNoSandbox` is true: then (and when
 * `unsafeNoSandbox` is given without a sandbox) the agent runs unconfined, and the run's events
 * and the outcome's `warnings` say so.
 *
 * Outcome: `succeeded` when the turn ends `end_turn`, with the agent's final message as summary
 * (usage null: ACP agents do not all report it); `failed` (a value) when the turn ends for another
 * reason (`max_tokens`, `max_turn_requests`, `refusal`), when the agent cannot be started, exits
 * or fails a request before the turn ends (with its exit and the tail of its stderr), or outlasts
 * `timeLimitMs` / `initializeTimeoutMs` (which covers the load too). Aborting `input.signal` sends
 * `session/cancel` (during the turn; before it, during a load, say, there is nothing to cancel),
 * waits up to `cancelGraceMs` for the turn to end, kills the group and then throws the signal's
 * reason (as Goosuke's own agents do), so that the run ends canceled. Either outcome carries
 * `session: { id, resumed }` (the session loaded or made, and whether it is the one `resume` asked
 * for) once a session was opened, but only when the agent advertises `loadSession`: a later run
 * can continue only such a session.
 *
 * @throws InvalidInputError for invalid options.
 */
export function createAcpAgent(options: AcpAgentOptions): Agent {
  const settings = readAcpAgentSettings(options);
  return {
    async run(input) {
      const outcome = await runAcpAgent(settings, input);
      // What the agent printed ends up in the reason and summary: no secret of its env in them.
      const redact = (text: string) => redactSecrets(text, settings.secrets);
      return outcome.status === 'succeeded'
        ? { ...outcome, summary: redact(outcome.summary) }
        : {
            ...outcome,
            reason: redact(outcome.reason),
            summary: outcome.summary === null ? null : redact(outcome.summary),
          };
    },
  };
}

function failed(reason: string, summary: string | null = null, warnings: string[] = []): AgentOutcome {
  return { status: 'failed', reason, summary, usage: null, warnings };
}

async function runAcpAgent(settings: AcpAgentSettings, input: AgentInput): Promise<AgentOutcome> {
  const { signal } = input;
  signal?.throwIfAborted();
  const workspace = input.workspace;
  if (workspace === undefined) {
    return failed('an ACP agent needs a working copy, and this task has no repository');
  }
  const roots = await workspaceRootsOf(workspace.root);
  const agentState = await noteAgentStatePaths(roots.root, settings.agentStatePaths);
  const events = new RunEventLog(input.emit, settings.secrets);
  let run: RunLaunch;
  try {
    run = await launchFor(settings, roots.root, events);
  } catch (error) {
    await events.settle().catch(() => {});
    throw error;
  }
  const { launch, warnings } = run;
  let agentProcess: AgentProcess;
  try {
    agentProcess = await startAgentProcess(launch);
  } catch (error) {
    await run.release();
    await events.settle();
    return failed(
      `could not start the agent ${settings.command}: ${(error as Error).message}`,
      null,
      warnings,
    );
  }
  events.log({
    level: 'info',
    message: `started ${settings.command} (pid ${agentProcess.pid})`,
    data: { kind: 'agent_started', command: settings.command, pid: agentProcess.pid },
  });

  let sessionId: string | null = null;
  const updates = new SessionUpdateLog(events);
  const replay = new SessionReplay();
  const files = createWorkspaceFiles({ workspace, roots, sessionId: () => sessionId, events });
  const app = acp
    .client({ name: 'goosuke' })
    .onNotification('session/update', ({ params }) => {
      // A session/load's replay of the earlier conversation is not this run's record.
      if (replay.takes()) return;
      updates.handle(params.update);
    })
    .onRequest('session/request_permission', async ({ params }) => {
      // After a cancel the protocol wants every pending permission answered `cancelled`.
      if (signal?.aborted) return { outcome: { outcome: 'cancelled' } };
      updates.announce(params.toolCall);
      return { outcome: await decidePermission(settings, roots, events, params) };
    })
    .onRequest('fs/read_text_file', ({ params }) => files.read(params))
    .onRequest('fs/write_text_file', ({ params }) => files.write(params));
  // terminal/* and any other request get the SDK's Method Not Found: the client offers no terminal.
  const connection = app.connect(
    acp.ndJsonStream(
      Writable.toWeb(agentProcess.child.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(agentProcess.child.stdout) as ReadableStream<Uint8Array>,
    ),
  );

  const context: TurnContext = {
    settings,
    input,
    agentProcess,
    connection,
    events,
    updates,
    replay,
    roots,
    warnings: [...warnings],
  };
  const end = async (afterTurn: boolean): Promise<readonly string[]> => {
    // Only after a turn that ended as the agent meant it: a cancel, a failure or a time limit
    // kills at once.
    if (afterTurn && settings.stopDelayMs > 0) {
      await stopDelay(settings, agentProcess.exited, { home: run.dirs.home, sessionId: sessionId ?? '' });
    }
    await agentProcess.killGroup(afterTurn ? settings.stopSignal : 'SIGTERM');
    // Before the release, which removes what records them (the memory cgroup).
    const limits = await run.limitsReached();
    for (const limit of limits) {
      events.log({ level: 'warn', message: limit, data: { kind: 'limit_reached', text: limit } });
    }
    connection.close();
    updates.flush();
    // After the group is gone: nothing is left to write into the private HOME and TMPDIR.
    await run.release();
    const discarded = await agentState.discard();
    if (discarded.length > 0) {
      events.log({
        level: 'info',
        message: `removed the agent's own state from the working copy: ${discarded.join(', ')}`,
        data: { kind: 'agent_state_removed', paths: discarded },
      });
    }
    return limits;
  };
  let outcome: AgentOutcome;
  try {
    outcome = await driveTurn(context, (id) => {
      sessionId = id;
    });
  } catch (error) {
    // An abort (or a bug) still ends the process and records what was queued, then propagates.
    await end(false);
    await events.settle().catch(() => {});
    throw error;
  }
  const limits = await end(context.turnEnded === true);
  await events.settle();
  const all = [...context.warnings, ...limits];
  if (limits.length > 0 && outcome.status === 'failed') {
    // The limit is why the agent died: it comes first.
    outcome = { ...outcome, reason: `${limits.join('; ')}; ${outcome.reason}` };
  }
  // Only a session the agent can load is worth naming: a later run may continue it.
  if (context.session !== undefined) outcome = { ...outcome, session: context.session };
  return all.length === 0 ? outcome : { ...outcome, warnings: [...all, ...outcome.warnings] };
}

interface TurnContext {
  settings: AcpAgentSettings;
  input: AgentInput;
  agentProcess: AgentProcess;
  connection: acp.ClientConnection;
  events: RunEventLog;
  updates: SessionUpdateLog;
  replay: SessionReplay;
  roots: WorkspaceRoots;
  /** The outcome's warnings so far (the launch's); start-up steps add theirs. */
  warnings: string[];
  /** Set when the prompt was answered (the turn ended as the agent meant it, whatever its stop reason). */
  turnEnded?: boolean;
  /** The run's session, once opened, when the agent can load sessions (the outcome's `session`). */
  session?: { id: string; resumed: boolean };
}

/** Runs initialize, session/load or session/new, and the prompt turn; the caller ends the process. */
async function driveTurn(context: TurnContext, setSessionId: (id: string) => void): Promise<AgentOutcome> {
  const { settings, input, agentProcess, connection, events, updates } = context;
  const { signal } = input;
  const agent = connection.agent;
  const startDeadline = Date.now() + settings.initializeTimeoutMs;
  const watch = <T>(request: Promise<T>, timeoutMs: number) =>
    watchRequest(request, { exited: agentProcess.exited, signal, timeoutMs: Math.max(0, timeoutMs) });

  const initialized = await watch(
    agent.request('initialize', {
      protocolVersion,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
      clientInfo: { name: 'goosuke', title: 'Goosuke', version: '0' },
    }),
    startDeadline - Date.now(),
  );
  if (initialized.kind !== 'answered') {
    return await unanswered(context, initialized, 'initialize', settings.initializeTimeoutMs);
  }
  const info = initialized.value;
  events.log({
    level: 'info',
    message:
      `agent initialized: ${info.agentInfo?.name ?? 'unnamed agent'} ${info.agentInfo?.version ?? ''}`.trim(),
    data: {
      kind: 'agent_initialized',
      agent: info.agentInfo?.name ?? null,
      version: info.agentInfo?.version ?? null,
      protocolVersion: info.protocolVersion,
    },
  });
  if (info.protocolVersion !== protocolVersion) {
    return failed(
      `the agent speaks ACP version ${info.protocolVersion}; Goosuke speaks version ${protocolVersion}`,
    );
  }

  const opened = await openSession({
    agent,
    capabilities: info.agentCapabilities,
    resume: input.resume,
    cwd: context.roots.root,
    mcpServers: settings.mcpServers,
    events,
    replay: context.replay,
    watch: (request) => watch(request, startDeadline - Date.now()),
  });
  if (opened.kind === 'unanswered') {
    return await unanswered(context, opened.watched, opened.method, settings.initializeTimeoutMs);
  }
  const { sessionId, resumed } = opened;
  setSessionId(sessionId);
  if (opened.loadable) context.session = { id: sessionId, resumed };
  if (settings.sessionMode !== null) {
    const failure = await setSessionMode(context, sessionId, opened.modes, startDeadline);
    if (failure !== null) return failure;
  }

  // A loaded session holds the conversation: it gets the instruction alone.
  const text = resumed ? input.instruction : conversationPrompt(input.instruction, input.history);
  // Updates the agent sent before (already read, maybe not yet dispatched: one turn lets them
  // land) are not part of the answer.
  await nextTurn();
  updates.beginTurn();
  const prompt = agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text }] });
  const turn = await watch(prompt, settings.timeLimitMs);
  if (turn.kind === 'aborted') {
    await cancelTurn(context, sessionId, prompt);
    signal?.throwIfAborted();
  }
  if (turn.kind !== 'answered') {
    return await unanswered(context, turn, 'session/prompt', settings.timeLimitMs);
  }
  context.turnEnded = true;
  updates.flush();
  const summary = updates.summary();
  const stopReason = turn.value.stopReason;
  events.log({
    level: 'info',
    message: `turn ended: ${stopReason}`,
    data: { kind: 'turn_ended', stopReason },
  });
  switch (stopReason) {
    case 'end_turn':
      return {
        status: 'succeeded',
        summary: summary === '' ? 'The agent ended its turn without a message.' : summary,
        usage: null,
        warnings: [],
      };
    case 'max_tokens':
      return failed(
        'the agent stopped: its model reached its output token limit (max_tokens)',
        summary || null,
      );
    case 'max_turn_requests':
      return failed(
        'the agent stopped: it reached its limit of model requests in one turn (max_turn_requests)',
        summary || null,
      );
    case 'refusal':
      return failed('the agent refused to continue (refusal)', summary || null);
    case 'cancelled':
      return failed('the agent cancelled its turn without being asked to', summary || null);
    default:
      return failed(`the agent ended its turn for an unknown reason: ${clip(String(stopReason), 100)}`);
  }
}

/**
 * Sets `settings.sessionMode` when the agent offers it (`session/set_mode`); a mode it does not
 * offer is a warning, not a failure: its permission requests then go to the policy. A failed or
 * unanswered set_mode fails the run as any start-up request does.
 */
async function setSessionMode(
  context: TurnContext,
  sessionId: string,
  modes: acp.SessionModeState | null,
  startDeadline: number,
): Promise<AgentOutcome | null> {
  const { settings, events, agentProcess, input } = context;
  const modeId = settings.sessionMode!;
  const offered = modes?.availableModes.map((mode) => mode.id) ?? [];
  if (!offered.includes(modeId)) {
    const warning = `the agent offers no session mode ${JSON.stringify(modeId)} (it offers ${offered.length === 0 ? 'none' : offered.join(', ')}): its permission requests go to the policy`;
    context.warnings.push(warning);
    events.log({
      level: 'warn',
      message: warning,
      data: { kind: 'session_mode', modeId, set: false, offered },
    });
    return null;
  }
  if (modes?.currentModeId !== modeId) {
    const set = await watchRequest(
      context.connection.agent.request('session/set_mode', { sessionId, modeId }),
      {
        exited: agentProcess.exited,
        signal: input.signal,
        timeoutMs: Math.max(0, startDeadline - Date.now()),
      },
    );
    if (set.kind !== 'answered') {
      return await unanswered(context, set, 'session/set_mode', settings.initializeTimeoutMs);
    }
  }
  events.log({
    level: 'info',
    message: `session mode: ${modeId}`,
    data: { kind: 'session_mode', modeId, set: true, offered },
  });
  return null;
}

/**
 * A cancel as ACP asks: `session/cancel`, then up to `cancelGraceMs` for the prompt to end
 * (`cancelled`); whatever the agent does, the caller then kills its group.
 */
async function cancelTurn(context: TurnContext, sessionId: string, prompt: Promise<unknown>): Promise<void> {
  const { agentProcess, connection, events, settings } = context;
  events.log({
    level: 'info',
    message: 'canceling: sent session/cancel',
    data: { kind: 'cancel_sent', graceMs: settings.cancelGraceMs },
  });
  await connection.agent.notify('session/cancel', { sessionId }).catch(() => {});
  const ended = await watchRequest(prompt, {
    exited: agentProcess.exited,
    timeoutMs: settings.cancelGraceMs,
  });
  events.log({
    level: ended.kind === 'answered' ? 'info' : 'warn',
    message:
      ended.kind === 'answered'
        ? 'the agent ended its turn after the cancel'
        : `the agent did not end its turn within ${settings.cancelGraceMs} ms of the cancel: killing its process group`,
    data: { kind: 'cancel_ended', result: ended.kind },
  });
}

/** The outcome of a request that got no answer: an exit, an error, a timeout (or an abort before the turn). */
async function unanswered(
  context: TurnContext,
  watched: Exclude<Watched<unknown>, { kind: 'answered' }>,
  method: string,
  limitMs: number,
): Promise<AgentOutcome> {
  const { agentProcess, input, events, updates } = context;
  if (watched.kind === 'aborted') {
    // Nothing to cancel before the prompt: the caller kills the group, the abort ends the run.
    await agentProcess.killGroup();
    input.signal?.throwIfAborted();
  }
  updates.flush();
  const summary = updates.summary() || null;
  if (watched.kind === 'timed-out') {
    const what =
      method === 'session/prompt'
        ? 'its turn'
        : `starting (initialize and ${method === 'session/load' ? 'session/load' : 'session/new'})`;
    return failed(`the agent did not finish ${what} within ${limitMs} ms: killed`, summary);
  }
  const exit: ProcessExit | null =
    watched.kind === 'exited' ? watched.exit : await settledExit(agentProcess.exited, 200);
  const stderr = agentProcess.stderrTail().trim();
  if (stderr !== '') {
    events.log({
      level: 'warn',
      message: `agent stderr (last ${stderr.length} characters)`,
      data: { kind: 'agent_stderr', text: stderr },
    });
  }
  const quoted = stderr === '' ? '' : `; stderr: ${stderr.slice(-reasonStderrChars)}`;
  if (exit !== null) {
    return failed(`the agent ${describeExit(exit)} before ${method} was answered${quoted}`, summary);
  }
  const error = watched.kind === 'failed' ? watched.error : null;
  const message = error instanceof Error ? error.message : String(error);
  return failed(`the agent answered ${method} with an error: ${clip(message, 1_000)}${quoted}`, summary);
}

/**
 * The wait after a turn: until the agent exits, `stopWhen` says it is done, or `stopDelayMs` has
 * passed, whichever comes first.
 */
async function stopDelay(
  settings: AcpAgentSettings,
  exited: Promise<ProcessExit>,
  context: { home: string; sessionId: string },
): Promise<void> {
  const { stopWhen } = settings;
  if (stopWhen === null || context.sessionId === '') {
    await settledExit(exited, settings.stopDelayMs);
    return;
  }
  const deadline = performance.now() + settings.stopDelayMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!gone && performance.now() < deadline) {
    if (await stopWhen(context).catch(() => false)) return;
    await settledExit(exited, Math.min(stopPollMs, Math.max(0, deadline - performance.now())));
  }
}

async function settledExit(exited: Promise<ProcessExit>, ms: number): Promise<ProcessExit | null> {
  return await Promise.race([exited, new Promise<null>((resolve) => setTimeout(resolve, ms, null).unref())]);
}

/** Asks the policy, records the decision, and maps it onto the agent's options. */
async function decidePermission(
  settings: AcpAgentSettings,
  roots: WorkspaceRoots,
  events: RunEventLog,
  params: acp.RequestPermissionRequest,
): Promise<acp.RequestPermissionOutcome> {
  const { toolCall, options } = params;
  let decision: AcpPermissionDecision;
  try {
    const decided = await settings.permissionPolicy({
      toolCall,
      options,
      workspaceRoot: roots.root,
      insideWorkspace: (absolutePath) => workspacePathOf(roots, absolutePath) !== null,
    });
    decision =
      typeof decided?.allow === 'boolean'
        ? { allow: decided.allow, reason: String(decided.reason ?? '') }
        : { allow: false, reason: 'the permission policy gave no decision' };
  } catch (error) {
    decision = {
      allow: false,
      reason: `the permission policy failed: ${(error as Error)?.message ?? error}`,
    };
  }
  const answer = answerFor(decision, options);
  const title = toolCall.title ?? toolCall.toolCallId;
  const verb = decision.allow && answer.option !== null ? 'allowed' : 'refused';
  events.log({
    level: verb === 'allowed' ? 'info' : 'warn',
    message: `permission ${verb}: ${clip(title, 120)} (${toolCall.kind ?? 'unknown kind'}): ${clip(decision.reason, 200)}`,
    data: {
      kind: 'permission',
      toolCallId: toolCall.toolCallId,
      toolKind: toolCall.kind ?? null,
      title: clip(title, 500),
      paths: toolCallPaths(toolCall).slice(0, 50),
      decision: decision.allow ? 'allow' : 'reject',
      reason: clip(decision.reason, 500),
      optionId: answer.option?.optionId ?? null,
      optionKind: answer.option?.kind ?? null,
      offered: options.map((option) => option.kind),
    },
  });
  return answer.outcome;
}
