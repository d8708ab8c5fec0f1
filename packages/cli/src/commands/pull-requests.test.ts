// `goosuke pr create|update` and `goosuke run --pr` against the GitHub Enterprise fake (the REST
// fake and a real smart-HTTP git server that demands the token, on one 127.0.0.1 port), the
// OpenAI and Anthropic fakes, real git and real SQLite in temp directories.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { ownedBlockEnd, ownedBlockStart, type PullRequest } from '@goosuke/core';
import { runGit } from '@goosuke/core/testing';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

const secretKey = 'a-long-enough-master-secret-for-pull-requests-0123';
const openaiKey = 'sk-openai-pr-test-key-0123456789';
const anthropicKey = 'sk-ant-pr-test-key-0123456789';
const githubToken = 'ghp_cliPullRequestToken0123456789abcdef';
const template = '## What\n\n_Describe the change._\n';

const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";

/** A SEARCH/REPLACE answer for src/greet.ts. */
function searchReplace(summary: string, search: string, replacement: string): string {
  return [
    summary,
    '',
    'src/greet.ts',
    '```ts',
    '<<<<<<< SEARCH',
    search,
    '=======',
    replacement,
    '>>>>>>> REPLACE',
    '```',
    '',
  ].join('\n');
}

/** An apply_patch answer replacing the return line of src/greet.ts with `replacement` (one or more lines). */
function applyPatch(summary: string, replacement: string, current = "  return 'Hello ' + name;"): string {
  return [
    summary,
    '',
    '*** Begin Patch',
    '*** Update File: src/greet.ts',
    '@@',
    ' export function greet(name: string): string {',
    `-${current}`,
    ...replacement.split('\n').map((line) => `+${line}`),
    ' }',
    '*** End Patch',
    '',
  ].join('\n');
}

const git = (cwd: string, ...args: string[]): Promise<string> => runGit(cwd, args);

let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
let host: FakeGitHubEnterprise;
let scratch: string;
let bare: string;
let repoUrl: string;

beforeEach(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  anthropic = await startFakeAnthropicServer({ apiKey: anthropicKey });
  scratch = await temporaryDirectory('goosuke-cli-pr-');
  const source = path.join(scratch, 'source');
  await mkdir(path.join(source, 'src'), { recursive: true });
  await writeFile(path.join(source, 'src', 'greet.ts'), greet);
  await writeFile(path.join(source, 'README.md'), '# shop\n');
  await git(source, 'init', '-q', '-b', 'main');
  await git(source, 'add', '-A');
  await git(source, 'commit', '-q', '-m', 'initial');
  const root = path.join(scratch, 'served');
  bare = path.join(root, 'octo', 'shop.git');
  await git(scratch, 'clone', '-q', '--bare', source, bare);
  host = await startFakeGitHubEnterprise({ root, token: githubToken });
  host.github.addRepository({
    fullName: 'octo/shop',
    defaultBranch: 'main',
    files: { '.github/pull_request_template.md': template },
  });
  repoUrl = `${host.url}/octo/shop.git`;
});

afterEach(async () => {
  await Promise.all([openai.close(), anthropic.close(), host.close()]);
  await removeTemporaryDirectories();
});

/** Environment of one pipeline: its own data directory, the fakes' keys and URLs. */
function environment(dataDir: string): Record<string, string> {
  return {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: dataDir,
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: anthropicKey,
    ANTHROPIC_BASE_URL: anthropic.url,
    GITHUB_TOKEN: githubToken,
    GOOSUKE_GITHUB_API_URL: host.apiUrl,
  };
}

const seen: MainRun[] = [];

/** Runs `goosuke` in `scratch` with the pipeline's environment (data directory `data` unless given). */
async function goosuke(
  argv: string[],
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<MainRun> {
  const env = { ...environment(options.dataDir ?? path.join(scratch, 'data')), ...options.env };
  const result = await runMain(argv, { cwd: scratch, env });
  seen.push(result);
  return result;
}

afterEach(() => {
  // No secret is ever printed, whatever the test did.
  for (const result of seen.splice(0)) {
    for (const secret of [githubToken, openaiKey, anthropicKey, secretKey]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  }
});

const pulls = () => host.github.repositories.get('octo/shop')!.pulls;

interface RunDocument {
  task: { id: string };
  runs: Array<{ id: string; status: string; model: string }>;
  pick?: { runId: string; model: string; reason: string } | null;
  pullRequest?: PullRequest | null;
  pullRequestAction?: string | null;
}

describe('goosuke pr create and pr update', () => {
  it('opens the pull request from a run, refuses a second one, and adds a follow-up run to it', async () => {
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;") });
    const ran = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Say hi',
      '--json',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as RunDocument;
    const taskId = report.task.id;
    const runId = report.runs[0]!.id;
    expect(report.runs[0]!.status).toBe('succeeded');
    // No pull request yet: update says to create one.
    const early = await goosuke(['pr', 'update', '--task', taskId, '--run', runId]);
    expect(early.code).toBe(2);
    expect(early.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(early.stderr).toContain('goosuke pr create');

    const created = await goosuke(['pr', 'create', '--task', taskId, '--run', runId]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Opened pull request #1: http:\/\/127\.0\.0\.1:\d+\/.*\n$/);
    expect(pulls()).toHaveLength(1);
    const branch = pulls()[0]!.head;
    expect(branch).toMatch(/^goosuke\/say-hi-/);
    expect(pulls()[0]!.body).toContain(template.trim());
    expect(await git(bare, 'show', `${branch}:src/greet.ts`)).toContain("'Hi ' + name");

    const again = await goosuke(['pr', 'create', '--task', taskId, '--run', runId, '--json']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('already has pull request #1');
    expect(pulls()).toHaveLength(1);

    // A follow-up run of the task (through the library: the CLI has no follow-up command), on the
    // pull request's branch.
    const dataDir = path.join(scratch, 'data');
    const env = environment(dataDir);
    const library = await createDefaultGoosuke(readDefaultGoosukeConfig(env, scratch), { env });
    let followUpId: string;
    try {
      const profile = (await library.models.list()).items[0]!;
      openai.respond({
        kind: 'reply',
        text: applyPatch('Exclaims.', "  return 'Hi ' + name + '!';", "  return 'Hi ' + name;"),
      });
      const workers = library.runs.startWorkers({ concurrency: 1 });
      const next = await library.runs.create(taskId, { instruction: 'Exclaim', models: [profile.id] });
      const [followUp] = await library.runs.waitFor(next.runs.map((run) => run.id));
      await workers.stop();
      expect(followUp!.status).toBe('succeeded');
      followUpId = followUp!.id;
    } finally {
      await library.close();
    }
    const updated = await goosuke(['pr', 'update', '--task', taskId, '--run', followUpId, '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    const stored = JSON.parse(updated.stdout) as PullRequest;
    expect(stored).toMatchObject({ number: 1, runId: followUpId, branch, state: 'open' });
    expect((await git(bare, 'rev-list', `main..${branch}`)).trim().split('\n')).toHaveLength(2);
    expect(pulls()[0]!.body).toContain('Exclaim');

    // The first run does not build on the branch any more: a conflict, unless --force.
    const stale = await goosuke(['pr', 'update', '--task', taskId, '--run', runId]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('does not build on');
    const forced = await goosuke(['pr', 'update', '--task', taskId, '--run', runId, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^Updated pull request #1: http:\/\/\S+\/pull\/1\n$/);
    expect((await git(bare, 'rev-list', `main..${branch}`)).trim().split('\n')).toHaveLength(1);
  });

  it('exits 3 naming what to set when GitHub is not configured, and 2 for an unknown task or run', async () => {
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;") });
    const ran = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Say hi',
      '--json',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as RunDocument;
    const unconfigured = await goosuke(
      ['pr', 'create', '--task', report.task.id, '--run', report.runs[0]!.id],
      { env: { GITHUB_TOKEN: '', GOOSUKE_GITHUB_API_URL: '' } },
    );
    expect(unconfigured.code).toBe(3);
    expect(unconfigured.stdout).toBe('');
    expect(unconfigured.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unconfigured.stderr).toContain('GITHUB_TOKEN');
    expect(unconfigured.stderr).toContain('GOOSUKE_GITHUB_APP_ID');
    expect(pulls()).toHaveLength(0);

    const unknownTask = await goosuke(['pr', 'create', '--task', 'task_nope', '--run', report.runs[0]!.id]);
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toContain('task_nope');
    const unknownRun = await goosuke(['pr', 'create', '--task', report.task.id, '--run', 'run_nope']);
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.stderr).toContain('run_nope');
    const missing = await goosuke(['pr', 'create', '--task', report.task.id]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--run');
  });
});

describe('goosuke run --pr', () => {
  it('picks the run with the fewest model calls and opens its pull request', async () => {
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;"), delayMs: 50 });
    // Claude's first answer searches for a line that is not there: it needs a second call.
    anthropic.respond(
      fakeAnthropicText(searchReplace('Says hey.', "  return 'Goodbye ' + name;", "  return 'Hey ' + name;")),
      fakeAnthropicText(searchReplace('Says hey.', "  return 'Hello ' + name;", "  return 'Hey ' + name;")),
    );
    const ran = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'anthropic:claude-sonnet-4-5',
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Greet less formally',
      '--pr',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^anthropic:claude-sonnet-4-5 +succeeded/m);
    expect(ran.stdout).toContain('picked openai:gpt-4.1: fewest edit retries (1 model call)\n');
    expect(ran.stdout).toMatch(/^Opened pull request #1: http:\/\/\S+\/pull\/1$/m);
    expect(anthropic.requests).toHaveLength(2);
    const pull = pulls()[0]!;
    expect(pull.base).toBe('main');
    expect(pull.body).toContain('**Chosen run:** openai:gpt-4.1 (fewest edit retries (1 model call))');
    expect(await git(bare, 'show', `${pull.head}:src/greet.ts`)).toContain("'Hi ' + name");
  });

  it('breaks a tie on model calls by the smaller diff, and reports the pick in --json', async () => {
    openai.respond({
      kind: 'reply',
      text: applyPatch('Logs and says hi.', "  console.log(name);\n  return 'Hi ' + name;"),
    });
    anthropic.respond(
      fakeAnthropicText(searchReplace('Says hey.', "  return 'Hello ' + name;", "  return 'Hey ' + name;")),
    );
    const ran = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'openai:gpt-4.1',
      '--model',
      'anthropic:claude-sonnet-4-5',
      '-m',
      'Greet less formally',
      '--pr',
      '--json',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as RunDocument;
    const claude = report.runs.find((run) => run.model === 'anthropic:claude-sonnet-4-5')!;
    expect(report.pick).toEqual({
      runId: claude.id,
      model: 'anthropic:claude-sonnet-4-5',
      reason: 'fewest edit retries (1 model call), then smallest diff (+1 -1)',
    });
    expect(report.pullRequest).toMatchObject({ number: 1, runId: claude.id, state: 'open' });
    expect(report.pullRequestAction).toBe('opened');
    expect(ran.stderr).toContain('picked anthropic:claude-sonnet-4-5: fewest edit retries');
    expect(pulls()).toHaveLength(1);
  });

  it('opens the pull request from the run --pick names, and refuses a --pick that names no model before running', async () => {
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;") });
    anthropic.respond(
      fakeAnthropicText(
        searchReplace(
          'Logs and says hey.',
          "  return 'Hello ' + name;",
          "  console.log(name);\n  return 'Hey ' + name;",
        ),
      ),
    );
    const ran = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'openai:gpt-4.1',
      '--model',
      'anthropic:claude-sonnet-4-5',
      '-m',
      'Greet less formally',
      '--pr',
      '--pick',
      'claude-sonnet-4-5',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(
      'picked anthropic:claude-sonnet-4-5: chosen with --pick claude-sonnet-4-5\n',
    );
    expect(await git(bare, 'show', `${pulls()[0]!.head}:src/greet.ts`)).toContain("'Hey ' + name");

    const before = openai.requests.length;
    const wrong = await goosuke([
      'run',
      '--repo',
      repoUrl,
      '--model',
      'openai:gpt-4.1',
      '-m',
      'x',
      '--pr',
      '--pick',
      'gpt-5',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--pick gpt-5 names none of the runs (openai:gpt-4.1)');
    expect(openai.requests).toHaveLength(before);
  });

  it('updates the open pull request on a stable --branch from a fresh data directory instead of opening another', async () => {
    const branch = 'goosuke/ci-greeting';
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;") });
    const first = await goosuke(
      ['run', '--repo', repoUrl, '--model', 'openai:gpt-4.1', '-m', 'Say hi', '--pr', '--branch', branch],
      { dataDir: path.join(scratch, 'pipeline-1') },
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Opened pull request #1:');
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]!.head).toBe(branch);
    const firstCommit = (await git(bare, 'rev-parse', branch)).trim();
    // A reviewer edits the description outside Goosuke's block.
    pulls()[0]!.body = `${pulls()[0]!.body}\n\nReviewer note: keep it short.\n`;

    openai.respond({
      kind: 'reply',
      text: applyPatch('Exclaims.', "  return 'Hi ' + name + '!';", "  return 'Hi ' + name;"),
    });
    const second = await goosuke(
      ['run', '--repo', repoUrl, '--model', 'openai:gpt-4.1', '-m', 'Exclaim', '--pr', '--branch', branch],
      { dataDir: path.join(scratch, 'pipeline-2') },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`Found open pull request #1 on ${branch}: the runs start from it`);
    expect(second.stdout).toContain('Updated pull request #1:');
    expect(pulls()).toHaveLength(1);
    // The branch got a second commit on top of the first: a fast-forward.
    expect((await git(bare, 'rev-parse', `${branch}~1`)).trim()).toBe(firstCommit);
    expect((await git(bare, 'rev-list', `main..${branch}`)).trim().split('\n')).toHaveLength(2);
    expect(await git(bare, 'show', `${branch}:src/greet.ts`)).toContain("'Hi ' + name + '!'");
    const body = pulls()[0]!.body!;
    expect(body).toContain('Reviewer note: keep it short.');
    const block = body.slice(body.indexOf(ownedBlockStart), body.indexOf(ownedBlockEnd));
    expect(block).toContain('Exclaim');
    expect(block).not.toContain('Say hi');
  });

  it("uses a CI checkout's origin on GitHub for the pull request, starting from the checkout's HEAD", async () => {
    // As actions/checkout leaves it: a working tree whose origin is the GitHub URL.
    const checkout = path.join(scratch, 'checkout');
    await git(scratch, 'clone', '-q', bare, checkout);
    await git(
      checkout,
      'remote',
      'set-url',
      'origin',
      repoUrl.replace('http://', `http://x-access-token:${githubToken}@`),
    );
    openai.respond({ kind: 'reply', text: applyPatch('Says hi.', "  return 'Hi ' + name;") });
    const ran = await goosuke([
      'run',
      '--repo',
      'checkout',
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Say hi',
      '--pr',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    // The URL shown and stored never carries the credentials the checkout's config held.
    expect(ran.stderr).toContain(`Using the checkout's origin, ${repoUrl}, for the pull request`);
    expect(ran.stdout).toMatch(/^Opened pull request #1: /m);
    const pull = pulls()[0]!;
    expect(pull.base).toBe('main');
    expect(await git(bare, 'show', `${pull.head}:src/greet.ts`)).toContain("'Hi ' + name");
  });

  it('fails fast with exit 3 when the repository is on no configured code host, before running a model', async () => {
    const local = await goosuke(['run', '--repo', 'source', '--model', 'openai:gpt-4.1', '-m', 'x', '--pr']);
    expect(local.code).toBe(3);
    expect(local.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(local.stderr).toContain('GITHUB_TOKEN');
    const unconfigured = await goosuke(
      ['run', '--repo', repoUrl, '--model', 'openai:gpt-4.1', '-m', 'x', '--pr'],
      {
        env: { GITHUB_TOKEN: '', GOOSUKE_GITHUB_API_URL: '' },
      },
    );
    expect(unconfigured.code).toBe(3);
    expect(unconfigured.stderr).toContain('is on no configured code host');
    expect(openai.requests).toHaveLength(0);
    expect(host.git.requests).toHaveLength(0);
  });

  it('opens no pull request and exits 1 when no run succeeded with changes', async () => {
    const noEdits = { kind: 'reply' as const, text: 'I would rather not change anything.' };
    openai.respond(noEdits, noEdits, noEdits);
    const ran = await goosuke(['run', '--repo', repoUrl, '--model', 'openai:gpt-4.1', '-m', 'Do it', '--pr']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain('No pull request opened: no run succeeded with changes.');
    expect(pulls()).toHaveLength(0);
  });

  it.each([
    [['--branch', 'ci'], /--branch goes with --pr/],
    [['--pr', '--branch', 'bad branch'], /--branch bad branch: use letters/],
  ])('exits 2 for %j', async (extra, message) => {
    const ran = await goosuke(['run', '--repo', repoUrl, '--model', 'openai:gpt-4.1', '-m', 'x', ...extra]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(message);
    expect(openai.requests).toHaveLength(0);
  });
});
