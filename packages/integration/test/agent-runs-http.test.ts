// Agent runs over HTTP on the default composition: an admin adds a custom ACP agent
// (`POST /api/v1/agents`), a member lists the agents, starts a model run and an agent run on one
// instruction (`POST /tasks/{id}/runs` with `agents`), follows the agent run's live events over
// SSE (its tool call, its metered model call, its end) and compares the two runs. The agent runs
// in bubblewrap and calls the loopback fake of OpenAI through Goosuke's gateway.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunWorkers } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, makeRepository, searchReplaceReply, showFile, temporaryDirectory } from './support.ts';

const secretKey = 'agent-http-master-secret-0123456789abcdef';
const jwtSecret = 'agent-http-jwt-signing-secret-9876543210zz';
const password = 'correct horse battery staple';
const openaiKey = 'sk-agent-http-openai-key-5f2c9e1a7b';
const chatAgent = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../cli/test/fixtures/chat-agent.mjs',
);
const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";

describe('agent runs over HTTP', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let openai: FakeOpenAIServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;
  let server: HttpServer | undefined;
  const tokens = { admin: '', member: '' };

  const call = apiCaller(() => server!.url, tokens);

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-agent-http-');
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_JWT_SECRET: jwtSecret,
      GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
      GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
    };
    goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, scratch.dir), {
      env: { OPENAI_API_KEY: openaiKey, OPENAI_BASE_URL: openai.url },
    });
    await goosuke.users.create({ username: 'admin', password, role: 'admin' });
    await goosuke.users.create({ username: 'member', password, role: 'member' });
    tokens.admin = (await goosuke.auth.login({ username: 'admin', password })).accessToken;
    tokens.member = (await goosuke.auth.login({ username: 'member', password })).accessToken;
    workers = goosuke.runs.startWorkers({ concurrency: 1 });
    server = await createHttpServer(goosuke, { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await workers?.stop();
    await goosuke?.close();
    await openai?.close();
    await scratch?.cleanup();
  });

  it('adds an agent (admins only), runs it beside a model with live events, and compares them', async () => {
    const agent = {
      name: 'chatty',
      command: process.execPath,
      args: [chatAgent],
      wire: 'openai-chat',
      description: 'asks the model, writes its answer',
    };
    expect((await call('POST', '/agents', 'member', agent)).status).toBe(403);
    const added = await call('POST', '/agents', 'admin', agent);
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ name: 'chatty', kind: 'custom', installation: { installed: true } });
    const listed = await call('GET', '/agents', 'member');
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((item: { name: string }) => item.name)).toEqual([
      'claude-code',
      'codex',
      'gemini',
      'goose',
      'chatty',
    ]);
    expect((await call('GET', '/agents/gemini-cli', 'member')).json).toMatchObject({ name: 'gemini' });

    const source = path.join(scratch!.dir, 'source');
    await makeRepository(source, { 'src/greet.ts': greet, 'README.md': '# greet\n' });
    const gpt = await call('POST', '/models', 'admin', { provider: 'openai', modelName: 'gpt-4.1' });
    expect(gpt.status).toBe(201);
    const repo = await call('POST', '/repos', 'admin', { url: source });
    expect(repo.status).toBe(201);
    const task = await call('POST', '/tasks', 'member', { repoId: repo.json.id, title: 'Warmer greeting' });
    expect(task.status).toBe(201);
    // Runs execute one at a time: the model's run answers first, then the agent's.
    openai!.respond(
      {
        kind: 'reply',
        text: searchReplaceReply(
          'src/greet.ts',
          'Greets warmly.',
          "  return 'Hello ' + name;",
          "  return 'Hi, ' + name;",
        ),
      },
      {
        kind: 'reply',
        text: "Greets very warmly.\nexport function greet(name: string): string {\n  return 'Hello, dear ' + name;\n}",
        usage: { promptTokens: 500, completionTokens: 50 },
      },
    );
    const started = await call('POST', `/tasks/${task.json.task.id}/runs`, 'member', {
      instruction: 'Make the greeting warmer. FILE=src/greet.ts',
      models: [gpt.json.id],
      agents: [{ agent: 'chatty' }],
      maxCostUsd: 1,
    });
    expect(started.status).toBe(202);
    const [modelRunId, agentRunId] = started.json.runIds as string[];

    // The agent run's events, live over SSE until its end.
    const ticket = await call('POST', '/auth/stream-ticket', 'member');
    const stream = await fetch(
      `${server!.url}/api/v1/runs/${agentRunId}/events?ticket=${ticket.json.ticket}`,
    );
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await new Response(stream.body).text();
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map(
        (line) =>
          JSON.parse(line.slice(6)) as { type: string; message: string; data: Record<string, unknown> },
      );
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('run-queued');
    expect(types.at(-1)).toBe('run-succeeded');
    expect(
      events.find((event) => event.type === 'run-log' && /Write src\/greet\.ts/.test(event.message)),
    ).toBeDefined();
    const tokensEvent = events.find((event) => event.type === 'run-tokens');
    expect(tokensEvent?.data).toMatchObject({
      call: { inputTokens: 500, outputTokens: 50 },
      gateway: { path: '/v1/chat/completions', status: 200, refused: null },
    });
    expect(text).not.toContain(openaiKey);

    const runs = await call('GET', `/tasks/${task.json.task.id}/runs`, 'member');
    const byId = new Map(runs.json.items.map((run: { id: string }) => [run.id, run]));
    expect(byId.get(modelRunId)).toMatchObject({ status: 'succeeded', executor: { kind: 'model' } });
    expect(byId.get(agentRunId)).toMatchObject({
      status: 'succeeded',
      summary: 'Greets very warmly.',
      executor: { kind: 'agent', agent: 'chatty', modelProfileId: gpt.json.id },
      maxCostUsd: 1,
      usage: { inputTokens: 500, outputTokens: 50 },
    });
    const comparison = await call(
      'GET',
      `/tasks/${task.json.task.id}/runs/compare?message=${started.json.message.id}`,
      'member',
    );
    expect(comparison.json.runs.map((entry: { agent: string | null }) => entry.agent)).toEqual([
      null,
      'chatty',
    ]);
    // What the agent did, from its events: its one edit tool call.
    expect(comparison.json.runs.map((entry: { agentActivity: unknown }) => entry.agentActivity)).toEqual([
      null,
      { toolCalls: { edit: 1 }, permissions: { allowed: 0, refused: 0 }, plan: null },
    ]);
    expect(comparison.json.sharedFiles).toEqual([
      { runIds: [modelRunId, agentRunId], paths: ['src/greet.ts'] },
    ]);
    const clone = path.join(scratch!.dir, 'data', 'clones', repo.json.id);
    expect(await showFile(clone, `goosuke/run-${agentRunId}`, 'src/greet.ts')).toContain(
      "'Hello, dear ' + name",
    );
  });

  it('runs a template’s default agents when its action is triggered, with the template’s limits', async () => {
    // The agent and the model profile of the test before.
    const gpt = (await call('GET', '/models', 'admin')).json.items[0] as { id: string };
    const source = path.join(scratch!.dir, 'template-source');
    await makeRepository(source, { 'src/greet.ts': greet });
    const repo = await call('POST', '/repos', 'admin', { url: source });
    expect(repo.status).toBe(201);
    const textTemplate = await call('POST', '/templates', 'admin', {
      name: 'say-hi',
      prompt: 'Say hi',
      defaultAgents: [{ agent: 'chatty' }],
    });
    expect(textTemplate.status).toBe(400);
    expect(textTemplate.json.detail).toMatch(/agents change repositories/);
    const template = await call('POST', '/templates', 'admin', {
      name: 'warm-greeting',
      prompt: 'Make the greeting warmer. FILE=src/greet.ts',
      outputKind: 'patch',
      repoId: repo.json.id,
      defaultAgents: [{ agent: 'chatty', model: gpt.id }],
      maxCostUsd: 0.25,
    });
    expect(template.status).toBe(201);
    expect(template.json).toMatchObject({
      defaultAgents: [{ agent: 'chatty', model: gpt.id }],
      allowShell: false,
      maxCostUsd: 0.25,
      maxTokens: null,
    });
    const action = await call('POST', '/actions', 'admin', {
      name: 'warm-greeting',
      template: template.json.id,
      trigger: 'manual',
    });
    expect(action.status).toBe(201);
    openai!.respond({
      kind: 'reply',
      text: "Warmer.\nexport function greet(name: string): string {\n  return 'Hey ' + name;\n}",
    });
    const triggered = await call('POST', `/actions/${action.json.action.id}/trigger`, 'member', {});
    expect(triggered.status).toBe(202);
    const [run] = triggered.json.runs as Array<{ id: string; executor: unknown; maxCostUsd: number }>;
    expect(run).toMatchObject({
      executor: { kind: 'agent', agent: 'chatty', modelProfileId: gpt.id },
      maxCostUsd: 0.25,
      allowShell: false,
    });
    let ended: { status: string; summary: string | null } | undefined;
    for (let waited = 0; waited < 30_000; waited += 100) {
      const current = await call('GET', `/runs/${run!.id}`, 'member');
      if (['succeeded', 'failed', 'canceled'].includes(current.json.status)) {
        ended = current.json;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ended, JSON.stringify(ended)).toMatchObject({ status: 'succeeded', summary: 'Warmer.' });
  });

  it('continues the agent’s session on a follow-up of its run, in the same directory and home', async () => {
    const gpt = (await call('GET', '/models', 'admin')).json.items[0] as { id: string };
    const source = path.join(scratch!.dir, 'follow-up-source');
    await makeRepository(source, { 'src/greet.ts': greet });
    const repo = await call('POST', '/repos', 'admin', { url: source });
    const task = await call('POST', '/tasks', 'member', { repoId: repo.json.id, title: 'Greeting' });
    const taskId = task.json.task.id as string;
    const runTo = async (body: Record<string, unknown>) => {
      const started = await call('POST', `/tasks/${taskId}/runs`, 'member', {
        agents: [{ agent: 'chatty', model: gpt.id }],
        ...body,
      });
      expect(started.status).toBe(202);
      const id = (started.json.runIds as string[])[0]!;
      for (let waited = 0; waited < 30_000; waited += 100) {
        const current = await call('GET', `/runs/${id}`, 'member');
        if (['succeeded', 'failed', 'canceled'].includes(current.json.status)) return current.json;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`run ${id} did not end`);
    };

    openai!.respond({
      kind: 'reply',
      text: "Warmer.\nexport function greet(name: string): string {\n  return 'Hello, dear ' + name;\n}",
    });
    const first = await runTo({ instruction: 'Make the greeting warmer. FILE=src/greet.ts' });
    expect(first).toMatchObject({
      status: 'succeeded',
      agentSession: { directoryRunId: first.id, resumed: false },
    });

    openai!.respond({
      kind: 'reply',
      text: "Louder.\nexport function greet(name: string): string {\n  return 'HELLO, DEAR ' + name;\n}",
    });
    const second = await runTo({ instruction: 'Now shout it. FILE=src/greet.ts', fromRun: first.id });
    expect(second).toMatchObject({
      status: 'succeeded',
      summary: 'Louder.',
      agentSession: { id: first.agentSession.id, directoryRunId: first.id, resumed: true },
    });
    // The loaded session gave the model the first turn; the prompt was the instruction alone.
    expect(openai!.requests.at(-1)?.body).toMatchObject({
      messages: [
        { role: 'user', content: 'Make the greeting warmer. FILE=src/greet.ts' },
        { role: 'assistant', content: 'Warmer.' },
        { role: 'user', content: 'Now shout it. FILE=src/greet.ts' },
      ],
    });
    // The run has ended: its event stream replays every event and closes.
    const ticket = await call('POST', '/auth/stream-ticket', 'member');
    const stream = await fetch(`${server!.url}/api/v1/runs/${second.id}/events?ticket=${ticket.json.ticket}`);
    const loaded = (await new Response(stream.body).text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { data: { kind?: string } })
      .filter((event) => event.data.kind === 'session_loaded');
    expect(loaded).toHaveLength(1);
    const clone = path.join(scratch!.dir, 'data', 'clones', repo.json.id);
    expect(await showFile(clone, `goosuke/run-${second.id}`, 'src/greet.ts')).toContain(
      "'HELLO, DEAR ' + name",
    );
  });
});
