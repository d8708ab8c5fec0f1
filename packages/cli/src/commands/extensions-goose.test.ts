import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseGooseConfig } from '@goosuke/adapter-http/goose-config';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { gooseConfigPath } from './extensions-goose.ts';

// `goosuke extensions import --from-goose` and `export --to-goose` end to end: the real CLI on
// a real SQLite file and real config.yaml files, the sample shared with the HTTP adapter's tests.
const sample = path.resolve(import.meta.dirname, '../../../adapter-http/test/fixtures/goose-config.yaml');
const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const envSecret = 'ghp_cli-goose-export-secret-never-in-a-file-9d9d';

afterEach(async () => {
  await removeTemporaryDirectories();
});

async function setUp(extraEnv: Record<string, string> = {}) {
  const cwd = await temporaryDirectory();
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    MY_TOKEN: envSecret,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...extraEnv,
  };
  const seen: MainRun[] = [];
  const goosuke = async (argv: string[]): Promise<MainRun> => {
    const run = await runMain(argv, { cwd, env });
    seen.push(run);
    return run;
  };
  const source = await readFile(sample, 'utf8');
  const config = path.join(cwd, 'goose', 'config.yaml');
  await mkdir(path.dirname(config), { recursive: true });
  await writeFile(config, source);
  return { cwd, goosuke, seen, source, config };
}

describe('goosuke extensions import --from-goose / export --to-goose', () => {
  it('imports, and exports into the same file without changing it', async () => {
    const { goosuke, source, config } = await setUp();
    const imported = await goosuke(['extensions', 'import', '--from-goose', config]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`From ${config}:\n`);
    expect(imported.stdout).toMatch(
      /^added +github\n +secrets to set in Goosuke: GITHUB_PERSONAL_ACCESS_TOKEN\n/m,
    );
    expect(imported.stdout).toMatch(/^added +search\n +headers Authorization kept secret/m);
    expect(imported.stdout).toMatch(/^skipped +developer: a Goose builtin extension runs inside Goose/m);
    expect(imported.stdout).toMatch(/^3 added, 0 updated, 0 unchanged, 2 skipped\.\n$/m);
    const listed = await goosuke(['extensions', 'list']);
    expect(listed.stdout).toMatch(/^github +stdio +yes /m);
    expect(listed.stdout).toMatch(/^events +sse +no /m);

    const again = await goosuke(['extensions', 'import', '--from-goose', config, '--json']);
    const report = JSON.parse(again.stdout) as { unchanged: Array<{ name: string }> };
    expect(report.unchanged.map((item) => item.name)).toEqual(['github', 'events', 'search']);

    const exported = await goosuke(['extensions', 'export', '--to-goose', config]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^Nothing to change in .*config\.yaml:\nunchanged +github \(github\)\n/);
    expect(await readFile(config, 'utf8')).toBe(source);
  });

  it('writes new extensions in, atomically, keeping the rest of the file, its mode and its link, and never a secret', async () => {
    const { cwd, goosuke, seen, source, config } = await setUp();
    expect((await goosuke(['extensions', 'import', '--from-goose', config])).code).toBe(0);
    const added = await goosuke([
      'extensions',
      'add',
      'Fetch Pages',
      '--command',
      'uvx mcp-server-fetch',
      '--secret-env',
      'FETCH_TOKEN=MY_TOKEN',
      '--cwd',
      '/srv/fetch',
    ]);
    expect(added.code, added.stderr).toBe(0);
    await chmod(config, 0o640);
    // A dotfiles-style link: the file it points to is replaced, the link stays.
    const link = path.join(cwd, 'linked-config.yaml');
    await symlink(config, link);

    const exported = await goosuke(['extensions', 'export', '--to-goose', link]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^Wrote .*linked-config\.yaml:\n/);
    expect(exported.stdout).toMatch(/^added +Fetch Pages \(fetchpages\)\n +not written: cwd: /m);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(config);
    expect((await stat(config)).mode & 0o777).toBe(0o640);

    const written = await readFile(config, 'utf8');
    expect(written).not.toContain(envSecret);
    expect(written.startsWith(source.slice(0, source.indexOf('GOOSE_TELEMETRY_ENABLED')))).toBe(true);
    expect(written).toContain('    x-notes: kept as it is # a field Goose and Goosuke do not know\n');
    expect(parseGooseConfig(written).extensions.fetchpages).toEqual({
      enabled: true,
      type: 'stdio',
      name: 'Fetch Pages',
      description: '',
      cmd: 'uvx',
      args: ['mcp-server-fetch'],
      env_keys: ['FETCH_TOKEN'],
      timeout: 60,
    });
    for (const run of seen) expect(run.stdout + run.stderr).not.toContain(envSecret);

    // A new file is created (0600), its directory too.
    const fresh = path.join(cwd, 'new', 'goose', 'config.yaml');
    expect((await goosuke(['extensions', 'export', '--to-goose', fresh])).code).toBe(0);
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    expect(Object.keys(parseGooseConfig(await readFile(fresh, 'utf8')).extensions)).toEqual([
      'github',
      'events',
      'search',
      'fetchpages',
    ]);
  });

  it('keeps a deleted extension deleted on the next import, unless --restore-deleted', async () => {
    const { goosuke, config } = await setUp();
    await goosuke(['extensions', 'import', '--from-goose', config]);
    expect((await goosuke(['extensions', 'remove', 'github'])).code).toBe(0);
    const kept = await goosuke(['extensions', 'import', '--from-goose', config]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/^skipped +github: deleted in Goosuke .*restoreDeleted/m);
    expect((await goosuke(['extensions', 'list'])).stdout).not.toMatch(/^github /m);
    const restored = await goosuke(['extensions', 'import', '--from-goose', config, '--restore-deleted']);
    expect(restored.stdout).toMatch(/^added +github$/m);
  });

  it("reads Goose's own config.yaml when no PATH is given", async () => {
    const { cwd, source } = await setUp();
    const root = path.join(cwd, 'goose-root');
    await mkdir(path.join(root, 'config'), { recursive: true });
    await writeFile(path.join(root, 'config', 'config.yaml'), source);
    const { goosuke } = await setUpIn(cwd, { GOOSE_PATH_ROOT: root });
    const imported = await goosuke(['extensions', 'import', '--from-goose']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`From ${path.join(root, 'config', 'config.yaml')}:`);
  });

  it('refuses what it cannot do, saying what to fix', async () => {
    const { cwd, goosuke, config } = await setUp();
    const noFlag = await goosuke(['extensions', 'import', config]);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toMatch(/needs --from-goose/);
    const missing = await goosuke(['extensions', 'import', '--from-goose', 'nowhere.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.yaml does not exist/);
    const broken = path.join(cwd, 'broken.yaml');
    await writeFile(broken, 'GOOSE_MODE: auto\nextensions:\n  a:\n    name: a\n   bad: [1\n');
    const bad = await goosuke(['extensions', 'import', '--from-goose', broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.yaml: the Goose config is not valid YAML at line 5/);
    const badExport = await goosuke(['extensions', 'export', '--to-goose', broken]);
    expect(badExport.code).toBe(2);
    expect(await readFile(broken, 'utf8')).toContain('bad: [1');
    expect((await goosuke(['extensions', 'export', '--to-goose'])).code).toBe(2);
    expect((await goosuke(['extensions', 'export', config])).stderr).toMatch(/needs --to-goose/);
    const help = await goosuke(['extensions', 'import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--restore-deleted/);
  });
});

async function setUpIn(cwd: string, extraEnv: Record<string, string>) {
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...extraEnv,
  };
  return { goosuke: (argv: string[]) => runMain(argv, { cwd, env }) };
}

describe("Goose's config path", () => {
  it('follows Goose: GOOSE_PATH_ROOT, then the platform, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(gooseConfigPath({ GOOSE_PATH_ROOT: '/goose' }, 'linux', '/home/u')).toBe(
      '/goose/config/config.yaml',
    );
    expect(gooseConfigPath({ GOOSE_PATH_ROOT: 'relative' }, 'linux', '/home/u')).toBe(
      '/home/u/.config/goose/config.yaml',
    );
    expect(gooseConfigPath({ XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/u')).toBe('/xdg/goose/config.yaml');
    expect(gooseConfigPath({ HOME: '/home/v' }, 'linux', '/home/u')).toBe(
      '/home/v/.config/goose/config.yaml',
    );
    expect(gooseConfigPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\Block\\goose\\config\\config.yaml',
    );
  });
});
