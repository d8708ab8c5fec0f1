// A GitHub issue webhook bound to a `pull-request` template, end to end: the signed delivery
// starts runs on two models, the best run becomes a pull request on the GitHub fake (whose git
// server demands the token), and the callback names the pull request. Real libraries throughout:
// `git http-backend`, the GitHub REST fake, the OpenAI fake, the default composition.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunWorkers } from '@goosuke/core';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepository, searchReplaceReply, temporaryDirectory } from './support.ts';

const githubToken = 'ghp_e2eActionPullRequest0123456789abcd';
const openaiKey = 'sk-e2e-action-pr-openai-71c2';
const secretKey = 'e2e-action-pr-master-secret-9f3b1d7e5c2a4086';
const hookSecret = 'github-hook-secret-for-the-action-0123';
const greet = ['export function greet(name: string): string {', "  return 'Hello ' + name;", '}', ''].join(
  '\n',
);

describe('a webhook on a pull-request template opens a pull request from the best run', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let host: FakeGitHubEnterprise | undefined;
  let openai: FakeOpenAIServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;
  let receiver: Server | undefined;
  const received: unknown[] = [];
  let bare = '';
  let callbackUrl = '';

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-e2e-action-pr-');
    const source = path.join(scratch.dir, 'source');
    await makeRepository(source, { 'src/greet.ts': greet });
    const root = path.join(scratch.dir, 'served');
    bare = path.join(root, 'octo', 'shop.git');
    await git(scratch.dir, 'clone', '-q', '--bare', source, bare);
    host = await startFakeGitHubEnterprise({ root, token: githubToken });
    host.github.addRepository({ fullName: 'octo/shop', defaultBranch: 'main' });
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/done`;
    goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data') },
        scratch.dir,
      ),
      {
        env: {
          OPENAI_API_KEY: openaiKey,
          OPENAI_BASE_URL: openai.url,
          GITHUB_TOKEN: githubToken,
          GOOSUKE_GITHUB_API_URL: host.apiUrl,
        },
      },
    );
    workers = goosuke.runs.startWorkers({ concurrency: 2 });
  }, 30_000);

  afterAll(async () => {
    await workers?.stop();
    await goosuke?.close();
    await Promise.all([host?.close(), openai?.close()]);
    await new Promise((resolve) => receiver?.close(resolve));
    await scratch?.cleanup();
  });

  it('picks the run with fewer model calls, pushes it, opens the pull request and calls back with it', async () => {
    const models = await Promise.all(
      ['gpt-4.1', 'gpt-4o'].map((modelName) => goosuke!.models.create({ provider: 'openai', modelName })),
    );
    const repo = await goosuke!.repos.create({ url: `${host!.url}/octo/shop.git` });
    await goosuke!.templates.create({
      name: 'fix-issue',
      prompt: 'Fix the issue {{title}} in src/greet.ts.\n{{body}}',
      parameters: [
        { name: 'title', type: 'string', required: true },
        { name: 'body', type: 'text', default: '' },
      ],
      defaultModelProfileIds: models.map((model) => model.id),
      outputKind: 'pull-request',
      repoId: repo.id,
    });
    const { action } = await goosuke!.actions.create({
      name: 'issues-to-prs',
      template: 'fix-issue',
      trigger: 'webhook',
      config: { github: true, githubEvents: ['issues'] },
      parameterMapping: { title: '$.issue.title', body: '$.issue.body' },
      webhookSecret: hookSecret,
      callbackUrl,
    });
    // gpt-4.1 misses its first edit and needs a second call; gpt-4o applies at once.
    const good = searchReplaceReply(
      'src/greet.ts',
      'Greets with a comma.',
      "  return 'Hello ' + name;",
      "  return 'Hello, ' + name;",
    );
    const miss = searchReplaceReply(
      'src/greet.ts',
      'Tried.',
      "  return 'Howdy ' + name;",
      "  return 'Hi ' + name;",
    );
    openai!.respond(
      { kind: 'reply', text: miss, delayMs: 50 },
      { kind: 'reply', text: good },
      { kind: 'reply', text: good, delayMs: 100 },
    );
    const body = Buffer.from(
      JSON.stringify({ action: 'opened', issue: { title: 'Add a comma', body: 'Hello, name' } }),
    );
    const outcome = await goosuke!.actions.receiveWebhook(action.id, {
      header: (name) =>
        ({
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': 'delivery-1',
          'x-hub-signature-256': `sha256=${createHmac('sha256', hookSecret).update(body).digest('hex')}`,
        })[name] ?? null,
      body: new Uint8Array(body),
    });
    expect(outcome.kind).toBe('started');
    if (outcome.kind !== 'started') throw new Error('unreachable');
    const { task, runs } = outcome.triggered;
    expect(task.repoId).toBe(repo.id);
    const done = await goosuke!.runs.waitFor(runs.map((run) => run.id));
    expect(done.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);

    for (let i = 0; i < 400 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [pull] = await goosuke!.pullRequests.list(task.id);
    expect(pull).toMatchObject({ number: 1, state: 'open', baseBranch: 'main' });
    const calls = await Promise.all(
      done.map(
        async (run) => (await goosuke!.runs.events(run.id)).filter((e) => e.type === 'run-tokens').length,
      ),
    );
    // The run that needed one call is the one proposed.
    expect(pull!.runId).toBe(done[calls.indexOf(Math.min(...calls))]!.id);
    // The pick is the task's chosen run: a follow-up without fromRun builds on it.
    expect((await goosuke!.tasks.get(task.id)).chosenRunId).toBe(pull!.runId);
    expect(await git(bare, 'show', `${pull!.branch}:src/greet.ts`)).toContain("'Hello, ' + name");
    expect(host!.github.repositories.get('octo/shop')!.pulls).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      event: 'task.completed',
      status: 'succeeded',
      pullRequest: { number: 1, url: pull!.url, state: 'open', branch: pull!.branch },
    });
    const events = await goosuke!.runs.events(done[0]!.id);
    expect(events.some((event) => event.message.startsWith('pull request #1 opened from'))).toBe(true);
  }, 60_000);
});
