import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import {
  applyPatchReply,
  call,
  createGitRepo,
  type Harness,
  isProblem,
  password,
  readEvents,
  startHarness,
} from './harness.ts';

const openaiKey = 'sk-openai-test-key-0123456789';

let harness: Harness;
let openai: FakeOpenAIServer;

beforeAll(async () => {
  openai = await startFakeOpenAIServer({ apiKey: openaiKey });
  harness = await startHarness();
  harness.goosuke.runs.startWorkers();
});
afterAll(async () => {
  await harness?.close();
  await openai?.close();
});

describe('a full flow over HTTP', () => {
  it('signs in, sets up, runs a model, follows the events, reads the patch and compares', async () => {
    const api = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
      call(harness.url, method, `${apiPrefix}${url}`, options);

    const health = await api('get', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });

    const login = await api('post', '/auth/login', { body: { username: 'admin', password } });
    expect(login.status).toBe(200);
    expect(login.json).toMatchObject({ tokenType: 'Bearer', user: { username: 'admin', role: 'admin' } });
    expect(login.json.expiresIn).toBeGreaterThan(0);
    const token: string = login.json.accessToken;
    const signedIn = await api('get', '/health', { token });
    expect(signedIn.json).toEqual({
      status: 'ok',
      store: 'ok',
      queue: 'ok',
      jobs: { queued: 0, running: 0 },
      workers: 'running',
    });

    const model = await api('post', '/models', {
      token,
      body: { provider: 'openai', modelName: 'gpt-4.1', baseUrl: openai.url, apiKey: openaiKey },
    });
    expect(model.status).toBe(201);
    expect(model.json.hasApiKey).toBe(true);
    expect(model.text).not.toContain(openaiKey);
    expect((await api('get', `/models/${model.json.id}`, { token })).text).not.toContain(openaiKey);
    expect((await api('get', '/models', { token })).json.items).toHaveLength(1);

    const repoPath = await createGitRepo(harness.root);
    const repo = await api('post', '/repos', { token, body: { url: repoPath } });
    expect(repo.status).toBe(201);
    expect((await api('get', `/repos/${repo.json.id}`, { token })).json.url).toBe(repoPath);
    expect((await api('get', '/repos', { token: harness.alice.token })).json.items).toHaveLength(1);

    const task = await api('post', '/tasks', {
      token,
      body: { title: 'Greet warmly', repoId: repo.json.id },
    });
    expect(task.status).toBe(201);
    const taskId: string = task.json.task.id;
    expect(task.json.task.baseBranch).toBe('main');

    openai.respond({
      kind: 'reply',
      text: applyPatchReply('Warmer greeting.', "  return 'Welcome ' + name;"),
    });
    const created = await api('post', `/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'Make the greeting warmer', models: [model.json.id] },
    });
    expect(created.status).toBe(202);
    expect(created.json.runIds).toHaveLength(1);
    const runId: string = created.json.runIds[0];

    const stream = await fetch(`${harness.url}${apiPrefix}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stream.status).toBe(200);
    const { events } = await readEvents(stream);
    const types = events.map((event) => event.event);
    expect(types[0]).toBe('run-queued');
    expect(types).toContain('run-started');
    expect(types.at(-1)).toBe('run-succeeded');
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, index) => index + 1));
    for (const event of events) {
      const data = JSON.parse(event.data);
      expect(data.runId).toBe(runId);
      expect(String(data.sequence)).toBe(event.id);
      expect(data.type).toBe(event.event);
    }

    const resumed = await fetch(`${harness.url}${apiPrefix}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': '2' },
    });
    const later = await readEvents(resumed);
    expect(later.events.map((event) => event.id)).toEqual(events.slice(2).map((event) => event.id));
    const after = await readEvents(
      await fetch(`${harness.url}${apiPrefix}/runs/${runId}/events?after=${events.length - 1}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    expect(after.events.map((event) => event.event)).toEqual(['run-succeeded']);
    const badResume = await api('get', `/runs/${runId}/events`, {
      token,
      headers: { 'last-event-id': 'abc' },
    });
    expect(isProblem(badResume, 400)).toBe(true);

    const run = await api('get', `/runs/${runId}`, { token });
    expect(run.status).toBe(200);
    expect(run.json.status).toBe('succeeded');
    expect(run.json.patch).toContain("+  return 'Welcome ' + name;");
    expect(run.json).not.toHaveProperty('events');

    const detail = await api('get', `/tasks/${taskId}`, { token });
    expect(detail.json.runs.map((entry: { id: string }) => entry.id)).toEqual([runId]);
    expect(detail.json.messages[0].content).toBe('Make the greeting warmer');
    const runs = await api('get', `/tasks/${taskId}/runs`, { token });
    expect(runs.json.items.map((entry: { id: string }) => entry.id)).toEqual([runId]);

    const comparison = await api('get', `/tasks/${taskId}/runs/compare?message=${created.json.message.id}`, {
      token,
    });
    expect(comparison.status).toBe(200);
    expect(comparison.json.runs).toMatchObject([{ runId, status: 'succeeded', paths: ['src/greet.ts'] }]);

    const canceled = await api('post', `/runs/${runId}/cancel`, { token });
    expect(canceled.status).toBe(200);
    expect(canceled.json.status).toBe('succeeded');

    const message = await api('post', `/tasks/${taskId}/messages`, { token, body: { content: 'Thanks!' } });
    expect(message.status).toBe(201);
    expect(message.json).toMatchObject({ role: 'user', content: 'Thanks!', createdBy: login.json.user.id });

    const archived = await api('post', `/tasks/${taskId}/archive`, { token });
    expect(archived.json.archived).toBe(true);
    const refused = await api('post', `/tasks/${taskId}/runs`, {
      token,
      body: { instruction: 'Again', models: [model.json.id] },
    });
    expect(isProblem(refused, 409)).toBe(true);

    expect((await api('delete', `/models/${model.json.id}`, { token })).status).toBe(204);
    expect(isProblem(await api('get', `/models/${model.json.id}`, { token }), 404)).toBe(true);
  });

  it('refreshes and logs out', async () => {
    const api = (method: string, url: string, options: Parameters<typeof call>[3] = {}) =>
      call(harness.url, method, `${apiPrefix}${url}`, options);
    const login = await api('post', '/auth/login', { body: { username: 'Alice', password } });
    expect(login.status).toBe(200);
    const refreshed = await api('post', '/auth/refresh', { body: { refreshToken: login.json.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refreshToken).not.toBe(login.json.refreshToken);
    expect((await api('get', '/tasks', { token: refreshed.json.accessToken })).status).toBe(200);
    const replay = await api('post', '/auth/refresh', { body: { refreshToken: login.json.refreshToken } });
    expect(isProblem(replay, 401)).toBe(true);

    const second = await api('post', '/auth/login', { body: { username: 'alice', password } });
    const logout = await api('post', '/auth/logout', {
      token: second.json.accessToken,
      body: { refreshToken: second.json.refreshToken },
    });
    expect(logout.status).toBe(204);
    const afterLogout = await api('post', '/auth/refresh', {
      body: { refreshToken: second.json.refreshToken },
    });
    expect(isProblem(afterLogout, 401)).toBe(true);

    const wrong = await api('post', '/auth/login', {
      body: { username: 'alice', password: 'not it at all' },
    });
    expect(isProblem(wrong, 401)).toBe(true);
    expect(wrong.json.detail).toBe('wrong username or password');
  });
});
