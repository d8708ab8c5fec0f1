import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';
import { listAllModelProfiles } from './model-profile-output.ts';

afterEach(removeTemporaryDirectories);

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const apiKey = 'sk-live-never-print-me-0123456789';

interface Project {
  cwd: string;
  env: Record<string, string>;
  databasePath: string;
  goosuke(argv: string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<MainRun>;
}

/** A temp working directory with GOOSUKE_DATA_DIR in a temp dir of its own. */
async function project(env: Record<string, string> = { GOOSUKE_SECRET_KEY: secretKey }): Promise<Project> {
  const cwd = await temporaryDirectory();
  const dataDir = await temporaryDirectory('goosuke-data-');
  const base = { GOOSUKE_DATA_DIR: dataDir, ...env };
  return {
    cwd,
    env: base,
    databasePath: path.join(dataDir, 'goosuke.db'),
    goosuke: (argv, options = {}) =>
      runMain(argv, {
        cwd,
        env: { ...base, ...options.env },
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      }),
  };
}

/** Every row of the model profile table, as stored. */
function dumpProfiles(databasePath: string): string {
  const database = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return JSON.stringify(database.prepare('select * from goosuke_model_profiles').all());
  } finally {
    database.close();
  }
}

function expectNoKey(run: MainRun): void {
  expect(run.stdout).not.toContain(apiKey);
  expect(run.stderr).not.toContain(apiKey);
}

interface ListedProfile {
  id: string;
  displayName: string;
  provider: string;
  modelName: string;
  baseUrl: string | null;
  hasApiKey: boolean;
  capabilities: Record<string, unknown>;
}

async function listJson(workspace: Project): Promise<ListedProfile[]> {
  const run = await workspace.goosuke(['models', 'list', '--json']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ListedProfile[];
}

describe('goosuke models add', () => {
  it('reads the key from --api-key-env and stores it encrypted, never printing it', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(
      ['models', 'add', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--api-key-env', 'MY_KEY'],
      { env: { MY_KEY: apiKey } },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expectNoKey(run);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id: +\S+$/);
    expect(lines.slice(1)).toEqual([
      'name:     claude-sonnet-4-5',
      'provider: anthropic',
      'model:    claude-sonnet-4-5',
      'base URL: -',
      'key:      stored',
    ]);
    const id = lines[0]!.split(/ +/)[1]!;

    const dump = dumpProfiles(workspace.databasePath);
    expect(dump).toContain(id);
    expect(dump).not.toContain(apiKey);
    expect((await readFile(workspace.databasePath)).includes(Buffer.from(apiKey))).toBe(false);
  });

  it('reads the key from the first line of stdin with --api-key-stdin and prints JSON without it', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(
      [
        'models',
        'add',
        '--provider',
        'openai-compatible',
        '--model',
        'qwen3-coder:30b',
        '--name',
        'local qwen',
        '--base-url',
        'http://127.0.0.1:11434/v1',
        '--api-key-stdin',
        '--json',
      ],
      { stdin: `${apiKey}\r\nsecond line is ignored\n` },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expectNoKey(run);
    const profile = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(profile).toMatchObject({
      provider: 'openai-compatible',
      modelName: 'qwen3-coder:30b',
      displayName: 'local qwen',
      baseUrl: 'http://127.0.0.1:11434/v1',
      hasApiKey: true,
    });
    expect(Object.keys(profile).some((key) => /^apiKey$|encrypted/i.test(key))).toBe(false);
    expect(dumpProfiles(workspace.databasePath)).not.toContain(apiKey);
    expect(dumpProfiles(workspace.databasePath)).not.toContain('second line');
  });

  it('stores a profile without a key, saying so', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(['models', 'add', '--provider', 'openai', '--model', 'gpt-5.1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key: +none$/m);
  });

  it('refuses a key given as an argument without echoing it, and stores nothing', async () => {
    const workspace = await project();
    const positional = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-5.1',
      apiKey,
    ]);
    expect(positional.code).toBe(2);
    expect(positional.stdout).toBe('');
    expect(positional.stderr.split('\n')).toHaveLength(2);
    expect(positional.stderr).toContain('--api-key-env VAR or --api-key-stdin');
    expectNoKey(positional);

    for (const flag of [['--api-key', apiKey], [`--api-key=${apiKey}`]]) {
      const run = await workspace.goosuke([
        'models',
        'add',
        '--provider',
        'openai',
        '--model',
        'gpt-5.1',
        ...flag,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'goosuke: unknown option --api-key for models add; see goosuke models add --help\n',
      );
    }
    expect(await listJson(workspace)).toEqual([]);
  });

  it('exits 2 with one line when the key variable is unset or both key sources are given', async () => {
    const workspace = await project();
    const unset = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-5.1',
      '--api-key-env',
      'NOT_SET_ANYWHERE',
    ]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(
      /^goosuke: --api-key-env NOT_SET_ANYWHERE: the environment variable NOT_SET_ANYWHERE is not set;[^\n]*\n$/,
    );

    const both = await workspace.goosuke(
      ['models', 'add', '--provider', 'openai', '--model', 'm', '--api-key-env', 'K', '--api-key-stdin'],
      { env: { K: apiKey }, stdin: apiKey },
    );
    expect(both.code).toBe(2);
    expectNoKey(both);
  });

  it('exits 2 with one line naming --base-url for an openai-compatible profile without one', async () => {
    const workspace = await project();
    const run = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai-compatible',
      '--model',
      'llama3',
    ]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'goosuke: an openai-compatible profile needs --base-url URL (e.g. http://127.0.0.1:11434/v1); see goosuke models add --help\n',
    });
    expect(await listJson(workspace)).toEqual([]);
  });

  it('exits 2 naming the flag for other invalid input', async () => {
    const workspace = await project();
    const provider = await workspace.goosuke(['models', 'add', '--provider', 'acme', '--model', 'x']);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toMatch(
      /^goosuke: invalid --provider: .*openai-compatible.*see goosuke models add --help\n$/,
    );
    const url = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'x',
      '--base-url',
      'ftp://h',
    ]);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/^goosuke: invalid --base-url: [^\n]+\n$/);
    const model = await workspace.goosuke(['models', 'add', '--provider', 'openai']);
    expect(model).toEqual({
      code: 2,
      stdout: '',
      stderr: 'goosuke: models add needs --model; see goosuke models add --help\n',
    });
  });
});

describe('goosuke models add capabilities', () => {
  const local = [
    'models',
    'add',
    '--provider',
    'openai-compatible',
    '--model',
    'qwen3-coder:30b',
    '--base-url',
    'http://127.0.0.1:11434/v1',
  ];

  it('stores the overrides the flags give and shows them', async () => {
    const workspace = await project();
    const run = await workspace.goosuke([
      ...local,
      '--context-window',
      '32768',
      '--max-output-tokens',
      '8192',
      '--edit-format',
      'whole-file',
      '--no-temperature',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([
      'key:      none',
      'capabilities: contextWindow=32768, maxOutputTokens=8192, supportsTemperature=false, preferredEditFormat=whole-file',
    ]);

    const [listed] = await listJson(workspace);
    expect(listed?.capabilities).toEqual({
      contextWindow: 32_768,
      maxOutputTokens: 8_192,
      supportsTemperature: false,
      preferredEditFormat: 'whole-file',
    });
    const [row] = JSON.parse(dumpProfiles(workspace.databasePath)) as Array<{ capabilities: string }>;
    expect(JSON.parse(row!.capabilities)).toEqual(listed?.capabilities);
  });

  it('prints the overrides in --json, {} and no capabilities line when none is given', async () => {
    const workspace = await project();
    const json = await workspace.goosuke([...local, '--context-window', '131072', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as ListedProfile).capabilities).toEqual({ contextWindow: 131_072 });

    const plain = await workspace.goosuke(['models', 'add', '--provider', 'openai', '--model', 'gpt-5.1']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('capabilities');
    const partial = await workspace.goosuke([...local, '--edit-format', 'apply-patch']);
    expect(partial.stdout).toMatch(/^capabilities: preferredEditFormat=apply-patch$/m);

    const plainJson = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-5.1',
      '--json',
    ]);
    expect((JSON.parse(plainJson.stdout) as ListedProfile).capabilities).toEqual({});
    expect((await listJson(workspace)).map((profile) => profile.capabilities)).toEqual([
      { contextWindow: 131_072 },
      {},
      { preferredEditFormat: 'apply-patch' },
      {},
    ]);
  });

  it.each([
    ['--context-window', 'abc'],
    ['--context-window', '0'],
    ['--context-window', '-5'],
    ['--context-window', '1.5'],
    ['--context-window', '1e6'],
    ['--context-window', ''],
    ['--max-output-tokens', '99999999999999999999'],
    ['--max-output-tokens', ' 10'],
  ])('exits 2 with one line naming %s for the bad number %j, storing nothing', async (flag, value) => {
    const workspace = await project();
    const run = await workspace.goosuke([...local, `${flag}=${value}`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `goosuke: invalid ${flag}: expected a whole number of tokens above 0, got "${value}"; see goosuke models add --help\n`,
    );
    expect(await listJson(workspace)).toEqual([]);
  });

  it('exits 2 naming --edit-format and the formats for an unknown format, and for missing values', async () => {
    const workspace = await project();
    const format = await workspace.goosuke([...local, '--edit-format', 'ed-script']);
    expect(format).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'goosuke: invalid --edit-format: "ed-script" is not one of unified-diff, search-replace, apply-patch, whole-file; see goosuke models add --help\n',
    });
    const missing = await workspace.goosuke([...local, '--context-window']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^goosuke: option --context-window needs a value \(N\)[^\n]*\n$/);
    const valued = await workspace.goosuke([...local, '--no-temperature=yes']);
    expect(valued.code).toBe(2);
    expect(valued.stderr).toMatch(/^goosuke: option --no-temperature takes no value[^\n]*\n$/);
    expect(await listJson(workspace)).toEqual([]);
  });

  it('checks the capability flags before the configuration', async () => {
    const workspace = await project({});
    const run = await workspace.goosuke([...local, '--context-window', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^goosuke: invalid --context-window: /);
  });

  it('describes the capability flags in help, within 80 columns', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(['models', 'add', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--context-window N',
      '--max-output-tokens N',
      '--edit-format FORMAT',
      '--no-temperature',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^ {6}${flag} +[A-Z]`, 'm'));
    }
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      'unified-diff, search-replace, apply-patch, whole-file',
    );
    for (const line of run.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('goosuke models list', () => {
  it('prints every profile as a table and as JSON, across pages', async () => {
    const workspace = await project();
    const empty = await workspace.goosuke(['models', 'list']);
    expect(empty).toEqual({
      code: 0,
      stdout: 'No model profiles; add one with goosuke models add.\n',
      stderr: '',
    });
    expect(await listJson(workspace)).toEqual([]);

    await workspace.goosuke(
      ['models', 'add', '--provider', 'openai', '--model', 'gpt-5.1', '--api-key-env', 'K'],
      {
        env: { K: apiKey },
      },
    );
    await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai-compatible',
      '--model',
      'qwen3-coder:30b',
      '--name',
      'local',
      '--base-url',
      'http://127.0.0.1:11434/v1',
    ]);
    const table = await workspace.goosuke(['models', 'list']);
    expect(table.code).toBe(0);
    expectNoKey(table);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID +NAME +PROVIDER +MODEL +BASE URL +KEY$/);
    expect(rows[1]).toMatch(/^\S+ +gpt-5\.1 +openai +gpt-5\.1 +- +yes$/);
    expect(rows[2]).toMatch(
      /^\S+ +local +openai-compatible +qwen3-coder:30b +http:\/\/127\.0\.0\.1:11434\/v1 +no$/,
    );
    expect(rows).toHaveLength(3);

    const listed = await listJson(workspace);
    expect(listed.map((profile) => [profile.displayName, profile.hasApiKey])).toEqual([
      ['gpt-5.1', true],
      ['local', false],
    ]);
    expect(JSON.stringify(listed)).not.toContain(apiKey);
  });

  it('reads every page of profiles', async () => {
    const workspace = await project();
    const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(workspace.env, workspace.cwd));
    try {
      for (let index = 0; index < 5; index++) {
        await goosuke.models.create({ provider: 'openai', modelName: `m-${index}` });
      }
      const names = (await listAllModelProfiles(goosuke.models, 2)).map((profile) => profile.modelName);
      expect(names).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    } finally {
      await goosuke.close();
    }
    expect(await listJson(workspace)).toHaveLength(5);
  });
});

describe('goosuke models remove', () => {
  async function add(workspace: Project, name: string): Promise<string> {
    const run = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-5.1',
      '--name',
      name,
      '--json',
    ]);
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { id: string }).id;
  }

  it('removes by id and by a unique display name', async () => {
    const workspace = await project();
    const first = await add(workspace, 'first');
    const second = await add(workspace, 'second');
    const byId = await workspace.goosuke(['models', 'remove', first]);
    expect(byId).toEqual({ code: 0, stdout: `Removed model profile ${first} (first).\n`, stderr: '' });
    const byName = await workspace.goosuke(['models', 'remove', 'second']);
    expect(byName).toEqual({ code: 0, stdout: `Removed model profile ${second} (second).\n`, stderr: '' });
    expect(await listJson(workspace)).toEqual([]);
  });

  it('refuses a name several profiles share, naming their ids, and removes nothing', async () => {
    const workspace = await project();
    const one = await add(workspace, 'twin');
    const two = await add(workspace, 'twin');
    const run = await workspace.goosuke(['models', 'remove', 'twin']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `goosuke: 2 model profiles are named twin (${one}, ${two}); remove one by its id\n`,
    });
    expect(await listJson(workspace)).toHaveLength(2);
  });

  it('exits 2 for a name or id that matches nothing, and for a missing argument', async () => {
    const workspace = await project();
    await add(workspace, 'kept');
    const run = await workspace.goosuke(['models', 'remove', 'ghost']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'goosuke: no model profile named ghost; see goosuke models list\n',
    });
    const missing = await workspace.goosuke(['models', 'remove']);
    expect(missing.code).toBe(2);
    expect(await listJson(workspace)).toHaveLength(1);
  });
});

describe('goosuke models configuration', () => {
  it.each([
    [['models', 'list']],
    [['models', 'add', '--provider', 'openai', '--model', 'gpt-5.1', '--api-key-env', 'K']],
    [['models', 'remove', 'anything']],
  ])('exits 3 with one line naming GOOSUKE_SECRET_KEY when it is missing: %j', async (argv) => {
    const workspace = await project({ K: apiKey });
    const run = await workspace.goosuke(argv);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(
      /^goosuke: GOOSUKE_SECRET_KEY is not set; .*set it in the environment or in \.env\n$/,
    );
    expectNoKey(run);
  });

  it('exits 3 for a weak secret key without echoing it', async () => {
    const workspace = await project({ GOOSUKE_SECRET_KEY: 'weak-secret' });
    const run = await workspace.goosuke(['models', 'list']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^goosuke: GOOSUKE_SECRET_KEY must be at least \d+ characters;[^\n]*\n$/);
    expect(run.stderr).not.toContain('weak-secret');
  });

  it('exits 3 for an unsupported GOOSUKE_DATABASE_URL, hiding its password', async () => {
    const workspace = await project({
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_DATABASE_URL: 'postgres://u:pw1234@db/g',
    });
    const run = await workspace.goosuke(['models', 'list']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^goosuke: GOOSUKE_DATABASE_URL .* is not supported; use sqlite:PATH\n$/);
    expect(run.stderr).not.toContain('pw1234');
  });

  it('uses GOOSUKE_DATABASE_URL for the database', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(['models', 'add', '--provider', 'openai', '--model', 'gpt-5.1'], {
      env: { GOOSUKE_DATABASE_URL: 'sqlite:custom/models.db' },
    });
    expect(run.code).toBe(0);
    expect(dumpProfiles(path.join(workspace.cwd, 'custom', 'models.db'))).toContain('gpt-5.1');
  });

  it('reads .env from the working directory, with the real environment taking precedence', async () => {
    const workspace = await project({});
    const fileKey = 'sk-from-dotenv-file-0000000000';
    await writeFile(
      path.join(workspace.cwd, '.env'),
      [
        '# goosuke settings',
        `GOOSUKE_SECRET_KEY=${secretKey}`,
        'GOOSUKE_DATA_DIR=from-dotenv',
        `PROVIDER_KEY="${fileKey}"`,
        '',
      ].join('\n'),
    );
    // The secret key and the API key come from .env; GOOSUKE_DATA_DIR from the real environment wins.
    const run = await workspace.goosuke([
      'models',
      'add',
      '--provider',
      'openai',
      '--model',
      'gpt-5.1',
      '--api-key-env',
      'PROVIDER_KEY',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key: +stored$/m);
    expect(run.stdout + run.stderr).not.toContain(fileKey);
    expect(run.stdout + run.stderr).not.toContain(secretKey);
    expect(dumpProfiles(workspace.databasePath)).not.toContain(fileKey);
    expect(JSON.stringify(await listJson(workspace))).toContain('gpt-5.1');

    // Without GOOSUKE_DATA_DIR in the real environment, the .env value applies.
    const fromFile = await runMain(['models', 'list', '--json'], { cwd: workspace.cwd, env: {} });
    expect(fromFile).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(dumpProfiles(path.join(workspace.cwd, 'from-dotenv', 'goosuke.db'))).toBe('[]');

    // A real GOOSUKE_SECRET_KEY overrides the one in .env (a weak one is then refused).
    const overridden = await workspace.goosuke(['models', 'list'], { env: { GOOSUKE_SECRET_KEY: 'weak' } });
    expect(overridden.code).toBe(3);
  });
});
