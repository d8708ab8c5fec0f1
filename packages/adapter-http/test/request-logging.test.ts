import type { LogFields, Logger } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, createHttpServer, type HttpServer } from '../src/index.ts';
import { call, type Harness, isProblem, password, startHarness } from './harness.ts';

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger port that records every line with its bindings merged in, as pino would write it. */
function recordingLogger(lines: Line[], bindings: LogFields = {}): Logger {
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields: { ...bindings, ...fields } });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

let harness: Harness;
let server: HttpServer;
const lines: Line[] = [];

beforeAll(async () => {
  harness = await startHarness();
  // The same Goosuke, with a health check that fails unexpectedly: a 500.
  server = await createHttpServer(
    { ...harness.goosuke, system: { health: () => Promise.reject(new TypeError('health exploded')) } },
    { port: 0, logger: recordingLogger(lines) },
  );
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe('request ids and logging through the Logger port', () => {
  it('logs a 500 once, with its stack and the request id the problem names as its instance', async () => {
    lines.length = 0;
    const result = await call(server.url, 'get', `${apiPrefix}/health`);
    expect(isProblem(result, 500)).toBe(true);
    expect(result.json.detail).toBe('internal error');
    expect(result.text).not.toContain('exploded');
    const requestId = result.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.json.instance).toBe(`urn:goosuke:request:${requestId}`);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.fields.requestId).toBe(requestId);
    const err = errors[0]!.fields.err as Error;
    expect(err.message).toBe('health exploded');
    expect(err.stack).toContain('TypeError');
    // Every line of the request carries its id.
    expect(lines.every((line) => line.fields.requestId === requestId)).toBe(true);
    expect(lines.find((line) => line.message === 'request')?.fields).toMatchObject({
      method: 'GET',
      path: `${apiPrefix}/health`,
      status: 500,
    });
  });

  it('keeps a safe incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await call(server.url, 'get', `${apiPrefix}/tasks`, {
      headers: { 'x-request-id': 'ci-run.42' },
    });
    expect(kept.status).toBe(401);
    expect(kept.headers.get('x-request-id')).toBe('ci-run.42');
    expect(kept.json.instance).toBe('urn:goosuke:request:ci-run.42');
    for (const unsafe of ['a'.repeat(65), 'two words', 'x\u00e9', '-leading']) {
      const replaced = await call(server.url, 'get', `${apiPrefix}/tasks`, {
        headers: { 'x-request-id': unsafe },
      });
      expect(replaced.headers.get('x-request-id')).not.toBe(unsafe);
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('never logs headers, bodies or the query: no token, password or ticket in any line', async () => {
    lines.length = 0;
    const login = await call(server.url, 'post', `${apiPrefix}/auth/login`, {
      body: { username: 'alice', password },
    });
    expect(login.status).toBe(200);
    await call(server.url, 'get', `${apiPrefix}/tasks?ticket=secret-ticket`, { token: harness.alice.token });
    const text = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain(password);
    expect(text).not.toContain(harness.alice.token);
    expect(text).not.toContain(login.json.accessToken);
    expect(text).not.toContain('secret-ticket');
  });
});
