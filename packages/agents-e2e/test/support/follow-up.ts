// A follow-up that continues the agent's own session (AgentInput.resume, ACP session/load): the
// real agent, found and confined by `createAcpAgentHost` (real bubblewrap, a home kept per task
// under `homesDir`), run twice as core runs a task's runs: the first edits `src/greet.ts`, the
// second is given the first's session, in the same home and with its working copy re-created at
// the same path (as core creates a follow-up's copy at the earlier run's path). Core's run
// pipeline is not used: which session a follow-up resumes is core's business, tested there; this
// is about what the agents do with `resume`. Without the pipeline there is no gateway either: the
// recipe is pointed at the fake with the real key (as support/direct-agent.ts does), and the
// sandbox lets the agent reach the fake's port only.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAcpAgentHost } from '@goosuke/acp';
import { createDirectoryWorkspace } from '@goosuke/cli';
import {
  type AgentInput,
  type AgentOutcome,
  builtInAgentOf,
  type Message,
  type RunEvent,
} from '@goosuke/core';
import { buildMessage, buildModelProfile, makeGitRepository } from '@goosuke/core/testing';
import { expect } from 'vitest';
import type { AgentUnderTest } from './agents.ts';
import { realKeys } from './agents.ts';
import { greetSource, packageDir, warmerSource } from './e2e-goosuke.ts';
import { type FakeAgentModel, type RecordedRequest, startFakeAgentModel } from './fake-agent-model.ts';
import { keywords } from './fake-model-script.ts';
import { anthropicWire, type FakeWire, geminiWire, responsesWire, type TurnState } from './fake-wires.ts';
import { expectNoProcessLeft } from './run-checks.ts';

type Emitted = Pick<RunEvent, 'type' | 'level' | 'message' | 'data'>;

/** One run of the agent: its outcome, its events, and the model calls it made. */
export interface FollowUpRun {
  outcome: AgentOutcome;
  events: Emitted[];
  requests: RecordedRequest[];
}

const wires: Record<AgentUnderTest['wire'], FakeWire> = {
  anthropic: anthropicWire,
  'openai-responses': responsesWire,
  gemini: geminiWire,
};

/** The first run's instruction, and the follow-up's: a plain answer whatever the prompt quotes before it. */
export const firstInstruction = `Make the greeting warmer. ${keywords.edit}`;
export const followUpInstruction = `Did the greeting change? ${keywords.answer}`;

/** The data of a run's events of one kind. */
export const dataOf = (events: readonly Emitted[], kind: string) =>
  events.filter((event) => event.data.kind === kind).map((event) => event.data);

/**
 * Runs `agent` twice in one task: the `[EDIT]` turn, then a follow-up resuming its session, with
 * the working copy re-created (as the first run left it) at the same path in between. Returns
 * both runs; removes everything afterwards and checks that no process is left.
 */
export async function runFollowUp(
  agent: AgentUnderTest,
): Promise<{ first: FollowUpRun; second: FollowUpRun; wire: FakeWire }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'goosuke-agents-followup-'));
  // `…/worktrees/<id>`: where the fake looks for the working directory in a request.
  const copy = path.join(dir, 'worktrees', 'followup');
  let fake: FakeAgentModel | undefined;
  try {
    // No model check: without the gateway, Claude Code names its own models.
    fake = await startFakeAgentModel({ keys: realKeys });
    const host = createAcpAgentHost({ nodeModules: [packageDir], homesDir: path.join(dir, 'agent-homes') });
    const spec = { kind: 'built-in', agent: builtInAgentOf(agent.name)! } as const;
    const model = fake;
    const run = async (
      runId: string,
      instruction: string,
      history: Message[],
      resume?: AgentInput['resume'],
    ): Promise<FollowUpRun> => {
      const events: Emitted[] = [];
      const before = model.requests.length;
      const outcome = await host
        .create({
          runId,
          taskId: 'task-followup',
          spec,
          profile: buildModelProfile({ provider: agent.provider, modelName: agent.model }),
          gateway: { baseUrl: model.url, token: realKeys[agent.wire] },
          allowShell: false,
        })
        .run({
          instruction,
          history,
          workspace: createDirectoryWorkspace({ root: copy }),
          emit: async (event) => {
            events.push(event);
          },
          ...(resume === undefined ? {} : { resume }),
        });
      return { outcome, events, requests: model.requests.slice(before) };
    };

    await makeGitRepository(copy, { 'src/greet.ts': greetSource, 'README.md': '# greet\n' });
    const ask = buildMessage({ role: 'user', content: firstInstruction, runId: null });
    const first = await run('run-1', firstInstruction, [ask]);
    expect(first.outcome.status, JSON.stringify(first.outcome)).toBe('succeeded');
    expect(await readFile(path.join(copy, 'src/greet.ts'), 'utf8')).toBe(warmerSource);
    expect(first.outcome.session).toEqual({ id: expect.any(String), resumed: false });

    // Core gives the follow-up a new working copy of the first run's result, at the same path.
    await rm(copy, { recursive: true, force: true });
    await makeGitRepository(copy, { 'src/greet.ts': warmerSource, 'README.md': '# greet\n' });
    const answer = buildMessage({ role: 'assistant', content: first.outcome.summary ?? '' });
    const again = buildMessage({ role: 'user', content: followUpInstruction, runId: null });
    const second = await run('run-2', followUpInstruction, [ask, answer, again], {
      sessionId: first.outcome.session!.id,
    });
    expect(second.outcome.status, JSON.stringify(second.outcome)).toBe('succeeded');
    expect(fake.problems).toEqual([]);
    await expectNoProcessLeft(dir);
    return { first, second, wire: wires[agent.wire] };
  } finally {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where the turn stood in each of a run's model calls that offered tools (its turns, not side calls). */
export function turnsOf(run: FollowUpRun, wire: FakeWire): TurnState[] {
  return run.requests
    .filter((request) => request.body !== null && request.reply !== 'count')
    .map((request) => wire.turn(request.body!))
    .filter((turn) => turn.tools.length > 0);
}

/**
 * Asserts that the follow-up continued the first run's session: loaded, its model calls carry the
 * first turn (its request and the edit tool call), and its prompt is the instruction alone.
 */
export function expectSessionContinued(first: FollowUpRun, second: FollowUpRun, wire: FakeWire): void {
  const sessionId = first.outcome.session!.id;
  expect(second.outcome.session).toEqual({ id: sessionId, resumed: true });
  expect(dataOf(second.events, 'session_loaded')).toEqual([
    { kind: 'session_loaded', sessionId, replayedUpdates: expect.any(Number) },
  ]);
  expect(dataOf(second.events, 'session_load_failed')).toEqual([]);
  const turns = turnsOf(second, wire);
  expect(turns.length).toBeGreaterThan(0);
  for (const turn of turns) {
    expect(turn.prompt).toContain(followUpInstruction);
    expect(turn.prompt).not.toContain('Earlier conversation of this task');
    expect(turn.earlierPrompts.some((prompt) => prompt.includes(firstInstruction))).toBe(true);
    expect(turn.earlierToolCalls).toBeGreaterThan(0);
  }
  // The whole first turn was kept (a kill before the agent wrote its end would truncate it): its
  // final message is in the follow-up's model calls.
  const bodies = JSON.stringify(second.requests.map((request) => request.body));
  expect(bodies).toContain(first.outcome.summary ?? '\0');
  expect(bodies).not.toContain('Continue from where you left off');
  // The replay was not recorded as this run's: no edit tool call, the summary its own answer.
  expect(dataOf(second.events, 'tool_call').filter((data) => data.toolKind === 'edit')).toEqual([]);
  expect(second.outcome.summary).not.toContain(first.outcome.summary ?? '\0');
  // Its answer alone (the fake's plain answer), nothing the agent said before the prompt.
  expect(second.outcome.summary).toBe('ok');
}

/**
 * Asserts that a follow-up whose load failed fell back as without `resume`: a new session, the
 * conversation in its prompt, the failure recorded.
 */
export function expectFellBack(first: FollowUpRun, second: FollowUpRun, wire: FakeWire): void {
  const sessionId = first.outcome.session!.id;
  expect(second.outcome.session).toEqual({ id: expect.any(String), resumed: false });
  expect(second.outcome.session!.id).not.toBe(sessionId);
  expect(dataOf(second.events, 'session_load_failed')).toEqual([
    expect.objectContaining({ kind: 'session_load_failed', sessionId, reason: expect.any(String) }),
  ]);
  const turns = turnsOf(second, wire);
  expect(turns.length).toBeGreaterThan(0);
  for (const turn of turns) {
    expect(turn.prompt).toContain('Earlier conversation of this task');
    expect(turn.prompt).toContain(firstInstruction);
    expect(turn.earlierToolCalls).toBe(0);
  }
  // Gemini acknowledges its session mode with "[MODE_UPDATE] autoEdit" before the prompt: not the answer.
  expect(second.outcome.summary).toBe('ok');
}
