import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { JsonObject } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { BuiltinExtensions } from '../ports/builtin-extensions.ts';
import type { ExtensionConnector, ExtensionConnectRequest } from '../ports/extension-connector.ts';
import type { Generation } from '../ports/language-model.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  type ScriptedLanguageModel,
  unusedGitBackend,
} from '../testing/index.ts';

const secret = 'sk-extension-secret-0123456789abcdef';

/**
 * An ExtensionConnector double: a "server" per extension whose `lookup` tool answers with the
 * extension's env (so a test sees which secrets reached which server) and whose `boom` tool fails.
 */
function connectorDouble(options: { refuse?: string[] } = {}) {
  const connects: ExtensionConnectRequest[] = [];
  let closed = 0;
  const connector: ExtensionConnector = {
    async connect(request) {
      connects.push(request);
      if (options.refuse?.includes(request.extension.name)) {
        throw new GoosukeError('provider', `the MCP server "${request.extension.name}" exited (code 2)`);
      }
      return {
        serverInfo: { name: `${request.extension.name}-server`, version: '2.0.1' },
        listTools: async () => [
          { name: 'lookup', description: 'Looks up', inputSchema: { type: 'object' } },
          { name: 'boom', description: '', inputSchema: { type: 'object' } },
        ],
        async callTool(name: string, args: JsonObject) {
          if (name === 'boom') throw new GoosukeError('timeout', 'no answer within 1 s');
          return { text: `env=${JSON.stringify(request.env)} args=${JSON.stringify(args)}`, isError: false };
        },
        close: async () => {
          closed++;
        },
      };
    },
  };
  return { connector, connects, closed: () => closed };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function compose(options: {
  replies: Array<string | Generation>;
  connector?: ExtensionConnector;
  builtins?: BuiltinExtensions;
}) {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const models: ScriptedLanguageModel[] = [];
  const goosuke: Goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-run-extension-tests' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
    runtime: {
      queue,
      git: unusedGitBackend,
      languageModels: () => {
        const model = createScriptedLanguageModel({
          replies: options.replies.map((reply) => (typeof reply === 'string' ? reply : () => reply)),
        });
        models.push(model);
        return model;
      },
      layout: {
        cloneDir: (repo) => `/nonexistent/${repo.id}`,
        workingCopyDir: (run) => `/nonexistent/${run.id}`,
      },
      ...(options.connector === undefined ? {} : { extensionConnector: options.connector }),
      ...(options.builtins === undefined ? {} : { builtinExtensions: options.builtins }),
    },
  });
  closers.push(async () => {
    await goosuke.close();
    await queue.close();
  });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' });
  const stdio = (name: string, extra: Record<string, unknown> = {}) =>
    goosuke.extensions.create({ name, type: 'stdio', command: 'mcp-server', ...extra });
  return { goosuke, models, modelId: model.id, stdio };
}

const toolCall = (name: string, args: Record<string, unknown> = {}): Generation => ({
  text: '',
  toolCalls: [{ id: `call-${name}`, name, arguments: args as JsonObject }],
  usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
  finishReason: 'tool-calls',
});

describe("a run's extensions", () => {
  it('are the template’s and action’s, the task’s, the run’s own and those always on, each once', async () => {
    const { goosuke, modelId, stdio } = await compose({ replies: [] });
    const [fromTemplate, fromAction, fromTask, own, always, off, gone] = [
      await stdio('from-template'),
      await stdio('from-action'),
      await stdio('from-task'),
      await stdio('own'),
      await stdio('always', { alwaysOn: true }),
      await stdio('off', { enabled: false, alwaysOn: true }),
      await stdio('gone'),
    ];
    const template = await goosuke.templates.create({
      name: 'ask',
      outputKind: 'text',
      prompt: 'Answer',
      extensionIds: [fromTemplate.id, fromAction.id],
    });
    const action = await goosuke.actions.create({
      name: 'ask-now',
      template: template.name,
      trigger: 'manual',
      extensionIds: [fromAction.id],
    });
    const triggered = await goosuke.actions.trigger(action.action.id, { models: [modelId] });
    expect(triggered.runs[0]?.extensions.map((entry) => entry.name)).toEqual([
      'from-template',
      'from-action',
      'always',
    ]);

    const { task } = await goosuke.tasks.create({ title: 'q', extensionIds: [fromTask.id, gone.id, off.id] });
    await goosuke.extensions.delete(gone.id);
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'Go',
      models: [modelId],
      extensionIds: [own.id, fromTask.id],
    });
    expect(runs[0]?.extensions).toEqual([
      { id: fromTask.id, name: 'from-task', server: null },
      { id: own.id, name: 'own', server: null },
      { id: always.id, name: 'always', server: null },
    ]);
    const queued = (await goosuke.runs.events(runs[0]!.id))[0];
    expect(queued?.data).toMatchObject({ extensions: ['from-task', 'own', 'always'] });

    await expect(
      goosuke.runs.create(task.id, { instruction: 'Go', models: [modelId], extensionIds: [off.id] }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/off is disabled/) });
    await expect(
      goosuke.runs.create(task.id, {
        instruction: 'Go',
        models: [modelId],
        extensionIds: ['extension_nope'],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/extension_nope/) });
    await expect(
      goosuke.tasks.create({ title: 'q', extensionIds: ['extension_nope'] }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      goosuke.actions.create({
        name: 'bad',
        template: template.name,
        trigger: 'manual',
        extensionIds: ['x'],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    // An action naming it keeps it, as a template does.
    await goosuke.templates.update(template.id, { extensionIds: [] });
    await expect(goosuke.extensions.delete(fromAction.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/used by action ask-now/),
    });
  });

  it('give a text run their tools: calls and results are events, servers recorded, secrets redacted', async () => {
    const double = connectorDouble({ refuse: ['broken'] });
    const { goosuke, modelId, stdio, models } = await compose({
      connector: double.connector,
      replies: [toolCall('facts__lookup', { q: 'answer' }), toolCall('facts__boom'), 'The answer is 42.'],
    });
    const facts = await stdio('facts', { env: [{ name: 'FACTS_TOKEN', value: secret, secret: true }] });
    const other = await stdio('other');
    const broken = await stdio('broken');
    const { task } = await goosuke.tasks.create({ title: 'q' });
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'What is the answer?',
      models: [modelId],
      extensionIds: [facts.id, other.id, broken.id],
    });
    const workers = goosuke.runs.startWorkers();
    const [run] = await goosuke.runs.waitFor([runs[0]!.id]);
    await workers.stop();
    expect(run?.status).toBe('succeeded');
    expect(run?.summary).toBe('The answer is 42.');
    expect(run?.extensions.map((entry) => [entry.name, entry.server?.name ?? null])).toEqual([
      ['facts', 'facts-server'],
      ['other', 'other-server'],
      ['broken', null],
    ]);
    expect(run?.warnings).toEqual([expect.stringMatching(/broken: the MCP server "broken" exited/)]);
    expect((await goosuke.extensions.get(facts.id)).server).toMatchObject({
      name: 'facts-server',
      version: '2.0.1',
    });
    expect(double.closed()).toBe(2);
    // Each server got its own environment only.
    const byName = Object.fromEntries(
      double.connects.map((request) => [request.extension.name, request.env]),
    );
    expect(byName.facts).toEqual({ FACTS_TOKEN: secret });
    expect(byName.other).toEqual({});

    const model = models[0]!;
    expect(model.calls[0]?.tools?.map((tool) => tool.name)).toEqual([
      'facts__lookup',
      'facts__boom',
      'other__lookup',
      'other__boom',
    ]);
    // The model reads the tool's result, secret included (it is what the tool answered).
    expect(JSON.stringify(model.calls[1]?.messages)).toContain(secret);
    expect(model.calls[2]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      isError: true,
      content: expect.stringMatching(/The tool failed: no answer within 1 s/),
    });

    const events = await goosuke.runs.events(run!.id);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(events)).toContain('***');
    const kinds = events.map((event) => (event.data as { kind?: string }).kind ?? event.type);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'extension_connected',
        'extension_unavailable',
        'tool_call',
        'tool_call_update',
      ]),
    );
    expect(JSON.stringify(await goosuke.runs.get(run!.id))).not.toContain(secret);
  });

  it('go without tools, said once per extension, where there is no connector', async () => {
    const { goosuke, modelId, stdio, models } = await compose({ replies: ['Plain answer.'] });
    const facts = await stdio('facts');
    const { task } = await goosuke.tasks.create({ title: 'q' });
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'Hi',
      models: [modelId],
      extensionIds: [facts.id],
    });
    const workers = goosuke.runs.startWorkers();
    const [run] = await goosuke.runs.waitFor([runs[0]!.id]);
    await workers.stop();
    expect(run?.status).toBe('succeeded');
    expect(run?.warnings).toEqual([expect.stringMatching(/facts: this Goosuke has no MCP connector/)]);
    expect(models[0]?.calls[0]?.tools).toBeUndefined();
  });

  it('give a run of a Discord task the built-in discord extension through a grant, revoked at the end', async () => {
    const double = connectorDouble();
    const grants: Array<{ runId: string; channel: unknown; revoked: boolean }> = [];
    const builtins: BuiltinExtensions = {
      async grant({ name, runId, task }) {
        if (name !== 'discord' || task.discordChannel === null) return null;
        const grant = { runId, channel: task.discordChannel, revoked: false };
        grants.push(grant);
        return {
          url: 'http://127.0.0.1:9/mcp',
          headers: { Authorization: `Bearer token-for-${runId}-0123456789` },
          revoke: () => {
            grant.revoked = true;
          },
        };
      },
    };
    const { goosuke, modelId, models } = await compose({
      connector: double.connector,
      builtins,
      replies: [toolCall('discord__lookup', { q: 'history' }), 'Posted.', 'Plain.'],
    });
    const discord = await goosuke.extensions.create({ name: 'discord', type: 'builtin', command: 'discord' });
    await expect(
      goosuke.extensions.create({ name: 'slack', type: 'builtin', command: 'slack' }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/discord/) });
    const template = await goosuke.templates.create({
      name: 'in-channel',
      outputKind: 'text',
      prompt: 'Answer',
      extensionIds: [discord.id],
    });
    const action = await goosuke.actions.create({ name: 'ask', template: template.name, trigger: 'manual' });
    const place = { guildId: '100000000000000001', channelId: '200000000000000002' };
    const fromDiscord = await goosuke.actions.trigger(
      action.action.id,
      { models: [modelId] },
      { discordChannel: place },
    );
    expect(fromDiscord.task.discordChannel).toEqual(place);
    const workers = goosuke.runs.startWorkers();
    const [run] = await goosuke.runs.waitFor([fromDiscord.runs[0]!.id]);
    expect(run?.status).toBe('succeeded');
    expect(run?.extensions[0]).toMatchObject({ name: 'discord', server: { name: 'discord-server' } });
    expect(grants).toEqual([{ runId: run!.id, channel: place, revoked: true }]);
    const request = double.connects[0]!;
    expect(request.extension).toMatchObject({ type: 'streamable_http', uri: 'http://127.0.0.1:9/mcp' });
    expect(request.headers).toEqual({ Authorization: `Bearer token-for-${run!.id}-0123456789` });
    expect(models[0]?.calls[0]?.tools?.map((tool) => tool.name)).toContain('discord__lookup');
    expect(JSON.stringify(await goosuke.runs.events(run!.id))).not.toContain('token-for-');

    // Fired by hand: no channel, so no grant, and the run says it went without.
    const byHand = await goosuke.actions.trigger(action.action.id, { models: [modelId] });
    const [plain] = await goosuke.runs.waitFor([byHand.runs[0]!.id]);
    await workers.stop();
    expect(plain?.status).toBe('succeeded');
    expect(plain?.warnings[0]).toMatch(
      /discord: the built-in discord extension serves tasks started from Discord/,
    );
    expect(grants).toHaveLength(1);
  });
});
