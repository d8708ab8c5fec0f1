import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from './default-goosuke.ts';
import { createPinoLogger } from './pino-logger.ts';

const password = 'correct horse battery staple';
const written: string[] = [];
const lines = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

let directory: string;
let goosuke: DefaultGoosuke;
let server: HttpServer;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'goosuke-pino-'));
  const config = readDefaultGoosukeConfig(
    {
      GOOSUKE_SECRET_KEY: 'a-long-enough-master-secret-0123456789abcdef',
      GOOSUKE_JWT_SECRET: 'another-long-jwt-signing-secret-9876543210zyx',
      GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
    },
    directory,
  );
  // Real pino, writing its JSON lines to a collector instead of standard error.
  const logger = createPinoLogger({
    level: 'debug',
    destination: { write: (line) => void written.push(line) },
  });
  goosuke = await createDefaultGoosuke(config, { logger });
  await goosuke.users.create({ username: 'alice', password });
  // The same Goosuke (and logger), with a health check that fails unexpectedly: a 500.
  server = await createHttpServer(
    { ...goosuke, system: { health: () => Promise.reject(new TypeError('health exploded')) } },
    { port: 0 },
  );
});

afterAll(async () => {
  await server?.close();
  await goosuke?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('the CLI’s pino logger behind the HTTP server', () => {
  it('logs a 500 as one error line with its stack and the request id of the problem’s instance', async () => {
    written.length = 0;
    const response = await fetch(`${server.url}/api/v1/health`);
    const problem = (await response.json()) as { status: number; detail: string; instance: string };
    expect(problem).toMatchObject({ status: 500, detail: 'internal error' });
    const requestId = problem.instance.replace('urn:goosuke:request:', '');
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const errors = lines().filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId, msg: 'request failed', status: 500 });
    const err = errors[0]!.err as { type: string; message: string; stack: string };
    expect(err).toMatchObject({ type: 'TypeError', message: 'health exploded' });
    expect(err.stack).toMatch(/TypeError: health exploded\n\s+at /);
    // Every line of the request carries its id.
    expect(lines().every((line) => line.requestId === requestId)).toBe(true);
  });

  it('never writes the Authorization header or a password', async () => {
    written.length = 0;
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const tasks = await fetch(`${server.url}/api/v1/tasks`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(tasks.status).toBe(200);
    // Whatever code logs by mistake, the secret paths are redacted.
    goosuke.logger.child({ requestId: 'r' }).warn('careless', {
      password,
      headers: { authorization: `Bearer ${accessToken}`, cookie: 'session=1' },
      user: { apiKey: 'sk-0123456789', token: accessToken },
    });
    expect(lines().length).toBeGreaterThanOrEqual(3);
    const text = written.join('');
    expect(text).not.toContain(password);
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain('sk-0123456789');
    expect(text).not.toContain('session=1');
    expect(text).toContain('[redacted]');
  });
});
