// Claude Code 2.1.44 through @zed-industries/claude-code-acp 0.16.2, the real one, run by
// Goosuke: its own tools (the adapter's mcp__acp__* file tools, since Goosuke's client offers the
// fs capability), its Anthropic Messages calls through the gateway to the loopback fake, its
// processes (the adapter and the Claude Code it starts) in bubblewrap.
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { agentSuite, worlds } from './support/agent-suite.ts';
import { agents } from './support/agents.ts';
import { defaultScript, keywords } from './support/fake-model-script.ts';
import { expectSessionContinued, runFollowUp } from './support/follow-up.ts';
import { expectNoProcessLeft, expectOnlyGatewayTraffic, logsOf } from './support/run-checks.ts';

const claude = agents['claude-code'];

describe('Claude Code through Goosuke', () => {
  // When acceptEdits lets an edit through, the adapter hands Claude Code its suggested permission
  // update, and Claude Code writes `{"permissions":{"allow":["mcp__acp__Edit"]}}` into
  // `.claude/settings.local.json` in the working copy: its state, which the recipe's
  // agentStatePaths removes after the run, so that only the edit lands in the commit.
  agentSuite(claude);

  const world = worlds();

  it('asks before a shell command (acceptEdits mode): the policy refuses it, the refusal is recorded', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(claude.name, `Install left-pad. ${keywords.shell}`);
    const [permission] = logsOf(events, 'permission');
    // The adapter's request carries no kind: Goosuke infers `execute` from the Bash tool's input.
    expect(permission?.data).toMatchObject({
      decision: 'reject',
      reason: 'shell commands are not allowed for this run (kind execute inferred from the request)',
      optionKind: 'reject_once',
    });
    expect(permission!.data.title).toContain(defaultScript.shellCommand);
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
    await expectNoProcessLeft(w.dir);
  });

  it('cannot write outside the working copy: its fs write is refused and recorded, nothing is written', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(claude.name, `Leave a note. ${keywords.outside}`);
    // acceptEdits lets the adapter's Write through without asking; it writes through Goosuke's
    // client file system, which refuses any path outside the working copy.
    expect(logsOf(events, 'permission')).toEqual([]);
    const [refused] = logsOf(events, 'fs_refused');
    expect(refused?.message).toBe(`refused to write ${w.outsidePath}: outside the working copy`);
    await expect(access(w.outsidePath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged.map((file) => file.path)).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
  });
});

describe('Claude Code follow-ups', () => {
  it('continues its session (session/load in the same home and cwd): the model sees the first turn, the prompt is the instruction alone', async () => {
    const { first, second, wire } = await runFollowUp(claude);
    expectSessionContinued(first, second, wire);
  });
});
