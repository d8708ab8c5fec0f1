import type { Goosuke } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiPrefix, createHttpServer } from '../src/index.ts';
import { parseTaskEventId } from '../src/run-event-stream.ts';
import { call, type Harness, isProblem, type SseEvent, startHarness, streamFetch } from './harness.ts';

let harness: Harness;
let taskId: string;
let modelIds: string[];
let runIds: string[];
let repoId: string;

beforeAll(async () => {
  harness = await startHarness({ heartbeatMs: 10 });
  const { goosuke, bob } = harness;
  modelIds = [];
  for (const modelName of ['gpt-4.1', 'gpt-4.1-mini']) {
    modelIds.push((await goosuke.models.create({ provider: 'openai', modelName })).id);
  }
  const repo = await goosuke.repos.create({ url: 'https://example.test/owner/repo.git' });
  repoId = repo.id;
  const { task } = await goosuke.tasks.create({ title: "bob's task", repoId, createdBy: bob.id });
  taskId = task.id;
  // No workers run here: runs stay queued unless canceled, so every event comes from the API.
  const { runs } = await goosuke.runs.create(task.id, {
    instruction: 'go',
    models: modelIds,
    createdBy: bob.id,
  });
  runIds = runs.map((run) => run.id);
});
afterAll(async () => {
  await harness?.close();
});

/** An open task stream, read incrementally; `close` disconnects like a browser tab going away. */
async function openStream(token: string, headers: Record<string, string> = {}, base = harness.url) {
  const controller = new AbortController();
  const response = await streamFetch(base, `${apiPrefix}/tasks/${taskId}/events`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events = (): SseEvent[] =>
    text
      .split('\n\n')
      .filter((block) => /^id: /m.test(block))
      .map((block) => {
        const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(block)?.[1] ?? null;
        return { id: field('id'), event: field('event'), data: field('data') ?? '' };
      });
  return {
    events,
    text: () => text,
    async until(done: () => boolean): Promise<void> {
      while (!done()) {
        const { value, done: finished } = await reader.read();
        if (finished) throw new Error(`the stream ended early:\n${text}`);
        text += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

describe('GET /tasks/{id}/events', () => {
  it('sends stored events of every run, then live ones with <runId>:<sequence> ids and heartbeats', async () => {
    const stream = await openStream(harness.bob.token);
    try {
      await stream.until(() => stream.events().length >= 2 && stream.text().includes(': heartbeat'));
      expect(
        stream
          .events()
          .map((event) => event.id)
          .sort(),
      ).toEqual(runIds.map((id) => `${id}:1`).sort());
      expect(stream.events().every((event) => event.event === 'run-queued')).toBe(true);

      // Another task's events are not part of this stream.
      const { task: other } = await harness.goosuke.tasks.create({
        title: 'other',
        repoId,
        createdBy: harness.bob.id,
      });
      await harness.goosuke.runs.create(other.id, {
        instruction: 'elsewhere',
        models: [modelIds[0]!],
        createdBy: harness.bob.id,
      });
      const created = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/runs`, {
        token: harness.bob.token,
        body: { instruction: 'again', models: [modelIds[0]] },
      });
      expect(created.status).toBe(202);
      const newRun: string = created.json.runIds[0];
      const canceled = await call(harness.url, 'post', `${apiPrefix}/runs/${runIds[0]}/cancel`, {
        token: harness.bob.token,
      });
      expect(canceled.status).toBe(202);
      await stream.until(() => stream.events().some((event) => event.id === `${runIds[0]}:2`));
      const live = stream.events().slice(2);
      expect(live.map((event) => [event.id, event.event])).toEqual([
        [`${newRun}:1`, 'run-queued'],
        [`${runIds[0]}:2`, 'run-canceled'],
      ]);
      expect(JSON.parse(live[1]!.data)).toMatchObject({ runId: runIds[0], sequence: 2 });
      // The terminal event of a run does not end the task's stream.
      const heartbeats = stream.text().split(': heartbeat').length;
      await stream.until(() => stream.text().split(': heartbeat').length > heartbeats);
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID without repeating what was sent', async () => {
    const full = await openStream(harness.admin.token);
    let all: SseEvent[];
    try {
      await full.until(() => full.text().includes(': heartbeat'));
      all = full.events();
    } finally {
      full.close();
    }
    expect(all.length).toBeGreaterThanOrEqual(4);
    const resumed = await openStream(harness.bob.token, { 'last-event-id': all[1]!.id! });
    try {
      await resumed.until(() => resumed.text().includes(': heartbeat'));
      expect(resumed.events().map((event) => event.id)).toEqual(all.slice(2).map((event) => event.id));
    } finally {
      resumed.close();
    }
  });

  it('rejects a Last-Event-ID that is malformed or names no event of the task', async () => {
    for (const id of ['12', 'run:abc', `${runIds[0]}:99`, 'run_elsewhere:1']) {
      const result = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}/events`, {
        token: harness.bob.token,
        headers: { 'last-event-id': id },
      });
      expect(isProblem(result, 400), `${id}: ${result.status} ${result.text}`).toBe(true);
    }
  });

  it("answers 404 for another member's task and for a missing one", async () => {
    const denied = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}/events`, {
      token: harness.alice.token,
    });
    expect(isProblem(denied, 404)).toBe(true);
    const missing = await call(harness.url, 'get', `${apiPrefix}/tasks/task_missing/events`, {
      token: harness.admin.token,
    });
    expect(isProblem(missing, 404)).toBe(true);
  });

  it('ends when the client disconnects, dropping its subscription', async () => {
    let active = 0;
    const runs = harness.goosuke.runs;
    // The same Goosuke, with subscriptions counted: the stream must give its own back.
    const counted: Goosuke = {
      ...harness.goosuke,
      runs: {
        ...runs,
        subscribe(listener) {
          active++;
          const unsubscribe = runs.subscribe(listener);
          return () => {
            active--;
            unsubscribe();
          };
        },
      },
    };
    const server = await createHttpServer(counted, { port: 0, heartbeatMs: 10 });
    try {
      const stream = await openStream(harness.bob.token, {}, server.url);
      await stream.until(() => stream.text().includes(': heartbeat'));
      expect(active).toBe(1);
      stream.close();
      await vi.waitFor(() => expect(active).toBe(0));
    } finally {
      await server.close();
    }
  });

  it('parses event ids', () => {
    expect(parseTaskEventId(undefined)).toBeUndefined();
    expect(parseTaskEventId(' ')).toBeUndefined();
    expect(parseTaskEventId('run_1:42')).toEqual({ runId: 'run_1', sequence: 42 });
    expect(() => parseTaskEventId('42')).toThrow(/<runId>:<sequence>/);
  });
});
