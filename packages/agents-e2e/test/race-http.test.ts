// Done when, over HTTP: the bundled server (createHttpServer on createDefaultGoosuke, as `goosuke
// serve` composes it) races the three real agents and one API model on one instruction started by
// a member's POST, each run's events followed live over SSE while it runs (the agents' tool calls,
// their metered model calls through the gateway), the comparison showing what each agent did, and
// the member's pick opened as a pull request on the GitHub Enterprise fake.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunWorkers } from '@goosuke/core';
import { runGit } from '@goosuke/core/testing';
import type { FakeGitHubEnterprise } from '@goosuke/github/testing';
import type { FakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { apiCaller } from '../../integration/test/support.ts';
import { agents, realKeys } from './support/agents.ts';
import { secretKey, warmerSource } from './support/e2e-goosuke.ts';
import type { FakeAgentModel } from './support/fake-agent-model.ts';
import { keywords } from './support/fake-model-script.ts';
import { startRaceWorld } from './support/race-world.ts';
import { expectNoProcessLeft } from './support/run-checks.ts';

const githubToken = 'ghp_agentsE2eHttpRaceToken0123456789ab';
const apiModelKey = 'sk-openai-e2e-http-api-model-key-4c1d';
const password = 'correct horse battery staple';

interface StreamedEvent {
  type: string;
  message: string;
  data: Record<string, unknown>;
  createdAt: string;
  /** When this test read it (`Date.now()`, the clock the server stamps events with). */
  readAt: number;
}

describe('HTTP: three real agents and an API model race, the pick becomes a pull request', () => {
  const open: {
    dir?: string;
    fake?: FakeAgentModel;
    openai?: FakeOpenAIServer;
    host?: FakeGitHubEnterprise;
    goosuke?: DefaultGoosuke;
    workers?: RunWorkers;
    server?: HttpServer;
  } = {};
  afterEach(async () => {
    await open.server?.close();
    await open.workers?.stop();
    await open.goosuke?.close();
    await open.host?.close();
    await open.openai?.close();
    await open.fake?.close();
    if (open.dir !== undefined) await rm(open.dir, { recursive: true, force: true });
  });

  it('runs claude-code, codex, gemini and gpt-4.1 from one POST, streams their events live, compares them and opens the pick’s pull request', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'goosuke-agents-http-race-'));
    open.dir = dir;
    const { bare, host, fake, openai } = await startRaceWorld(dir, { githubToken, apiModelKey }, open);

    const goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        {
          GOOSUKE_SECRET_KEY: secretKey,
          GOOSUKE_JWT_SECRET: 'agents-e2e-http-race-jwt-secret-0123456789',
          GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
          GOOSUKE_DATA_DIR: path.join(dir, 'data'),
        },
        dir,
      ),
      {
        // The server's environment: the agents' providers (the gateway forwards there with these
        // keys) and the code host.
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ANTHROPIC_API_KEY: realKeys.anthropic,
          ANTHROPIC_BASE_URL: agents['claude-code'].baseUrl(fake.url),
          GEMINI_API_KEY: realKeys.gemini,
          GOOGLE_GEMINI_BASE_URL: agents.gemini.baseUrl(fake.url),
          OPENAI_API_KEY: realKeys['openai-responses'],
          OPENAI_BASE_URL: agents.codex.baseUrl(fake.url),
          GITHUB_TOKEN: githubToken,
          GOOSUKE_GITHUB_API_URL: host.apiUrl,
        },
      },
    );
    open.goosuke = goosuke;
    await goosuke.users.create({ username: 'admin', password, role: 'admin' });
    await goosuke.users.create({ username: 'member', password, role: 'member' });
    const tokens = {
      admin: (await goosuke.auth.login({ username: 'admin', password })).accessToken,
      member: (await goosuke.auth.login({ username: 'member', password })).accessToken,
    };
    open.workers = goosuke.runs.startWorkers({ concurrency: 4 });
    const server = await createHttpServer(goosuke, { port: 0 });
    open.server = server;
    const call = apiCaller(() => server.url, tokens);

    const profile = async (body: Record<string, unknown>): Promise<string> => {
      const created = await call('POST', '/models', 'admin', body);
      expect(created.status, created.text).toBe(201);
      expect(created.text).not.toContain(apiModelKey);
      return created.json.id as string;
    };
    const gpt = await profile({
      provider: 'openai',
      modelName: 'gpt-4.1',
      baseUrl: openai.url,
      apiKey: apiModelKey,
    });
    const sonnet = await profile({ provider: 'anthropic', modelName: agents['claude-code'].model });
    const codexModel = await profile({ provider: 'openai', modelName: agents.codex.model });
    const geminiModel = await profile({ provider: 'google', modelName: agents.gemini.model });
    const listed = await call('GET', '/agents', 'member');
    expect(
      listed.json.items
        .filter((agent: { kind: string }) => agent.kind === 'built-in')
        .map((agent: { name: string; installation: { installed: boolean } }) => [
          agent.name,
          agent.installation.installed,
        ]),
    ).toEqual([
      ['claude-code', true],
      ['codex', true],
      ['gemini', true],
      ['goose', false],
    ]);
    const repo = await call('POST', '/repos', 'admin', { url: `${host.url}/octo/shop.git` });
    expect(repo.status, repo.text).toBe(201);
    const task = await call('POST', '/tasks', 'member', { repoId: repo.json.id, title: 'Warmer greeting' });
    expect(task.status).toBe(201);
    const taskId = task.json.task.id as string;

    const started = await call('POST', `/tasks/${taskId}/runs`, 'member', {
      instruction: `Make the greeting warmer. ${keywords.edit}`,
      models: [gpt],
      agents: [
        { agent: 'claude-code', model: sonnet },
        { agent: 'codex', model: codexModel },
        { agent: 'gemini-cli', model: geminiModel },
      ],
      maxCostUsd: 5,
    });
    expect(started.status, started.text).toBe(202);
    const runIds = started.json.runIds as string[];
    expect(runIds).toHaveLength(4);

    // Each run's events, read as they come until the run ends.
    const follow = async (runId: string): Promise<StreamedEvent[]> => {
      const ticket = await call('POST', '/auth/stream-ticket', 'member');
      const response = await fetch(`${server.url}/api/v1/runs/${runId}/events?ticket=${ticket.json.ticket}`);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events: StreamedEvent[] = [];
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf('\n');
        while (end !== -1) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          if (line.startsWith('data: ')) {
            events.push({
              ...(JSON.parse(line.slice(6)) as Omit<StreamedEvent, 'readAt'>),
              readAt: Date.now(),
            });
          }
          end = buffered.indexOf('\n');
        }
      }
      return events;
    };
    const streams = await Promise.all(runIds.map(follow));
    const [apiStream, ...agentStreams] = streams as [StreamedEvent[], ...StreamedEvent[][]];
    expect(apiStream.at(-1)?.type).toBe('run-succeeded');
    for (const events of agentStreams) {
      expect(events[0]?.type).toBe('run-queued');
      const ended = events.at(-1)!;
      expect(ended.type).toBe('run-succeeded');
      // Live: the agent's edit tool call and its first metered model call reached this test before
      // the run ended (its end event is stamped when it ended: after the turn, the agent's stop,
      // the diff and the commit).
      const endedAt = Date.parse(ended.createdAt);
      const edit = events.find((event) => event.data.kind === 'tool_call' && event.data.toolKind === 'edit');
      expect(edit, JSON.stringify(events.map((event) => event.message))).toBeDefined();
      expect(edit!.readAt).toBeLessThan(endedAt);
      const metered = events.filter(
        (event) => event.type === 'run-tokens' && event.data.gateway !== undefined,
      );
      expect(metered.length).toBeGreaterThan(0);
      expect(metered[0]!.readAt).toBeLessThan(endedAt);
      expect(JSON.stringify(events)).not.toContain(realKeys.anthropic);
      expect(JSON.stringify(events)).not.toContain(realKeys['openai-responses']);
      expect(JSON.stringify(events)).not.toContain(realKeys.gemini);
    }

    const comparison = await call(
      'GET',
      `/tasks/${taskId}/runs/compare?message=${started.json.message.id}`,
      'member',
    );
    expect(comparison.status).toBe(200);
    expect(
      comparison.json.runs.map((entry: { agent: string | null; status: string; paths: string[] }) => [
        entry.agent,
        entry.status,
        entry.paths,
      ]),
    ).toEqual([
      [null, 'succeeded', ['src/greet.ts']],
      ['claude-code', 'succeeded', ['src/greet.ts']],
      ['codex', 'succeeded', ['src/greet.ts']],
      ['gemini', 'succeeded', ['src/greet.ts']],
    ]);
    for (const entry of comparison.json.runs.slice(1)) {
      const calls = Object.values(entry.agentActivity.toolCalls as Record<string, number>);
      expect(calls.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
      expect(entry.usage.inputTokens).toBeGreaterThan(0);
    }

    // The member picks Claude Code's run: it becomes the task's chosen run and the pull request's.
    const claudeRunId = runIds[1]!;
    const pull = await call('POST', `/tasks/${taskId}/prs`, 'member', {
      runId: claudeRunId,
      reason: 'picked over HTTP',
    });
    expect(pull.status, pull.text).toBe(201);
    const [hosted] = host.github.repositories.get('octo/shop')!.pulls;
    expect(hosted).toBeDefined();
    expect(await runGit(bare, ['show', `${hosted!.head}:src/greet.ts`])).toBe(warmerSource);
    expect((await call('GET', `/tasks/${taskId}`, 'member')).json.task.chosenRunId).toBe(claudeRunId);
    expect(openai.requests).toHaveLength(1);
    await open.server.close();
    open.server = undefined;
    await open.workers.stop();
    open.workers = undefined;
    await expectNoProcessLeft(dir);
  });
});
