// Install and build are quiet unless something fails: every dependency with an install script is
// decided in the root package.json's allowScripts (so npm 11 prints no "not yet covered" list),
// turbo shows task logs only for errors and never its telemetry banner.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

describe('quiet install and build', () => {
  it('every locked package with an install script is allowed or denied in allowScripts', () => {
    const lock = readJson('package-lock.json') as {
      packages: Record<string, { hasInstallScript?: boolean; link?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([location, entry]) => entry.hasInstallScript === true && location.includes('node_modules/'))
      .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length));
    const allowScripts = (readJson('package.json') as { allowScripts?: Record<string, boolean> })
      .allowScripts;
    expect(withScripts.length).toBeGreaterThan(0);
    expect(Object.keys(allowScripts ?? {}).sort()).toEqual([...new Set(withScripts)].sort());
  });

  it('npm run typecheck shows no task logs on success and no telemetry banner, even on a fresh machine', async () => {
    // A fresh HOME: turbo shows its telemetry banner once per user, so the test's user must be new.
    const home = await mkdtemp(path.join(tmpdir(), 'goosuke-fresh-home-'));
    try {
      const environment: Record<string, string | undefined> = { ...process.env, HOME: home };
      // Whatever the test runner's shell had: the repository's own scripts must do it.
      delete environment.TURBO_TELEMETRY_DISABLED;
      delete environment.DO_NOT_TRACK;
      const result = spawnSync('npm', ['run', 'typecheck', '--', '--filter=@goosuke/scrypt'], {
        cwd: root,
        encoding: 'utf8',
        env: environment,
        timeout: 240_000,
      });
      const output = result.stdout + result.stderr;
      expect(result.status, output).toBe(0);
      expect(output).not.toMatch(/anonymous telemetry|Attention:/i);
      // The task's own lines (its npm script header) are shown only when it fails.
      expect(output).not.toContain('> tsc -p tsconfig.json');
      expect(output).toMatch(/1 successful, 1 total/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 300_000);
});
