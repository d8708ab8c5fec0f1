import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aMessage,
  aRepo,
  aRun,
  aTask,
  createTempDatabaseDirectory,
  type TempDatabaseDirectory,
} from '../test/fixtures.ts';
import { createSqliteStore } from './sqlite-store.ts';

let directory: TempDatabaseDirectory;

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});

afterEach(async () => {
  await directory.remove();
});

describe('entity repository list', () => {
  // The SQL of a list is built once per shape (filters given, cursor or not): the
  // repeats must bind the new values, not reuse the first call's.
  it('binds each call its own filter values, nulls and cursor when the query shape repeats', async () => {
    const store = directory.track(await createSqliteStore({ database: directory.file() }));
    const [first, second] = [await store.repos.insert(aRepo()), await store.repos.insert(aRepo())];
    const firstTasks = [];
    for (let index = 0; index < 3; index++) {
      firstTasks.push(await store.tasks.insert(aTask({ repoId: first.id, baseBranch: 'main' })));
    }
    const secondTask = await store.tasks.insert(aTask({ repoId: second.id, baseBranch: 'main' }));
    const archived = await store.tasks.insert(
      aTask({ repoId: second.id, baseBranch: 'main', archived: true }),
    );
    const loose = await store.tasks.insert(aTask());
    const ids = (page: { items: Array<{ id: string }> }) => page.items.map((task) => task.id);

    expect(ids(await store.tasks.list({ repoId: first.id }))).toEqual(firstTasks.map((task) => task.id));
    expect(ids(await store.tasks.list({ repoId: second.id }))).toEqual([secondTask.id, archived.id]);
    expect(ids(await store.tasks.list({ repoId: second.id, archived: true }))).toEqual([archived.id]);
    expect(ids(await store.tasks.list({ repoId: second.id, archived: false }))).toEqual([secondTask.id]);

    const page = await store.tasks.list({ repoId: first.id, limit: 2 });
    expect(ids(page)).toEqual(firstTasks.slice(0, 2).map((task) => task.id));
    const rest = await store.tasks.list({ repoId: first.id, limit: 2, cursor: page.nextCursor! });
    expect(ids(rest)).toEqual([firstTasks[2]!.id]);
    expect(rest.nextCursor).toBeNull();
    const afterFirst = await store.tasks.list({ limit: 1, cursor: page.nextCursor! });
    expect(ids(afterFirst)).toEqual([firstTasks[2]!.id]);
    expect(ids(await store.tasks.list({ limit: 10, cursor: afterFirst.nextCursor! }))).toEqual([
      secondTask.id,
      archived.id,
      loose.id,
    ]);
  });
});

describe('entity repository reads', () => {
  // decodeRow skips zod for a row content it has already seen pass unchanged: any change
  // behind the store's back must still be parsed, and a row zod alters must always be parsed.
  it('validates a row again when it changed behind the store, after it was read valid', async () => {
    const store = directory.track(await createSqliteStore({ database: directory.file() }));
    const task = await store.tasks.insert(aTask());
    expect(await store.tasks.get(task.id)).toEqual(task);
    expect(await store.tasks.get(task.id)).toEqual(task);
    const update = store.database.prepare('update goosuke_tasks set title = ? where id = ?');
    update.run('', task.id);
    await expect(store.tasks.get(task.id)).rejects.toMatchObject({ code: 'storage' });
    await expect(store.tasks.list()).rejects.toMatchObject({ code: 'storage' });
    update.run('Renamed behind its back', task.id);
    expect(await store.tasks.get(task.id)).toEqual({ ...task, title: 'Renamed behind its back' });
    update.run(task.title, task.id);
    expect((await store.tasks.list()).items).toEqual([task]);
  });

  it('strips keys the schema does not know on every read, not only the first', async () => {
    const store = directory.track(await createSqliteStore({ database: directory.file() }));
    const task = await store.tasks.insert(aTask());
    const message = await store.messages.insert(aMessage(task.id));
    const usage = { inputTokens: 1, outputTokens: 2, cachedInputTokens: 0, costUsd: null };
    const run = await store.runs.insert(aRun(task.id, message.id, { usage }));
    store.database
      .prepare('update goosuke_runs set usage = ? where id = ?')
      .run(JSON.stringify({ ...usage, apiKey: 'sk-secret' }), run.id);
    for (let read = 0; read < 3; read++) {
      const got = await store.runs.get(run.id);
      expect(got).toEqual(run);
      expect(JSON.stringify(got)).not.toContain('sk-secret');
      expect(JSON.stringify((await store.runs.list({ taskId: task.id })).items)).not.toContain('sk-secret');
    }
  });

  it('returns a fresh object on every read, so that a caller changing one cannot change the next', async () => {
    const store = directory.track(await createSqliteStore({ database: directory.file() }));
    const task = await store.tasks.insert(aTask());
    const message = await store.messages.insert(aMessage(task.id));
    const usage = { inputTokens: 1, outputTokens: 2, cachedInputTokens: 0, costUsd: null };
    const run = await store.runs.insert(aRun(task.id, message.id, { usage }));
    const first = await store.runs.get(run.id);
    const second = await store.runs.get(run.id);
    expect(second).not.toBe(first);
    first!.usage!.inputTokens = 99;
    expect((await store.runs.get(run.id))!.usage).toEqual(usage);
  });
});
