// Runs the examples the way their READMEs say, as child processes on the built packages, against
// the providers' loopback fakes: an example that no longer works fails here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRepository, temporaryDirectory } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const built = existsSync(path.join(root, 'packages', 'cli', 'dist', 'index.js'));
const keys = { openai: 'sk-examples-openai-5e1d7c9a', anthropic: 'sk-ant-examples-2b8f4a06' };
const instruction = 'Greet people with an exclamation mark.';

const greet = "export function greet(name: string): string {\n  return 'Hello, ' + name;\n}\n";
const greeted = "export function greet(name: string): string {\n  return 'Hello, ' + name + '!';\n}\n";
const files = {
  'README.md': '# greeter\n\nSays hello.\n',
  'src/greet.ts': greet,
  'src/index.ts': "export { greet } from './greet.ts';\n",
};
// gpt-4.1 answers with an apply_patch envelope, Claude with a SEARCH/REPLACE block (their preferred formats).
const openaiReply = [
  'The greeting now ends with an exclamation mark.',
  '',
  '*** Begin Patch',
  '*** Update File: src/greet.ts',
  '@@',
  ' export function greet(name: string): string {',
  "-  return 'Hello, ' + name;",
  "+  return 'Hello, ' + name + '!';",
  ' }',
  '*** End Patch',
].join('\n');
const anthropicReply = [
  'greet now ends with an exclamation mark, and the README says so.',
  '',
  'src/greet.ts',
  '```ts',
  '<<<<<<< SEARCH',
  "  return 'Hello, ' + name;",
  '=======',
  "  return 'Hello, ' + name + '!';",
  '>>>>>>> REPLACE',
  '```',
  '',
  'README.md',
  '```md',
  '<<<<<<< SEARCH',
  'Says hello.',
  '=======',
  'Says hello, with enthusiasm!',
  '>>>>>>> REPLACE',
  '```',
].join('\n');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking this process: the fakes answer from its event loop. */
function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
  return new Promise<Finished>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let scratch: { dir: string; cleanup: () => Promise<void> };
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
let repo: string;

beforeEach(async () => {
  scratch = await temporaryDirectory('goosuke-examples-');
  repo = path.join(scratch.dir, 'greeter');
  await makeRepository(repo, files);
  openai = await startFakeOpenAIServer({ apiKey: keys.openai });
  anthropic = await startFakeAnthropicServer({ apiKey: keys.anthropic });
});

afterEach(async () => {
  await Promise.all([openai.close(), anthropic.close()]);
  await scratch.cleanup();
});

/**
 * A checkout as actions/checkout makes one by default: a new repository that fetched only the
 * tip of the branch (depth 1, so shallow) and checked it out on a local branch of that name.
 */
async function checkOut(upstream: string): Promise<string> {
  const checkout = path.join(scratch.dir, 'checkout');
  await mkdir(checkout);
  await git(checkout, 'init', '-q');
  await git(checkout, 'remote', 'add', 'origin', `file://${upstream}`);
  await git(checkout, 'fetch', '-q', '--depth=1', 'origin', '+refs/heads/main:refs/remotes/origin/main');
  await git(checkout, 'checkout', '-q', '--force', '-B', 'main', 'refs/remotes/origin/main');
  expect((await git(checkout, 'rev-parse', '--is-shallow-repository')).trim()).toBe('true');
  return checkout;
}

/** A clean environment: the fakes' addresses and keys, and nothing of the developer's own. */
function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: scratch.dir,
    OPENAI_API_KEY: keys.openai,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: keys.anthropic,
    ANTHROPIC_BASE_URL: anthropic.url,
    ...extra,
  };
}

describe('examples (these need the built packages: `npm run build`; the root `npm test` builds first)', () => {
  it.skipIf(!built)(
    'multi-model/run.ts runs the instruction on two models, streams progress and prints the comparison',
    async () => {
      openai.respond({ kind: 'reply', text: openaiReply });
      anthropic.respond(fakeAnthropicText(anthropicReply));
      const dataDir = path.join(scratch.dir, 'data');
      const result = await run(
        process.execPath,
        [path.join(root, 'examples', 'multi-model', 'run.ts'), repo, instruction],
        {
          cwd: scratch.dir,
          env: environment({
            GOOSUKE_DATA_DIR: dataDir,
            GOOSUKE_SECRET_KEY: 'examples-master-secret-0123456789abcdefghij',
          }),
        },
      );

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const out = result.stdout;
      expect(out).toContain(`Running 2 models on ${repo}`);
      // Progress, one line per event of each run.
      expect(out).toMatch(/^openai:gpt-4\.1 +started on openai:gpt-4\.1 at [0-9a-f]{12}$/m);
      expect(out).toMatch(/^anthropic:claude-sonnet-4-6 +succeeded: 2 files changed, \+2 -2$/m);
      // The comparison table, then the overlap and the patches.
      expect(out).toMatch(/^MODEL +STATUS +FILES +LINES +TIME +TOKENS IN\/OUT +COST$/m);
      expect(out).toMatch(/^openai:gpt-4\.1 +succeeded +1 +\+1 -1 +\d+\.\ds +10\/5 +\$0\.0001$/m);
      expect(out).toMatch(/^anthropic:claude-sonnet-4-6 +succeeded +2 +\+2 -2 +\d+\.\ds +10\/5 +\$0\.0001$/m);
      expect(out).toContain('Both openai:gpt-4.1 and anthropic:claude-sonnet-4-6 changed src/greet.ts');
      expect(out).toContain("-  return 'Hello, ' + name;\n+  return 'Hello, ' + name + '!';");
      expect(out).toContain('+Says hello, with enthusiasm!');
      // The data directory is the one given, and the repository is as it was.
      expect(existsSync(path.join(dataDir, 'goosuke.db'))).toBe(true);
      expect(await git(repo, 'status', '--porcelain')).toBe('');
      expect(await git(repo, 'branch', '--list')).toBe('* main\n');
    },
  );

  it.skipIf(!built)(
    "actor-scoped/run.ts: alice's task is invisible to bob, visible to alice and the admin, in the SDK and over HTTP",
    async () => {
      const result = await run(process.execPath, [path.join(root, 'examples', 'actor-scoped', 'run.ts')], {
        cwd: scratch.dir,
        env: environment(),
      });
      expect(result.code, result.stderr).toBe(0);
      for (const line of [
        'ok    bob: the task is not found',
        "ok    bob: the task is absent from bob's list",
        'ok    alice: sees her task',
        'ok    admin: sees the task',
        'ok    HTTP bob: GET /tasks/{id} is 404',
        'ok    HTTP alice: GET /tasks/{id} is 200',
        'ok    HTTP admin: GET /tasks/{id} is 200',
      ]) {
        expect(result.stdout).toContain(line);
      }
      expect(result.stdout).not.toContain('FAIL');
      expect(result.stdout.trimEnd().endsWith('every check held')).toBe(true);
    },
  );

  it.skipIf(!built)(
    'multi-model/run.ts works without any Goosuke configuration, on a throwaway data directory',
    async () => {
      openai.respond({ kind: 'reply', text: openaiReply });
      const result = await run(process.execPath, [path.join(root, 'examples', 'multi-model', 'run.ts')], {
        cwd: repo,
        env: environment({ GOOSUKE_EXAMPLE_MODELS: 'openai:gpt-4.1' }),
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^openai:gpt-4\.1 +succeeded +1 +\+1 -1 /m);
      // The default instruction reached the model.
      expect(JSON.stringify(openai.requests[0]!.body)).toContain('Find one confusing name in this project');
      expect(existsSync(path.join(repo, '.goosuke'))).toBe(false);
    },
  );

  it.skipIf(!built)(
    'ci/goosuke-run.sh runs goosuke run in the checkout, writes the patches and the JSON result, exits 0',
    async () => {
      openai.respond({ kind: 'reply', text: openaiReply });
      anthropic.respond(fakeAnthropicText(anthropicReply));
      const checkout = await checkOut(repo);
      const result = await run('sh', [path.join(root, 'examples', 'ci', 'goosuke-run.sh')], {
        cwd: checkout,
        env: environment({
          // As in CI after `npm ci`: the workspace's bin directory is where goosuke is.
          PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
          GOOSUKE_BIN: 'goosuke',
          GOOSUKE_INSTRUCTION: instruction,
          GOOSUKE_MODELS: ' openai:gpt-4.1 , anthropic:claude-sonnet-4-6',
          GOOSUKE_SECRET_KEY: 'examples-master-secret-0123456789abcdefghij',
          GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
        }),
      });

      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('goosuke exited with status 0; result in goosuke-result.json');
      const report = JSON.parse(await readFile(path.join(checkout, 'goosuke-result.json'), 'utf8')) as {
        runs: Array<{ model: string; status: string; patchPath: string; added: number; removed: number }>;
      };
      expect(report.runs.map((entry) => [entry.model, entry.status, entry.added, entry.removed])).toEqual([
        ['openai:gpt-4.1', 'succeeded', 1, 1],
        ['anthropic:claude-sonnet-4-6', 'succeeded', 2, 2],
      ]);
      expect(report.runs.map((entry) => path.relative(checkout, entry.patchPath))).toEqual([
        path.join('goosuke-patches', 'openai-gpt-4.1.patch'),
        path.join('goosuke-patches', 'anthropic-claude-sonnet-4-6.patch'),
      ]);
      const patch = await readFile(path.join(checkout, 'goosuke-patches', 'openai-gpt-4.1.patch'), 'utf8');
      expect(patch).toContain("+  return 'Hello, ' + name + '!';");
      // The patch applies to the checkout and gives what the model meant.
      await git(checkout, 'apply', path.join('goosuke-patches', 'openai-gpt-4.1.patch'));
      expect(await readFile(path.join(checkout, 'src', 'greet.ts'), 'utf8')).toBe(greeted);
    },
  );

  it.skipIf(!built)('ci/goosuke-run.sh exits with goosuke status when no run succeeds', async () => {
    openai.respond({ kind: 'error', status: 400, message: 'the model refused' });
    const result = await run('sh', [path.join(root, 'examples', 'ci', 'goosuke-run.sh')], {
      cwd: repo,
      env: environment({
        PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
        GOOSUKE_BIN: 'goosuke',
        GOOSUKE_INSTRUCTION: instruction,
        GOOSUKE_MODELS: 'openai:gpt-4.1',
        GOOSUKE_SECRET_KEY: 'examples-master-secret-0123456789abcdefghij',
        GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
      }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('goosuke exited with status 1');
    const report = JSON.parse(await readFile(path.join(repo, 'goosuke-result.json'), 'utf8')) as {
      runs: Array<{ status: string; patchPath: string | null }>;
    };
    expect(report.runs).toMatchObject([{ status: 'failed', patchPath: null }]);
  });

  it('ci/goosuke-run.sh refuses to start without an instruction', async () => {
    const result = await run('sh', [path.join(root, 'examples', 'ci', 'goosuke-run.sh')], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '', GOOSUKE_BIN: 'false' },
    });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'goosuke-run.sh: set GOOSUKE_INSTRUCTION to the instruction for the models\n',
    });
  });

  it('ci/github-actions.yml runs the script on a manual trigger, with keys from secrets only', async () => {
    const workflow = await readFile(path.join(root, 'examples', 'ci', 'github-actions.yml'), 'utf8');
    expect(workflow).toMatch(/^on:\n {2}workflow_dispatch:\n {4}inputs:\n {6}instruction:\n/m);
    expect(workflow).toMatch(/- uses: actions\/checkout@v\d+/);
    expect(workflow).toMatch(/- uses: actions\/setup-node@v\d+\n\s+with:\n\s+node-version: 24\n/);
    expect(workflow).toMatch(/- run: npm ci\n/);
    expect(workflow).toMatch(/run: bash examples\/ci\/goosuke-run\.sh\n/);
    expect(workflow).toMatch(/uses: actions\/upload-artifact@v\d+\n(\s+.*\n)*?\s+goosuke-patches\//);
    // The instruction reaches the script through the environment, not spliced into a command.
    expect(workflow).toContain(`GOOSUKE_INSTRUCTION: \${{ inputs.instruction }}`);
    expect(workflow).not.toMatch(/run:.*\$\{\{/);
    // Every secret comes from the repository's secrets, none is written in the file.
    for (const name of ['GOOSUKE_SECRET_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY']) {
      expect(workflow).toContain(`${name}: \${{ secrets.${name} }}`);
      const assignments = [...workflow.matchAll(new RegExp(`^\\s*${name}:(.*)$`, 'gm'))].map((match) =>
        match[1]!.trim(),
      );
      expect(assignments).toEqual([`\${{ secrets.${name} }}`]);
    }
    expect(workflow).not.toMatch(/sk-[A-Za-z0-9]|AIza/);
  });
});
