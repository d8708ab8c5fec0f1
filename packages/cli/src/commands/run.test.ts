import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { runGit } from '@goosuke/core/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { patchFileNames } from './run-models.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const openaiKey = 'sk-openai-test-key-0123456789';
const anthropicKey = 'sk-ant-test-key-0123456789';

const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";

function searchReplace(summary: string, replacement: string): string {
  return [
    summary,
    '',
    'src/greet.ts',
    '```ts',
    '<<<<<<< SEARCH',
    "  return 'Hello ' + name;",
    '=======',
    replacement,
    '>>>>>>> REPLACE',
    '```',
    '',
  ].join('\n');
}

function applyPatch(summary: string, replacement: string): string {
  return [
    summary,
    '',
    '*** Begin Patch',
    '*** Update File: src/greet.ts',
    '@@',
    ' export function greet(name: string): string {',
    "-  return 'Hello ' + name;",
    `+${replacement}`,
    ' }',
    '*** End Patch',
    '',
  ].join('\n');
}

const git = (cwd: string, ...args: string[]): Promise<string> => runGit(cwd, args);

let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;

beforeEach(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  anthropic = await startFakeAnthropicServer({ apiKey: anthropicKey });
});

afterEach(async () => {
  await openai.close();
  await anthropic.close();
  await removeTemporaryDirectories();
});

interface Fixture {
  cwd: string;
  repo: string;
  dataDir: string;
  env: Record<string, string>;
  goosuke(argv: string[], options?: { env?: Record<string, string>; stdin?: string }): Promise<MainRun>;
}

async function fixture(): Promise<Fixture> {
  const cwd = await temporaryDirectory();
  const repo = path.join(cwd, 'repo');
  await mkdir(path.join(repo, 'src'), { recursive: true });
  await writeFile(path.join(repo, 'src', 'greet.ts'), greet);
  await writeFile(path.join(repo, 'README.md'), '# greet\n');
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'initial');
  const dataDir = path.join(cwd, 'data');
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: dataDir,
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: anthropicKey,
    ANTHROPIC_BASE_URL: anthropic.url,
  };
  return {
    cwd,
    repo,
    dataDir,
    env,
    goosuke: (argv, options = {}) =>
      runMain(argv, {
        cwd,
        env: { ...env, ...options.env },
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      }),
  };
}

function expectNoKeys(run: MainRun): void {
  for (const key of [openaiKey, anthropicKey, secretKey]) {
    expect(run.stdout).not.toContain(key);
    expect(run.stderr).not.toContain(key);
  }
}

describe('goosuke run', () => {
  it('runs the models in parallel, prints progress and a comparison, and writes the patches', async () => {
    const project = await fixture();
    openai.respond(
      {
        kind: 'reply',
        text: applyPatch('Friendlier greeting.', "  return 'Hi ' + name + '!';"),
        delayMs: 100,
      },
      { kind: 'reply', text: applyPatch('Warmer greeting.', "  return 'Welcome ' + name;"), delayMs: 100 },
    );
    anthropic.respond(
      fakeAnthropicText(searchReplace('Greets by name.', "  return 'Hello, ' + name + '!';")),
    );
    const run = await project.goosuke([
      'run',
      '--repo',
      'repo',
      '--model',
      'openai:gpt-4.1',
      '--model',
      'anthropic:claude-sonnet-4-5',
      '--model',
      'openai:gpt-4.1-mini',
      '-m',
      'Make greet friendlier',
      '--out',
      'patches',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectNoKeys(run);
    // Progress: plain lines (not a terminal), one per change, each naming its model.
    expect(run.stderr).toMatch(/^Updating Goosuke's clone of .*repo…$/m);
    expect(run.stderr).toMatch(/^Running 3 models on .*repo at [0-9a-f]{12}$/m);
    expect(run.stderr).toMatch(/^openai:gpt-4\.1 +running +at [0-9a-f]{12}$/m);
    expect(run.stderr).toMatch(/^anthropic:claude-sonnet-4-5 +succeeded +1 file changed, \+1 -1$/m);
    expect(run.stderr).not.toContain('\u001B[');
    // The comparison.
    const table = run.stdout.split('\n');
    expect(table[0]).toMatch(/^MODEL +STATUS +FILES +\+\/- +TIME +TOKENS IN\/OUT +COST +TOOLS$/);
    expect(table.filter((line) => /^openai:gpt-4\.1(-mini)? +succeeded +1 +\+1 -1 /.test(line))).toHaveLength(
      2,
    );
    expect(run.stdout).toMatch(
      /^anthropic:claude-sonnet-4-5 +succeeded +1 +\+1 -1 +\S+ +10\/5 +\$0\.0001 +-$/m,
    );
    expect(run.stdout).toContain('changed: src/greet.ts');
    // Patches, named after the models.
    expect((await readdir(path.join(project.cwd, 'patches'))).sort()).toEqual([
      'anthropic-claude-sonnet-4-5.patch',
      'openai-gpt-4.1-mini.patch',
      'openai-gpt-4.1.patch',
    ]);
    const patch = await readFile(
      path.join(project.cwd, 'patches', 'anthropic-claude-sonnet-4-5.patch'),
      'utf8',
    );
    expect(patch).toContain("+  return 'Hello, ' + name + '!';");
    // The patch applies to the repository with git itself.
    await writeFile(path.join(project.cwd, 'check.patch'), patch);
    await git(project.repo, 'apply', '--check', path.join(project.cwd, 'check.patch'));
    // The upstream repository is untouched: no new branch, clean tree.
    expect(await git(project.repo, 'branch', '--list')).toBe('* main\n');
    expect(await git(project.repo, 'status', '--porcelain')).toBe('');
    // The request carried the key in the header, the instruction in the body.
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${openaiKey}`);
    expect(JSON.stringify(openai.requests[0]?.body)).toContain('Make greet friendlier');
  });

  it('prints one JSON document with --json and reads the instruction from stdin with -m -', async () => {
    const project = await fixture();
    anthropic.respond(fakeAnthropicText(searchReplace('Exclaims.', "  return 'Hello ' + name + '!';")));
    const run = await project.goosuke(
      [
        'run',
        '--repo',
        project.repo,
        '--model',
        'anthropic:claude-sonnet-4-5',
        '-m',
        '-',
        '--json',
        '--out',
        'out',
      ],
      { stdin: 'Add an exclamation mark\n' },
    );
    expect(run.code, run.stderr).toBe(0);
    // Progress still goes to stderr (CI logs); stdout holds nothing but the document.
    expect(run.stderr).toMatch(/^anthropic:claude-sonnet-4-5 +succeeded/m);
    const report = JSON.parse(run.stdout) as {
      task: { id: string; title: string };
      runs: Array<{
        status: string;
        model: string;
        branch: string;
        patchPath: string;
        added: number;
        filesChanged: unknown[];
      }>;
    };
    expect(report.task.title).toBe('Add an exclamation mark');
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]).toMatchObject({
      status: 'succeeded',
      model: 'anthropic:claude-sonnet-4-5',
      added: 1,
      patchPath: path.join(project.cwd, 'out', 'anthropic-claude-sonnet-4-5.patch'),
    });
    expect(report.runs[0]!.branch).toMatch(/^goosuke\/run-/);
    const clone = path.join(
      project.dataDir,
      'clones',
      (await readdir(path.join(project.dataDir, 'clones')))[0]!,
    );
    expect(await git(clone, 'show', `${report.runs[0]!.branch}:src/greet.ts`)).toContain(
      "'Hello ' + name + '!'",
    );
  });

  it("makes the run --pick names the task's chosen run, without a pull request", async () => {
    const project = await fixture();
    openai.respond({ kind: 'reply', text: applyPatch('Louder.', "  return 'Hello ' + name + '!';") });
    anthropic.respond(fakeAnthropicText(searchReplace('Calmer.', "  return 'Hello, ' + name;")));
    const run = await project.goosuke([
      'run',
      '--repo',
      project.repo,
      '--model',
      'openai:gpt-4.1',
      '--model',
      'anthropic:claude-sonnet-4-5',
      '-m',
      'Greet differently',
      '--pick',
      'claude-sonnet-4-5',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'picked anthropic:claude-sonnet-4-5: chosen with --pick claude-sonnet-4-5; follow-ups of the task build on it',
    );
    const report = JSON.parse(run.stdout) as {
      runs: Array<{ id: string; model: string }>;
      pick: { runId: string; model: string };
      chosenRunId: string;
    };
    const claude = report.runs.find((entry) => entry.model === 'anthropic:claude-sonnet-4-5')!;
    expect(report.pick).toMatchObject({ runId: claude.id, model: 'anthropic:claude-sonnet-4-5' });
    expect(report.chosenRunId).toBe(claude.id);
  });

  it('uses a stored profile by name before provider:model, with its own key', async () => {
    const project = await fixture();
    const added = await project.goosuke(
      [
        'models',
        'add',
        '--provider',
        'anthropic',
        '--model',
        'claude-haiku-4-5',
        '--name',
        'fast',
        '--base-url',
        anthropic.url,
        '--api-key-env',
        'KEY',
      ],
      { env: { KEY: anthropicKey } },
    );
    expect(added.code, added.stderr).toBe(0);
    anthropic.respond(fakeAnthropicText(searchReplace('Done.', "  return 'Yo ' + name;")));
    // No ANTHROPIC_API_KEY in the environment: the stored key is used.
    const run = await project.goosuke(['run', '--repo', 'repo', '--model', 'fast', '-m', 'Say yo'], {
      env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^fast +succeeded/m);
    expect(JSON.stringify(anthropic.requests.at(-1)?.headers)).toContain(anthropicKey);
    expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain('claude-haiku-4-5');
  });

  it('without --out ends by saying where each result is, and the commands it names apply the patch', async () => {
    const project = await fixture();
    openai.respond({ kind: 'reply', text: applyPatch('Warmer greeting.', "  return 'Welcome ' + name;") });
    const noEdits = { kind: 'reply' as const, text: 'I would rather not change anything.' };
    openai.respond(noEdits, noEdits, noEdits);
    const run = await project.goosuke([
      'run',
      '--repo',
      'repo',
      '--model',
      'openai:gpt-4.1',
      '--model',
      'openai:gpt-4.1-mini',
      '-m',
      'Warmer',
      '--concurrency',
      '1',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // One of each: "1 file", "1 model", never "1 files".
    expect(run.stderr).toMatch(/^Running 2 models on /m);
    expect(run.stderr).toMatch(/^openai:gpt-4\.1 +succeeded +1 file changed, \+1 -1$/m);
    expect(run.stderr).toMatch(/context: 2 files in full/);
    const results = run.stdout.slice(run.stdout.indexOf('Results'));
    const lines = results.trimEnd().split('\n');
    expect(lines[0]).toBe("Results (branches in Goosuke's clone in GOOSUKE_DATA_DIR):");
    const succeeded = /^ {2}openai:gpt-4\.1 +run (\S+) +branch (goosuke\/run-\S+)$/.exec(lines[1]!);
    expect(succeeded, results).not.toBeNull();
    const [, runId, branch] = succeeded!;
    expect(branch).toBe(`goosuke/run-${runId}`);
    expect(lines[2]).toMatch(/^ {2}openai:gpt-4\.1-mini +run \S+ +failed, no patch$/);
    expect(lines.slice(3)).toEqual([
      `See a run:       goosuke runs show ${runId}`,
      `Apply its patch: goosuke runs show ${runId} --patch | goosuke patch apply -`,
    ]);

    // The commands named work as written.
    const shown = await project.goosuke(['runs', 'show', runId!]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Run ${runId}: succeeded`);
    expect(shown.stdout).toContain(`Branch: ${branch}`);
    expect(shown.stdout).toContain('Files: 1 file changed: src/greet.ts');
    const patch = await project.goosuke(['runs', 'show', runId!, '--patch']);
    expect(patch.stdout).toContain("+  return 'Welcome ' + name;");
    const applied = await runMain(['patch', 'apply', '-'], {
      cwd: project.repo,
      env: project.env,
      stdin: patch.stdout,
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(await readFile(path.join(project.repo, 'src', 'greet.ts'), 'utf8')).toContain("'Welcome ' + name");
    const unknown = await project.goosuke(['runs', 'show', 'no-such-run']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('checks --base before any model is called: exit 2 with one line', async () => {
    const project = await fixture();
    openai.respond({ kind: 'reply', text: applyPatch('Warmer greeting.', "  return 'Welcome ' + name;") });
    const run = await project.goosuke([
      'run',
      '--repo',
      'repo',
      '--base',
      'no-such-branch',
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Warmer',
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('goosuke: '))).toEqual([
      expect.stringContaining('no-such-branch'),
    ]);
    expect(lines.at(-1)).toMatch(/^goosuke: /);
    expect(openai.requests).toHaveLength(0);
  });

  it("keeps the Anthropic SDK's deprecation notice off the terminal: a debug line of the log", async () => {
    const project = await fixture();
    const reply = () =>
      fakeAnthropicText(searchReplace('Greets by name.', "  return 'Hello, ' + name + '!';"));
    anthropic.respond(reply(), reply());
    // The SDK prints "The model 'claude-sonnet-4-5' is deprecated …" with console.warn on every call.
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const argv = ['run', '--repo', 'repo', '--model', 'anthropic:claude-sonnet-4-5', '-m', 'Greet'];
      const quiet = await project.goosuke(argv);
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).not.toMatch(/deprecated/i);
      const printed = [...warn.mock.calls, ...stderr.mock.calls].map((call) => String(call[0]));
      expect(printed.filter((text) => /deprecated/i.test(text))).toEqual([]);
      // Asked for, it is in the log at debug level, as one JSON line.
      const verbose = await project.goosuke(argv, { env: { GOOSUKE_LOG_LEVEL: 'debug' } });
      expect(verbose.code, verbose.stderr).toBe(0);
      const notice = verbose.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => /deprecated/.test(String(line.msg)));
      expect(notice).toMatchObject({ level: 20, provider: 'anthropic', model: 'claude-sonnet-4-5' });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      stderr.mockRestore();
    }
  });

  it('exits 1 when no run succeeded, and says why', async () => {
    const project = await fixture();
    const noEdits = { kind: 'reply' as const, text: 'I would rather not change anything.' };
    openai.respond(noEdits, noEdits, noEdits);
    const run = await project.goosuke(['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', 'Do it']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Running 1 model on /m);
    expect(run.stdout).toMatch(/^openai:gpt-4\.1 +failed/m);
    expect(run.stdout).toMatch(/^openai:gpt-4\.1 failed: .+/m);
  });

  it('exits 3 naming the variable when a provider key is missing, before storing or cloning anything', async () => {
    const project = await fixture();
    const run = await project.goosuke(
      ['run', '--repo', 'repo', '--model', 'anthropic:claude-sonnet-4-5', '-m', 'x'],
      {
        env: { ANTHROPIC_API_KEY: '' },
      },
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('ANTHROPIC_API_KEY');
    expect(await readdir(project.dataDir).catch(() => [])).not.toContain('clones');
    const list = await project.goosuke(['models', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('prices a model from GOOSUKE_MODEL_PRICES, and exits 3 when that is not valid', async () => {
    const project = await fixture();
    openai.respond({
      kind: 'reply',
      text: applyPatch('Done.', "  return 'Hi ' + name;"),
      usage: { promptTokens: 500_000, completionTokens: 100_000 },
    });
    const prices = JSON.stringify({
      'openai:my-finetune': { inputPerMillion: 1, cachedInputPerMillion: 0.5, outputPerMillion: 10 },
    });
    const run = await project.goosuke(
      ['run', '--repo', 'repo', '--model', 'openai:my-finetune', '-m', 'Say hi', '--json'],
      {
        env: { GOOSUKE_MODEL_PRICES: prices },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { runs: Array<{ usage: { costUsd: number | null } }> };
    // 500k input at $1 and 100k output at $10 per million.
    expect(report.runs[0]!.usage.costUsd).toBe(1.5);
    const bad = await project.goosuke(['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', 'x'], {
      env: { GOOSUKE_MODEL_PRICES: '{oops' },
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/GOOSUKE_MODEL_PRICES is not JSON/);
  });

  it('exits 3 without GOOSUKE_SECRET_KEY', async () => {
    const project = await fixture();
    const run = await project.goosuke(['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', 'x'], {
      env: { GOOSUKE_SECRET_KEY: '' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('GOOSUKE_SECRET_KEY');
  });

  it.each([
    [['run', '--model', 'openai:gpt-4.1', '-m', 'x'], /needs --repo/],
    [['run', '--repo', 'repo', '-m', 'x'], /needs at least one --model/],
    [['run', '--repo', 'repo', '--model', 'openai:gpt-4.1'], /needs -m/],
    [
      ['run', '--repo', 'nowhere', '--model', 'openai:gpt-4.1', '-m', 'x'],
      /--repo nowhere: no such directory/,
    ],
    [
      ['run', '--repo', 'repo', '--model', 'gpt-4.1', '-m', 'x'],
      /--model gpt-4\.1: not a stored profile and not provider:model/,
    ],
    [
      ['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', 'x', '--concurrency', '0'],
      /--concurrency must be/,
    ],
    [['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', '  '], /instruction is empty/],
    [['run', 'extra', '--repo', 'repo', '--model', 'openai:gpt-4.1', '-m', 'x'], /takes no arguments/],
    [
      ['run', '--repo', 'repo', '--model', 'openai:gpt-4.1', '--model', 'openai:gpt-4.1', '-m', 'x'],
      /--model openai:gpt-4\.1 is given twice/,
    ],
    [
      [
        'run',
        '--repo',
        'repo',
        ...Array.from({ length: 9 }, (_, index) => ['--model', `openai:gpt-${index}`]).flat(),
        '-m',
        'x',
      ],
      /at most 8 --model and --agent per run .*9 were given/,
    ],
  ])('exits 2 with one line for a usage error: %j', async (argv, message) => {
    const project = await fixture();
    const run = await project.goosuke(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it("starts from the checkout's HEAD by default, and explains a HEAD that is on no branch", async () => {
    const project = await fixture();
    await git(project.repo, 'checkout', '-q', '-b', 'feature');
    await writeFile(path.join(project.repo, 'src', 'greet.ts'), greet.replace('Hello', 'Howdy'));
    await git(project.repo, 'commit', '-q', '-am', 'howdy');
    const feature = (await git(project.repo, 'rev-parse', 'HEAD')).trim();
    openai.respond({
      kind: 'reply',
      text: applyPatch('Exclaims.', "  return 'Howdy ' + name + '!';").replace(
        "-  return 'Hello ' + name;",
        "-  return 'Howdy ' + name;",
      ),
    });
    const run = await project.goosuke([
      'run',
      '--repo',
      'repo',
      '--model',
      'openai:gpt-4.1',
      '-m',
      'Exclaim',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { runs: Array<{ status: string; branch: string }> };
    const clone = path.join(
      project.dataDir,
      'clones',
      (await readdir(path.join(project.dataDir, 'clones')))[0]!,
    );
    expect((await git(clone, 'rev-parse', `${report.runs[0]!.branch}~1`)).trim()).toBe(feature);

    // A detached HEAD (a CI checkout of a merge ref) works too: the local clone has its objects.
    await writeFile(path.join(project.repo, 'README.md'), '# detached\n');
    await git(project.repo, 'commit', '-q', '-am', 'detached change');
    const detached = (await git(project.repo, 'rev-parse', 'HEAD')).trim();
    await git(project.repo, 'checkout', '-q', '--detach', detached);
    await git(project.repo, 'branch', '-f', 'feature', feature);
    openai.respond({
      kind: 'reply',
      text: applyPatch('Exclaims.', "  return 'Howdy ' + name + '!';").replace(
        "-  return 'Hello ' + name;",
        "-  return 'Howdy ' + name;",
      ),
    });
    const again = await project.goosuke([
      'run',
      '--repo',
      'repo',
      '--model',
      'openai:gpt-4.1',
      '-m',
      'x',
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as { runs: Array<{ branch: string }> };
    expect((await git(clone, 'rev-parse', `${second.runs[0]!.branch}~1`)).trim()).toBe(detached);
  });
});

describe('patchFileNames', () => {
  it('makes file-system-safe names, suffixed when a model repeats', () => {
    expect(
      patchFileNames([
        { provider: 'openai', modelName: 'gpt-4.1' },
        { provider: 'openai-compatible', modelName: 'qwen3-coder:30b' },
        { provider: 'openai', modelName: 'gpt-4.1' },
        { provider: 'google', modelName: '../../etc/passwd' },
      ]),
    ).toEqual([
      'openai-gpt-4.1.patch',
      'openai-compatible-qwen3-coder-30b.patch',
      'openai-gpt-4.1-2.patch',
      'google-etc-passwd.patch',
    ]);
  });
});
