import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { AgentInstallation } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { AgentHost, AgentSpec } from '../ports/agent-host.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  unusedGitBackend,
} from '../testing/index.ts';
import type { CreateRunsInput } from './run-service.ts';

// Creating runs reads no git: any call is a test failure.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An agent host that says which agents are installed; it never starts one here. */
function inspectingHost(installed: Record<string, AgentInstallation>): AgentHost & { asked: string[] } {
  const asked: string[] = [];
  const nameOf = (spec: AgentSpec) => (spec.kind === 'built-in' ? spec.agent.name : spec.definition.name);
  return {
    asked,
    inspect: async (spec) => {
      asked.push(nameOf(spec));
      return (
        installed[nameOf(spec)] ?? {
          installed: false,
          path: null,
          version: null,
          problem: 'not found on PATH',
        }
      );
    },
    create: () => {
      throw new Error('no agent starts in these tests');
    },
  };
}

async function compose(
  host?: AgentHost,
): Promise<{ goosuke: Goosuke; repoTaskId: string; textTaskId: string }> {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-agent-service-tests-01' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
    runtime: {
      queue,
      git: unusedGitBackend,
      languageModels: () => createScriptedLanguageModel({ replies: [] }),
      layout: {
        cloneDir: (repo) => `/nonexistent/clones/${repo.id}`,
        workingCopyDir: (run) => `/nonexistent/worktrees/${run.id}`,
      },
      ...(host === undefined ? {} : { agentHost: host }),
    },
  });
  closers.push(async () => {
    await goosuke.close();
    await queue.close();
  });
  const repo = await goosuke.repos.create({
    url: 'https://git.example.test/octo/shop.git',
    defaultBranch: 'main',
  });
  const { task } = await goosuke.tasks.create({ title: 'a change', repoId: repo.id, baseBranch: 'main' });
  const { task: text } = await goosuke.tasks.create({ title: 'a question' });
  return { goosuke, repoTaskId: task.id, textTaskId: text.id };
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!GoosukeError.isInstance(error)) throw new Error(`expected a GoosukeError, got ${String(error)}`);
  return error;
}

describe('goosuke.agents', () => {
  it('lists the built-in agents first, then custom ones, each with what the host found', async () => {
    const host = inspectingHost({
      codex: { installed: true, path: '/opt/agents/codex-acp', version: '0.16.0', problem: null },
    });
    const { goosuke } = await compose(host);
    await goosuke.agents.create({
      name: 'house-agent',
      command: '/opt/house/agent',
      args: ['--acp'],
      wire: 'openai-chat',
    });
    const agents = await goosuke.agents.list();
    expect(agents.map((agent) => [agent.name, agent.kind])).toEqual([
      ['claude-code', 'built-in'],
      ['codex', 'built-in'],
      ['gemini', 'built-in'],
      ['goose', 'built-in'],
      ['house-agent', 'custom'],
    ]);
    expect(agents[1]).toMatchObject({
      wire: 'openai-responses',
      installation: { installed: true, path: '/opt/agents/codex-acp', version: '0.16.0' },
    });
    expect(agents[0]!.installation).toMatchObject({ installed: false, problem: 'not found on PATH' });
    expect(agents[0]!.install).toContain('claude-code-acp');
    expect(agents[4]).toMatchObject({ wire: 'openai-chat', defaultModel: null, install: null });
    expect(await goosuke.agents.get('gemini-cli')).toMatchObject({ name: 'gemini', aliases: ['gemini-cli'] });
  });

  it('says agents cannot run when Goosuke has no agent host', async () => {
    const { goosuke } = await compose();
    const [claude] = await goosuke.agents.list();
    expect(claude!.installation).toMatchObject({
      installed: false,
      problem: expect.stringContaining('agent host'),
    });
  });

  it('refuses built-in names and aliases, taken names and malformed input; removes custom agents only', async () => {
    const { goosuke } = await compose();
    for (const name of ['codex', 'gemini-cli', 'claude']) {
      expect(
        (await rejection(goosuke.agents.create({ name, command: '/bin/x', wire: 'anthropic' }))).code,
      ).toBe('conflict');
    }
    await goosuke.agents.create({ name: 'mine', command: '/bin/x', wire: 'gemini' });
    expect(
      (await rejection(goosuke.agents.create({ name: 'mine', command: '/bin/y', wire: 'gemini' }))).code,
    ).toBe('conflict');
    const bad = await rejection(
      goosuke.agents.create({ name: 'Bad Name', command: '/bin/x', wire: 'gemini' }),
    );
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toContain('name');
    const wire = await rejection(
      goosuke.agents.create({ name: 'x', command: '/bin/x', wire: 'smtp' as 'gemini' }),
    );
    expect(wire.message).toContain('wire');
    expect((await rejection(goosuke.agents.delete('codex'))).code).toBe('conflict');
    expect((await rejection(goosuke.agents.delete('nobody'))).code).toBe('not_found');
    await goosuke.agents.delete('mine');
    expect((await rejection(goosuke.agents.get('mine'))).code).toBe('not_found');
  });
});

describe('goosuke.runs.create with agents', () => {
  it('makes one agent run per agent, on the named profile or the first of its wire’s providers, with the limits', async () => {
    const { goosuke, repoTaskId } = await compose();
    const gpt = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
    const sonnet = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude-sonnet-4-5' });
    const opus = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude-opus-4-1' });
    await goosuke.agents.create({ name: 'house-agent', command: '/opt/house/agent', wire: 'openai-chat' });
    const { runs } = await goosuke.runs.create(repoTaskId, {
      instruction: 'Fix the cart total',
      models: [gpt.id],
      agents: [{ agent: 'claude-code' }, { agent: 'claude-code', model: opus.id }, { agent: 'house-agent' }],
      maxCostUsd: 0.5,
      maxTokens: 200_000,
      allowShell: true,
    });
    expect(runs.map((run) => run.executor)).toEqual([
      { kind: 'model', modelProfileId: gpt.id },
      { kind: 'agent', agent: 'claude-code', modelProfileId: sonnet.id },
      { kind: 'agent', agent: 'claude-code', modelProfileId: opus.id },
      { kind: 'agent', agent: 'house-agent', modelProfileId: gpt.id },
    ]);
    expect(runs.every((run) => run.maxCostUsd === 0.5 && run.maxTokens === 200_000)).toBe(true);
    // Shell commands are an agent's: a model run never has them.
    expect(runs.map((run) => run.allowShell)).toEqual([false, true, true, true]);
    const queued = await goosuke.runs.events(runs[1]!.id);
    expect(queued[0]).toMatchObject({
      type: 'run-queued',
      data: { executor: 'claude-code (anthropic:claude-sonnet-4-5)' },
    });
    // The comparison names the agent beside its model.
    const comparison = await goosuke.runs.compare(runs[0]!.messageId);
    expect(comparison.runs[2]).toMatchObject({ agent: 'claude-code', model: { profileId: opus.id } });
    expect(comparison.runs[0]).toMatchObject({ agent: null, model: { profileId: gpt.id } });
  });

  it('refuses an unknown agent, a profile of another wire, no profile at all, a text task and repeats', async () => {
    const { goosuke, repoTaskId, textTaskId } = await compose();
    const gemini = await goosuke.models.create({ provider: 'google', modelName: 'gemini-2.5-pro' });
    const create = (input: Omit<CreateRunsInput, 'instruction'>, taskId = repoTaskId) =>
      rejection(goosuke.runs.create(taskId, { instruction: 'Do it', ...input }));
    const unknown = await create({ agents: [{ agent: 'cursor' }] });
    expect(unknown).toMatchObject({ code: 'invalid_input' });
    expect(unknown.message).toContain('claude-code, codex, gemini, goose');
    const wrongWire = await create({ agents: [{ agent: 'codex', model: gemini.id }] });
    expect(wrongWire.message).toContain('must be a profile of openai or openai-compatible, not google');
    const none = await create({ agents: [{ agent: 'claude-code' }] });
    expect(none.message).toContain('goosuke models add anthropic:claude-sonnet-4-5');
    const text = await create({ agents: [{ agent: 'gemini' }] }, textTaskId);
    expect(text.message).toContain('repository');
    const twice = await create({ agents: [{ agent: 'gemini' }, { agent: 'gemini-cli', model: gemini.id }] });
    expect(twice.message).toContain('named twice');
    const nothing = await create({});
    expect(nothing.message).toContain('at least one model profile or agent');
    const tooMany = await create({ agents: Array.from({ length: 9 }, () => ({ agent: 'gemini' })) });
    expect(tooMany.message).toContain('at most 8 runs');
    // Nothing was stored by any of them.
    expect((await goosuke.runs.list({ taskId: repoTaskId })).items).toEqual([]);
  });
});

describe('templates and actions with agents', () => {
  it('stores a template’s default agents, shell grant and limits, and its triggers run them', async () => {
    const { goosuke, repoTaskId } = await compose();
    const repoId = (await goosuke.tasks.get(repoTaskId)).repoId!;
    const gpt = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
    const sonnet = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude-sonnet-4-5' });
    const template = await goosuke.templates.create({
      name: 'fix-it',
      prompt: 'Fix the flaky test',
      outputKind: 'patch',
      repoId,
      defaultModelProfileIds: [gpt.id],
      defaultAgents: [{ agent: 'claude-code', model: sonnet.id }, { agent: 'gemini-cli' }],
      allowShell: true,
      maxCostUsd: 1.5,
      maxTokens: 300_000,
    });
    expect(template).toMatchObject({
      defaultAgents: [{ agent: 'claude-code', model: sonnet.id }, { agent: 'gemini-cli' }],
      allowShell: true,
      maxCostUsd: 1.5,
      maxTokens: 300_000,
    });
    const { action } = await goosuke.actions.create({
      name: 'fix',
      template: template.id,
      trigger: 'manual',
    });

    // gemini-cli has no google profile yet: the trigger fails before storing anything.
    const missing = await rejection(goosuke.actions.trigger(action.id, {}));
    expect(missing.code).toBe('invalid_input');
    expect(missing.message).toMatch(/agent gemini needs a model profile of google/);
    expect((await goosuke.tasks.list()).items).toHaveLength(2);

    const gemini = await goosuke.models.create({ provider: 'google', modelName: 'gemini-2.5-pro' });
    const triggered = await goosuke.actions.trigger(action.id, {});
    expect(triggered.runs.map((run) => run.executor)).toEqual([
      { kind: 'model', modelProfileId: gpt.id },
      { kind: 'agent', agent: 'claude-code', modelProfileId: sonnet.id },
      { kind: 'agent', agent: 'gemini', modelProfileId: gemini.id },
    ]);
    expect(triggered.runs.map((run) => run.allowShell)).toEqual([false, true, true]);
    expect(triggered.runs.every((run) => run.maxCostUsd === 1.5 && run.maxTokens === 300_000)).toBe(true);

    // Models or agents named by the trigger replace both defaults; the grant and limits stay the template's.
    const agentsOnly = await goosuke.actions.trigger(action.id, { agents: [{ agent: 'codex' }] });
    expect(agentsOnly.runs.map((run) => run.executor)).toEqual([
      { kind: 'agent', agent: 'codex', modelProfileId: gpt.id },
    ]);
    expect(agentsOnly.runs[0]).toMatchObject({ allowShell: true, maxCostUsd: 1.5 });
    const modelsOnly = await goosuke.actions.trigger(action.id, { models: [sonnet.id] });
    expect(modelsOnly.runs.map((run) => run.executor)).toEqual([
      { kind: 'model', modelProfileId: sonnet.id },
    ]);
    expect(modelsOnly.runs[0]!.allowShell).toBe(false);

    // Cleared, the template runs without a grant or limits.
    await goosuke.templates.update(template.id, { allowShell: false, maxCostUsd: null, maxTokens: null });
    const plain = await goosuke.actions.trigger(action.id, {});
    expect(plain.runs.map((run) => [run.allowShell, run.maxCostUsd, run.maxTokens])).toEqual([
      [false, null, null],
      [false, null, null],
      [false, null, null],
    ]);
  });

  it('refuses agents on a text template, unknown agents, a model of another wire, and a template with nothing to run', async () => {
    const { goosuke, repoTaskId } = await compose();
    const repoId = (await goosuke.tasks.get(repoTaskId)).repoId!;
    const gpt = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
    const base = { prompt: 'Do it', outputKind: 'patch' as const, repoId };

    const text = await rejection(
      goosuke.templates.create({ name: 't1', prompt: 'Say it', defaultAgents: [{ agent: 'codex' }] }),
    );
    expect(text.code).toBe('invalid_input');
    expect(text.message).toMatch(/answers in text: agents change repositories/);

    const unknown = await rejection(
      goosuke.templates.create({ name: 't2', ...base, defaultAgents: [{ agent: 'aider' }] }),
    );
    expect(unknown.message).toMatch(/unknown agent "aider"/);

    const wrongWire = await rejection(
      goosuke.templates.create({
        name: 't3',
        ...base,
        defaultAgents: [{ agent: 'claude-code', model: gpt.id }],
      }),
    );
    expect(wrongWire.message).toMatch(/agent claude-code speaks the anthropic API/);

    // A model that is gone is NotFound; an update is held to the same checks.
    const stored = await goosuke.templates.create({
      name: 't4',
      ...base,
      defaultAgents: [{ agent: 'codex' }],
    });
    const toText = await rejection(goosuke.templates.update(stored.id, { outputKind: 'text', repoId: null }));
    expect(toText.code).toBe('invalid_input');
    const gone = await rejection(
      goosuke.templates.update(stored.id, { defaultAgents: [{ agent: 'codex', model: 'model_missing' }] }),
    );
    expect(gone.code).toBe('not_found');
    expect((await goosuke.templates.get(stored.id)).defaultAgents).toEqual([{ agent: 'codex' }]);

    const empty = await goosuke.templates.create({ name: 't5', ...base });
    const { action } = await goosuke.actions.create({ name: 'empty', template: empty.id, trigger: 'manual' });
    const nothing = await rejection(goosuke.actions.trigger(action.id, {}));
    expect(nothing.message).toMatch(/has no default models or agents/);
  });
});
