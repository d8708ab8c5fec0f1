import { ConflictError, InvalidInputError, NotFoundError, UnsupportedError } from '@goosuke/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, createHttpApp, problemStatusByCode } from '../src/index.ts';
import { problemFor } from '../src/problem.ts';
import { call, type Harness, isProblem, password, secretKey, startHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ corsOrigins: ['https://app.example.test'] });
});
afterAll(async () => {
  await harness?.close();
});

const extra: Harness[] = [];
afterEach(async () => {
  for (const started of extra.splice(0)) await started.close();
});

describe('the HTTP server', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect(harness.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('sets security headers and no X-Powered-By', async () => {
    for (const url of [`${apiPrefix}/health`, `${apiPrefix}/nope`, '/elsewhere']) {
      const result = await call(harness.url, 'get', url);
      expect(result.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(result.headers.get('referrer-policy'), url).toBe('no-referrer');
      expect(result.headers.get('x-frame-options'), url).toBe('DENY');
      expect(result.headers.get('x-powered-by'), url).toBeNull();
    }
  });

  it('answers unknown routes and methods with 404 problem JSON', async () => {
    for (const [method, url] of [
      ['get', `${apiPrefix}/nope`],
      ['put', `${apiPrefix}/tasks`],
      ['get', '/'],
      ['post', '/api/v2/tasks'],
    ] as const) {
      const result = await call(harness.url, method, url, { token: harness.admin.token });
      expect(isProblem(result, 404), `${method} ${url}`).toBe(true);
    }
  });

  it('answers a path that is not valid percent-encoding with 400', async () => {
    for (const url of [`${apiPrefix}/tasks/%FF`, `${apiPrefix}/runs/%E0%A4%A`]) {
      const result = await call(harness.url, 'get', url, { token: harness.admin.token });
      expect(isProblem(result, 400), `${url}: ${result.status} ${result.text}`).toBe(true);
    }
  });

  it('allows only configured CORS origins', async () => {
    const allowed = await call(harness.url, 'options', `${apiPrefix}/tasks`, {
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'GET' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PATCH');
    const other = await call(harness.url, 'get', `${apiPrefix}/health`, {
      headers: { origin: 'https://evil.test' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('pages tasks with limit and cursor, and filters by repo', async () => {
    const { goosuke, admin } = harness;
    const repo = await goosuke.repos.create({ url: 'https://example.test/owner/paged.git' });
    const ids: string[] = [];
    for (const title of ['one', 'two', 'three']) {
      ids.push((await goosuke.tasks.create({ title, repoId: repo.id, createdBy: admin.id })).task.id);
    }
    await goosuke.tasks.create({ title: 'elsewhere', createdBy: admin.id });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2&repoId=${repo.id}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = await call(harness.url, 'get', `${apiPrefix}/tasks${query}`, { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((task: { id: string }) => task.id));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
  });

  it('rate-limits /auth with 429 problem JSON and Retry-After', async () => {
    const limited = await startHarness({ authRateLimit: { limit: 2, windowMs: 60_000 } });
    extra.push(limited);
    const login = () =>
      call(limited.url, 'post', `${apiPrefix}/auth/login`, { body: { username: 'alice', password } });
    expect((await login()).status).toBe(200);
    expect((await login()).status).toBe(200);
    const third = await login();
    expect(isProblem(third, 429)).toBe(true);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(limited.url, 'get', `${apiPrefix}/health`)).status).toBe(200);
  });

  it('answers an unexpected failure with a bare 500, no internals', async () => {
    const broken = await startHarness();
    extra.push(broken);
    await broken.store.close();
    const result = await call(broken.url, 'get', `${apiPrefix}/tasks`, { token: broken.admin.token });
    expect(result.status).toBeGreaterThanOrEqual(500);
    expect(isProblem(result, result.status)).toBe(true);
    expect(result.json.detail).toBe('internal error');
    expect(result.json.instance).toBe(`urn:goosuke:request:${result.headers.get('x-request-id')}`);
    expect(result.text).not.toMatch(/sqlite|\.ts:|at |Error:/i);
    expect(result.text).not.toContain(secretKey);
    const health = await call(broken.url, 'get', `${apiPrefix}/health`);
    expect(health.json).toEqual({ status: 'degraded' });
    // The queue shares the store's connection: it fails with it. (A token cannot be checked
    // without the store: the caller stays anonymous.)
    const withToken = await call(broken.url, 'get', `${apiPrefix}/health`, { token: broken.admin.token });
    expect(withToken.json).toEqual({ status: 'degraded' });
    expect(await broken.goosuke.system.health()).toEqual({
      status: 'degraded',
      store: 'error',
      queue: 'error',
      jobs: null,
      workers: 'stopped',
    });
  });

  it('streams live events after the stored ones and ends after the terminal event', async () => {
    const { goosuke, admin } = harness;
    const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });
    const repo = await goosuke.repos.create({ url: 'https://example.test/owner/live.git' });
    const { task } = await goosuke.tasks.create({ title: 'live', repoId: repo.id, createdBy: admin.id });
    const { runs } = await goosuke.runs.create(task.id, { instruction: 'wait', models: [model.id] });
    const runId = runs[0]!.id;
    // No workers run here: the run stays queued until it is canceled over HTTP below.
    const response = await fetch(`${harness.url}${apiPrefix}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: run-queued')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    const canceled = await call(harness.url, 'post', `${apiPrefix}/runs/${runId}/cancel`, {
      token: admin.token,
    });
    expect(canceled.json.status).toBe('canceled');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const frames = text.split('\n\n').filter((frame) => frame.startsWith('id: '));
    expect(frames.map((frame) => frame.split('\n', 2).join(' '))).toEqual([
      'id: 1 event: run-queued',
      'id: 2 event: run-canceled',
    ]);
  });

  it('passes trust proxy to Express', () => {
    expect(createHttpApp(harness.goosuke, { trustProxy: 1 }).get('trust proxy')).toBe(1);
    expect(createHttpApp(harness.goosuke).get('trust proxy')).toBe(false);
  });
});

describe('problemFor', () => {
  it('maps every error code through the one table', () => {
    expect(problemFor(new NotFoundError('task', 't1'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(problemFor(new ConflictError('taken'))).toMatchObject({ status: 409, detail: 'taken' });
    expect(problemFor(new UnsupportedError('no queue'))).toMatchObject({ status: 501 });
    const invalid = problemFor(
      InvalidInputError.fromIssues('body', [{ path: ['title'], message: 'required' }]),
    );
    expect(invalid).toMatchObject({
      status: 400,
      code: 'invalid_input',
      issues: [{ path: ['title'], message: 'required' }],
    });
    for (const { status } of Object.values(problemStatusByCode)) {
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });

  it('hides the message of unexpected errors', () => {
    const body = problemFor(new Error('SELECT * FROM secrets failed at /srv/app.ts:12'));
    expect(body).toMatchObject({ status: 500, code: 'internal' });
    expect(JSON.stringify(body)).not.toContain('secrets');
  });
});

describe('GET /health', () => {
  it('says only up or down without a valid token, and more with one', async () => {
    const url = `${apiPrefix}/health`;
    expect((await call(harness.url, 'get', url)).json).toEqual({ status: 'ok' });
    for (const authorization of ['Bearer not-a-token', 'Basic abc', 'Bearer']) {
      const result = await call(harness.url, 'get', url, { headers: { authorization } });
      expect(result.status, authorization).toBe(200);
      expect(result.json, authorization).toEqual({ status: 'ok' });
    }
    const member = await call(harness.url, 'get', url, { token: harness.alice.token });
    expect(member.json).toMatchObject({
      status: 'ok',
      store: 'ok',
      queue: 'ok',
      workers: expect.any(String),
    });
  });
});
