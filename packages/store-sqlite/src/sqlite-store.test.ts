import { GoosukeError, type Store } from '@goosuke/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aMessage,
  aModelProfile,
  aPullRequest,
  aRepo,
  aRun,
  aTask,
  aUser,
  createTempDatabaseDirectory,
  nextId,
  nextTimestamp,
  type TempDatabaseDirectory,
} from '../test/fixtures.ts';
import { encodeCursor } from './pagination.ts';
import { createSqliteStore, type SqliteStore } from './sqlite-store.ts';

let directory: TempDatabaseDirectory;

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});

afterEach(async () => {
  await directory.remove();
});

async function openStore(database: string | Database.Database = directory.file()): Promise<SqliteStore> {
  return directory.track(await createSqliteStore({ database }));
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  try {
    await promise;
  } catch (error) {
    expect(GoosukeError.isInstance(error), String(error)).toBe(true);
    return error as GoosukeError;
  }
  throw new Error('expected a rejection');
}

async function seedTaskWithRun(store: Store) {
  const task = await store.tasks.insert(aTask());
  const message = await store.messages.insert(aMessage(task.id));
  const run = await store.runs.insert(aRun(task.id, message.id));
  return { task, message, run };
}

describe('opening', () => {
  it('runs the migrations once, recorded in goosuke_migrations, and re-opening is idempotent', async () => {
    const file = directory.file();
    const first = await openStore(file);
    const repo = await first.repos.insert(aRepo());
    await first.close();
    const second = await openStore(file);
    expect(await second.repos.get(repo.id)).toEqual(repo);
    await second.close();
    const raw = new Database(file, { readonly: true });
    try {
      const names = raw.prepare('select name from goosuke_migrations order by name').pluck().all();
      expect(names).toEqual([
        '0001_initial_schema',
        '0002_job_queue',
        '0003_model_capabilities',
        '0004_auth_tokens',
        '0005_setting_secrets',
        '0006_action_triggers',
        '0007_run_continuation',
        '0008_caller_keys',
        '0009_session_sign_in_time',
        '0010_run_cancel_requests',
        '0011_run_authors',
        '0012_agents',
        '0013_agent_templates',
        '0014_extension_fields',
        '0015_run_extensions',
        '0016_extension_deletions',
        '0017_task_status_origin',
      ]);
      const tables = raw
        .prepare(
          "select name from sqlite_master where type = 'table' and name like 'goosuke_%' order by name",
        )
        .pluck()
        .all();
      expect(tables).toEqual(
        expect.arrayContaining([
          'goosuke_jobs',
          'goosuke_tasks',
          'goosuke_run_events',
          'goosuke_migrations',
          'goosuke_action_trigger_keys',
          'goosuke_idempotency_keys',
        ]),
      );
    } finally {
      raw.close();
    }
  });

  it('turns on WAL, synchronous NORMAL, foreign keys and a busy timeout', async () => {
    const store = await openStore();
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.database.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('works on :memory:', async () => {
    const store = await openStore(':memory:');
    const task = await store.tasks.insert(aTask());
    expect(await store.tasks.get(task.id)).toEqual(task);
    await store.close();
  });

  it('does not close an injected handle, and a second store on it shares the data', async () => {
    const database = new Database(directory.file());
    try {
      const store = await createSqliteStore({ database });
      const repo = await store.repos.insert(aRepo());
      const sibling = await createSqliteStore({ database });
      expect(await sibling.repos.get(repo.id)).toEqual(repo);
      await store.close();
      await store.close();
      expect(database.open).toBe(true);
      expect(database.prepare('select count(*) from goosuke_repos').pluck().get()).toBe(1);
      expect(await sibling.repos.get(repo.id)).toEqual(repo);
      await expect(store.repos.get(repo.id)).rejects.toMatchObject({ code: 'storage' });
      await sibling.close();
      expect(database.open).toBe(true);
    } finally {
      database.close();
    }
  });

  it('closes the file it opened; close is idempotent and later calls reject with storage errors', async () => {
    const store = await openStore();
    await Promise.all([store.close(), store.close()]);
    expect(store.database.open).toBe(false);
    const error = await rejection(store.tasks.get('anything'));
    expect(error.code).toBe('storage');
    expect((await rejection(store.transaction(async () => 1))).code).toBe('storage');
  });

  it('reports an unopenable file as a storage error', async () => {
    const error = await rejection(createSqliteStore({ database: `${directory.path}/missing/dir/db.sqlite` }));
    expect(error.code).toBe('storage');
    expect(error.cause).toBeDefined();
  });
});

describe('rows', () => {
  it('round-trips JSON columns, booleans and nulls, stored as JSON text and 0/1', async () => {
    const store = await openStore();
    const { task, message } = await seedTaskWithRun(store);
    const run = aRun(task.id, message.id, {
      executor: { kind: 'agent', agent: 'codex', modelProfileId: null },
      maxCostUsd: 0.5,
      maxTokens: 20_000,
      filesChanged: [{ path: 'a/ü.ts', oldPath: 'a/old.ts', status: 'renamed', added: 1, removed: 2 }],
      warnings: ['w1', ''],
      error: { code: 'timeout', message: 'slow' },
      usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0, costUsd: 0.25 },
    });
    await store.runs.insert(run);
    expect(await store.runs.get(run.id)).toEqual(run);
    const row = store.database.prepare('select * from goosuke_runs where id = ?').get(run.id) as Record<
      string,
      unknown
    >;
    expect(JSON.parse(row.files_changed as string)).toEqual(run.filesChanged);
    expect(row.summary).toBeNull();
    const archived = await store.tasks.update(task.id, { archived: true });
    expect(archived.archived).toBe(true);
    expect(
      store.database.prepare('select archived from goosuke_tasks where id = ?').pluck().get(task.id),
    ).toBe(1);
  });

  it('never returns the password hash or the encrypted key from get or list', async () => {
    const store = await openStore();
    const user = await store.users.insert(aUser());
    await store.users.setPasswordHash(user.id, '$scrypt$secret-hash');
    const model = await store.models.insert(aModelProfile());
    await store.models.setEncryptedApiKey(model.id, 'v1.secret-envelope');
    const reads = JSON.stringify([
      await store.users.get(user.id),
      await store.users.list(),
      await store.models.get(model.id),
      await store.models.list(),
    ]);
    expect(reads).not.toContain('secret');
    expect(await store.users.getPasswordHash(user.id)).toBe('$scrypt$secret-hash');
    expect((await store.models.get(model.id))?.hasApiKey).toBe(true);
  });

  it('rejects an invalid entity with InvalidInputError before writing', async () => {
    const store = await openStore();
    const error = await rejection(store.tasks.insert({ ...aTask(), title: '' }));
    expect(error.code).toBe('invalid_input');
    expect((await store.tasks.list()).items).toEqual([]);
  });

  it('reports a row changed behind its back as a storage error', async () => {
    const store = await openStore();
    const task = await store.tasks.insert(aTask());
    store.database.prepare("update goosuke_tasks set created_at = 'yesterday' where id = ?").run(task.id);
    expect((await rejection(store.tasks.get(task.id))).code).toBe('storage');
  });
});

describe('changeToken', () => {
  it("changes with another connection's commit and with the host's own writes on an injected handle", async () => {
    const file = directory.file();
    const store = await openStore(file);
    const other = await openStore(file);
    const token = await store.changeToken();
    expect(token).not.toBeNull();
    expect(await store.changeToken()).toBe(token);
    // Another connection (another process, say) commits: this connection's token moves.
    await other.repos.insert(aRepo());
    const afterOther = await store.changeToken();
    expect(afterOther).not.toBe(token);
    expect(await store.changeToken()).toBe(afterOther);

    // The host writes through the handle it shares with a store, bypassing the store.
    const database = new Database(file);
    try {
      const shared = await createSqliteStore({ database });
      const before = await shared.changeToken();
      database.prepare("update goosuke_repos set default_branch = 'trunk'").run();
      expect(await shared.changeToken()).not.toBe(before);
      // Inside the host's own transaction, uncommitted rows are visible: no token.
      database.exec('begin');
      expect(await shared.changeToken()).toBeNull();
      database.exec('rollback');
      await shared.close();
    } finally {
      database.close();
    }
  });

  it("sees a sibling store's transaction commit at once, though its writes counted before the commit", async () => {
    const file = directory.file();
    const store = await openStore(file);
    const sibling = await openStore(file);
    const repo = await sibling.repos.insert(aRepo());
    let during: string | null = null;
    let readDuring: string | undefined;
    await sibling.transaction(async (transaction) => {
      await transaction.repos.update(repo.id, { defaultBranch: 'trunk' });
      // Taken and read while the sibling's transaction is open: the old row, under `during`.
      during = await store.changeToken();
      readDuring = (await store.repos.get(repo.id))?.defaultBranch;
    });
    expect(readDuring).toBe('main');
    // Same turn of the event loop: the commit alone must move the token.
    expect(await store.changeToken()).not.toBe(during);
  });

  it('sees a commit by a connection it does not know (another process) from the next turn on, with no query per call until then', async () => {
    const file = directory.file();
    const store = await openStore(file);
    await store.repos.insert(aRepo());
    const before = await store.changeToken();
    const stranger = new Database(file);
    try {
      stranger.prepare("update goosuke_repos set default_branch = 'trunk'").run();
    } finally {
      stranger.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.changeToken()).not.toBe(before);

    // Within one turn the database's data version is asked once.
    const calls: string[] = [];
    const trace = new Database(file, { verbose: (sql) => calls.push(String(sql)) });
    try {
      const traced = await createSqliteStore({ database: trace });
      await new Promise((resolve) => setImmediate(resolve));
      calls.length = 0;
      const token = await traced.changeToken();
      for (let index = 0; index < 5; index++) expect(await traced.changeToken()).toBe(token);
      expect(calls.filter((sql) => sql.includes('data_version'))).toHaveLength(1);
      await new Promise((resolve) => setImmediate(resolve));
      await traced.changeToken();
      expect(calls.filter((sql) => sql.includes('data_version'))).toHaveLength(2);
      await traced.close();
    } finally {
      trace.close();
    }
  });
});

describe('error translation', () => {
  it('names the entity and the fields of a unique key, without SQL', async () => {
    const store = await openStore();
    const { task, run } = await seedTaskWithRun(store);
    const repo = await store.repos.insert(aRepo());
    const pullRequest = await store.pullRequests.insert(
      aPullRequest(task.id, repo.id, run.id, { number: 7 }),
    );
    const duplicate = await rejection(
      store.pullRequests.insert(aPullRequest(task.id, repo.id, run.id, { number: 7 })),
    );
    expect(duplicate.code).toBe('conflict');
    expect(duplicate.message).toBe('a pull request with this repoId and number already exists');
    expect(duplicate.cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    const sameId = await rejection(store.pullRequests.insert({ ...pullRequest, number: 8 }));
    expect(sameId.message).toBe('a pull request with this id already exists');
    expect(sameId.cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    const url = await rejection(store.repos.insert(aRepo({ url: repo.url })));
    expect(url.message).toBe('a repo with this url already exists');
    expect(url.message).not.toMatch(/goosuke_|constraint/i);
  });

  it('reports a reference to a missing owner as InvalidInputError on that field', async () => {
    const store = await openStore();
    const error = await rejection(store.messages.insert(aMessage('task_missing')));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('invalid message: task "task_missing" does not exist');
    expect(error).toMatchObject({ issues: [{ path: ['taskId'] }] });
    expect(error.cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    const event = await rejection(
      store.runEvents.append({
        id: nextId('event'),
        runId: 'run_missing',
        type: 'run-log',
        level: 'info',
        message: 'x',
        data: {},
        createdAt: nextTimestamp(),
      }),
    );
    expect(event.code).toBe('invalid_input');
    expect(event).toMatchObject({ issues: [{ path: ['runId'] }] });
    const { run } = await seedTaskWithRun(store);
    const moved = await rejection(store.runs.update(run.id, { taskId: 'task_missing' } as never));
    expect(moved.code).toBe('invalid_input');
  });

  it('reports a locked database as a retryable storage error', async () => {
    const file = directory.file();
    const store = directory.track(await createSqliteStore({ database: file, busyTimeoutMs: 0 }));
    const blocker = new Database(file);
    try {
      blocker.exec('begin immediate');
      const error = await rejection(store.repos.insert(aRepo()));
      expect(error.code).toBe('storage');
      expect(error.retryable).toBe(true);
      expect((error.cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    await store.repos.insert(aRepo());
  });
});

describe('lists', () => {
  it('pages by (createdAt, id) with an opaque cursor and validates limit and cursor', async () => {
    const store = await openStore();
    const at = nextTimestamp();
    for (const id of ['t-c', 't-a', 't-b']) await store.tasks.insert(aTask({ id, createdAt: at }));
    const first = await store.tasks.list({ limit: 2 });
    expect(first.items.map((task) => task.id)).toEqual(['t-a', 't-b']);
    expect(first.nextCursor).toBe(encodeCursor({ createdAt: at, id: 't-b' }));
    const second = await store.tasks.list({ limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({ items: [expect.objectContaining({ id: 't-c' })], nextCursor: null });
    for (const limit of [0, 501, 1.5])
      expect((await rejection(store.tasks.list({ limit }))).code).toBe('invalid_input');
    for (const cursor of ['not a cursor', 'WzFd', encodeCursor({ createdAt: at, id: 'x' }).slice(1)]) {
      expect((await rejection(store.tasks.list({ cursor }))).code).toBe('invalid_input');
    }
  });

  it('filters by boolean and id columns, and rejects a filter of the wrong type', async () => {
    const store = await openStore();
    const repo = await store.repos.insert(aRepo());
    const mine = await store.tasks.insert(aTask({ repoId: repo.id, archived: true }));
    await store.tasks.insert(aTask({ archived: false }));
    expect((await store.tasks.list({ archived: true })).items).toEqual([mine]);
    expect((await store.tasks.list({ repoId: repo.id })).items).toEqual([mine]);
    expect((await store.tasks.list({ repoId: repo.id, archived: false })).items).toEqual([]);
    expect((await rejection(store.tasks.list({ archived: 'yes' as never }))).code).toBe('invalid_input');
  });

  it('uses an index, and no sort, for filtered and ordered lists', async () => {
    const store = await openStore();
    const plan = (sql: string) =>
      (store.database.prepare(`explain query plan ${sql}`).all('t', 'a', 'b') as Array<{ detail: string }>)
        .map((step) => step.detail)
        .join('\n');
    const filtered = plan(
      'select * from goosuke_runs where task_id = ? and (created_at, id) > (?, ?) order by created_at, id limit 3',
    );
    expect(filtered).toMatch(/USING INDEX goosuke_runs_task/);
    expect(filtered).not.toMatch(/TEMP B-TREE/);
    const unfiltered = plan(
      'select * from goosuke_tasks where ? is not null and (created_at, id) > (?, ?) order by created_at, id limit 3',
    );
    expect(unfiltered).toMatch(/USING INDEX goosuke_tasks_created/);
    expect(unfiltered).not.toMatch(/TEMP B-TREE/);
  });
});

describe('run events', () => {
  it('assigns gap-free sequences across two connections appending at once', async () => {
    const file = directory.file();
    const first = await openStore(file);
    const second = await openStore(file);
    const { run } = await seedTaskWithRun(first);
    const appendFrom = (store: Store, count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          store.runEvents.append({
            id: nextId('event'),
            runId: run.id,
            type: 'run-log',
            level: 'info',
            message: 'm',
            data: { n: 1 },
            createdAt: nextTimestamp(),
          }),
        ),
      );
    const [a, b] = await Promise.all([appendFrom(first, 40), appendFrom(second, 40)]);
    const sequences = [...a, ...b].map((event) => event.sequence).sort((x, y) => x - y);
    expect(sequences).toEqual(Array.from({ length: 80 }, (_, index) => index + 1));
    expect(
      (await second.runEvents.list({ runId: run.id, afterSequence: 78 })).map((event) => event.sequence),
    ).toEqual([79, 80]);
  });

  it('deleting a task cascades to its run events in the database', async () => {
    const store = await openStore();
    const { task, run } = await seedTaskWithRun(store);
    await store.runEvents.append({
      id: nextId('event'),
      runId: run.id,
      type: 'run-log',
      level: 'info',
      message: 'm',
      data: {},
      createdAt: nextTimestamp(),
    });
    expect(await store.tasks.delete(task.id)).toBe(true);
    expect(store.database.prepare('select count(*) from goosuke_run_events').pluck().get()).toBe(0);
  });
});

describe('transactions', () => {
  it('commits on resolve and rolls back on throw, rethrowing the same error', async () => {
    const store = await openStore();
    const kept = aRepo();
    await store.transaction(async (transaction) => {
      await transaction.repos.insert(kept);
    });
    const dropped = aRepo();
    const failure = new Error('boom');
    await expect(
      store.transaction(async (transaction) => {
        await transaction.repos.insert(dropped);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await store.repos.get(kept.id)).toEqual(kept);
    expect(await store.repos.get(dropped.id)).toBeNull();
    expect(store.database.inTransaction).toBe(false);
  });

  it('joins the transaction when work calls the outer store instead of deadlocking', async () => {
    const store = await openStore();
    const repo = aRepo();
    const failure = new Error('roll back');
    await expect(
      store.transaction(async () => {
        await store.repos.insert(repo);
        expect(await store.repos.get(repo.id)).toEqual(repo);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await store.repos.get(repo.id)).toBeNull();
  });

  it('makes statements from outside wait until the transaction ends', async () => {
    const store = await openStore();
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = store.transaction(async (handle) => {
      await handle.repos.insert(aRepo());
      order.push('transaction wrote');
      await gate;
      order.push('transaction ends');
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const outside = store.repos.insert(aRepo()).then(() => order.push('outside wrote'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual(['transaction wrote']);
    release();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['transaction wrote', 'transaction ends', 'outside wrote']);
  });

  it('refuses the transaction-bound store once its transaction has ended', async () => {
    const store = await openStore();
    let leaked: Store | undefined;
    await store.transaction(async (transaction) => {
      leaked = transaction;
    });
    expect((await rejection(leaked!.repos.list())).code).toBe('storage');
    expect((await rejection(leaked!.close())).code).toBe('unsupported');
  });

  it('rolls back an update that fails validation inside a transaction without losing earlier writes', async () => {
    const store = await openStore();
    const repo = aRepo();
    const task = await store.tasks.insert(aTask());
    await store.transaction(async (transaction) => {
      await transaction.repos.insert(repo);
      await expect(transaction.tasks.update(task.id, { title: '' })).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });
    expect(await store.repos.get(repo.id)).toEqual(repo);
    expect(await store.tasks.get(task.id)).toEqual(task);
  });

  it('waits for an open transaction before closing the file', async () => {
    const store = await openStore();
    const repo = aRepo();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = store.transaction(async (handle) => {
      await gate;
      await handle.repos.insert(repo);
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = store.close();
    release();
    await Promise.all([transaction, closing]);
    const reopened = await openStore(store.database.name);
    expect(await reopened.repos.get(repo.id)).toEqual(repo);
  });
});
