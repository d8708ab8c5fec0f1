// `goosuke serve` runs as a child process (from source), so that its signal handling is real.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const jwtSecret = 'another-long-jwt-signing-secret-9876543210zyx';
const password = 'correct horse battery staple';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await removeTemporaryDirectories();
});

function spawnServe(cwd: string, env: Record<string, string>, args: string[]) {
  const main = path.join(packageRoot, 'src', 'main.ts');
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    ['--conditions=@goosuke/source', '--input-type=module', '-e', script, 'serve', ...args],
    { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving the API on (http:\/\/\S+)\/api\/v1/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, listening, exited, stderr: () => stderr };
}

describe('goosuke serve', () => {
  it('serves the API with the workers until SIGTERM, then shuts down cleanly', async () => {
    const cwd = await temporaryDirectory();
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_JWT_SECRET: jwtSecret,
      GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
      GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
    };
    const added = await runMain(['users', 'add', 'root', '--admin', '--password-stdin'], {
      cwd,
      env,
      stdin: `${password}\n`,
    });
    expect(added.code).toBe(0);

    const serve = spawnServe(cwd, env, ['--port', '0']);
    const url = await serve.listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok', workers: 'running' });
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const tasks = await fetch(`${url}/api/v1/tasks`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await tasks.json()).toEqual({ items: [], nextCursor: null });

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toContain('SIGTERM: shutting down');
    expect(serve.stderr()).toContain('goosuke: stopped');
    expect(serve.stderr()).not.toContain(jwtSecret);
  });

  it('refuses to start without a strong GOOSUKE_JWT_SECRET or GOOSUKE_SECRET_KEY (exit 3)', async () => {
    const cwd = await temporaryDirectory();
    const dataDir = path.join(cwd, 'data');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ GOOSUKE_SECRET_KEY: secretKey }, /GOOSUKE_JWT_SECRET is not set/],
      [{ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_JWT_SECRET: 'short' }, /GOOSUKE_JWT_SECRET/],
      [{ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_JWT_SECRET: 'a'.repeat(40) }, /GOOSUKE_JWT_SECRET/],
      [{ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_JWT_SECRET: secretKey }, /GOOSUKE_JWT_SECRET must differ/],
      [{ GOOSUKE_JWT_SECRET: jwtSecret }, /GOOSUKE_SECRET_KEY is not set/],
      [{ GOOSUKE_SECRET_KEY: 'weak', GOOSUKE_JWT_SECRET: jwtSecret }, /GOOSUKE_SECRET_KEY/],
    ];
    for (const [env, message] of cases) {
      const run = await runMain(['serve', '--port', '0'], {
        cwd,
        env: { GOOSUKE_DATA_DIR: dataDir, ...env },
      });
      expect(run.code, JSON.stringify(env)).toBe(3);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain(secretKey.slice(0, 20));
    }
  });

  it('refuses a bad port (exit 2)', async () => {
    const run = await runMain(['serve', '--port', 'http'], { cwd: await temporaryDirectory(), env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--port must be a port number/);
  });
});
