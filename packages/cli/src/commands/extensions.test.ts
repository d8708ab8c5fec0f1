import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';

// `goosuke extensions` end to end: a real stdio MCP server (the @goosuke/mcp tests' fixture, on
// the SDK) started by `extensions test` in the sandbox agents run in.
const stdioServer = path.resolve(import.meta.dirname, '../../../mcp/test/fixtures/stdio-server.mjs');
const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const envSecret = 'mcp-env-secret-value-do-not-print-5e4d';
const headerSecret = 'Bearer mcp-header-secret-do-not-print-2b1a';

afterEach(async () => {
  await removeTemporaryDirectories();
});

async function setUp() {
  const cwd = await temporaryDirectory();
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    MY_SECRET: envSecret,
    MCP_AUTH: headerSecret,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  const seen: MainRun[] = [];
  const goosuke = async (argv: string[]): Promise<MainRun> => {
    const run = await runMain(argv, { cwd, env });
    seen.push(run);
    return run;
  };
  return { goosuke, seen };
}

describe('goosuke extensions', () => {
  it('adds a stdio extension with a secret from the environment, tests it in the sandbox, lists and removes it', async () => {
    const { goosuke, seen } = await setUp();
    const added = await goosuke([
      'extensions',
      'add',
      'tools',
      '--command',
      `${process.execPath} ${stdioServer}`,
      '--env',
      'LEVEL=debug',
      '--secret-env',
      'SECRET_TOKEN=MY_SECRET',
      '--description',
      'echo and add',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added extension tools (stdio)');

    const tested = await goosuke(['extensions', 'test', 'tools', '--json']);
    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    const report = JSON.parse(tested.stdout) as {
      server: { name: string; version: string };
      tools: Array<{ name: string }>;
    };
    expect(report.server).toEqual({ name: 'goosuke-test-stdio', version: '1.2.3' });
    expect(report.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'add', 'fail']));
    const text = await goosuke(['extensions', 'test', 'tools']);
    expect(text.stdout).toMatch(/^goosuke-test-stdio 1\.2\.3: \d+ tools\n {2}echo: Echoes its text\n/);

    const listed = await goosuke(['extensions', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME +TYPE +ENABLED +ALWAYS ON +SERVER +TARGET\n/);
    expect(listed.stdout).toMatch(/^tools +stdio +yes +no +goosuke-test-stdio 1\.2\.3 +\S+/m);
    const json = JSON.parse((await goosuke(['extensions', 'list', '--json'])).stdout) as Array<{
      env: Array<{ name: string; value: string | null }>;
    }>;
    expect(json[0]!.env).toEqual([
      { name: 'LEVEL', value: 'debug', secret: false },
      { name: 'SECRET_TOKEN', value: null, secret: true },
    ]);

    const removed = await goosuke(['extensions', 'remove', 'tools']);
    expect(removed.code).toBe(0);
    expect((await goosuke(['extensions', 'list'])).stdout).toMatch(/^No extensions yet/);
    const gone = await goosuke(['extensions', 'test', 'tools']);
    expect(gone.code).toBe(2);
    for (const run of seen) {
      expect(run.stdout + run.stderr).not.toContain(envSecret);
    }
  });

  it('adds an HTTP extension with a secret header; a server that is not there fails the test with why, never the secret', async () => {
    const { goosuke, seen } = await setUp();
    const added = await goosuke([
      'extensions',
      'add',
      'remote',
      '--url',
      'http://127.0.0.1:9/mcp',
      '--secret-header',
      'Authorization=MCP_AUTH',
      '--timeout',
      '5',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const tested = await goosuke(['extensions', 'test', 'remote']);
    expect(tested.code).not.toBe(0);
    expect(tested.stderr).toMatch(/remote/);
    for (const run of seen) expect(run.stdout + run.stderr).not.toContain(headerSecret);
  });

  it('refuses what it cannot take, saying what to fix', async () => {
    const { goosuke } = await setUp();
    const neither = await goosuke(['extensions', 'add', 'x']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/needs one of --command, --url or --builtin/);
    const unknownBuiltin = await goosuke(['extensions', 'add', 'chat', '--builtin', 'slack']);
    expect(unknownBuiltin.code).toBe(2);
    expect(unknownBuiltin.stderr).toMatch(/a builtin extension names one of Goosuke's: discord/);
    const builtin = await goosuke(['extensions', 'add', 'discord', '--builtin', 'discord']);
    expect(builtin.code, builtin.stderr).toBe(0);
    expect(builtin.stdout).toContain('Added extension discord (builtin)');
    const unset = await goosuke([
      'extensions',
      'add',
      'x',
      '--command',
      'mcp-x',
      '--secret-env',
      'TOKEN=NOT_SET_ANYWHERE',
    ]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/set the environment variable NOT_SET_ANYWHERE/);
    const badType = await goosuke([
      'extensions',
      'add',
      'x',
      '--url',
      'https://x.test/mcp',
      '--type',
      'websocket',
    ]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--type websocket: use streamable_http or sse/);
  });
});
