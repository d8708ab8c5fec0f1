// One MCP extension, configured once in Goosuke, used by the real coding agents (each starts the
// extension's stdio server itself, inside its sandbox, from the `mcpServers` of its ACP session)
// and by an API model (Goosuke's edit agent, through its own MCP connection), on one instruction:
// `[MCP]` has the model call the extension's `add` tool with {a: 20, b: 22}, then write the sum it
// read back from the tool result into the greeting, then end with a message carrying it.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Run, RunEvent } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { searchReplaceReply } from '../../integration/test/support.ts';
import { worlds } from './support/agent-suite.ts';
import { type AgentName, agents } from './support/agents.ts';
import { eventsOf, type World } from './support/e2e-goosuke.ts';
import type { FakeAgentModel } from './support/fake-agent-model.ts';
import { defaultScript, keywords, mcpNewText, mcpSummary, sumIn } from './support/fake-model-script.ts';
import {
  agentToolCalls,
  createFactsExtension,
  factsExtension,
  factsServerCommand,
  processesMatching,
  type SeenProcess,
  watchProcesses,
} from './support/mcp-extension.ts';
import { expectNoProcessLeft, expectOnlyGatewayTraffic, logsOf } from './support/run-checks.ts';

const instruction = `Add 20 and 22 with the facts tools and put the sum into the greeting. ${keywords.mcp}`;
/** What the fixture's `add` answers for {a: 20, b: 22}. */
const sum = '42';

/**
 * Each agent's call of the extension's `add`: the tool as its model is offered it (`mcp__facts`
 * is a Responses namespace holding `add`), its title in the run's tool call events, whether it
 * asks permission first in the mode Goosuke runs it in, and whether a `tool_call` event announces
 * the call (Gemini CLI sends none for a call it asked permission for: only the permission request
 * and a `tool_call_update`, which carries the title).
 */
const mcpCallOf: Readonly<
  Record<AgentName, { modelTool: string; title: string; asks: boolean; announced: boolean }>
> = {
  // Gemini announces no call it asks permission for: Goosuke records it from the request.
  gemini: { modelTool: 'mcp_facts_add', title: 'add (facts MCP Server)', asks: true, announced: true },
  'claude-code': { modelTool: 'mcp__facts__add', title: 'mcp__facts__add', asks: true, announced: true },
  codex: { modelTool: 'add', title: 'Tool: facts/add', asks: false, announced: true },
};

/**
 * The agent's run used the extension: its model called the extension's `add` in the agent's own
 * naming, and the agent's next request carried the tool's result (42) back; the run's events hold
 * the call, completed; where the agent asked permission, the policy allowed it as an extension
 * tool; the run succeeded with the sum in its edit and its summary.
 */
function expectAgentUsedFacts(agent: AgentName, fake: FakeAgentModel, run: Run, events: RunEvent[]): void {
  const turn = fake.requests.filter((request) => request.scenario === 'mcp');
  expect(turn[0]?.reply).toBe(`tool ${mcpCallOf[agent].modelTool}`);
  expect(turn[1]?.toolResults).toHaveLength(1);
  expect(sumIn(turn[1]!.toolResults[0]!)).toBe(sum);

  const calls = agentToolCalls(events).filter((call) => call.title === mcpCallOf[agent].title);
  expect(calls, JSON.stringify(agentToolCalls(events))).toHaveLength(1);
  expect(calls[0]).toMatchObject({ status: 'completed', announced: mcpCallOf[agent].announced });
  const permissions = logsOf(events, 'permission').filter(
    (event) => event.data.toolCallId === calls[0]!.toolCallId,
  );
  expect(permissions.map((event) => [event.data.decision, event.data.reason])).toEqual(
    mcpCallOf[agent].asks ? [['allow', `a tool of the run's extension ${factsExtension}`]] : [],
  );

  expect([run.status, run.error]).toEqual(['succeeded', null]);
  expect(run.summary).toBe(mcpSummary(sum));
  expect(run.patch).toContain(`+${mcpNewText(sum)}`);
  expect(run.extensions.map((extension) => extension.name)).toEqual([factsExtension]);
}

/**
 * The agent started the extension's server itself, in its sandbox: a pid namespace of its own
 * (two pids, the host's and the sandbox's), in the run's working copy.
 */
function expectServerInSandbox(servers: readonly SeenProcess[], world: World, runId: string): void {
  expect(servers.length, 'the extension server was started').toBeGreaterThan(0);
  for (const server of servers) {
    expect(server.nsPids.length, JSON.stringify(server)).toBe(2);
    expect(server.cwd).toBe(path.join(world.dataDir, 'worktrees', runId));
  }
}

describe.each(['gemini', 'claude-code', 'codex'] as const)('%s with an MCP extension', (agent) => {
  const world = worlds();

  it("starts the extension's server in its sandbox and calls its tool; the result reaches the model", async () => {
    const w = await world();
    const marker = `goosuke-e2e-facts-${randomUUID()}`;
    await createFactsExtension(w.goosuke, marker);
    const watch = watchProcesses(factsServerCommand(marker));
    const done = await w.runAgent(agents[agent].name, instruction, { extensions: [factsExtension] });
    const servers = await watch.stop();
    expectAgentUsedFacts(agent, w.fake, done.run, done.events);
    expectServerInSandbox(servers, w, done.run.id);
    expectOnlyGatewayTraffic(w.fake, done.events);
    await expectNoProcessLeft(w.dir);
    expect(await processesMatching(factsServerCommand(marker))).toEqual([]);
  });
});

describe('done when: one extension, one instruction, an API model and a coding agent', () => {
  const world = worlds();
  let openai: FakeOpenAIServer | undefined;
  afterEach(async () => {
    await openai?.close();
    openai = undefined;
  });

  it("both call the extension's add, see 42 and write it; both runs record the extension", async () => {
    const w = await world();
    const apiModelKey = 'sk-openai-e2e-extension-model-key-7c1d3e9a';
    openai = await startFakeOpenAIServer({ apiKey: apiModelKey });
    // The edit agent's tool loop: the extension's tool, then the edit with its result.
    openai.respond(
      { kind: 'reply', toolCalls: [{ name: `${factsExtension}__add`, arguments: defaultScript.mcpInput }] },
      {
        kind: 'reply',
        text: searchReplaceReply(defaultScript.file, mcpSummary(sum), defaultScript.oldText, mcpNewText(sum)),
      },
    );
    const apiProfile = await w.goosuke.models.create({
      provider: 'openai',
      modelName: 'gpt-4.1',
      baseUrl: openai.url,
      apiKey: apiModelKey,
    });
    const marker = `goosuke-e2e-facts-${randomUUID()}`;
    const facts = await createFactsExtension(w.goosuke, marker);
    const watch = watchProcesses(factsServerCommand(marker));

    const result = await w.goosuke.pipeline.run(
      {
        repo: w.repo,
        instruction,
        models: [apiProfile.id],
        agents: [{ agent: agents.gemini.name, model: w.profiles.gemini.id }],
        extensions: [factsExtension],
      },
      { workers: true },
    );
    const servers = await watch.stop();
    expect(result.runs).toHaveLength(2);
    const modelRun = result.runs.find((run) => run.executor.kind === 'model')!;
    const agentRun = result.runs.find((run) => run.executor.kind === 'agent')!;
    expect(modelRun.instruction).toBe(agentRun.instruction);
    const [modelEvents, agentEvents] = await Promise.all([
      eventsOf(w.goosuke, modelRun.id),
      eventsOf(w.goosuke, agentRun.id),
    ]);

    // The API model's run: Goosuke connected the extension and ran the tool for the model.
    expect([modelRun.status, modelRun.error]).toEqual(['succeeded', null]);
    expect(modelRun.extensions).toEqual([
      {
        id: facts.id,
        name: factsExtension,
        server: { name: 'goosuke-test-stdio', version: '1.2.3', checkedAt: expect.any(String) },
      },
    ]);
    expect(logsOf(modelEvents, 'extension_connected')[0]?.data).toMatchObject({
      extension: factsExtension,
      server: { name: 'goosuke-test-stdio', version: '1.2.3' },
    });
    const modelCalls = logsOf(modelEvents, 'tool_call');
    expect(modelCalls.map((event) => event.data)).toEqual([
      expect.objectContaining({ toolKind: 'mcp', extension: factsExtension, tool: 'add' }),
    ]);
    expect(logsOf(modelEvents, 'tool_call_update').map((event) => event.data)).toEqual([
      expect.objectContaining({
        toolCallId: modelCalls[0]!.data.toolCallId,
        status: 'completed',
        extension: factsExtension,
        result: sum,
      }),
    ]);
    // Its second call carried the tool's result back to the model.
    expect(openai.pending()).toBe(0);
    const modelMessages = openai.requests.map(
      (request) => (request.body?.messages ?? []) as Array<{ role: string; content: unknown }>,
    );
    expect(modelMessages).toHaveLength(2);
    expect(modelMessages[1]!.filter((message) => message.role === 'tool').map((m) => m.content)).toEqual([
      sum,
    ]);
    expect(modelRun.summary).toBe(mcpSummary(sum));
    expect(modelRun.patch).toContain(`+${mcpNewText(sum)}`);

    // The agent's run: the agent started the server in its sandbox and called the tool itself.
    expectAgentUsedFacts('gemini', w.fake, agentRun, agentEvents);
    expect(agentRun.extensions.map((extension) => [extension.id, extension.name])).toEqual([
      [facts.id, factsExtension],
    ]);
    expectServerInSandbox(
      servers.filter((server) => server.cwd.endsWith(agentRun.id)),
      w,
      agentRun.id,
    );
    // The model run's server ran in Goosuke's own sandbox for extensions, not in the agent's.
    const modelServers = servers.filter((server) => !server.cwd.endsWith(agentRun.id));
    expect(modelServers.some((server) => server.nsPids.length === 2)).toBe(true);
    expectOnlyGatewayTraffic(w.fake, agentEvents);
    await expectNoProcessLeft(w.dir);
    // Neither run left its server running.
    expect(await processesMatching(factsServerCommand(marker))).toEqual([]);
  });
});
