import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

// `goosuke extensions set`: a real stdio MCP server (the @goosuke/mcp fixture), its secrets read
// from the environment, one imported from Goose without a value set afterwards.
const stdioServer = path.resolve(import.meta.dirname, '../../../mcp/test/fixtures/stdio-server.mjs');
const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const first = 'first-secret-value-do-not-print-1a2b';
const second = 'second-secret-value-do-not-print-3c4d';

afterEach(async () => {
  await removeTemporaryDirectories();
});

async function setUp() {
  const cwd = await temporaryDirectory();
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    FIRST: first,
    SECOND: second,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  const seen: MainRun[] = [];
  const goosuke = async (argv: string[]): Promise<MainRun> => {
    const run = await runMain(argv, { cwd, env });
    seen.push(run);
    return run;
  };
  /** The extension as the runs open it (secrets included). */
  const reveal = async (name: string) => {
    const sdk = await createDefaultGoosuke(readDefaultGoosukeConfig(env, cwd), { env });
    try {
      return await sdk.extensions.reveal((await sdk.extensions.resolve(name)).id);
    } finally {
      await sdk.close();
    }
  };
  return { cwd, goosuke, seen, reveal };
}

describe('goosuke extensions set', () => {
  it('changes one variable and keeps the others, stored secrets included; flags too', async () => {
    const { goosuke, seen, reveal } = await setUp();
    const added = await goosuke([
      'extensions',
      'add',
      'tools',
      '--command',
      `${process.execPath} ${stdioServer}`,
      '--env',
      'LEVEL=debug',
      '--secret-env',
      'TOKEN=FIRST',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const changed = await goosuke([
      'extensions',
      'set',
      'tools',
      '--env',
      'LEVEL=info',
      '--disable',
      '--always-on',
    ]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toBe('Changed extension tools (disabled, always on, 1 secret)\n');
    let opened = await reveal('tools');
    expect(opened.env).toEqual({ TOKEN: first, LEVEL: 'info' });
    expect(opened.extension).toMatchObject({ enabled: false, alwaysOn: true });

    const rotated = await goosuke(['extensions', 'set', 'tools', '--secret-env', 'TOKEN=SECOND', '--enable']);
    expect(rotated.code, rotated.stderr).toBe(0);
    opened = await reveal('tools');
    expect(opened.env).toEqual({ LEVEL: 'info', TOKEN: second });
    expect(opened.extension.enabled).toBe(true);

    const nothing = await goosuke(['extensions', 'set', 'tools']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/needs something to change/);
    const both = await goosuke(['extensions', 'set', 'tools', '--enable', '--disable']);
    expect(both.code).toBe(2);
    const missing = await goosuke(['extensions', 'set', 'nope', '--enable']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
    for (const run of seen) expect(run.stdout + run.stderr).not.toMatch(new RegExp(`${first}|${second}`));
  });

  it('gives a secret imported from Goose without a value one; test refuses to start it before', async () => {
    const { cwd, goosuke } = await setUp();
    const config = path.join(cwd, 'config.yaml');
    await writeFile(
      config,
      [
        'extensions:',
        '  tools:',
        '    enabled: true',
        '    type: stdio',
        '    name: tools',
        `    cmd: ${process.execPath}`,
        '    args:',
        `      - ${stdioServer}`,
        '    env_keys:',
        '      - SECRET_TOKEN',
        '    timeout: 60',
        '',
      ].join('\n'),
    );
    const imported = await goosuke(['extensions', 'import', '--from-goose', config]);
    expect(imported.code, imported.stderr).toBe(0);
    const before = await goosuke(['extensions', 'test', 'tools']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(
      /the secret SECRET_TOKEN of tools has no value yet: goosuke extensions set tools --secret-env SECRET_TOKEN/,
    );
    const set = await goosuke(['extensions', 'set', 'tools', '--secret-env', 'SECRET_TOKEN=FIRST']);
    expect(set.code, set.stderr).toBe(0);
    const after = await goosuke(['extensions', 'test', 'tools']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^goosuke-test-stdio 1\.2\.3: \d+ tools/);
  });
});
