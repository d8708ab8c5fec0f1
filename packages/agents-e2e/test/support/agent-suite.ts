// The tests every real agent gets, through Goosuke's default composition (real gateway, real
// bubblewrap sandbox): an edit that becomes the run's commit, a cancel, a refused model call, a
// crash, and a trace of every connection its processes tried. Each test has a world of its own
// (repository, data directory, fake model, Goosuke).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { afterEach, expect, it } from 'vitest';
import type { AgentUnderTest } from './agents.ts';
import {
  type AgentRun,
  greetSource,
  startWorld,
  type World,
  type WorldOptions,
  warmerSource,
} from './e2e-goosuke.ts';
import { defaultScript, keywords } from './fake-model-script.ts';
import {
  agentProcesses,
  expectNoProcessLeft,
  expectOnlyGatewayTraffic,
  groupAlive,
  logsOf,
  processesUnder,
  sandboxPort,
} from './run-checks.ts';
import {
  agentProgram,
  straceAvailable,
  tracedAddresses,
  traceFileName,
  writeTracingLauncher,
} from './traced-agent.ts';

/** A cancel (or a kill) must end the run within this long, on a loaded 2-core host too. */
export const endsWithinMs = 15_000;

/** Worlds made by a test file, closed after each test. */
export function worlds(): (options?: WorldOptions) => Promise<World> {
  const made: World[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((world) => world.close()));
  });
  return async (options) => {
    const world = await startWorld(options);
    made.push(world);
    return world;
  };
}

/** The file the `[EDIT]` scenario changes, as the run's branch holds it. */
export async function committedGreet(world: World, run: AgentRun): Promise<string> {
  const clones = path.join(world.dataDir, 'clones');
  const [repoId] = await readdir(clones);
  return await runGit(path.join(clones, repoId!), ['show', `${run.run.workingBranch}:src/greet.ts`]);
}

/**
 * Starts a `[SLOW]` run and resolves once its model call is held, with the run's id and its
 * promise; the caller ends it.
 */
async function heldRun(world: World, agent: AgentUnderTest) {
  let runId = '';
  const running = world.runAgent(agent.name, `Make the greeting warmer. ${keywords.slow}`, (id) => {
    runId = id;
  });
  // A failure before the call would otherwise leave this waiting for the hold forever.
  await Promise.race([
    world.fake.slowRequest(),
    running.then(() => Promise.reject(new Error('ended unheld'))),
  ]);
  return { runId, running };
}

export interface AgentSuiteOptions {
  /**
   * Files the agent's run changes beside `src/greet.ts` that are not the edit (Claude Code writes
   * its permission rule into `.claude/settings.local.json` in the working copy).
   */
  extraFiles?: readonly string[];
}

/** Registers the common tests of `agent` in the calling `describe`. */
export function agentSuite(agent: AgentUnderTest, options: AgentSuiteOptions = {}): void {
  const world = worlds();

  it('edits with its own tool: the edit is the run commit, its last message the summary, its usage metered by the gateway', async () => {
    const w = await world();
    const done = await w.runAgent(agent.name, `Make the greeting warmer. ${keywords.edit}`);
    const { run, events } = done;
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.summary).toBe(defaultScript.summary);
    expect(run.patch).toContain(`-${defaultScript.oldText}`);
    expect(run.patch).toContain(`+${defaultScript.newText}`);
    expect(run.filesChanged.map((file) => file.path).sort()).toEqual(
      ['src/greet.ts', ...(options.extraFiles ?? [])].sort(),
    );
    expect(await committedGreet(w, done)).toBe(warmerSource);
    // Goosuke never writes to the repository it was given.
    expect(await runGit(w.repo, ['show', 'HEAD:src/greet.ts'])).toBe(greetSource);
    expect(await runGit(w.repo, ['status', '--porcelain'])).toBe('');

    // The edit was the agent's own tool call, recorded as such.
    expect(logsOf(events, 'tool_call').some((event) => event.data.toolKind === 'edit')).toBe(true);
    // The run's usage is what the gateway metered: exactly what the fake reported.
    const served = w.fake.servedUsage();
    expect(served.inputTokens).toBeGreaterThan(0);
    expect(run.usage).toMatchObject({ inputTokens: served.inputTokens, outputTokens: served.outputTokens });
    expect(run.usage!.costUsd).toBeGreaterThan(0);
    expectOnlyGatewayTraffic(w.fake, events);
    await expectNoProcessLeft(w.dir);
  });

  it('is canceled within seconds while its model call hangs, and leaves no process behind', async () => {
    const w = await world();
    const { runId, running } = await heldRun(w, agent);
    // The positive control: while the call is held, the agent's processes are there to be found.
    expect(agentProcesses(await processesUnder(w.dir), agent.processMarkers)).not.toEqual([]);
    const started = performance.now();
    await w.goosuke.runs.cancel(runId);
    const { run, events } = await running;
    const tookMs = performance.now() - started;
    expect(run.status).toBe('canceled');
    expect(tookMs).toBeLessThan(endsWithinMs);
    // The held call was abandoned by its client (the agent's abort, or its end).
    expect((await w.fake.slowAborted()).aborted).toBe(true);
    expect(logsOf(events, 'cancel_sent')).toHaveLength(1);
    const [agentStarted] = logsOf(events, 'agent_started');
    expect(groupAlive(agentStarted!.data.pid as number)).toBe(false);
    await expectNoProcessLeft(w.dir);
    expectOnlyGatewayTraffic(w.fake, events);
  });

  it('fails its run with the reason when the provider refuses its call (no retry)', async () => {
    const w = await world();
    const { run, events } = await w.runAgent(agent.name, `Make the greeting warmer. ${keywords.fail}`);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('agent_failed');
    expect(run.error?.message).toContain('The fake model refuses this request (scripted failure).');
    // One refused call, not retried (the recipes turn the agents' retries off).
    expect(w.fake.requests.filter((request) => request.reply === 'error 400')).toHaveLength(1);
    expect(run.filesChanged).toEqual([]);
    expectOnlyGatewayTraffic(w.fake, events);
    await expectNoProcessLeft(w.dir);
  });

  it('fails its run with the reason when it crashes mid-turn', async () => {
    const w = await world();
    const { running } = await heldRun(w, agent);
    const [main] = agentProcesses(await processesUnder(w.dir), agent.processMarkers).filter((candidate) =>
      isAgentMain(candidate.cmdline, agent),
    );
    expect(main, 'the agent process itself').toBeDefined();
    const started = performance.now();
    process.kill(main!.pid, 'SIGKILL');
    const { run, events } = await running;
    expect(performance.now() - started).toBeLessThan(endsWithinMs);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('agent_failed');
    // The sandbox's bridge passes the agent's SIGKILL on; bwrap reports it as 128 + 9.
    expect(run.error?.message).toMatch(
      /^the agent (exited with code 137|was killed by SIGKILL) before session\/prompt was answered/,
    );
    await expectNoProcessLeft(w.dir);
    expectOnlyGatewayTraffic(w.fake, events);
  });

  it.skipIf(!straceAvailable)(
    'connects to nothing but the gateway: every connect and send of its processes, traced',
    async () => {
      const program = await agentProgram(agent.name);
      const w = await world({
        agentHost: ({ dir }) => ({
          executables: { [agent.name]: writeTracingLauncher(path.join(dir, 'tracer'), program) },
        }),
      });
      const done = await w.runAgent(agent.name, `Make the greeting warmer. ${keywords.edit}`);
      const { run, events } = done;
      expect(run.status).toBe('succeeded');
      expect(await committedGreet(w, done)).toBe(warmerSource);
      const gatewayPort = sandboxPort(events);
      const trace = path.join(w.dataDir, 'agent-homes', done.result.task.id, agent.name, traceFileName);
      const addresses = await tracedAddresses(trace);
      // The agent did reach its gateway (the trace sees its connections)...
      expect(addresses.some((entry) => entry.address === '127.0.0.1' && entry.port === gatewayPort)).toBe(
        true,
      );
      // ...and nothing else: no provider host, no telemetry, no name lookup.
      const elsewhere = addresses.filter(
        (entry) => !(entry.address === '127.0.0.1' && entry.port === gatewayPort),
      );
      expect(elsewhere.map((entry) => entry.line)).toEqual([]);
      expectOnlyGatewayTraffic(w.fake, events);
    },
  );
}

/** Whether a command line is the agent's own process (not bwrap's, the bridge's, or a child's). */
function isAgentMain(cmdline: string, agent: AgentUnderTest): boolean {
  const [program, script] = cmdline.split(' ');
  const main = agent.mainProcess;
  return main.test(program ?? '') || (path.basename(program ?? '') === 'node' && main.test(script ?? ''));
}
