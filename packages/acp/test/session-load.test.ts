// Follow-up runs continuing the agent's session (`AgentInput.resume`, ACP session/load), against
// the fake agent run with --load-session: it keeps each session in a file of its HOME keyed by
// cwd and id, replays it on session/load, and fails the load of an id it does not have. Unsandboxed,
// as acp-agent.test.ts: these tests are about the protocol.
import path from 'node:path';
import { type AcpAgentOptions, createAcpAgent } from '@goosuke/acp';
import type { AgentOutcome } from '@goosuke/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  abortOnceExists,
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  groupGone,
  inputFor,
  killLeftovers,
  makeScratch,
  message,
  type Scratch,
  startedPid,
  summaryOf,
} from './support.ts';

const baseEnv = { LANG: 'C.UTF-8' };

let scratch: Scratch;
/** The agent's kept HOME, beside the working copy: where the fake keeps its sessions. */
let home: string;
let runs: EmittedEvent[][] = [];
beforeEach(async () => {
  scratch = await makeScratch();
  home = path.join(scratch.dir, 'home');
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') killLeftovers(runs.flat());
  runs = [];
  await scratch.cleanup();
});

/** The fake agent with a kept home; it advertises loadSession unless `loadable` is false. */
const fakeAgent = (options: Partial<AcpAgentOptions> = {}, loadable = true) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath, ...(loadable ? ['--load-session'] : [])],
    env: baseEnv,
    unsafeNoSandbox: true,
    home,
    ...options,
  });

const first = 'TOOL first request';
/** The follow-up's conversation: the first request, the agent's answer, then `instruction`. */
const followUp = (instruction: string, sessionId: string | undefined, extra = {}) => {
  const made = inputFor(instruction, scratch.workspace, {
    history: [
      message('user', first, 1),
      message('assistant', 'Read input.txt.', 2),
      message('user', instruction, 3),
    ],
    ...(sessionId === undefined ? {} : { resume: { sessionId } }),
    ...extra,
  });
  runs.push(made.events);
  return made;
};
/** The prompt the fake received, as its ECHO reports it. */
const promptOf = (outcome: AgentOutcome) => summaryOf(outcome).split('PROMPT<<')[1]?.split('>>')[0] ?? '';

describe('a follow-up with resume', () => {
  it('loads the session in the same HOME and cwd, prompts with the instruction alone, and records none of the replay', async () => {
    const agent = fakeAgent({ sessionMode: 'autoEdit' });
    const one = inputFor(first, scratch.workspace);
    runs.push(one.events);
    const outcome1 = await agent.run(one.input);
    expect(outcome1.status).toBe('succeeded');
    expect(outcome1.session).toEqual({ id: expect.stringMatching(/^session-/), resumed: false });
    const sessionId = outcome1.session!.id;

    const two = followUp('ECHO HISTORY MODE second request', sessionId);
    const outcome2 = await agent.run(two.input);

    expect(outcome2.status).toBe('succeeded');
    expect(outcome2.session).toEqual({ id: sessionId, resumed: true });
    // The session held the first request; the prompt is the instruction, not the conversation.
    expect(summaryOf(outcome2)).toContain(`history=${JSON.stringify([first])}`);
    expect(promptOf(outcome2)).toBe('ECHO HISTORY MODE second request');
    expect(summaryOf(outcome2)).toMatch(/^All done\. /);
    // The load was given the session, the working copy and the servers; the mode was set after it.
    const load = JSON.parse((await scratch.workspace.readFile('session-load.json')) ?? 'null');
    expect(load).toEqual({ sessionId, cwd: scratch.root, mcpServers: [] });
    expect(summaryOf(outcome2)).toContain('mode=autoEdit');
    expect(dataOf(two.events, 'session_mode')).toMatchObject([{ modeId: 'autoEdit', set: true }]);

    // The replay (the first turn's messages and tool calls) is counted, not recorded as this run's.
    const [loaded] = dataOf(two.events, 'session_loaded');
    expect(loaded).toEqual({ kind: 'session_loaded', sessionId, replayedUpdates: expect.any(Number) });
    expect(loaded!.replayedUpdates).toBeGreaterThanOrEqual(7);
    expect(dataOf(two.events, 'tool_call').map((data) => data.toolCallId)).toEqual(['call-final']);
    expect(dataOf(two.events, 'tool_call_update')).toEqual([]);
    expect(dataOf(two.events, 'user_message_chunk')).toEqual([]);
    expect(dataOf(two.events, 'agent_message').map((data) => String(data.text))).toEqual([
      'Looking at the task.',
      expect.stringMatching(/^All done\. .*PROMPT<<ECHO HISTORY MODE second request>>/s),
    ]);
    expect(dataOf(two.events, 'session_load_failed')).toEqual([]);
    expect(outcome2.warnings).toEqual([expect.stringContaining('the agent ran unsandboxed')]);
    expect(await groupGone(startedPid(two.events), 0)).toBe(true);
  });

  it('starts a new session with the conversation when the load fails (an unknown session)', async () => {
    const { input, events } = followUp('ECHO second request', 'session-unknown');
    const outcome = await fakeAgent().run(input);

    expect(outcome.status).toBe('succeeded');
    expect(outcome.session).toEqual({ id: expect.stringMatching(/^session-/), resumed: false });
    expect(outcome.session!.id).not.toBe('session-unknown');
    const [failed] = events.filter((event) => event.data.kind === 'session_load_failed');
    expect(failed?.level).toBe('warn');
    expect(failed?.data).toEqual({
      kind: 'session_load_failed',
      sessionId: 'session-unknown',
      reason: expect.stringContaining(`no session session-unknown for ${scratch.root}`),
      replayedUpdates: 0,
    });
    expect(dataOf(events, 'session_loaded')).toEqual([]);
    const prompt = promptOf(outcome);
    expect(prompt).toContain(`[user]\n${first}\n\n[assistant]\nRead input.txt.`);
    expect(prompt).toMatch(/ECHO second request$/);
    // A fallback is recorded, not a warning of the outcome.
    expect(outcome.warnings).toEqual([expect.stringContaining('the agent ran unsandboxed')]);
  });

  it('ignores resume, saying so, for an agent that cannot load sessions, and names no session', async () => {
    const { input, events } = followUp('ECHO second request', 'session-1');
    const outcome = await fakeAgent({}, false).run(input);

    expect(outcome.status).toBe('succeeded');
    expect('session' in outcome).toBe(false);
    expect(dataOf(events, 'session_not_loadable')).toEqual([
      {
        kind: 'session_not_loadable',
        sessionId: 'session-1',
        reason: expect.stringContaining('does not advertise loadSession'),
      },
    ]);
    expect(await scratch.workspace.readFile('session-load.json')).toBeNull();
    expect(promptOf(outcome)).toContain('Earlier conversation of this task');
  });

  it('names no session for an agent that cannot load sessions, without resume either', async () => {
    const made = inputFor('anything', scratch.workspace);
    runs.push(made.events);
    const outcome = await fakeAgent({}, false).run(made.input);
    expect(outcome.status).toBe('succeeded');
    expect('session' in outcome).toBe(false);
    expect(dataOf(made.events, 'session_not_loadable')).toEqual([]);
  });

  it('keeps the session on a failed outcome', async () => {
    const made = inputFor('MAXTOKENS', scratch.workspace);
    runs.push(made.events);
    const outcome = await fakeAgent().run(made.input);
    expect(outcome).toMatchObject({ status: 'failed', session: { resumed: false } });
  });

  it('is canceled during a slow load as before its turn: the agent is killed, the run throws the reason', async () => {
    const controller = new AbortController();
    const { input, events } = followUp('anything', 'session-any', { signal: controller.signal });
    abortOnceExists(
      path.join(scratch.root, 'load-waiting.txt'),
      controller,
      new Error('canceled by the user'),
    );
    let canceledAt = Number.POSITIVE_INFINITY;
    controller.signal.addEventListener('abort', () => {
      canceledAt = Date.now();
    });

    const agent = fakeAgent({ env: { ...baseEnv, FAKE_AGENT_LOAD: 'slow' } });
    await expect(agent.run(input)).rejects.toThrow('canceled by the user');

    expect(Date.now() - canceledAt).toBeLessThan(3_000);
    expect(dataOf(events, 'session_loaded')).toEqual([]);
    expect(dataOf(events, 'session_load_failed')).toEqual([]);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('fails a load that outlasts initializeTimeoutMs, as any start-up request', async () => {
    const { input, events } = followUp('anything', 'session-any');
    const agent = fakeAgent({ env: { ...baseEnv, FAKE_AGENT_LOAD: 'slow' }, initializeTimeoutMs: 1_500 });
    const outcome = await agent.run(input);

    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('did not finish starting (initialize and session/load) within 1500 ms'),
    });
    expect('session' in outcome).toBe(false);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });
});
