// One test's world: a temporary git repository and Goosuke data directory, the fake model, and
// Goosuke on its default composition root (`createDefaultGoosuke`: SQLite, git, the real model
// gateway and the real bubblewrap sandbox), with one model profile per agent pointing at the fake
// with the real key. Agents are found as this package's devDependencies.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { ModelProfile, Run, RunEvent, RunPipelineEvent, RunPipelineResult } from '@goosuke/core';
import { makeGitRepository } from '@goosuke/core/testing';
import { type AgentName, agents, realKeys } from './agents.ts';
import { type FakeAgentModel, type FakeAgentModelOptions, startFakeAgentModel } from './fake-agent-model.ts';

/** This package's directory: the agents are resolved from it, as its devDependencies. */
export const packageDir = path.resolve(import.meta.dirname, '..', '..');

export const secretKey = 'agents-e2e-master-secret-4b7e1c9a2f6d8035';

/** The repository every test starts from. */
export const greetSource = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";
export const warmerSource =
  "export function greet(name: string): string {\n  return 'Hello, dear ' + name + '!';\n}\n";

type AgentHostOptions = NonNullable<Parameters<typeof createDefaultGoosuke>[1]>['agentHost'];

export interface WorldOptions {
  /**
   * Agent host options over `{ nodeModules: [packageDir] }`, or a function of the world's
   * directories that returns them (a sandbox of the test's own needs the data directory).
   */
  agentHost?: AgentHostOptions | ((where: { dir: string; dataDir: string }) => AgentHostOptions);
  /**
   * Fake model options over the real keys, the profiles' models and a script whose `outsidePath`
   * is `<dir>/outside.txt` (outside the working copy, visible read-only to the agent), or a
   * function of the world's directory that returns them.
   */
  fake?: Partial<FakeAgentModelOptions> | ((dir: string) => Partial<FakeAgentModelOptions>);
}

export interface AgentRun {
  run: Run;
  events: RunEvent[];
  result: RunPipelineResult;
  /** From the pipeline's call to the run's end, as this process saw it. */
  elapsedMs: number;
}

/** Options of {@link World.runAgent}. */
export interface RunAgentOptions {
  /** Gets the run's id as soon as it exists (to cancel it). */
  onRunId?: (id: string) => void;
  /** MCP extensions (names or ids) the run gets (`pipeline.run`'s `extensions`). */
  extensions?: string[];
}

export interface World {
  readonly dir: string;
  readonly repo: string;
  readonly dataDir: string;
  readonly fake: FakeAgentModel;
  /** The path the `[OUTSIDE]` scenario tries to write: in the world's directory, not the working copy. */
  readonly outsidePath: string;
  readonly goosuke: DefaultGoosuke;
  readonly profiles: Readonly<Record<AgentName, ModelProfile>>;
  /**
   * Runs `agent` on its profile through the run pipeline (workers in this process) and waits for
   * the run to end; `onRunId` (or `options.onRunId`) gets the run's id as soon as it exists (to
   * cancel it), `options.extensions` are given to the run.
   */
  runAgent(
    agent: AgentName,
    instruction: string,
    options?: RunAgentOptions | ((id: string) => void),
  ): Promise<AgentRun>;
  close(): Promise<void>;
}

/** Every event of a run, in order. */
export async function eventsOf(goosuke: DefaultGoosuke, runId: string): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for (;;) {
    const page = await goosuke.runs.events(runId, {
      limit: 500,
      ...(all.length === 0 ? {} : { afterSequence: all.at(-1)!.sequence }),
    });
    all.push(...page);
    if (page.length < 500) return all;
  }
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'goosuke-agents-e2e-'));
  const repo = path.join(dir, 'repo');
  const dataDir = path.join(dir, 'data');
  const outsidePath = path.join(dir, 'outside.txt');
  let fake: FakeAgentModel | undefined;
  let goosuke: DefaultGoosuke | undefined;
  const profiles = {} as Record<AgentName, ModelProfile>;
  try {
    await makeGitRepository(repo, { 'src/greet.ts': greetSource, 'README.md': '# greet\n' });
    const fakeOptions = typeof options.fake === 'function' ? options.fake(dir) : options.fake;
    fake = await startFakeAgentModel({
      keys: realKeys,
      models: Object.fromEntries(Object.values(agents).map((agent) => [agent.wire, agent.model])),
      ...fakeOptions,
      script: { outsidePath, ...fakeOptions?.script },
    });
    const hostOptions =
      typeof options.agentHost === 'function' ? options.agentHost({ dir, dataDir }) : options.agentHost;
    goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir }, dir),
      // No provider variables: each profile carries its base URL (the fake) and its real key.
      { env: {}, agentHost: { nodeModules: [packageDir], ...hostOptions } },
    );
    for (const agent of Object.values(agents)) {
      profiles[agent.name] = await goosuke.models.create({
        provider: agent.provider,
        modelName: agent.model,
        baseUrl: agent.baseUrl(fake.url),
        apiKey: realKeys[agent.wire],
      });
    }
  } catch (error) {
    // A world that could not be made is not handed to the test, which cannot close it.
    await goosuke?.close().catch(() => {});
    await fake?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return world({ dir, repo, dataDir, outsidePath, fake, goosuke, profiles });
}

function world(parts: Omit<World, 'runAgent' | 'close'>): World {
  const { dir, repo, fake, goosuke, profiles } = parts;
  return {
    ...parts,
    async runAgent(agent, instruction, options = {}) {
      const { onRunId, extensions } = typeof options === 'function' ? { onRunId: options } : options;
      const started = performance.now();
      const result = await goosuke.pipeline.run(
        {
          repo,
          instruction,
          models: [],
          agents: [{ agent, model: profiles[agent].id }],
          ...(extensions === undefined ? {} : { extensions }),
        },
        {
          workers: true,
          onEvent: (event: RunPipelineEvent) => {
            if (event.type === 'runs-started') onRunId?.(event.runs[0]!.id);
          },
        },
      );
      const elapsedMs = performance.now() - started;
      const run = result.runs[0]!;
      return { run, events: await eventsOf(goosuke, run.id), result, elapsedMs };
    },
    async close() {
      await goosuke.close();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
