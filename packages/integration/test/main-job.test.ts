import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const built = existsSync(path.join(root, 'packages', 'cli', 'dist', 'index.js'));

function run(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the README's main job (npm run example)", () => {
  // The example runs the built CLI, as a user would after `npm run build`.
  it.skipIf(!built)(
    'runs goosuke run on the example project with local stand-ins when no keys are set',
    async () => {
      const result = await run(path.join('examples', 'run-demo', 'run.ts'), {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('No provider keys in the environment');
      expect(result.stderr).toMatch(/^openai:gpt-4\.1 +succeeded +1 file changed, \+2 -0$/m);
      expect(result.stdout).toMatch(/^openai:gpt-4\.1 +succeeded +1 +\+2 -0 /m);
      expect(result.stdout).toMatch(/^anthropic:claude-sonnet-4-6 +succeeded +1 +\+2 -0 /m);
      expect(result.stdout).toContain(
        'Both openai:gpt-4.1 and anthropic:claude-sonnet-4-6 changed: src/slugify.ts',
      );
      // Every model's diff is shown, and the patches it printed stay.
      expect(result.stdout).toMatch(/^\+ {4}\.normalize\('NFD'\)$/m);
      expect(result.stdout).toMatch(/^\+ {4}\.normalize\('NFKD'\)$/m);
      const kept = /^The patches stay in (\S+)\. Check that one applies to (\S+):$/m.exec(result.stdout);
      expect(kept, result.stdout).not.toBeNull();
      const patchesDir = kept![1]!;
      try {
        expect(readdirSync(patchesDir).sort()).toEqual([
          'anthropic-claude-sonnet-4-6.patch',
          'openai-gpt-4.1.patch',
        ]);
        // The command it prints works as written (from the repository root, as npm run example runs).
        const command = /^ {2}npx (goosuke patch apply .+)$/m.exec(result.stdout)![1]!.split(' ');
        const check = spawnSync(
          process.execPath,
          [path.join(root, 'packages', 'cli', 'bin', 'goosuke.js'), ...command.slice(1)],
          { cwd: root, encoding: 'utf8' },
        );
        expect(check.status, check.stderr).toBe(0);
        expect(check.stdout).toContain('M src/slugify.ts');
      } finally {
        rmSync(patchesDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
