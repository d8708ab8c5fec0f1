// `goosuke serve` through the real launcher (bin/goosuke.js and the built CLI) and through
// `npx goosuke serve`, stopped the ways a person stops it: SIGTERM, Ctrl-C (SIGINT to the whole
// foreground process group) and a SIGTERM to npx alone (which npm passes to a `sh -c` that dies
// without passing it on). Each time the server must be gone and its port closed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot, removeTemporaryDirectories, temporaryDirectory } from './helpers.ts';

const bin = path.join(packageRoot, 'bin', 'goosuke.js');
const repositoryRoot = path.resolve(packageRoot, '..', '..');
const built = existsSync(path.join(packageRoot, 'dist', 'main.js'));

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) {
    // Each server runs in a process group of its own: SIGKILL the whole group, orphans included.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await removeTemporaryDirectories();
});

async function serve(command: string, args: string[], cwd: string) {
  const dataDir = await temporaryDirectory('goosuke-serve-data-');
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      GOOSUKE_SECRET_KEY: 'a-long-enough-master-secret-0123456789abcdef',
      GOOSUKE_JWT_SECRET: 'another-long-jwt-signing-secret-9876543210zyx',
      GOOSUKE_DATA_DIR: dataDir,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
    },
  });
  started.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let waited = 0; !/serving the API on http:\/\/127\.0\.0\.1:(\d+)/.test(stderr); waited += 50) {
    if (waited > 60_000 || child.exitCode !== null) throw new Error(`serve did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = Number(/serving the API on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
  return { child, exited, port, stderr: () => stderr };
}

/** Every process under `pid` (Linux: /proc/PID/task/PID/children), deepest last. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((word) => word !== '')
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Whether `pid` still runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!built)('goosuke serve stops on a signal (needs `npm run build`)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`through bin/goosuke.js: ${signal} closes the server and exits 0`, async () => {
      const server = await serve(process.execPath, [bin, 'serve', '--port', '0'], await temporaryDirectory());
      expect(await portOpen(server.port)).toBe(true);
      server.child.kill(signal);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toContain(`goosuke: ${signal}: shutting down`);
      expect(server.stderr()).toContain('goosuke: stopped');
      expect(await portOpen(server.port)).toBe(false);
    });
  }

  // Linux only: the grandchild is found through /proc.
  const linux = process.platform === 'linux';

  it.skipIf(!linux || typeof process.execve !== 'function')(
    'through bin/goosuke.js: the server runs in the same process with 16 MB semi-spaces, unless the user chose a size',
    async () => {
      const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const server = await serve(process.execPath, [bin, 'serve', '--port', '0'], await temporaryDirectory());
      // Replaced in place: the pid the caller holds (and signals) is the server's.
      expect(cmdline(server.child.pid!)).toContain('--max-semi-space-size=16');
      expect(descendants(server.child.pid!)).toEqual([]);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);

      const chosen = await serve(
        process.execPath,
        ['--max-semi-space-size=32', bin, 'serve', '--port', '0'],
        await temporaryDirectory(),
      );
      expect(cmdline(chosen.child.pid!).filter((word) => word.startsWith('--max-semi-space-size'))).toEqual([
        '--max-semi-space-size=32',
      ]);
      chosen.child.kill('SIGTERM');
      expect(await chosen.exited).toBe(0);
    },
  );

  it.skipIf(!linux)('through npx: a SIGTERM to npx alone stops the server it started', async () => {
    const server = await serve('npx', ['goosuke', 'serve', '--port', '0'], repositoryRoot);
    const npx = server.child.pid!;
    const below = descendants(npx);
    expect(below.length).toBeGreaterThan(0);
    process.kill(npx, 'SIGTERM');
    await server.exited;
    // npm passes the signal to its `sh -c`, which dies without passing it on: the server notices
    // that its parent is gone and shuts down as on SIGTERM.
    expect(await waitUntil(() => below.every((pid) => !alive(pid)), 20_000)).toBe(true);
    expect(await portOpen(server.port)).toBe(false);
    expect(server.stderr()).toContain('goosuke: npm exited: shutting down');
    expect(server.stderr()).toContain('goosuke: stopped');
  });

  it.skipIf(!linux)(
    'through npx: Ctrl-C (SIGINT to the foreground process group) stops the server',
    async () => {
      const server = await serve('npx', ['goosuke', 'serve', '--port', '0'], repositoryRoot);
      const npx = server.child.pid!;
      const below = descendants(npx);
      process.kill(-npx, 'SIGINT');
      await server.exited;
      expect(await waitUntil(() => below.every((pid) => !alive(pid)), 20_000)).toBe(true);
      expect(await portOpen(server.port)).toBe(false);
      expect(server.stderr()).toContain('goosuke: stopped');
    },
  );
});
