import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fixture,
  type MainRun,
  removeTemporaryDirectories,
  runMain,
  temporaryDirectory,
} from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

// `goosuke run --agent` end to end: a custom ACP agent (test/fixtures/chat-agent.mjs) run by the
// real agent host in bubblewrap, its model calls through the real gateway to a loopback fake of
// OpenAI, its in-place edit diffed and committed like any run's.

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const openaiKey = 'sk-openai-agent-test-key-0123456789';
const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";
const warmer = "export function greet(name: string): string {\n  return 'Hello, dear ' + name + '!';\n}";

let openai: FakeOpenAIServer;

beforeEach(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
});

afterEach(async () => {
  await openai.close();
  await removeTemporaryDirectories();
});

async function setUp() {
  const cwd = await temporaryDirectory();
  const repo = path.join(cwd, 'repo');
  await mkdir(path.join(repo, 'src'), { recursive: true });
  await writeFile(path.join(repo, 'src', 'greet.ts'), greet);
  await runGit(repo, ['init', '-q', '-b', 'main']);
  await runGit(repo, ['add', '-A']);
  await runGit(repo, ['commit', '-q', '-m', 'initial']);
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openai.url,
  };
  const goosuke = (argv: string[]): Promise<MainRun> => runMain(argv, { cwd, env });
  const added = await goosuke([
    'agents',
    'add',
    'chatty',
    '--command',
    `${process.execPath} ${fixture('chat-agent.mjs')}`,
    '--wire',
    'openai-chat',
  ]);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  /** `file` as the run's commit on `branch` holds it, in Goosuke's clone of the repository. */
  const showOnBranch = async (branch: string | null, file: string): Promise<string> => {
    const clones = path.join(cwd, 'data', 'clones');
    const [repoId] = await readdir(clones);
    return runGit(path.join(clones, repoId!), ['show', `${branch}:${file}`]);
  };
  return { cwd, repo, goosuke, showOnBranch };
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(openaiKey);
  expect(text).not.toContain(secretKey);
}

interface JsonRun {
  id: string;
  model: string;
  status: string;
  summary: string | null;
  error: { code: string; message: string } | null;
  filesChanged: Array<{ path: string }>;
  usage: { inputTokens: number; outputTokens: number; costUsd: number | null } | null;
  branch: string | null;
  agentActivity?: { permissions: { allowed: number; refused: number } } | null;
}

describe('goosuke run --agent', () => {
  it('lists the custom agent beside the built-in ones, installed', async () => {
    const { goosuke } = await setUp();
    const listed = await goosuke(['agents', 'list', '--json']);
    expect(listed.code).toBe(0);
    const agents = JSON.parse(listed.stdout) as Array<{
      name: string;
      kind: string;
      installation: { installed: boolean; path: string };
    }>;
    expect(agents.map((agent) => agent.name)).toEqual(['claude-code', 'codex', 'gemini', 'goose', 'chatty']);
    expect(agents[4]).toMatchObject({
      kind: 'custom',
      installation: { installed: true, path: process.execPath },
    });
    const table = await goosuke(['agents', 'list']);
    expect(table.stdout).toMatch(/^chatty\s+custom\s+openai-chat\s+yes/m);
  });

  it('runs the agent in its sandbox through the gateway: its edit is committed, its usage recorded, no key in its hands', async () => {
    const { repo, goosuke, showOnBranch } = await setUp();
    openai.respond({
      kind: 'reply',
      text: `Made the greeting warmer.\n${warmer}`,
      usage: { promptTokens: 1_200, completionTokens: 300 },
    });
    const run = await goosuke([
      'run',
      '--repo',
      repo,
      '--agent',
      'chatty=openai:gpt-4.1',
      '-m',
      'Make the greeting warmer. FILE=src/greet.ts ENV',
      '--json',
    ]);
    expectNoSecrets(run.stdout);
    expectNoSecrets(run.stderr);
    expect(run.code).toBe(0);
    // Progress lines follow the agent's tool calls and metered model calls (stderr with --json).
    expect(run.stderr).toMatch(
      /^chatty on openai:gpt-4\.1 +running +tool call: Write src\/greet\.ts \(edit, completed\)$/m,
    );
    expect(run.stderr).toMatch(/^chatty on openai:gpt-4\.1 +running +sandboxed: bubblewrap /m);
    expect(run.stderr).toMatch(/^chatty on openai:gpt-4\.1 +running +1200 in \/ 300 out tokens, \$0\.\d+$/m);
    const report = JSON.parse(run.stdout) as { runs: JsonRun[] };
    const [agentRun] = report.runs;
    expect(agentRun).toMatchObject({
      model: 'chatty on openai:gpt-4.1',
      agent: 'chatty',
      agentActivity: { toolCalls: { edit: 1 }, permissions: { allowed: 0, refused: 0 }, plan: null },
      status: 'succeeded',
      summary: 'Made the greeting warmer.',
      usage: { inputTokens: 1_200, outputTokens: 300 },
    });
    expect(agentRun!.usage!.costUsd).toBeGreaterThan(0);
    expect(agentRun!.filesChanged.map((file) => file.path).sort()).toEqual(['env.json', 'src/greet.ts']);

    // The gateway set the profile's model and the real key; the agent never held that key.
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]!.body).toMatchObject({ model: 'gpt-4.1' });
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${openaiKey}`);
    expect(await showOnBranch(agentRun!.branch, 'src/greet.ts')).toBe(`${warmer}\n`);
    const envText = await showOnBranch(agentRun!.branch, 'env.json');
    expectNoSecrets(envText);
    const env = JSON.parse(envText) as Record<string, string>;
    // Only the allowlist: the gateway's coordinates and a run token, no key, no server secret.
    expect(env.OPENAI_API_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(env.OPENAI_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r\/[^/]+\/v1$/);
    expect(env.GOOSUKE_MODEL).toBe('gpt-4.1');
    expect(env.GOOSUKE_SECRET_KEY).toBeUndefined();
    expect(env.GOOSUKE_DATA_DIR).toBeUndefined();
    expect(
      Object.keys(env)
        .filter((name) => /KEY|TOKEN|SECRET/.test(name))
        .sort(),
    ).toEqual(['GOOSUKE_MODEL_TOKEN', 'OPENAI_API_KEY']);
    // The token died with the run.
    const revoked = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => null);
    expect(revoked === null || revoked.status === 401).toBe(true);
    expect(await readFile(path.join(repo, 'src', 'greet.ts'), 'utf8')).toBe(greet);
  });

  it('hides Goosuke’s data directory and .env from the agent, but not its own working copy', async () => {
    const { cwd, repo, goosuke, showOnBranch } = await setUp();
    await writeFile(path.join(cwd, '.env'), 'SOME_DEPLOY_TOKEN=do-not-read-me-0123456789\n');
    openai.respond({ kind: 'reply', text: 'Looked around.' });
    const database = path.join(cwd, 'data', 'goosuke.db');
    const run = await goosuke([
      'run',
      '--repo',
      repo,
      '--agent',
      'chatty=openai:gpt-4.1',
      '-m',
      `Look. READ=${path.join(cwd, '.env')},${database},${fixture('chat-agent.mjs')}`,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const [agentRun] = (JSON.parse(run.stdout) as { runs: JsonRun[] }).runs;
    const reads = JSON.parse(await showOnBranch(agentRun!.branch, 'reads.json')) as Record<string, string>;
    // The .env is bound to /dev/null (unreadable), the data directory is an empty tmpfs.
    expect(reads[path.join(cwd, '.env')]).toMatch(/^(EACCES|read 0 bytes)$/);
    expect(reads[database]).toBe('ENOENT');
    expect(reads[fixture('chat-agent.mjs')]).toMatch(/^read \d+ bytes$/);
  });

  it('refuses the shell commands an agent asks for, unless --allow-shell grants them', async () => {
    const { repo, goosuke, showOnBranch } = await setUp();
    const decisions: string[] = [];
    for (const flags of [[], ['--allow-shell']]) {
      openai.respond({ kind: 'reply', text: 'Asked.' });
      const run = await goosuke([
        'run',
        '--repo',
        repo,
        '--agent',
        'chatty=openai:gpt-4.1',
        ...flags,
        '-m',
        'Test. ASKSHELL',
        '--json',
      ]);
      expect(run.code).toBe(0);
      const [agentRun] = (JSON.parse(run.stdout) as { runs: JsonRun[] }).runs;
      decisions.push(await showOnBranch(agentRun!.branch, 'shell.json'));
      expect(agentRun!.agentActivity?.permissions).toEqual(
        flags.length === 0 ? { allowed: 0, refused: 1 } : { allowed: 1, refused: 0 },
      );
      expect(run.stderr).toMatch(
        flags.length === 0 ? /permission refused: Run npm test/ : /permission allowed: Run npm test/,
      );
    }
    expect(decisions.map((text) => JSON.parse(text))).toEqual([
      { outcome: 'selected', optionId: 'no' },
      { outcome: 'selected', optionId: 'yes' },
    ]);
  });

  it('fails a run that reaches --max-tokens with budget exceeded, refusing its next model call', async () => {
    const { repo, goosuke } = await setUp();
    openai.respond(
      { kind: 'reply', text: `first\n${warmer}`, usage: { promptTokens: 800, completionTokens: 200 } },
      { kind: 'reply', text: `second\n${warmer}`, usage: { promptTokens: 800, completionTokens: 200 } },
    );
    const run = await goosuke([
      'run',
      '--repo',
      repo,
      '--agent',
      'chatty=openai:gpt-4.1',
      '--max-tokens',
      '1000',
      '-m',
      'Spend it. BUDGET=3 FILE=src/greet.ts',
      '--json',
    ]);
    expect(run.code).toBe(1);
    const [agentRun] = (JSON.parse(run.stdout) as { runs: JsonRun[] }).runs;
    expect(agentRun).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
    expect(agentRun!.error!.message).toMatch(/^budget exceeded: /);
    expect(agentRun!.usage).toMatchObject({ inputTokens: 800, outputTokens: 200 });
    // The second call never reached the provider.
    expect(openai.requests).toHaveLength(1);
  });

  it('refuses an agent that is not installed, naming how to install it, before anything is cloned', async () => {
    const { repo, goosuke, cwd } = await setUp();
    const run = await goosuke(['run', '--repo', repo, '--agent', 'goose', '-m', 'Hello']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--agent goose: Goose is not installed here .*install it/);
    const unknown = await goosuke(['run', '--repo', repo, '--agent', 'cursor', '-m', 'Hello']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--agent cursor: no such agent; see goosuke agents list');
    const wrongWire = await goosuke([
      'run',
      '--repo',
      repo,
      '--agent',
      'chatty=anthropic:claude-sonnet-4-5',
      '-m',
      'x',
    ]);
    expect(wrongWire.code).toBe(2);
    expect(wrongWire.stderr).toContain('speaks the openai-chat API');
    await expect(readFile(path.join(cwd, 'data', 'clones'), 'utf8')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('goosuke actions trigger with agents', () => {
  /** A patch template on `repo` and a manual action `fix` on it, made with Goosuke itself. */
  async function seedTemplate(
    cwd: string,
    repo: string,
    template: { defaultAgents?: Array<{ agent: string }>; allowShell?: boolean; withModel?: boolean },
  ): Promise<void> {
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: openai.url,
    };
    const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, cwd), { env });
    try {
      const stored = await goosuke.repos.create({ url: repo });
      const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
      await goosuke.templates.create({
        name: 'fix',
        prompt: 'Test. ASKSHELL',
        outputKind: 'patch',
        repoId: stored.id,
        defaultModelProfileIds: template.withModel === true ? [model.id] : [],
        defaultAgents: template.defaultAgents ?? [],
        allowShell: template.allowShell ?? false,
      });
      await goosuke.actions.create({ name: 'fix', template: 'fix', trigger: 'manual' });
    } finally {
      await goosuke.close();
    }
  }

  it('runs the template’s default agent with the template’s shell grant', async () => {
    const { cwd, repo, goosuke, showOnBranch } = await setUp();
    await seedTemplate(cwd, repo, { defaultAgents: [{ agent: 'chatty' }], allowShell: true });
    openai.respond({ kind: 'reply', text: 'Asked.' });
    const run = await goosuke(['actions', 'trigger', 'fix', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [agentRun] = (JSON.parse(run.stdout) as { runs: JsonRun[] }).runs;
    expect(agentRun).toMatchObject({ model: 'chatty on gpt-4.1', status: 'succeeded' });
    expect(JSON.parse(await showOnBranch(agentRun!.branch, 'shell.json'))).toEqual({
      outcome: 'selected',
      optionId: 'yes',
    });
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('replaces the template’s models with --agent, keeping the template’s refusal of shell commands', async () => {
    const { cwd, repo, goosuke, showOnBranch } = await setUp();
    await seedTemplate(cwd, repo, { withModel: true });
    openai.respond({ kind: 'reply', text: 'Asked.' });
    const run = await goosuke(['actions', 'trigger', 'fix', '--agent', 'chatty', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { runs } = JSON.parse(run.stdout) as { runs: JsonRun[] };
    expect(runs.map((entry) => entry.model)).toEqual(['chatty on gpt-4.1']);
    expect(JSON.parse(await showOnBranch(runs[0]!.branch, 'shell.json'))).toEqual({
      outcome: 'selected',
      optionId: 'no',
    });
    expect(run.stderr).toMatch(/permission refused: Run npm test/);
  });
});
