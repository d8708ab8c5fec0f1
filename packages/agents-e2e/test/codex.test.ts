// Codex through @zed-industries/codex-acp 0.16.0 (its native linux-x64 binary), the real one, run
// by Goosuke in its `full-access` session mode: its own apply_patch, its OpenAI Responses calls
// through the gateway to the loopback fake, its process in bubblewrap.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentSuite, worlds } from './support/agent-suite.ts';
import { agents } from './support/agents.ts';
import { keywords } from './support/fake-model-script.ts';
import { expectSessionContinued, runFollowUp } from './support/follow-up.ts';
import { expectNoProcessLeft, expectOnlyGatewayTraffic, logsOf } from './support/run-checks.ts';

const codex = agents.codex;

describe('Codex through Goosuke', () => {
  agentSuite(codex);

  const world = worlds();

  // Codex asks no permission at all in full-access (the only mode in which it can edit inside
  // Goosuke's sandbox: its own bubblewrap cannot nest), so there is no refusal to record: the
  // sandbox is what stops it. These two tests pin both halves of that.
  it('asks nothing before writing outside the working copy: the sandbox refuses the write', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(codex.name, `Leave a note. ${keywords.outside}`);
    expect(logsOf(events, 'permission')).toEqual([]);
    const failed = logsOf(events, 'tool_call_update').filter((event) => event.data.status === 'failed');
    expect(failed).toHaveLength(1);
    await expect(access(w.outsidePath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
    await expectNoProcessLeft(w.dir);
  });

  it('runs a shell command without asking (allowShell cannot hold it back), confined by the sandbox', async () => {
    const outsideFile = (dir: string) => path.join(dir, 'escaped-by-shell.txt');
    const w = await world({
      fake: (dir) => ({
        script: {
          shellCommand: `echo from-the-shell > made-by-shell.txt; echo escaped > ${outsideFile(dir)}; echo done`,
        },
      }),
    });
    const { run, events } = await w.runAgent(codex.name, `Run a command. ${keywords.shell}`);
    expect(logsOf(events, 'permission')).toEqual([]);
    expect(logsOf(events, 'tool_call').some((event) => event.data.toolKind === 'execute')).toBe(true);
    // Inside the working copy it wrote; outside it could not (read-only file system).
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged.map((file) => file.path)).toEqual(['made-by-shell.txt']);
    await expect(access(outsideFile(w.dir))).rejects.toMatchObject({ code: 'ENOENT' });
    expectOnlyGatewayTraffic(w.fake, events);
  });
});

describe('Codex follow-ups', () => {
  it('continues its session (session/load in the same home and cwd): the model sees the first turn, the prompt is the instruction alone', async () => {
    const { first, second, wire } = await runFollowUp(codex);
    expectSessionContinued(first, second, wire);
  });
});
