import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SandboxAvailability } from './agent-sandbox.ts';

/** Debian's `bubblewrap` package installs it here. */
export const defaultBwrapPath = '/usr/bin/bwrap';
const probeTimeoutMs = 10_000;

/** Probes per bwrap path, made once per process: a host's namespaces do not come and go. */
const probes = new Map<string, Promise<SandboxAvailability>>();

/**
 * Whether `bwrap` at `bwrapPath` exists and can create the sandbox's namespaces: runs
 * `bwrap --version`, then `true` under `--ro-bind / / --dev /dev --proc /proc --unshare-all
 * --die-with-parent --new-session`. The answer is cached per path for the life of the process.
 * Never rejects: a failure is `{ available: false, reason }`, the reason naming the binary.
 */
export function probeBubblewrap(bwrapPath: string = defaultBwrapPath): Promise<SandboxAvailability> {
  let probe = probes.get(bwrapPath);
  if (probe === undefined) {
    probe = runProbe(bwrapPath);
    probes.set(bwrapPath, probe);
  }
  return probe;
}

async function runProbe(bwrapPath: string): Promise<SandboxAvailability> {
  if (!existsSync(bwrapPath)) {
    return {
      available: false,
      reason: `${bwrapPath} does not exist (install bubblewrap: apt-get install bubblewrap)`,
    };
  }
  const version = await run(bwrapPath, ['--version']);
  if (!version.ok) return { available: false, reason: `${bwrapPath} --version failed: ${version.error}` };
  const namespaces = await run(bwrapPath, [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    'true',
  ]);
  if (!namespaces.ok) {
    return {
      available: false,
      reason: `${bwrapPath} cannot create the namespaces (are user namespaces allowed?): ${namespaces.error}`,
    };
  }
  return { available: true, version: version.stdout.trim().replace(/^bubblewrap\s+/, '') };
}

function run(
  file: string,
  args: string[],
): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { PATH: '/usr/bin:/bin' }, timeout: probeTimeoutMs },
      (error, stdout, stderr) => {
        if (error === null) resolve({ ok: true, stdout });
        else resolve({ ok: false, error: (String(stderr).trim() || error.message).slice(0, 500) });
      },
    );
  });
}
