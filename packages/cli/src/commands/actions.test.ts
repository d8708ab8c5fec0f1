import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '@goosuke/core/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';
import { parseParams } from './actions-trigger.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const openaiKey = 'sk-openai-test-key-0123456789';

let openai: FakeOpenAIServer;

beforeEach(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
});

afterEach(async () => {
  await openai.close();
  await removeTemporaryDirectories();
});

interface Workspace {
  cwd: string;
  env: Record<string, string>;
  goosuke(argv: string[]): Promise<MainRun>;
  /** Runs `use` with Goosuke on the same composition and data directory as the CLI, then closes it. */
  direct<Result>(use: (goosuke: DefaultGoosuke) => Promise<Result>): Promise<Result>;
}

async function workspace(): Promise<Workspace> {
  const cwd = await temporaryDirectory();
  const dataDir = await temporaryDirectory('goosuke-data-');
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: dataDir,
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openai.url,
  };
  return {
    cwd,
    env,
    goosuke: (argv) => runMain(argv, { cwd, env }),
    async direct(use) {
      const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, cwd), { env });
      try {
        return await use(goosuke);
      } finally {
        await goosuke.close();
      }
    },
  };
}

/** A text template `greeting` (one required string, one number) with one OpenAI model, and actions on it. */
async function seedTextActions(space: Workspace): Promise<{ modelId: string; actionId: string }> {
  return space.direct(async (goosuke) => {
    const model = await goosuke.models.create({
      provider: 'openai',
      modelName: 'gpt-4.1',
      displayName: 'fast',
    });
    await goosuke.templates.create({
      name: 'greeting',
      prompt: 'Greet {{name}} {{times}} times.',
      parameters: [
        { name: 'name', type: 'string', required: true },
        { name: 'times', type: 'number', default: 1 },
      ],
      defaultModelProfileIds: [model.id],
    });
    const { action } = await goosuke.actions.create({
      name: 'greet',
      template: 'greeting',
      trigger: 'manual',
    });
    await goosuke.actions.create({ name: 'sleepy', template: 'greeting', trigger: 'manual', enabled: false });
    return { modelId: model.id, actionId: action.id };
  });
}

function lastPrompt(): string {
  return JSON.stringify(openai.requests.at(-1)?.body ?? null);
}

describe('parseParams', () => {
  it('splits at the first "=" and refuses a flag without a name or given twice', () => {
    expect(parseParams(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseParams(['novalue'])).toThrow(/--param "novalue": give NAME=VALUE/);
    expect(() => parseParams(['=x'])).toThrow(/give NAME=VALUE/);
    expect(() => parseParams(['a=1', 'a=2'])).toThrow(/--param a is given twice/);
  });
});

describe('goosuke actions list', () => {
  it('says how to create one when there is none', async () => {
    const space = await workspace();
    const run = await space.goosuke(['actions', 'list']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      'No actions; an admin creates one over the HTTP API with POST /api/v1/actions.\n',
    );
    const json = await space.goosuke(['actions', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('prints a table with the template names, and the actions as JSON', async () => {
    const space = await workspace();
    const { actionId } = await seedTextActions(space);
    const run = await space.goosuke(['actions', 'list']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +TRIGGER +TEMPLATE +ENABLED +ID$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^greet +manual +greeting +yes +${actionId}$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^sleepy +manual +greeting +no +action_\S+$/));

    const json = await space.goosuke(['actions', 'list', '--json']);
    expect(json.code).toBe(0);
    const actions = JSON.parse(json.stdout) as Array<{
      id: string;
      name: string;
      enabled: boolean;
      trigger: string;
    }>;
    expect(actions.map((action) => [action.name, action.trigger, action.enabled]).sort()).toEqual([
      ['greet', 'manual', true],
      ['sleepy', 'manual', false],
    ]);
    expect(actions.find((action) => action.name === 'greet')?.id).toBe(actionId);
  });

  it('refuses an argument with the usage exit code', async () => {
    const space = await workspace();
    const run = await space.goosuke(['actions', 'list', 'extra']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('goosuke: actions list takes no arguments; see goosuke actions list --help\n');
  });
});

describe('goosuke actions trigger', () => {
  it("runs the template on its default model, shows progress and prints the model's answer", async () => {
    const space = await workspace();
    await seedTextActions(space);
    openai.respond({ kind: 'reply', text: 'Hello Ada! Hello Ada!' });
    const run = await space.goosuke(['actions', 'trigger', 'greet', '--param', 'name=Ada', '-p', 'times=2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Hello Ada! Hello Ada!\n');
    expect(run.stderr).toMatch(/^Triggered greet: task task_\S+, 1 run$/m);
    expect(run.stderr).toMatch(/^fast +succeeded/m);
    expect(lastPrompt()).toContain('Greet Ada 2 times.');
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${openaiKey}`);
    expect(run.stdout + run.stderr).not.toContain(openaiKey);
  });

  it('runs the --model given instead (provider:model), and prints JSON with --json', async () => {
    const space = await workspace();
    const { actionId } = await seedTextActions(space);
    openai.respond({ kind: 'reply', text: 'Hi=there' });
    const run = await space.goosuke([
      'actions',
      'trigger',
      actionId,
      '--param',
      'name=a=b',
      '--model',
      'openai:gpt-4.1-mini',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as {
      task: { id: string };
      created: boolean;
      runs: Array<{ model: string; status: string; summary: string }>;
    };
    expect(document.created).toBe(true);
    expect(document.runs).toMatchObject([
      { model: 'openai:gpt-4.1-mini', status: 'succeeded', summary: 'Hi=there' },
    ]);
    expect(openai.requests.at(-1)?.body?.model).toBe('gpt-4.1-mini');
    expect(lastPrompt()).toContain('Greet a=b 1 times.');
  });

  it('exits 1 when every run failed (the provider answered HTTP 500)', async () => {
    const space = await workspace();
    await seedTextActions(space);
    // The provider's own retry then finds no scripted answer and gets a 400: the run fails at once.
    openai.respond({
      kind: 'error',
      status: 500,
      message: 'upstream exploded',
      headers: { 'retry-after-ms': '1' },
    });
    const run = await space.goosuke(['actions', 'trigger', 'greet', '--param', 'name=Ada']);
    expect(run.code, run.stderr).toBe(1);
    expect(openai.pending()).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^fast +failed/m);
    expect(run.stderr).toMatch(/^fast failed: .+/m);
  });

  it('with --no-wait prints the task and run ids and leaves the runs queued; the same key gives the same task', async () => {
    const space = await workspace();
    await seedTextActions(space);
    const argv = ['actions', 'trigger', 'greet', '-p', 'name=Ada', '--no-wait', '--idempotency-key', 'k-1'];
    const first = await space.goosuke(argv);
    expect(first.code, first.stderr).toBe(0);
    const [taskId, ...runIds] = first.stdout.trimEnd().split('\n');
    expect(taskId).toMatch(/^task_\S+$/);
    expect(runIds).toHaveLength(1);
    expect(runIds[0]).toMatch(/^run_\S+$/);
    expect(openai.requests).toHaveLength(0);
    const status = await space.direct(async (goosuke) => (await goosuke.runs.get(runIds[0]!)).status);
    expect(status).toBe('queued');

    const again = await space.goosuke([...argv, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const document = JSON.parse(again.stdout) as {
      task: { id: string };
      created: boolean;
      runs: Array<{ id: string }>;
    };
    expect(document.task.id).toBe(taskId);
    expect(document.created).toBe(false);
    expect(document.runs.map((run) => run.id)).toEqual(runIds);
    expect(again.stderr).toContain(`Idempotency key seen before: task ${taskId}`);
    const other = await space.goosuke([...argv.slice(0, -1), 'k-2']);
    expect(other.stdout.split('\n')[0]).not.toBe(taskId);
  });

  it.each([
    [
      ['actions', 'trigger', 'nope', '-p', 'name=x'],
      2,
      'goosuke: no action is named "nope" or has that id; see goosuke actions list\n',
    ],
    [
      ['actions', 'trigger', 'greet', '--param', 'name'],
      2,
      'goosuke: --param "name": give NAME=VALUE; see goosuke actions trigger --help\n',
    ],
    [
      ['actions', 'trigger', 'greet', '-p', 'name=a', '-p', 'name=b'],
      2,
      'goosuke: --param name is given twice; give each parameter once\n',
    ],
    [['actions', 'trigger', 'greet', '-p', 'times=many', '-p', 'name=a'], 2, /^goosuke: .*times.*\n$/],
    [['actions', 'trigger', 'greet'], 2, /^goosuke: .*name.* has no value.*\n$/],
    [
      ['actions', 'trigger', 'greet', '-p', 'name=a', '-p', 'color=red'],
      2,
      /^goosuke: unknown template parameter "color"; this template takes .*\n$/,
    ],
    [
      ['actions', 'trigger'],
      2,
      'goosuke: actions trigger takes one action, by name or id; see goosuke actions trigger --help\n',
    ],
    [
      ['actions', 'trigger', 'greet', '-p', 'name=a', '--model', 'nonsense'],
      2,
      /^goosuke: --model nonsense: not a stored profile/,
    ],
    [
      ['actions', 'trigger', 'sleepy', '-p', 'name=a'],
      1,
      /^goosuke: action sleepy is disabled; an admin enables it with PATCH \/api\/v1\/actions\/action_\S+\n$/,
    ],
  ] as const)('fails with one line: %j', async (argv, code, message) => {
    const space = await workspace();
    await seedTextActions(space);
    const run = await space.goosuke([...argv]);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    if (typeof message === 'string') expect(run.stderr).toBe(message);
    else expect(run.stderr).toMatch(message);
    // Nothing was started.
    expect(openai.requests).toHaveLength(0);
    const tasks = await space.direct(async (goosuke) => (await goosuke.tasks.list({})).items);
    expect(tasks).toHaveLength(0);
  });

  it('runs a repository template and prints the summary, the files changed and the comparison', async () => {
    const space = await workspace();
    const repo = path.join(space.cwd, 'repo');
    await mkdir(path.join(repo, 'src'), { recursive: true });
    await writeFile(
      path.join(repo, 'src', 'greet.ts'),
      "export const greet = (name: string) => 'Hello ' + name;\n",
    );
    await runGit(repo, ['init', '-q', '-b', 'main']);
    await runGit(repo, ['add', '-A']);
    await runGit(repo, ['commit', '-q', '-m', 'initial']);
    await space.direct(async (goosuke) => {
      const model = await goosuke.models.create({
        provider: 'openai',
        modelName: 'gpt-4.1',
        displayName: 'fast',
      });
      const stored = await goosuke.repos.create({ url: repo });
      await goosuke.templates.create({
        name: 'punctuate',
        prompt: 'End the greeting with {{mark}}.',
        parameters: [{ name: 'mark', type: 'enum', options: ['!', '?'], required: true }],
        defaultModelProfileIds: [model.id],
        outputKind: 'patch',
        repoId: stored.id,
      });
      await goosuke.actions.create({ name: 'punctuate', template: 'punctuate', trigger: 'manual' });
    });
    openai.respond({
      kind: 'reply',
      text: [
        'Exclaims.',
        '',
        '*** Begin Patch',
        '*** Update File: src/greet.ts',
        '@@',
        "-export const greet = (name: string) => 'Hello ' + name;",
        "+export const greet = (name: string) => 'Hello ' + name + '!';",
        '*** End Patch',
        '',
      ].join('\n'),
    });
    const run = await space.goosuke(['actions', 'trigger', 'punctuate', '-p', 'mark=!']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^==> fast <==\n/);
    expect(run.stdout).toMatch(/^Exclaims\.$/m);
    expect(run.stdout).toMatch(/^branch goosuke\/run-\S+$/m);
    expect(run.stdout).toMatch(/^ src\/greet\.ts \| \+1 -1$/m);
    expect(run.stdout).toMatch(/^MODEL +STATUS +FILES +\+\/- /m);
    expect(run.stdout).toMatch(/^fast +succeeded +1 +\+1 -1 /m);
  });
});
