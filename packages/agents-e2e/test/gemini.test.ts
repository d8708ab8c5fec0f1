// Gemini CLI 0.61.0 (`gemini --acp`), the real one, run by Goosuke: its own tools, its Gemini API
// calls through the gateway to the loopback fake, its process in bubblewrap.
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { agentSuite, worlds } from './support/agent-suite.ts';
import { agents } from './support/agents.ts';
import { defaultScript, keywords } from './support/fake-model-script.ts';
import { dataOf, expectFellBack, expectSessionContinued, runFollowUp } from './support/follow-up.ts';
import { expectNoProcessLeft, expectOnlyGatewayTraffic, logsOf } from './support/run-checks.ts';

const gemini = agents.gemini;

describe('Gemini CLI through Goosuke', () => {
  agentSuite(gemini);

  const world = worlds();

  it('asks before a shell command (autoEdit mode): the policy refuses it, the refusal is recorded', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(gemini.name, `Install left-pad. ${keywords.shell}`);
    const [permission] = logsOf(events, 'permission');
    expect(permission?.data).toMatchObject({
      toolKind: 'execute',
      decision: 'reject',
      reason: 'shell commands are not allowed for this run',
      optionKind: 'reject_once',
    });
    expect(permission!.data.title).toContain(defaultScript.shellCommand);
    // The model was told the tool was refused, and the agent went on to its last message.
    expect(w.fake.requests.at(-1)?.reply).toBe('text');
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
    await expectNoProcessLeft(w.dir);
  });

  it('does not write outside the working copy: Gemini refuses the path itself, nothing is asked or written', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(gemini.name, `Leave a note. ${keywords.outside}`);
    expect(logsOf(events, 'permission')).toEqual([]);
    expect(logsOf(events, 'tool_call_update').some((event) => event.data.status === 'failed')).toBe(true);
    await expect(access(w.outsidePath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
  });
});

describe('Gemini CLI follow-ups', () => {
  // Gemini CLI 0.61 names a session's chat file after the minute it began and re-initialises its
  // recorder before reading it on a load, so a load within that minute fails ("No previous
  // sessions found for this project."): the follow-up then goes on in a new session with the
  // conversation in its prompt. From the next minute on the load works. The test does not wait
  // a minute: it accepts either, and checks each fully.
  it('continues its session, or (a load in the minute the session began) falls back to the conversation', async () => {
    const { first, second, wire } = await runFollowUp(gemini);
    if (second.outcome.session?.resumed === true) expectSessionContinued(first, second, wire);
    else {
      expectFellBack(first, second, wire);
      expect(String(dataOf(second.events, 'session_load_failed')[0]?.reason)).toContain(
        'No previous sessions found for this project.',
      );
    }
  });
});
