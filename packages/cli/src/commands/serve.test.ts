// `goosuke serve` runs as a child process (from source), so that its signal handling is real.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { makeGitRepository } from '@goosuke/core/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, runMain, spawnMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const jwtSecret = 'another-long-jwt-signing-secret-9876543210zyx';
const password = 'correct horse battery staple';

const openaiKey = 'sk-openai-test-key-0123456789';

const children: ChildProcess[] = [];
const fakes: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const fake of fakes.splice(0)) await fake.close();
  await removeTemporaryDirectories();
});

function spawnServe(cwd: string, env: Record<string, string>, args: string[]) {
  const spawned = spawnMain(['serve', ...args], { cwd, env });
  children.push(spawned.child);
  const listening = (async () => {
    await spawned.said('serving the API on ');
    return /serving the API on (http:\/\/\S+)\/api\/v1/.exec(spawned.stderr())![1]!;
  })();
  // A failed start is reported by the awaited `listening`; unawaited, it must not be unhandled.
  listening.catch(() => undefined);
  return { ...spawned, listening };
}

async function createGitRepo(root: string): Promise<string> {
  const repo = path.join(root, 'repo');
  await makeGitRepository(repo, { 'src/greet.ts': greet });
  return repo;
}

const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";
const patchReply = [
  'Warmer greeting.',
  '',
  '*** Begin Patch',
  '*** Update File: src/greet.ts',
  '@@',
  ' export function greet(name: string): string {',
  "-  return 'Hello ' + name;",
  "+  return 'Welcome ' + name;",
  ' }',
  '*** End Patch',
  '',
].join('\n');

/**
 * Starts `goosuke serve` with `args`, signs in, and starts one run on a fake OpenAI model whose
 * answer takes `replyDelayMs`; resolves once the run is running.
 */
async function serveWithRunningRun(
  args: string[],
  replyDelayMs: number,
  extraEnv: Record<string, string> = {},
) {
  const openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  fakes.push(openai);
  openai.respond({ kind: 'reply', text: patchReply, delayMs: replyDelayMs });
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
  const serve = spawnServe(cwd, { ...env, ...extraEnv }, ['--port', '0', ...args]);
  const url = await serve.listening;
  const api = async (method: string, route: string, token?: string, body?: unknown) => {
    const response = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the tests read the replies' fields freely.
    const json: any = await response.json();
    return { status: response.status, json };
  };
  const { accessToken: token } = (await api('post', '/auth/login', undefined, { username: 'root', password }))
    .json as { accessToken: string };
  const model = await api('post', '/models', token, {
    provider: 'openai',
    modelName: 'gpt-4.1',
    baseUrl: openai.url,
    apiKey: openaiKey,
  });
  expect(model.status).toBe(201);
  const repo = await api('post', '/repos', token, { url: await createGitRepo(cwd) });
  expect(repo.status).toBe(201);
  const task = await api('post', '/tasks', token, { title: 'Greet', repoId: repo.json.id });
  const created = await api('post', `/tasks/${task.json.task.id}/runs`, token, {
    instruction: 'Make the greeting warmer',
    models: [model.json.id],
  });
  expect(created.status).toBe(202);
  const runId: string = created.json.runIds[0];
  for (let waited = 0; openai.requests.length === 0; waited += 20) {
    if (waited > 20_000) {
      const run = await api('get', `/runs/${runId}`, token);
      throw new Error(`the run never called the model: ${JSON.stringify(run.json)} ${serve.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect((await api('get', `/runs/${runId}`, token)).json.status).toBe('running');
  expect((await api('get', '/health', token)).json).toMatchObject({ jobs: { running: 1 } });
  /** Reads the run from the database once the server has exited. */
  const storedRun = async () => {
    const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, cwd));
    try {
      return { run: await goosuke.runs.get(runId), events: await goosuke.runs.events(runId) };
    } finally {
      await goosuke.close();
    }
  };
  return { serve, runId, storedRun };
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
    expect(await health.json()).toEqual({ status: 'ok' });
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const detailed = await fetch(`${url}/api/v1/health`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await detailed.json()).toEqual({
      status: 'ok',
      store: 'ok',
      queue: 'ok',
      jobs: { queued: 0, running: 0 },
      workers: 'running',
    });
    const tasks = await fetch(`${url}/api/v1/tasks`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await tasks.json()).toEqual({ items: [], nextCursor: null });

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toContain('SIGTERM: shutting down');
    expect(serve.stderr()).toContain('goosuke: stopped');
    expect(serve.stderr()).not.toContain(jwtSecret);
  });

  it('lets a running run finish within the grace period, then exits 0', async () => {
    const { serve, storedRun } = await serveWithRunningRun(['--grace', '30'], 1500);
    serve.child.kill('SIGTERM');
    await serve.said('waiting up to 30 s for 1 running run');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).not.toContain('canceled');
    const { run } = await storedRun();
    expect(run.status).toBe('succeeded');
    expect(run.filesChanged.map((file) => file.path)).toEqual(['src/greet.ts']);
  });

  it('cancels a run still running after the grace period, saying why, then exits 0', async () => {
    const { serve, runId, storedRun } = await serveWithRunningRun([], 60_000, {
      GOOSUKE_SHUTDOWN_GRACE_SECONDS: '0.5',
    });
    const started = Date.now();
    // The variable, since no flag is given; SIGINT as Ctrl-C sends it.
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(serve.stderr()).toContain('waiting up to 0.5 s for 1 running run');
    expect(serve.stderr()).toContain(`canceled 1 run still running after the grace period: ${runId}`);
    const { run, events } = await storedRun();
    expect(run.status).toBe('canceled');
    expect(events.at(-1)?.type).toBe('run-canceled');
    expect(events.some((event) => event.type === 'run-log' && event.data.reason === 'shutdown')).toBe(true);
  });

  it('exits at once on a second signal during the shutdown', async () => {
    const { serve } = await serveWithRunningRun(['--grace', '600'], 60_000);
    serve.child.kill('SIGTERM');
    await serve.said('waiting up to 600 s for 1 running run');
    const started = Date.now();
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(130);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(serve.stderr()).toContain('SIGINT again: exiting at once');
    expect(serve.stderr()).not.toContain('goosuke: stopped');
  });

  it('refuses bad serve settings: a flag with exit 2, a variable with exit 3', async () => {
    const cwd = await temporaryDirectory();
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_JWT_SECRET: jwtSecret,
      GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
    };
    const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
      [['--grace', 'soon'], {}, 2, /--grace must be a number of seconds/],
      [['--grace=-1'], {}, 2, /--grace must be/],
      [['--rate-limit-auth', '10'], {}, 2, /--rate-limit-auth must be REQUESTS\/WINDOW/],
      [['--rate-limit-write', '0/min'], {}, 2, /--rate-limit-write must be/],
      [['--trust-proxy', '10.0.0.300'], {}, 2, /--trust-proxy must be/],
      [['--cors-origin', 'https://app.example.test/'], {}, 2, /--cors-origin must be origins/],
      [[], { GOOSUKE_SHUTDOWN_GRACE_SECONDS: 'ten' }, 3, /GOOSUKE_SHUTDOWN_GRACE_SECONDS must be/],
      [[], { GOOSUKE_RATE_LIMIT_AUTH: '10/fortnight' }, 3, /GOOSUKE_RATE_LIMIT_AUTH must be/],
      [[], { GOOSUKE_RATE_LIMIT_WRITE: 'lots' }, 3, /GOOSUKE_RATE_LIMIT_WRITE must be/],
      [[], { GOOSUKE_TRUST_PROXY: 'yes' }, 3, /GOOSUKE_TRUST_PROXY must be/],
      [[], { GOOSUKE_CORS_ORIGINS: 'https://ok.test,ftp://no.test' }, 3, /GOOSUKE_CORS_ORIGINS must be/],
    ];
    for (const [args, extra, code, message] of cases) {
      const run = await runMain(['serve', '--port', '0', ...args], { cwd, env: { ...env, ...extra } });
      expect(run.code, `${args.join(' ')} ${JSON.stringify(extra)}: ${run.stderr}`).toBe(code);
      expect(run.stderr).toMatch(message);
    }
  });

  it('applies the configured rate limits, CORS origins and trust proxy', async () => {
    const cwd = await temporaryDirectory();
    const env = {
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_JWT_SECRET: jwtSecret,
      GOOSUKE_DATA_DIR: path.join(cwd, 'data'),
      GOOSUKE_RATE_LIMIT_AUTH: '2/min',
      GOOSUKE_CORS_ORIGINS: 'https://app.example.test',
      GOOSUKE_TRUST_PROXY: 'loopback',
    };
    const serve = spawnServe(cwd, env, ['--port', '0', '--rate-limit-write', '1/hour']);
    const url = await serve.listening;
    const login = (forwardedFor?: string) =>
      fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
        },
        body: JSON.stringify({ username: 'nobody', password }),
      });
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    const limited = await login();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Behind a trusted (loopback) proxy, each forwarded client has its own budget.
    expect((await login('203.0.113.7')).status).toBe(401);
    const write = (forwardedFor: string) =>
      fetch(`${url}/api/v1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: '{}',
      });
    expect((await write('198.51.100.1')).status).toBe(401);
    expect((await write('198.51.100.1')).status).toBe(429);
    const preflight = await fetch(`${url}/api/v1/tasks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
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
