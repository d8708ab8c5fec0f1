// Runs the real launcher, bin/goosuke.js, as a child process: the way users and CI call goosuke.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  copyProject,
  fixture,
  packageRoot,
  readFixture,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './helpers.ts';

afterEach(removeTemporaryDirectories);

const bin = path.join(packageRoot, 'bin', 'goosuke.js');
const built = existsSync(path.join(packageRoot, 'dist', 'main.js'));
const packageVersion = (
  JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

function goosuke(args: string[], cwd: string, launcher = bin, env: Record<string, string> = {}) {
  // A clean environment: no GOOSUKE_DEBUG or source conditions leaking in from the test runner.
  const result = spawnSync(process.execPath, [launcher, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A Node binary older than 22.12 on this machine (the system's, not the one scripts/node-env.sh
 * puts first on PATH), or null.
 */
function findOldNode(): { path: string; version: string } | null {
  const directories = ['/usr/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const directory of new Set(directories)) {
    const candidate = path.join(directory, 'node');
    if (directory === '' || !existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const version = probe.stdout?.trim() ?? '';
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (probe.status === 0 && (major < 22 || (major === 22 && minor < 12)))
      return { path: candidate, version };
  }
  return null;
}

describe('bin/goosuke.js', () => {
  it('says the CLI is not built, in one line with exit 70, when dist/main.js is missing', async () => {
    const copy = await temporaryDirectory('goosuke-unbuilt-');
    await mkdir(path.join(copy, 'bin'));
    await copyFile(bin, path.join(copy, 'bin', 'goosuke.js'));
    const run = goosuke(['--version'], copy, path.join(copy, 'bin', 'goosuke.js'));
    expect(run).toEqual({
      code: 70,
      stdout: '',
      stderr: 'goosuke: the CLI is not built; run npm run build (in the goosuke repository)\n',
    });
  });

  it('on a Node older than 22.12 says so in one line with exit 3, before loading anything', async (context) => {
    const old = findOldNode();
    if (old === null) {
      context.skip('no Node older than 22.12 on this machine (looked in /usr/bin, /usr/local/bin and PATH)');
      return;
    }
    // Through the real launcher and the built CLI when present: without the check, better-sqlite3
    // 13 crashes the old Node with a bare "Segmentation fault" on any command that opens the database.
    const result = spawnSync(old.path, [bin, 'models', 'list'], {
      cwd: await temporaryDirectory(),
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        GOOSUKE_SECRET_KEY: 'a-long-enough-master-secret-0123456789abcdef',
        GOOSUKE_DATA_DIR: await temporaryDirectory('goosuke-data-'),
      },
    });
    expect({ code: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 3,
      stdout: '',
      stderr: `goosuke: Node ${old.version} is too old; goosuke needs Node >= 22.12 (install a current LTS, e.g. \`nvm install 24\` or from nodejs.org, then open a new terminal)\n`,
    });
  });

  describe('built (these need `npm run build`; the README test command builds first)', () => {
    it.skipIf(!built)('--version prints the package version', async () => {
      const run = goosuke(['--version'], await temporaryDirectory());
      expect(run).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
    });

    it.skipIf(!built)('--help describes the commands and the exit codes', async () => {
      const run = goosuke(['--help'], await temporaryDirectory());
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('patch apply');
      expect(run.stdout).toContain('Exit codes:');
      expect(run.stderr).toBe('');
    });

    it.skipIf(!built)('applies a real git diff in a real repository, leaving exactly that diff', async () => {
      const project = await copyProject();
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: project,
          encoding: 'utf8',
        });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-q', '-m', 'base');

      const run = goosuke(['patch', 'apply', fixture('rate-limiter.diff')], project);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('M src/rate-limiter.ts');
      expect(run.stdout).toContain('3 files changed');
      git('add', '-A');
      expect(git('diff', '--cached')).toBe(await readFixture('rate-limiter.diff'));
    });

    it.skipIf(!built)('models list on an empty database prints that there are none', async () => {
      const cwd = await temporaryDirectory();
      const dataDir = await temporaryDirectory('goosuke-data-');
      const env = {
        GOOSUKE_SECRET_KEY: 'a-long-enough-master-secret-0123456789abcdef',
        GOOSUKE_DATA_DIR: dataDir,
      };
      const run = goosuke(['models', 'list'], cwd, bin, env);
      expect(run).toEqual({
        code: 0,
        stdout: 'No model profiles; add one with goosuke models add.\n',
        stderr: '',
      });
      expect(existsSync(path.join(dataDir, 'goosuke.db'))).toBe(true);
      expect(goosuke(['models', 'list', '--json'], cwd, bin, env).stdout).toBe('[]\n');
    });

    it.skipIf(!built)('exits 2 with one line for a usage error', async () => {
      const run = goosuke(['patch', 'apply'], await temporaryDirectory());
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr: 'goosuke: patch apply needs a FILE (or - for stdin); see goosuke patch apply --help\n',
      });
    });
  });
});
