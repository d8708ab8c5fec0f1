// Bases of runs and tasks over real HTTP on the real stack (SQLite, isomorphic-git, the OpenAI
// fake): the shared clone holds every task's run branches, so a caller may start from the
// repository's own refs and their own task's branches only.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { runGit } from '@goosuke/core/testing';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import {
  applyPatchReply,
  type CallOptions,
  type CallResult,
  call,
  createGitRepo,
  type Harness,
  isProblem,
  startHarness,
} from './harness.ts';

const openaiKey = 'sk-openai-base-refs-0123456789';
let harness: Harness;
let openai: FakeOpenAIServer;
let modelId: string;
let repoId: string;
let repoUrl: string;
/** Alice's succeeded run: its branch and commit live in the shared clone. */
let aliceTaskId: string;
let aliceBranch: string;
let aliceCommit: string;
let mainCommit: string;
const runIds: string[] = [];

const api = (method: string, url: string, options: CallOptions = {}): Promise<CallResult> =>
  call(harness.url, method, `${apiPrefix}${url}`, options);

async function waitFor(ids: string[]) {
  runIds.push(...ids);
  return harness.goosuke.runs.waitFor(ids, { signal: AbortSignal.timeout(15_000) });
}

beforeAll(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  harness = await startHarness();
  harness.goosuke.runs.startWorkers();
  const admin = harness.admin.token;
  const model = await api('post', '/models', {
    token: admin,
    body: { provider: 'openai', modelName: 'gpt-4.1', baseUrl: openai.url, apiKey: openaiKey },
  });
  modelId = model.json.id;
  repoUrl = await createGitRepo(harness.root);
  const repo = await api('post', '/repos', { token: admin, body: { url: repoUrl } });
  expect(repo.status, repo.text).toBe(201);
  repoId = repo.json.id;

  const task = await api('post', '/tasks', { token: harness.alice.token, body: { title: 'Alice', repoId } });
  aliceTaskId = task.json.task.id;
  openai.respond({ kind: 'reply', text: applyPatchReply('Private change.', "  return 'Secret ' + name;") });
  const created = await api('post', `/tasks/${aliceTaskId}/runs`, {
    token: harness.alice.token,
    body: { instruction: 'Change it', models: [modelId] },
  });
  expect(created.status, created.text).toBe(202);
  const [run] = await waitFor(created.json.runIds);
  expect(run?.status, JSON.stringify(run?.error)).toBe('succeeded');
  aliceBranch = run!.workingBranch!;
  const git = createIsomorphicGitBackend();
  const clone = { dir: path.join(harness.root, 'data', 'clones', repoId), url: repoUrl };
  aliceCommit = await git.resolveRef({ repo: clone, ref: aliceBranch });
  mainCommit = await git.resolveRef({ repo: clone, ref: 'origin/main' });
});

afterAll(async () => {
  if (runIds.length > 0)
    await harness?.goosuke.runs.waitFor(runIds, { signal: AbortSignal.timeout(10_000) }).catch(() => {});
  await harness?.close();
  await openai?.close();
});

async function bobsTask(): Promise<string> {
  const task = await api('post', '/tasks', { token: harness.bob.token, body: { title: 'Bob', repoId } });
  expect(task.status, task.text).toBe(201);
  return task.json.task.id;
}

describe("another task's branches", () => {
  it("refuse another user's run branch as baseRef, in every spelling, with a 400", async () => {
    const taskId = await bobsTask();
    for (const baseRef of [
      aliceBranch,
      `refs/heads/${aliceBranch}`,
      `origin/${aliceBranch}`,
      'refs/heads/main',
    ]) {
      const result = await api('post', `/tasks/${taskId}/runs`, {
        token: harness.bob.token,
        body: { instruction: 'Show me', models: [modelId], baseRef },
      });
      expect(isProblem(result, 400), `${baseRef}: ${result.text}`).toBe(true);
      expect(result.json.detail).toContain('not a branch, tag or commit of the repository');
    }
    const runs = await api('get', `/tasks/${taskId}/runs`, { token: harness.bob.token });
    expect(runs.json.items).toHaveLength(0);
  });

  it("refuse another user's run branch as a task's baseBranch", async () => {
    const result = await api('post', '/tasks', {
      token: harness.bob.token,
      body: { title: 'Bob', repoId, baseBranch: aliceBranch },
    });
    expect(isProblem(result, 400), result.text).toBe(true);
  });

  it("refuse another user's run commit as baseRef with a 400", async () => {
    const taskId = await bobsTask();
    const result = await api('post', `/tasks/${taskId}/runs`, {
      token: harness.bob.token,
      body: { instruction: 'Show me', models: [modelId], baseRef: aliceCommit },
    });
    expect(isProblem(result, 400), result.text).toBe(true);
    expect(result.json.detail).toContain('not a branch, tag or commit of the repository');
  });

  it("fail a user's run that reaches another task's branch some other way, before any model call", async () => {
    // A trusted caller made a task on Alice's branch (no author, no request-time check); a
    // user's run on it is refused when it starts.
    const { task } = await harness.goosuke.tasks.create({
      title: 'Trusted',
      repoId,
      baseBranch: aliceBranch,
    });
    const requests = openai.requests.length;
    const created = await harness.goosuke.runs.create(task.id, {
      instruction: 'Show me',
      models: [modelId],
      createdBy: harness.bob.id,
    });
    const [run] = await waitFor(created.runs.map((item) => item.id));
    expect(run?.status).toBe('failed');
    expect(run?.error?.message).toContain('is not a branch, tag or commit of');
    expect(run?.baseCommit).toBeNull();
    expect(openai.requests.length).toBe(requests);
  });
});

describe("the repository's own refs and the task's own branches", () => {
  it('start from a branch of the repository, a commit on it, a tag, and the task’s own run branch', async () => {
    const taskId = await bobsTask();
    for (const baseRef of ['main', mainCommit]) {
      const created = await api('post', `/tasks/${taskId}/runs`, {
        token: harness.bob.token,
        body: { instruction: 'Go', models: [modelId], baseRef },
      });
      expect(created.status, created.text).toBe(202);
      const [run] = await waitFor(created.json.runIds);
      expect(run?.baseCommit, baseRef).toBe(mainCommit);
    }
    await promisify(execFile)('git', ['-C', repoUrl, 'tag', 'v1', mainCommit]);
    const tagged = await api('post', `/tasks/${taskId}/runs`, {
      token: harness.bob.token,
      body: { instruction: 'Go', models: [modelId], baseRef: 'v1' },
    });
    expect(tagged.status, tagged.text).toBe(202);
    const [onTag] = await waitFor(tagged.json.runIds);
    expect(onTag?.baseCommit, JSON.stringify(onTag?.error)).toBe(mainCommit);
    const own = await api('post', `/tasks/${aliceTaskId}/runs`, {
      token: harness.alice.token,
      body: { instruction: 'Go on', models: [modelId], baseRef: aliceBranch },
    });
    expect(own.status, own.text).toBe(202);
    const [run] = await waitFor(own.json.runIds);
    expect(run?.baseCommit).toBe(aliceCommit);
  });
});

describe('commits reachable only from a tag', () => {
  /** A commit on `parent` that no branch holds (made without touching the source's checkout). */
  const commitOnNoBranch = async (parent: string, message: string): Promise<string> =>
    (await runGit(repoUrl, ['commit-tree', `${parent}^{tree}`, '-p', parent, '-m', message])).trim();

  it('are accepted (lightweight and annotated tags), when asked for and when the run starts', async () => {
    const light = await commitOnNoBranch(mainCommit, 'lightly tagged');
    await runGit(repoUrl, ['tag', 'light-1', light]);
    const below = await commitOnNoBranch(mainCommit, 'below the release');
    const released = await commitOnNoBranch(below, 'released');
    await runGit(repoUrl, ['tag', '-a', 'release-2', '-m', 'a release on no branch', released]);
    const taskId = await bobsTask();
    const start = async (baseRef: string) => {
      openai.respond({ kind: 'reply', text: applyPatchReply('From a tag.', "  return 'Tagged ' + name;") });
      const created = await api('post', `/tasks/${taskId}/runs`, {
        token: harness.bob.token,
        body: { instruction: 'Go', models: [modelId], baseRef },
      });
      expect(created.status, `${baseRef}: ${created.text}`).toBe(202);
      const [run] = await waitFor(created.json.runIds);
      expect(run?.status, JSON.stringify(run?.error)).toBe('succeeded');
      expect(run?.baseCommit).toBe(baseRef);
    };
    // Not in the clone yet when asked for: the run fetches (tags too) and checks it then.
    await start(below);
    // Now in the clone: checked when asked for as well, against the peeled annotated tag.
    await start(below);
    await start(light);
  });

  it("leave another task's run commit refused once the repository has tags", async () => {
    const taskId = await bobsTask();
    const result = await api('post', `/tasks/${taskId}/runs`, {
      token: harness.bob.token,
      body: { instruction: 'Show me', models: [modelId], baseRef: aliceCommit },
    });
    expect(isProblem(result, 400), result.text).toBe(true);
    expect(result.json.detail).toContain('not a branch, tag or commit of the repository');
  });
});
