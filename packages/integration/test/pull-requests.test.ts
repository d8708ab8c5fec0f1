// Pull requests end to end, through the real libraries: a bare repository behind a real
// smart-HTTP git server (`git http-backend`) that demands credentials, the GitHub REST fake,
// both on one host as on GitHub Enterprise (`/api/v3` for the API, `/<owner>/<name>.git` for
// git), the OpenAI fake, and Goosuke on its default composition configured from the
// environment (`GITHUB_TOKEN`, `GOOSUKE_GITHUB_API_URL`). Task -> three runs -> pull request
// from one -> follow-up message -> a run on the pull request's branch -> pull request updated.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixtures are TypeScript source held as text; their `${…}` belong to that source.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import {
  GoosukeError,
  ownedBlockEnd,
  ownedBlockStart,
  type PullRequest,
  type Run,
  type RunWorkers,
} from '@goosuke/core';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepository, searchReplaceReply, temporaryDirectory } from './support.ts';

const githubToken = 'ghp_e2ePullRequestToken0123456789abcdef';
const openaiKey = 'sk-e2e-pr-openai-5d2c9b7a31e0';
const secretKey = 'e2e-pr-master-secret-4b8d2f6a0c1e3579bd';
const template = '## What\n\n_Describe the change._\n\n## Checklist\n\n- [ ] tests pass';

const greet = ['export function greet(name: string): string {', "  return 'Hello ' + name;", '}', ''].join(
  '\n',
);

/** A model's SEARCH/REPLACE answer for `src/greet.ts`. */
const edit = (summary: string, search: string, replace: string) =>
  searchReplaceReply('src/greet.ts', summary, search, replace);

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('pull requests end to end: a run becomes a pull request, a follow-up updates it', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let host: FakeGitHubEnterprise | undefined;
  let openai: FakeOpenAIServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;
  const state = {} as {
    bare: string;
    dataDir: string;
    taskId: string;
    runs: Run[];
    followUp: Run;
    created: PullRequest;
    updated: PullRequest;
    bodyBeforeUpdate: string;
    chosenAfterCreate: string | null;
    chosenAfterUpdate: string | null;
  };

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-e2e-pr-');
    const source = path.join(scratch.dir, 'source');
    await makeRepository(source, { 'src/greet.ts': greet, 'README.md': '# shop\n' });
    const root = path.join(scratch.dir, 'served');
    const bare = path.join(root, 'octo', 'shop.git');
    await git(scratch.dir, 'clone', '-q', '--bare', source, bare);
    host = await startFakeGitHubEnterprise({ root, token: githubToken });
    const github = host.github;
    github.addRepository({
      fullName: 'octo/shop',
      defaultBranch: 'main',
      files: { '.github/pull_request_template.md': template },
    });
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });

    const dataDir = path.join(scratch.dir, 'data');
    const config = readDefaultGoosukeConfig(
      { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir },
      scratch.dir,
    );
    goosuke = await createDefaultGoosuke(config, {
      env: {
        OPENAI_API_KEY: openaiKey,
        OPENAI_BASE_URL: openai.url,
        GITHUB_TOKEN: githubToken,
        GOOSUKE_GITHUB_API_URL: host.apiUrl,
      },
    });
    const profiles = await Promise.all(
      ['gpt-4.1', 'gpt-4o', 'gpt-4.1-mini'].map((modelName) =>
        goosuke!.models.create({ provider: 'openai', modelName }),
      ),
    );
    const repo = await goosuke.repos.create({ url: `${host.url}/octo/shop.git` });
    const { task } = await goosuke.tasks.create({ title: 'Greet with a template literal', repoId: repo.id });
    openai.respond(
      {
        kind: 'reply',
        text: edit('Used a template literal.', "  return 'Hello ' + name;", '  return `Hello ${name}`;'),
      },
      {
        kind: 'reply',
        text: edit(
          'Used a template literal and a comma.',
          "  return 'Hello ' + name;",
          '  return `Hello, ${name}`;',
        ),
      },
      {
        kind: 'reply',
        text: edit(
          'Concatenated with concat.',
          "  return 'Hello ' + name;",
          "  return 'Hello '.concat(name);",
        ),
      },
    );
    workers = goosuke.runs.startWorkers({ concurrency: 3 });
    const first = await goosuke.runs.create(task.id, {
      instruction: 'Use a template literal in greet().',
      models: profiles.map((profile) => profile.id),
    });
    const runs = await goosuke.runs.waitFor(first.runs.map((run) => run.id));
    const created = await goosuke.pullRequests.create(task.id, {
      runId: runs[1]!.id,
      reason: 'picked by the reviewer: the comma reads better',
    });

    const chosenAfterCreate = (await goosuke.tasks.get(task.id)).chosenRunId;

    // Someone edits the description outside Goosuke's block on GitHub.
    const pull = github.repositories.get('octo/shop')!.pulls[0]!;
    pull.body = `${pull.body!.replace('- [ ] tests pass', '- [x] tests pass')}\n\nReviewer note: keep the comma.\n`;
    const bodyBeforeUpdate = pull.body;

    // The follow-up message runs on the pull request's branch.
    openai.respond({
      kind: 'reply',
      text: edit(
        'Added a JSDoc comment.',
        'export function greet(name: string): string {',
        '/** Greets someone by name. */\nexport function greet(name: string): string {',
      ),
    });
    const second = await goosuke.runs.create(task.id, {
      instruction: 'Also add a JSDoc comment to greet().',
      models: [profiles[0]!.id],
    });
    const [followUp] = await goosuke.runs.waitFor(second.runs.map((run) => run.id));
    // The task's one open pull request: no id needed.
    const updated = await goosuke.pullRequests.update(task.id, {
      runId: followUp!.id,
      reason: 'the only follow-up run',
    });
    Object.assign(state, {
      chosenAfterCreate,
      chosenAfterUpdate: (await goosuke.tasks.get(task.id)).chosenRunId,
      bare,
      dataDir,
      taskId: task.id,
      runs,
      followUp,
      created,
      updated,
      bodyBeforeUpdate,
    });
  }, 60_000);

  afterAll(async () => {
    await workers?.stop();
    await goosuke?.close();
    await Promise.all([host?.close(), openai?.close()]);
    await scratch?.cleanup();
  });

  it('opens the pull request from the chosen run, on the task branch, with the template and the owned block', async () => {
    const { created, runs, bare } = state;
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(created).toMatchObject({ number: 1, state: 'open', baseBranch: 'main', runId: runs[1]!.id });
    expect(created.branch).toMatch(/^goosuke\/greet-with-a-template-literal-[a-z0-9]+$/);
    expect(created.title).toBe('chore: used a template literal and a comma');
    const pull = host!.github.repositories.get('octo/shop')!.pulls[0]!;
    expect(pull.head).toBe(created.branch);
    expect(created.body.startsWith(`${template}\n\n${ownedBlockStart}`)).toBe(true);
    expect(created.body).toContain(
      '**Chosen run:** openai:gpt-4o (picked by the reviewer: the comma reads better)',
    );
    expect(created.body).toContain('| **openai:gpt-4o** ✓ | succeeded | 1 |');
    // The branch on the server held the chosen run's commit (now the parent of the follow-up's),
    // whose message credits the model.
    const message = await git(bare, 'log', '-1', '--format=%B', `${created.branch}~1`);
    expect(message).toContain('Co-authored-by: gpt-4o (openai) <gpt-4o.openai@models.goosuke.invalid>');
    expect(await git(bare, 'show', `${created.branch}~1:src/greet.ts`)).toContain('`Hello, ${name}`');
  });

  it('runs the follow-up on the pull request branch and adds its commit on top, a plain fast-forward', async () => {
    const { created, updated, followUp, bare } = state;
    expect(followUp.status).toBe('succeeded');
    expect(followUp.baseRef).toBe(created.branch);
    expect(updated).toMatchObject({ id: created.id, runId: followUp.id, number: 1, state: 'open' });
    const commits = (await git(bare, 'rev-list', `main..${created.branch}`)).trim().split('\n');
    expect(commits).toHaveLength(2);
    const file = await git(bare, 'show', `${created.branch}:src/greet.ts`);
    expect(file).toContain('/** Greets someone by name. */');
    expect(file).toContain('`Hello, ${name}`');
  });

  it('makes the pull request’s run the task’s chosen run, and the follow-up’s once it is added', () => {
    const { runs, followUp, created, chosenAfterCreate, chosenAfterUpdate } = state;
    expect(chosenAfterCreate).toBe(runs[1]!.id);
    // The follow-up started from the pull request's branch, and says so.
    expect(followUp.baseSource).toEqual({ kind: 'pull-request', pullRequestId: created.id, number: 1 });
    expect(chosenAfterUpdate).toBe(followUp.id);
  });

  it('rewrites only the owned block: the template edit and the reviewer note survive', () => {
    const { bodyBeforeUpdate, updated } = state;
    const body = host!.github.repositories.get('octo/shop')!.pulls[0]!.body!;
    expect(body).toBe(updated.body);
    expect(body).toContain('- [x] tests pass');
    expect(body).toContain('Reviewer note: keep the comma.');
    expect(body).toContain('Also add a JSDoc comment to greet().');
    expect(body).toContain('**Chosen run:** openai:gpt-4.1 (the only follow-up run)');
    const outside = (text: string) =>
      text.slice(0, text.indexOf(ownedBlockStart)) +
      text.slice(text.indexOf(ownedBlockEnd) + ownedBlockEnd.length);
    expect(outside(body)).toBe(outside(bodyBeforeUpdate));
  });

  it('sent the token to git and GitHub only in headers, and never wrote it to disk', async () => {
    const basic = `Basic ${Buffer.from(`x-access-token:${githubToken}`).toString('base64')}`;
    expect(host!.git.authorizations).toContain(basic);
    expect(host!.git.requests.some((line) => line.startsWith('POST /octo/shop.git/git-receive-pack'))).toBe(
      true,
    );
    for (const file of await filesUnder(state.dataDir)) {
      const bytes = await readFile(file);
      expect(bytes.includes(githubToken), file).toBe(false);
      expect(bytes.includes(Buffer.from(`x-access-token:${githubToken}`).toString('base64')), file).toBe(
        false,
      );
    }
  });

  it('refuses a second pull request for the task, and a run that does not build on the branch', async () => {
    const error = await goosuke!.pullRequests
      .create(state.taskId, { runId: state.runs[0]!.id })
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('conflict');
    // An older run of the first message is not based on the pull request's head any more.
    const stale = await goosuke!.pullRequests
      .update(state.taskId, { runId: state.runs[2]!.id }, state.created.id)
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(stale) && stale.code).toBe('conflict');
    expect((stale as Error).message).toContain('does not build on');
    expect((await goosuke!.pullRequests.get(state.taskId, state.created.id)).runId).toBe(state.followUp.id);
  });

  it('reports a commit pushed to the branch by someone else, and leaves the pull request and the store as they were', async () => {
    const { bare, taskId, created, followUp } = state;
    const bodyBefore = host!.github.repositories.get('octo/shop')!.pulls[0]!.body;
    // Someone pushes to the pull request's branch behind Goosuke's back.
    const elsewhere = path.join(scratch!.dir, 'elsewhere');
    await git(scratch!.dir, 'clone', '-q', '--branch', created.branch, bare, elsewhere);
    await git(elsewhere, 'commit', '-q', '--allow-empty', '-m', 'a reviewer commit');
    await git(elsewhere, 'push', '-q', 'origin', created.branch);
    openai!.respond({
      kind: 'reply',
      text: edit(
        'Renamed the parameter.',
        'export function greet(name: string): string {',
        'export function greet(who: string): string {',
      ),
    });
    const profiles = await goosuke!.models.list();
    // A run started from what Goosuke last pushed (an explicit base), not from the new head.
    const next = await goosuke!.runs.create(taskId, {
      instruction: 'Rename the parameter to who.',
      models: [profiles.items[0]!.id],
      baseRef: followUp.workingBranch!,
    });
    const [run] = await goosuke!.runs.waitFor(next.runs.map((each) => each.id));
    const error = await goosuke!.pullRequests
      .update(taskId, { runId: run!.id }, created.id)
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('conflict');
    expect((await goosuke!.pullRequests.get(taskId, created.id)).runId).toBe(followUp.id);
    expect(host!.github.repositories.get('octo/shop')!.pulls[0]!.body).toBe(bodyBefore);
    expect(await git(bare, 'log', '-1', '--format=%s', created.branch)).toBe('a reviewer commit\n');
  });

  it("turns GitHub's 422 and a lost connection into clear errors, with nothing recorded, and a retry works", async () => {
    const profiles = await goosuke!.models.list();
    const repo = (await goosuke!.repos.list()).items[0]!;
    const { task } = await goosuke!.tasks.create({ title: 'Shout the greeting', repoId: repo.id });
    openai!.respond({
      kind: 'reply',
      text: edit('Shouted the greeting.', "  return 'Hello ' + name;", "  return 'HELLO ' + name;"),
    });
    const queued = await goosuke!.runs.create(task.id, {
      instruction: 'Shout the greeting.',
      models: [profiles.items[0]!.id],
    });
    const [run] = await goosuke!.runs.waitFor(queued.runs.map((each) => each.id));
    host!.github.failNext(
      { method: 'POST', path: '/repos/octo/shop/pulls' },
      {
        status: 422,
        body: { message: 'Validation Failed', errors: [{ message: 'the base branch is protected' }] },
      },
      { status: 200, destroy: true },
    );
    const invalid = await goosuke!.pullRequests
      .create(task.id, { runId: run!.id })
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(invalid) && invalid.code).toBe('invalid_input');
    expect((invalid as Error).message).toContain('the base branch is protected');
    expect(await goosuke!.pullRequests.list(task.id)).toEqual([]);
    const lost = await goosuke!.pullRequests
      .create(task.id, { runId: run!.id })
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(lost) && lost.code).toBe('storage');
    expect(await goosuke!.pullRequests.list(task.id)).toEqual([]);
    // With a model-written summary: one direct call, its text at the top of Goosuke's block.
    openai!.respond({ kind: 'reply', text: 'The greeting is now shouted in capitals.' });
    const calls = openai!.requests.length;
    const created = await goosuke!.pullRequests.create(task.id, {
      runId: run!.id,
      summaryModel: profiles.items[0]!.id,
    });
    expect(created).toMatchObject({ number: 2, state: 'open', runId: run!.id });
    expect(openai!.requests.length).toBe(calls + 1);
    expect(JSON.stringify(openai!.requests[calls]!.body)).toContain("HELLO ' + name");
    expect(created.body).toContain(
      `${ownedBlockStart}\n## Goosuke\n\nThe greeting is now shouted in capitals.\n`,
    );
    expect(await goosuke!.pullRequests.list(task.id)).toEqual([created]);
  });

  it('rebases the pull request branch on a base that moved when so configured, force-pushing it', async () => {
    const { bare, taskId, created, dataDir } = state;
    const upstream = path.join(scratch!.dir, 'upstream-rebase');
    await git(scratch!.dir, 'clone', '-q', bare, upstream);
    await git(upstream, 'checkout', '-q', 'main');
    await writeFile(path.join(upstream, 'CHANGELOG.md'), '# changes\n');
    await git(upstream, 'add', '-A');
    await git(upstream, 'commit', '-q', '-m', 'docs: start a changelog');
    await git(upstream, 'push', '-q', 'origin', 'main');
    const mainHead = (await git(bare, 'rev-parse', 'main')).trim();
    const ownBefore = (await git(bare, 'rev-list', '--count', `main..${created.branch}`)).trim();

    const profiles = await goosuke!.models.list();
    openai!.respond({
      kind: 'reply',
      text: edit(
        'Named the greeting.',
        'export function greet(name: string): string {',
        'export function greet(name: string): string {\n  // a greeting',
      ),
    });
    const next = await goosuke!.runs.create(taskId, {
      instruction: 'Comment the greeting.',
      models: [profiles.items[0]!.id],
    });
    const [run] = await goosuke!.runs.waitFor(next.runs.map((each) => each.id));
    expect(run!.status).toBe('succeeded');
    // Another server on the same data, configured to rebase.
    const rebasing = await createDefaultGoosuke(
      {
        ...readDefaultGoosukeConfig(
          { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir, GOOSUKE_PR_BASE_UPDATE: 'rebase' },
          scratch!.dir,
        ),
      },
      {
        env: {
          OPENAI_API_KEY: openaiKey,
          OPENAI_BASE_URL: openai!.url,
          GITHUB_TOKEN: githubToken,
          GOOSUKE_GITHUB_API_URL: host!.apiUrl,
        },
      },
    );
    try {
      await rebasing.pullRequests.update(taskId, { runId: run!.id }, created.id);
    } finally {
      await rebasing.close();
    }
    // Linear: every commit of the branch has one parent, and main is an ancestor.
    const history = (await git(bare, 'rev-list', '--parents', `main..${created.branch}`)).trim().split('\n');
    expect(history.every((line) => line.split(' ').length === 2)).toBe(true);
    expect(history).toHaveLength(Number(ownBefore) + 1);
    await git(bare, 'merge-base', '--is-ancestor', mainHead, created.branch);
    expect(await git(bare, 'show', `${created.branch}:CHANGELOG.md`)).toBe('# changes\n');
    expect(await git(bare, 'show', `${created.branch}:src/greet.ts`)).toContain('// a greeting');
  });

  it('merges a base branch that moved into the pull request branch, and reports a conflict with nothing pushed', async () => {
    const { bare, taskId, created } = state;
    // main moves on: README changes upstream.
    const upstream = path.join(scratch!.dir, 'upstream');
    await git(scratch!.dir, 'clone', '-q', bare, upstream);
    await git(upstream, 'checkout', '-q', 'main');
    await writeFile(path.join(upstream, 'README.md'), '# shop\n\nNow with docs.\n');
    await git(upstream, 'commit', '-q', '-am', 'docs: describe the shop');
    await git(upstream, 'push', '-q', 'origin', 'main');
    const mainHead = (await git(bare, 'rev-parse', 'main')).trim();

    const profiles = await goosuke!.models.list();
    openai!.respond({
      kind: 'reply',
      text: edit('Made greet exported as default too.', '}\n', '}\n\nexport default greet;\n'),
    });
    const next = await goosuke!.runs.create(taskId, {
      instruction: 'Export greet as default.',
      models: [profiles.items[0]!.id],
    });
    const [run] = await goosuke!.runs.waitFor(next.runs.map((each) => each.id));
    expect(run!.status).toBe('succeeded');
    const updated = await goosuke!.pullRequests.update(taskId, { runId: run!.id }, created.id);
    expect(updated.runId).toBe(run!.id);
    const [merge, ...parents] = (await git(bare, 'rev-list', '--parents', '-n1', created.branch))
      .trim()
      .split(' ');
    expect(merge).toBeDefined();
    expect(parents).toHaveLength(2);
    expect(parents[1]).toBe(mainHead);
    expect(await git(bare, 'show', `${created.branch}:README.md`)).toContain('Now with docs.');
    expect(await git(bare, 'show', `${created.branch}:src/greet.ts`)).toContain('export default greet;');

    // main changes the same line the next run changes: the merge conflicts, nothing is pushed.
    await writeFile(
      path.join(upstream, 'src', 'greet.ts'),
      'export const greet = (name: string) => `Yo ${name}`;\n',
    );
    await git(upstream, 'commit', '-q', '-am', 'refactor: an arrow function');
    await git(upstream, 'push', '-q', 'origin', 'main');
    openai!.respond({
      kind: 'reply',
      text: edit(
        'Greets with Hi.',
        '/** Greets someone by name. */',
        '/** Greets someone by name, informally. */',
      ),
    });
    const conflicting = await goosuke!.runs.create(taskId, {
      instruction: 'Say informally in the doc.',
      models: [profiles.items[0]!.id],
    });
    const [third] = await goosuke!.runs.waitFor(conflicting.runs.map((each) => each.id));
    expect(third!.status).toBe('succeeded');
    const branchBefore = (await git(bare, 'rev-parse', created.branch)).trim();
    const error = await goosuke!.pullRequests
      .update(taskId, { runId: third!.id }, created.id)
      .catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('conflict');
    expect((error as Error).message).toContain('src/greet.ts');
    expect((await git(bare, 'rev-parse', created.branch)).trim()).toBe(branchBefore);
    expect((await goosuke!.pullRequests.get(taskId, created.id)).runId).toBe(run!.id);
  });
});
