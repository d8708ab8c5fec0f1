// The run pipeline as an SDK program calls it: `goosuke.pipeline.run` on the default composition
// (SQLite file, durable queue, isomorphic-git, the OpenAI provider) against the OpenAI fake and
// the GitHub Enterprise fake (REST plus a real smart-HTTP git server that demands credentials).
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { GoosukeError, type ModelProfile, type RunPipelineEvent } from '@goosuke/core';
import { waitUntil } from '@goosuke/core/testing';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRepository, searchReplaceReply, temporaryDirectory } from './support.ts';

const githubToken = 'ghp_pipelineToken0123456789abcdef0123';
const openaiKey = 'sk-pipeline-openai-0123456789abcdef';
const secretKey = 'pipeline-master-secret-0123456789abcdefgh';
const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";
const hello = "  return 'Hello ' + name;";

/** A model's SEARCH/REPLACE answer for `src/greet.ts`. */
const edit = (summary: string, search: string, replace: string) =>
  searchReplaceReply('src/greet.ts', summary, search, replace);

/** The kinds of pipeline events, in order, without the run events (those interleave). */
const stages = (events: readonly RunPipelineEvent[]) =>
  events.filter((event) => event.type !== 'run').map((event) => event.type);

describe('goosuke.pipeline.run: goosuke run in one call', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>>;
  let host: FakeGitHubEnterprise;
  let openai: FakeOpenAIServer;
  let goosuke: DefaultGoosuke;
  let bare: string;
  let repoUrl: string;
  let models: ModelProfile[];

  beforeEach(async () => {
    scratch = await temporaryDirectory('goosuke-it-pipeline-');
    const source = path.join(scratch.dir, 'source');
    await makeRepository(source, { 'src/greet.ts': greet, 'README.md': '# shop\n' });
    bare = path.join(scratch.dir, 'served', 'octo', 'shop.git');
    await git(scratch.dir, 'clone', '-q', '--bare', source, bare);
    host = await startFakeGitHubEnterprise({ root: path.join(scratch.dir, 'served'), token: githubToken });
    host.github.addRepository({ fullName: 'octo/shop', defaultBranch: 'main' });
    repoUrl = `${host.url}/octo/shop.git`;
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    const env = {
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: openai.url,
      GITHUB_TOKEN: githubToken,
      GOOSUKE_GITHUB_API_URL: host.apiUrl,
    };
    goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data') },
        scratch.dir,
      ),
      { env },
    );
    models = [
      await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' }),
      await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4o' }),
    ];
  });

  afterEach(async () => {
    await goosuke.close();
    await Promise.all([host.close(), openai.close()]);
    await scratch.cleanup();
  });

  const pulls = () => host.github.repositories.get('octo/shop')!.pulls;

  it('takes a repository URL to an opened pull request from the run it picks', async () => {
    // One worker: the runs execute in the order of the models, so each gets its answer.
    openai.respond(
      {
        kind: 'reply',
        text: edit('Logs and says hi.', hello, "  console.log(name);\n  return 'Hi ' + name;"),
      },
      { kind: 'reply', text: edit('Says hey.', hello, "  return 'Hey ' + name;") },
    );
    const events: RunPipelineEvent[] = [];
    const result = await goosuke.pipeline.run(
      {
        repo: repoUrl,
        instruction: 'Greet less formally',
        models: models.map((model) => model.id),
        pullRequest: true,
      },
      { workers: { concurrency: 1 }, onEvent: (event) => void events.push(event) },
    );

    expect(result.outcome).toBe('completed');
    if (result.outcome !== 'completed') return;
    const main = (await git(bare, 'rev-parse', 'main')).trim();
    expect(result.base).toEqual({ ref: main, from: 'remote' });
    expect(result.task).toMatchObject({
      title: 'Greet less formally',
      baseBranch: 'main',
      repoId: result.repo.id,
    });
    expect(result.labels).toEqual(['gpt-4.1', 'gpt-4o']);
    expect(result.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(result.comparison.runs.map((entry) => entry.runId)).toEqual(result.runs.map((run) => run.id));
    expect(result.pick).toEqual({
      runId: result.runs[1]!.id,
      label: 'gpt-4o',
      reason: 'fewest edit retries (1 model call), then smallest diff (+1 -1)',
    });
    expect(result.noPickReason).toBeNull();
    expect(result.pullRequestAction).toBe('opened');
    expect(result.pullRequest).toMatchObject({ number: 1, runId: result.runs[1]!.id, baseBranch: 'main' });
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]!.body).toContain('**Chosen run:** openai:gpt-4o');
    expect(await git(bare, 'show', `${pulls()[0]!.head}:src/greet.ts`)).toContain("'Hey ' + name");

    expect(stages(events)).toEqual(['cloning', 'runs-started', 'runs-ended', 'picked', 'pull-request']);
    const runEvents = events.flatMap((event) => (event.type === 'run' ? [event.event] : []));
    for (const run of result.runs) {
      expect(runEvents.filter((event) => event.runId === run.id).map((event) => event.type)).toContain(
        'run-succeeded',
      );
    }
    // The repository is registered once, by its URL, which never holds the token.
    const repos = (await goosuke.repos.list()).items;
    expect(repos.map((repo) => repo.url)).toEqual([repoUrl]);
    expect(JSON.stringify({ result, events })).not.toContain(githubToken);

    // The same URL again: the same repository, a new task.
    openai.respond({ kind: 'reply', text: edit('Says yo.', hello, "  return 'Yo ' + name;") });
    const again = await goosuke.pipeline.run(
      { repo: repoUrl, instruction: 'Say yo', models: [models[0]!.id] },
      { workers: true },
    );
    expect(again.repo.id).toBe(result.repo.id);
    expect(again.task.id).not.toBe(result.task.id);
  });

  it('cancels every run when the signal aborts mid-run, and stops before anything when it aborts earlier', async () => {
    // The model never answers in time: the runs are mid-call when the signal aborts.
    openai.respond(
      { kind: 'reply', text: edit('Late.', hello, "  return 'Hi ' + name;"), delayMs: 60_000 },
      { kind: 'reply', text: edit('Late.', hello, "  return 'Hi ' + name;"), delayMs: 60_000 },
    );
    const interrupt = new AbortController();
    const events: RunPipelineEvent[] = [];
    const running = goosuke.pipeline.run(
      {
        repo: repoUrl,
        instruction: 'Greet less formally',
        models: models.map((model) => model.id),
        pullRequest: true,
      },
      { workers: true, signal: interrupt.signal, onEvent: (event) => void events.push(event) },
    );
    // Both runs are waiting for the model: interrupt.
    await waitUntil(() => openai.requests.length === 2, { timeoutMs: 30_000 });
    interrupt.abort();
    const result = await running;
    expect(result.outcome).toBe('canceled');
    expect(result.runs.map((run) => run.status)).toEqual(['canceled', 'canceled']);
    expect(stages(events)).toEqual(['cloning', 'runs-started', 'canceling']);
    expect(pulls()).toHaveLength(0);
    const tasks = (await goosuke.tasks.list()).items;
    expect(tasks).toHaveLength(1);

    // Aborted while cloning (a plain abort, no reason): a canceled GoosukeError, and no task.
    const early = new AbortController();
    const error = await goosuke.pipeline
      .run(
        { repo: repoUrl, instruction: 'Never runs', models: [models[0]!.id] },
        {
          workers: true,
          signal: early.signal,
          onEvent: (event) => {
            if (event.type === 'cloning') early.abort();
          },
        },
      )
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('canceled');
    expect((await goosuke.tasks.list()).items).toHaveLength(1);
  });

  it('adopts the open pull request on a branch: the runs start from it and it gets their commit', async () => {
    const branch = 'goosuke/ci-greeting';
    openai.respond({ kind: 'reply', text: edit('Says hi.', hello, "  return 'Hi ' + name;") });
    const first = await goosuke.pipeline.run(
      { repo: repoUrl, instruction: 'Say hi', models: [models[0]!.id], pullRequest: { branch } },
      { workers: true },
    );
    expect(first.outcome === 'completed' && first.pullRequestAction).toBe('opened');
    const firstCommit = (await git(bare, 'rev-parse', branch)).trim();

    openai.respond({
      kind: 'reply',
      text: edit('Exclaims.', "  return 'Hi ' + name;", "  return 'Hi ' + name + '!';"),
    });
    const events: RunPipelineEvent[] = [];
    const second = await goosuke.pipeline.run(
      { repo: repoUrl, instruction: 'Exclaim', models: [models[0]!.id], pullRequest: { branch } },
      { workers: true, onEvent: (event) => void events.push(event) },
    );
    expect(second.outcome).toBe('completed');
    if (second.outcome !== 'completed') return;
    const adopted = events.find((event) => event.type === 'pull-request-adopted');
    expect(adopted).toMatchObject({ pullRequest: { number: 1, head: branch, base: 'main' } });
    expect(stages(events)).toEqual([
      'cloning',
      'pull-request-adopted',
      'runs-started',
      'runs-ended',
      'picked',
      'pull-request',
    ]);
    expect(second.base).toEqual({ ref: `origin/${branch}`, from: 'pull-request' });
    expect(second.runs[0]!.baseRef).toBe(`origin/${branch}`);
    expect(second.task.baseBranch).toBe('main');
    expect(second.pullRequestAction).toBe('updated');
    expect(second.pullRequest).toMatchObject({ number: 1, branch });
    expect(pulls()).toHaveLength(1);
    // The pull request's record moved to the task whose run it now proposes.
    expect((await goosuke.pullRequests.list(second.task.id)).map((pull) => pull.number)).toEqual([1]);
    expect(await goosuke.pullRequests.list(first.task.id)).toEqual([]);
    // A fast-forward: the second commit on top of the first.
    expect((await git(bare, 'rev-parse', `${branch}~1`)).trim()).toBe(firstCommit);
    expect(await git(bare, 'show', `${branch}:src/greet.ts`)).toContain("'Hi ' + name + '!'");
  });

  it("sends a local checkout's pull request to its origin on the code host, starting from the checkout's HEAD", async () => {
    // A release branch that main does not have, pushed to the server; the checkout is on it, its
    // origin the server's URL with a token in it, as a CI job's checkout is.
    const checkout = path.join(scratch.dir, 'checkout');
    await git(scratch.dir, 'clone', '-q', bare, checkout);
    await git(checkout, 'checkout', '-q', '-b', 'release');
    await writeFile(path.join(checkout, 'README.md'), '# shop, release\n');
    await git(checkout, 'commit', '-q', '-am', 'release notes');
    await git(checkout, 'push', '-q', 'origin', 'release');
    await git(
      checkout,
      'remote',
      'set-url',
      'origin',
      repoUrl.replace('http://', `http://x-access-token:${githubToken}@`),
    );
    const release = (await git(checkout, 'rev-parse', 'HEAD')).trim();

    openai.respond({ kind: 'reply', text: edit('Says hi.', hello, "  return 'Hi ' + name;") });
    const events: RunPipelineEvent[] = [];
    const result = await goosuke.pipeline.run(
      { repo: checkout, instruction: 'Say hi', models: [models[0]!.id], pullRequest: true },
      { workers: true, onEvent: (event) => void events.push(event) },
    );
    expect(result.outcome).toBe('completed');
    if (result.outcome !== 'completed') return;
    expect(events[0]).toEqual({ type: 'checkout-origin', checkout, url: repoUrl });
    expect(result.repo.url).toBe(repoUrl);
    expect(result.base).toEqual({ ref: release, from: 'checkout' });
    expect(result.task.baseBranch).toBe('release');
    expect(result.pullRequest).toMatchObject({ number: 1, baseBranch: 'release' });
    const pull = pulls()[0]!;
    expect(pull.base).toBe('release');
    expect((await git(bare, 'rev-parse', `${pull.head}~1`)).trim()).toBe(release);
    // The checkout is left as it was.
    expect(await git(checkout, 'status', '--porcelain')).toBe('');
    expect((await git(checkout, 'rev-parse', 'HEAD')).trim()).toBe(release);
    expect(JSON.stringify({ result, events })).not.toContain(githubToken);
  });
});

describe('goosuke.pipeline.run as a GitHub App: its clone renews a revoked installation token once', () => {
  it('fetches again with a new token when the server refuses the cached one', async () => {
    const scratch = await temporaryDirectory('goosuke-it-pipeline-app-');
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const root = path.join(scratch.dir, 'served');
    const source = path.join(scratch.dir, 'source');
    await makeRepository(source, { 'src/greet.ts': greet });
    await git(scratch.dir, 'clone', '-q', '--bare', source, path.join(root, 'octo', 'app.git'));
    const host = await startFakeGitHubEnterprise({
      root,
      token: 'ghp_not-used-by-the-app-0123456789',
      app: { appId: 4242, publicKey: keys.publicKey, installationId: 777 },
    });
    host.github.addRepository({ fullName: 'octo/app', defaultBranch: 'main' });
    const openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    const goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data') },
        scratch.dir,
      ),
      {
        env: {
          OPENAI_API_KEY: openaiKey,
          OPENAI_BASE_URL: openai.url,
          GOOSUKE_GITHUB_APP_ID: '4242',
          GOOSUKE_GITHUB_APP_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
          GOOSUKE_GITHUB_APP_INSTALLATION_ID: '777',
          GOOSUKE_GITHUB_API_URL: host.apiUrl,
        },
      },
    );
    try {
      const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
      const input = { repo: `${host.url}/octo/app.git`, models: [model.id] };
      openai.respond({ kind: 'reply', text: edit('Says hi.', hello, "  return 'Hi ' + name;") });
      const first = await goosuke.pipeline.run({ ...input, instruction: 'Say hi' }, { workers: true });
      expect(first.runs[0]!.status).toBe('succeeded');
      expect(host.github.tokenRequestCount()).toBe(1);

      // Revoked: the pipeline's fetch is refused once, then works with a new token.
      host.github.expireInstallationTokens();
      openai.respond({ kind: 'reply', text: edit('Says hey.', hello, "  return 'Hey ' + name;") });
      const second = await goosuke.pipeline.run({ ...input, instruction: 'Say hey' }, { workers: true });
      expect(second.runs[0]!.status, JSON.stringify(second.runs[0]!.error)).toBe('succeeded');
      expect(host.github.tokenRequestCount()).toBe(2);
    } finally {
      await goosuke.close();
      await Promise.all([host.close(), openai.close()]);
      await scratch.cleanup();
    }
  });
});
