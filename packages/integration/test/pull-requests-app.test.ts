// Pull requests as a GitHub App: the default composition configured from the App variables, the
// GitHub fake verifying the App's JWT and issuing installation tokens that git accepts too. The
// installation tokens are revoked twice mid-flow; each time Goosuke gets a new one and retries
// once (git over HTTPS: a clone, a fetch; REST: the pull request calls).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixtures are TypeScript source held as text.
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunWorkers } from '@goosuke/core';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepository, searchReplaceReply, temporaryDirectory } from './support.ts';

const openaiKey = 'sk-e2e-app-openai-0a1b2c3d4e5f';
const secretKey = 'e2e-app-master-secret-5c7e9a1b3d5f7091';
const appId = 4242;
const installationId = 777;

/** A model's SEARCH/REPLACE answer for `src/greet.ts`. */
const edit = (summary: string, search: string, replace: string) =>
  searchReplaceReply('src/greet.ts', summary, search, replace);

describe('pull requests as a GitHub App, with installation tokens revoked mid-flow', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let host: FakeGitHubEnterprise | undefined;
  let openai: FakeOpenAIServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;
  let privateKey = '';

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-e2e-app-');
    const source = path.join(scratch.dir, 'source');
    await makeRepository(source, {
      'src/greet.ts': "export const greet = (name: string) => 'Hello ' + name;\n",
    });
    const root = path.join(scratch.dir, 'served');
    await git(scratch.dir, 'clone', '-q', '--bare', source, path.join(root, 'octo', 'app.git'));
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    host = await startFakeGitHubEnterprise({
      root,
      token: 'ghp_not-used-by-the-app-0123456789',
      app: { appId, publicKey: keys.publicKey, installationId },
    });
    host.github.addRepository({ fullName: 'octo/app', defaultBranch: 'main' });
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    const dataDir = path.join(scratch.dir, 'data');
    goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir }, scratch.dir),
      {
        env: {
          OPENAI_API_KEY: openaiKey,
          OPENAI_BASE_URL: openai.url,
          GOOSUKE_GITHUB_APP_ID: String(appId),
          // As environment variables usually carry it: the base64 of the PEM.
          GOOSUKE_GITHUB_APP_PRIVATE_KEY: Buffer.from(privateKey).toString('base64'),
          GOOSUKE_GITHUB_APP_INSTALLATION_ID: String(installationId),
          GOOSUKE_GITHUB_API_URL: host.apiUrl,
        },
      },
    );
    workers = goosuke.runs.startWorkers({ concurrency: 2 });
  });

  afterAll(async () => {
    await workers?.stop();
    await goosuke?.close();
    await Promise.all([host?.close(), openai?.close()]);
    await scratch?.cleanup();
  });

  it('renews a revoked installation token once for git and for REST, and finishes the flow', async () => {
    const model = await goosuke!.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
    const repo = await goosuke!.repos.create({ url: `${host!.url}/octo/app.git` });
    const { task } = await goosuke!.tasks.create({ title: 'Template literal', repoId: repo.id });
    openai!.respond({
      kind: 'reply',
      text: edit(
        'Used a template literal.',
        "export const greet = (name: string) => 'Hello ' + name;",
        'export const greet = (name: string) => `Hello ${name}`;',
      ),
    });
    const first = await goosuke!.runs.create(task.id, {
      instruction: 'Use a template literal.',
      models: [model.id],
    });
    const [run] = await goosuke!.runs.waitFor(first.runs.map((each) => each.id));
    expect(run!.status, JSON.stringify(run!.error)).toBe('succeeded');
    expect(host!.github.tokenRequestCount()).toBe(1);

    // Revoked before the pull request: its fetch is refused once, then works with a new token.
    host!.github.expireInstallationTokens();
    const created = await goosuke!.pullRequests.create(task.id, { runId: run!.id });
    expect(created).toMatchObject({ number: 1, state: 'open' });
    expect(host!.github.tokenRequestCount()).toBe(2);

    // Revoked again: the follow-up run's fetch renews it, then once more before the update,
    // whose first REST call is refused and retried.
    host!.github.expireInstallationTokens();
    openai!.respond({
      kind: 'reply',
      text: edit(
        'Exported a default.',
        'export const greet = (name: string) => `Hello ${name}`;',
        'export const greet = (name: string) => `Hello ${name}`;\nexport default greet;',
      ),
    });
    const second = await goosuke!.runs.create(task.id, {
      instruction: 'Add a default export.',
      models: [model.id],
    });
    const [followUp] = await goosuke!.runs.waitFor(second.runs.map((each) => each.id));
    expect(followUp!.status, JSON.stringify(followUp!.error)).toBe('succeeded');
    expect(host!.github.tokenRequestCount()).toBe(3);
    host!.github.expireInstallationTokens();
    const updated = await goosuke!.pullRequests.update(task.id, { runId: followUp!.id }, created.id);
    expect(updated.runId).toBe(followUp!.id);
    expect(host!.github.tokenRequestCount()).toBe(4);
    const bare = path.join(scratch!.dir, 'served', 'octo', 'app.git');
    expect((await git(bare, 'rev-list', '--count', `main..${created.branch}`)).trim()).toBe('2');
    // The JWT went to GitHub only as a bearer token; installation tokens only in headers.
    expect(host!.github.requests.filter((request) => request.auth === 'bearer').length).toBe(4);
  });
});
