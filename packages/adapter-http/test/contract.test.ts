// What third-party clients rely on beyond the schemas: optimistic concurrency on tasks, and event
// streams a browser EventSource (the `eventsource` package, the WHATWG algorithm) can follow
// across dropped connections.
import { get } from 'node:http';
import type { ActionCallbackBody } from '@goosuke/core';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { apiPrefix } from '../src/index.ts';
import type { actionCallbackSchema } from '../src/routes/action-routes.ts';
import { call, type Harness, isProblem, startHarness, streamFetch } from './harness.ts';

let harness: Harness;
let taskId: string;
let runId: string;

beforeAll(async () => {
  harness = await startHarness();
  const { goosuke, alice } = harness;
  const model = await goosuke.models.create({
    provider: 'openai',
    modelName: 'gpt-4.1',
    apiKey: 'sk-test-0123456789',
  });
  const repo = await goosuke.repos.create({ url: 'https://example.test/owner/repo.git' });
  const { task } = await goosuke.tasks.create({ title: 'contract', repoId: repo.id, createdBy: alice.id });
  // No workers run here: the run stays queued until it is canceled.
  const { runs } = await goosuke.runs.create(task.id, {
    instruction: 'change it',
    models: [model.id],
    createdBy: alice.id,
  });
  taskId = task.id;
  runId = runs[0]!.id;
});
afterAll(async () => {
  await harness?.close();
});

describe('tasks', () => {
  it('send a strong ETag, answer If-None-Match with 304 and refuse a stale If-Match with 412', async () => {
    const token = harness.alice.token;
    const read = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}`, { token });
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(read.headers.get('cache-control')).toBe('private, no-cache');
    // node:http, because fetch turns a request with If-None-Match into a no-cache reload.
    const unchanged = await new Promise<number | undefined>((resolve, reject) => {
      get(
        `${harness.url}${apiPrefix}/tasks/${taskId}`,
        { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      ).on('error', reject);
    });
    expect(unchanged).toBe(304);

    const message = { content: 'a note' };
    const weak = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/messages`, {
      token,
      body: message,
      headers: { 'if-match': `W/${etag}` },
    });
    expect(isProblem(weak, 412)).toBe(true);
    const written = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/messages`, {
      token,
      body: message,
      headers: { 'if-match': etag },
    });
    expect(written.status).toBe(201);
    const stale = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/archive`, {
      token,
      headers: { 'if-match': etag },
    });
    expect(isProblem(stale, 412)).toBe(true);
    expect(stale.json.code).toBe('precondition_failed');
    const reread = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}`, { token });
    const fresh = reread.headers.get('etag')!;
    expect(fresh).not.toBe(etag);
    // The body and tag are computed once per version of the task, never served from an older one.
    expect(reread.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(
      (reread.json as { messages: Array<{ content: string }> }).messages.map((m) => m.content),
    ).toContain('a note');
    const again = await call(harness.url, 'get', `${apiPrefix}/tasks/${taskId}`, { token });
    expect(again.headers.get('etag')).toBe(fresh);
    expect(again.json).toEqual(reread.json);
    const archived = await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/archive`, {
      token,
      headers: { 'if-match': `"other", ${fresh}` },
    });
    expect(archived.status).toBe(200);
    // Without If-Match a write is unconditional.
    expect((await call(harness.url, 'post', `${apiPrefix}/tasks/${taskId}/archive`, { token })).status).toBe(
      200,
    );
  });
});

describe('cancel', () => {
  it('of a run whose worker died answers 202 with the cancel recorded; recovery then ends it canceled', async () => {
    const { goosuke, store, alice } = harness;
    const [model] = (await goosuke.models.list()).items;
    const { task } = await goosuke.tasks.create({ title: 'cancel', repoId: null, createdBy: alice.id });
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'again',
      models: [model!.id],
      createdBy: alice.id,
    });
    const id = runs[0]!.id;
    // A worker took it and died: the run is running, no worker of this process holds its job.
    await store.runs.update(id, { status: 'running', startedAt: new Date().toISOString() });
    const canceled = await call(harness.url, 'post', `${apiPrefix}/runs/${id}/cancel`, {
      token: alice.token,
    });
    expect(canceled.status).toBe(202);
    expect(canceled.json).toMatchObject({ id, status: 'running', cancelRequestedAt: expect.any(String) });
    const again = await call(harness.url, 'post', `${apiPrefix}/runs/${id}/cancel`, { token: alice.token });
    expect(again.json.cancelRequestedAt).toBe(canceled.json.cancelRequestedAt);
    await goosuke.runs.recover();
    const ended = await call(harness.url, 'get', `${apiPrefix}/runs/${id}`, { token: alice.token });
    expect(ended.json).toMatchObject({
      status: 'canceled',
      cancelRequestedAt: canceled.json.cancelRequestedAt,
    });
  });
});

describe('a run event stream', () => {
  it('is followed by an EventSource across a dropped connection, without duplicates, and ends with 204', async () => {
    const ticket = await call(harness.url, 'post', `${apiPrefix}/auth/stream-ticket`, {
      token: harness.alice.token,
    });
    expect(ticket.status).toBe(201);
    const source = new EventSource(
      `${harness.url}${apiPrefix}/runs/${runId}/events?ticket=${ticket.json.ticket}`,
    );
    const received: Array<{ id: string; type: string; sequence: number }> = [];
    const statuses: number[] = [];
    let opened = 0;
    const closed = new Promise<void>((resolve) => {
      source.addEventListener('error', (event) => {
        if (event.code !== undefined) statuses.push(event.code);
        if (source.readyState === EventSource.CLOSED) resolve();
      });
    });
    source.addEventListener('open', () => {
      opened++;
    });
    const first = new Promise<void>((resolve) => {
      for (const type of ['run-queued', 'run-canceled']) {
        source.addEventListener(type, (event) => {
          received.push({ id: event.lastEventId, type, sequence: JSON.parse(event.data).sequence });
          resolve();
        });
      }
    });
    await first;
    // The server drops every connection; the EventSource reconnects with Last-Event-ID and the
    // same ticket, which still opens its own stream.
    harness.server.server.closeAllConnections();
    await harness.goosuke.runs.cancel(runId);
    await closed;
    source.close();

    expect(received.map((event) => event.type)).toEqual(['run-queued', 'run-canceled']);
    expect(received.map((event) => event.id)).toEqual(['1', '2']);
    // Opened, reopened after the drop; after the terminal event the server closed the stream
    // and the resume from it was a 204, which stops the EventSource for good.
    expect(opened).toBe(2);
    expect(statuses).toEqual([204]);
  }, 20_000);

  it('answers a resume after the terminal event with 204, and a fresh read with the whole stream', async () => {
    const token = harness.alice.token;
    const resumed = await streamFetch(harness.url, `${apiPrefix}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': '2' },
    });
    expect(resumed.status).toBe(204);
    expect(await resumed.text()).toBe('');
    const after = await streamFetch(harness.url, `${apiPrefix}/runs/${runId}/events?after=2`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(204);
    const whole = await streamFetch(harness.url, `${apiPrefix}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(whole.status).toBe(200);
    expect(await whole.text()).toContain('event: run-canceled');
  });
});

describe('the actionCallback webhook of the document', () => {
  it("is the body core's callbacks send", () => {
    expectTypeOf<z.output<typeof actionCallbackSchema>>().toEqualTypeOf<ActionCallbackBody>();
  });
});
