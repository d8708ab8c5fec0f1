// Done when: `goosuke run` (the CLI, in-process) races the three real agents and one API model on
// one instruction, picks Gemini's run and opens the pull request from it. The agents call the
// fake model through the gateway (provider keys and base URLs from the environment, as a user
// sets them); the API model is a stored profile on the OpenAI fake; the repository is served by
// the GitHub Enterprise fake (REST API and a real smart-HTTP git server).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { runGit } from '@goosuke/core/testing';
import type { FakeGitHubEnterprise } from '@goosuke/github/testing';
import type { FakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from '../../cli/test/helpers.ts';
import { agents, realKeys } from './support/agents.ts';
import { eventsOf, secretKey, warmerSource } from './support/e2e-goosuke.ts';
import type { FakeAgentModel } from './support/fake-agent-model.ts';
import { defaultScript, keywords } from './support/fake-model-script.ts';
import { startRaceWorld } from './support/race-world.ts';
import { expectNoProcessLeft, expectOnlyGatewayTraffic } from './support/run-checks.ts';

const githubToken = 'ghp_agentsE2eRaceToken0123456789abcdef';
const apiModelKey = 'sk-openai-e2e-api-model-key-2b8e5d1c';

interface JsonRun {
  id: string;
  model: string;
  status: string;
  summary: string | null;
  error: { code: string; message: string } | null;
  branch: string | null;
  filesChanged: Array<{ path: string }>;
}

interface JsonReport {
  runs: JsonRun[];
  pick: { runId: string; model: string; reason: string } | null;
  pullRequest: { number: number; url: string; branch: string; runId: string } | null;
  pullRequestAction: string | null;
}

describe('goosuke run: three real agents and an API model race, one is picked', () => {
  const open: {
    dir?: string;
    fake?: FakeAgentModel;
    openai?: FakeOpenAIServer;
    host?: FakeGitHubEnterprise;
  } = {};
  afterEach(async () => {
    await open.host?.close();
    await open.openai?.close();
    await open.fake?.close();
    if (open.dir !== undefined) await rm(open.dir, { recursive: true, force: true });
  });

  it('runs claude-code, codex, gemini and gpt-4.1 on one instruction, picks gemini and opens its pull request', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'goosuke-agents-race-'));
    open.dir = dir;
    const { bare, host, fake, openai } = await startRaceWorld(dir, { githubToken, apiModelKey }, open);
    const dataDir = path.join(dir, 'data');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_DATA_DIR: dataDir,
      // The agents' providers, as a user configures them: the gateway forwards there with these keys.
      ANTHROPIC_API_KEY: realKeys.anthropic,
      ANTHROPIC_BASE_URL: agents['claude-code'].baseUrl(fake.url),
      GEMINI_API_KEY: realKeys.gemini,
      GOOGLE_GEMINI_BASE_URL: agents.gemini.baseUrl(fake.url),
      OPENAI_API_KEY: realKeys['openai-responses'],
      OPENAI_BASE_URL: agents.codex.baseUrl(fake.url),
      E2E_API_MODEL_KEY: apiModelKey,
      GITHUB_TOKEN: githubToken,
      GOOSUKE_GITHUB_API_URL: host.apiUrl,
    };
    const goosuke = (argv: string[]) => runMain(argv, { cwd: dir, env });

    // The API model has its own server: a stored profile, its key read from a variable.
    const added = await goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-4.1',
      '--base-url',
      openai.url,
      '--api-key-env',
      'E2E_API_MODEL_KEY',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);

    const ran = await goosuke([
      'run',
      '--repo',
      `${host.url}/octo/shop.git`,
      '--model',
      'gpt-4.1',
      '--agent',
      `claude-code=anthropic:${agents['claude-code'].model}`,
      '--agent',
      `codex=openai:${agents.codex.model}`,
      '--agent',
      `gemini=google:${agents.gemini.model}`,
      '--pick',
      'gemini',
      '--pr',
      '-m',
      `Make the greeting warmer. ${keywords.edit}`,
      '--json',
    ]);
    expect(ran.stderr).not.toContain(realKeys.anthropic);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as JsonReport;
    expect(report.runs.map((run) => [run.model.split(' ')[0], run.status, run.error])).toEqual([
      ['gpt-4.1', 'succeeded', null],
      ['claude-code', 'succeeded', null],
      ['codex', 'succeeded', null],
      ['gemini', 'succeeded', null],
    ]);
    const [apiRun, claudeRun, codexRun, geminiRun] = report.runs as [JsonRun, JsonRun, JsonRun, JsonRun];
    expect(apiRun.summary).toBe('Warmer, by the API model.');
    for (const run of [claudeRun, codexRun, geminiRun]) expect(run.summary).toBe(defaultScript.summary);

    // Gemini's run was picked, became the task's chosen run and the pull request's.
    expect(report.pick?.runId).toBe(geminiRun.id);
    expect(report.pullRequestAction).toBe('opened');
    const [pull] = host.github.repositories.get('octo/shop')!.pulls;
    expect(pull).toBeDefined();
    expect(pull!.base).toBe('main');
    expect(await runGit(bare, ['show', `${pull!.head}:src/greet.ts`])).toBe(warmerSource);
    // Every run's branch holds the same edit, each made its own way.
    const clone = path.join(dataDir, 'clones');
    const [repoId] = await readdir(clone);
    for (const run of report.runs) {
      expect(await runGit(path.join(clone, repoId!), ['show', `${run.branch}:src/greet.ts`])).toBe(
        warmerSource,
      );
    }

    // The agents' calls all went through the gateway; the API model's went to its own server.
    const reopened = await createDefaultGoosuke(
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir }, dir),
    );
    try {
      expect((await reopened.tasks.get((await reopened.runs.get(geminiRun.id)).taskId)).chosenRunId).toBe(
        geminiRun.id,
      );
      const agentEvents = await Promise.all(
        [claudeRun, codexRun, geminiRun].map((run) => eventsOf(reopened, run.id)),
      );
      expectOnlyGatewayTraffic(fake, ...agentEvents);
    } finally {
      await reopened.close();
    }
    expect(new Set(fake.requests.map((request) => request.wire))).toEqual(
      new Set(['anthropic', 'openai-responses', 'gemini']),
    );
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${apiModelKey}`);
    await expectNoProcessLeft(dir);
  });
});
