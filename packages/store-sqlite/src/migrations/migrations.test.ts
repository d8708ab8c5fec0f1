import { taskStatusOf } from '@goosuke/core';
import { buildAccessToken, buildRefreshToken } from '@goosuke/core/testing';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aMessage,
  aModelProfile,
  aRepo,
  aRun,
  aTask,
  aUser,
  createTempDatabaseDirectory,
  type TempDatabaseDirectory,
} from '../../test/fixtures.ts';
import { createSqliteStore } from '../sqlite-store.ts';
import { migrationLockTableName, migrationTableName, sqliteMigrationProvider } from './index.ts';

let directory: TempDatabaseDirectory;

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});

afterEach(async () => {
  await directory.remove();
});

/**
 * Stores `task` (no repository) and its user `message` with the columns of the first schema, as
 * every release since has them.
 */
function insertTaskAndMessage(
  raw: Database.Database,
  task: { id: string; title: string; createdAt: string; updatedAt: string },
  message: { id: string; content: string; createdAt: string },
): void {
  raw
    .prepare(
      `insert into goosuke_tasks (id, title, repo_id, base_branch, action_id, created_by, archived, created_at, updated_at)
       values (?, ?, null, null, null, null, 0, ?, ?)`,
    )
    .run(task.id, task.title, task.createdAt, task.updatedAt);
  raw
    .prepare(
      `insert into goosuke_messages (id, task_id, role, content, run_id, created_by, created_at)
       values (?, ?, 'user', ?, null, null, ?)`,
    )
    .run(message.id, task.id, message.content, message.createdAt);
}

/** The names of every migration before `name`, in order: what the release before it had run. */
async function migrationsBefore(name: string): Promise<string[]> {
  const names = Object.keys(await sqliteMigrationProvider.getMigrations());
  return names.slice(0, names.indexOf(name));
}

/** Creates `file` with only the migrations named, as an older release of the package left it. */
async function migrateOnly(file: string, names: readonly string[]): Promise<void> {
  const all = await sqliteMigrationProvider.getMigrations();
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  try {
    const migrator = new Migrator({
      db: kysely,
      provider: {
        getMigrations: async () => Object.fromEntries(names.map((name) => [name, all[name]!])),
      },
      migrationTableName,
      migrationLockTableName,
    });
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error;
  } finally {
    // Closes the better-sqlite3 handle too.
    await kysely.destroy();
  }
}

describe('0003_model_capabilities', () => {
  it('gives profiles stored before it capabilities {}, and stores overrides after it', async () => {
    const file = directory.file();
    await migrateOnly(file, ['0001_initial_schema', '0002_job_queue']);
    const old = aModelProfile({ provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' });
    const raw = new Database(file);
    try {
      const columns = raw
        .prepare("select name from pragma_table_info('goosuke_model_profiles')")
        .pluck()
        .all();
      expect(columns).not.toContain('capabilities');
      raw
        .prepare(
          `insert into goosuke_model_profiles
             (id, provider, model_name, display_name, base_url, has_api_key, encrypted_api_key, created_at, updated_at)
           values (?, ?, ?, ?, ?, 1, 'v1.sealed', ?, ?)`,
        )
        .run(old.id, old.provider, old.modelName, old.displayName, old.baseUrl, old.createdAt, old.updatedAt);
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    const expected = { ...old, hasApiKey: true, capabilities: {} };
    expect(await store.models.get(old.id)).toEqual(expected);
    expect((await store.models.list()).items).toEqual([expected]);
    expect(await store.models.getEncryptedApiKey(old.id)).toBe('v1.sealed');
    expect(
      store.database
        .prepare('select capabilities from goosuke_model_profiles where id = ?')
        .pluck()
        .get(old.id),
    ).toBe('{}');

    const updated = await store.models.update(old.id, { capabilities: { contextWindow: 131_072 } });
    expect(updated.capabilities).toEqual({ contextWindow: 131_072 });
    const added = await store.models.insert(
      aModelProfile({ capabilities: { preferredEditFormat: 'whole-file' } }),
    );
    expect((await store.models.get(added.id))?.capabilities).toEqual({ preferredEditFormat: 'whole-file' });
    // NOT NULL: a row can never lose its overrides object.
    expect(() =>
      store.database
        .prepare('update goosuke_model_profiles set capabilities = null where id = ?')
        .run(old.id),
    ).toThrow(/NOT NULL/);
  });
});

describe('0004_auth_tokens', () => {
  it('adds the token tables to a database of users made before it, cascading from users', async () => {
    const file = directory.file();
    await migrateOnly(file, ['0001_initial_schema', '0002_job_queue', '0003_model_capabilities']);
    const user = aUser();
    const raw = new Database(file);
    try {
      const tables = raw.prepare("select name from sqlite_master where type = 'table'").pluck().all();
      expect(tables).not.toContain('goosuke_access_tokens');
      raw
        .prepare(
          `insert into goosuke_users (id, username, display_name, role, disabled, password_hash, created_at, updated_at)
           values (?, ?, ?, ?, 0, 'scrypt$old', ?, ?)`,
        )
        .run(user.id, user.username, user.displayName, user.role, user.createdAt, user.updatedAt);
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.users.get(user.id)).toEqual(user);
    expect(await store.users.getPasswordHash(user.id)).toBe('scrypt$old');
    const token = await store.accessTokens.insert(buildAccessToken({ userId: user.id }), 'hash-1');
    await store.refreshTokens.insert(buildRefreshToken({ userId: user.id }), 'hash-2');
    expect(await store.accessTokens.findByHash('hash-1')).toEqual(token);
    expect(await store.users.delete(user.id)).toBe(true);
    const count = (table: string) => store.database.prepare(`select count(*) from ${table}`).pluck().get();
    expect(count('goosuke_access_tokens')).toBe(0);
    expect(count('goosuke_refresh_tokens')).toBe(0);
  });
});

describe('0005_setting_secrets', () => {
  it('reads settings stored before it as plain settings without a description', async () => {
    const file = directory.file();
    await migrateOnly(file, [
      '0001_initial_schema',
      '0002_job_queue',
      '0003_model_capabilities',
      '0004_auth_tokens',
    ]);
    const raw = new Database(file);
    try {
      const columns = raw.prepare("select name from pragma_table_info('goosuke_settings')").pluck().all();
      expect(columns).not.toContain('secret');
      raw
        .prepare('insert into goosuke_settings (key, value, updated_at) values (?, ?, ?)')
        .run('old.flag', '{"on":true}', '2026-01-02T03:04:05.000Z');
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    const old = {
      key: 'old.flag',
      value: { on: true },
      secret: false,
      description: null,
      updatedAt: '2026-01-02T03:04:05.000Z',
    };
    expect(await store.settings.get('old.flag')).toEqual(old);
    const secret = await store.settings.set({ ...old, value: 'sealed', secret: true, description: 'why' });
    expect(await store.settings.list()).toEqual([secret]);
    expect(store.database.prepare('select secret from goosuke_settings').pluck().get()).toBe(1);
    // The CHECK keeps the flag a boolean even for writes behind the store's back.
    expect(() => store.database.prepare('update goosuke_settings set secret = 2').run()).toThrow(/CHECK/);
  });
});

describe('0006_action_triggers', () => {
  it('gives actions and templates stored before it the new fields, migrates http and cli to manual, and adds trigger keys', async () => {
    const file = directory.file();
    await migrateOnly(file, [
      '0001_initial_schema',
      '0002_job_queue',
      '0003_model_capabilities',
      '0004_auth_tokens',
      '0005_setting_secrets',
    ]);
    const user = aUser();
    const repo = aRepo();
    const at = '2026-01-02T03:04:05.000Z';
    const raw = new Database(file);
    try {
      const columns = raw.prepare("select name from pragma_table_info('goosuke_actions')").pluck().all();
      expect(columns).not.toContain('owner_id');
      raw
        .prepare(
          `insert into goosuke_users (id, username, display_name, role, disabled, created_at, updated_at)
           values (?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(user.id, user.username, user.displayName, user.role, user.createdAt, user.updatedAt);
      raw
        .prepare(
          `insert into goosuke_repos (id, name, url, default_branch, code_host, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(repo.id, repo.name, repo.url, repo.defaultBranch, repo.codeHost, repo.createdAt, repo.updatedAt);
      raw
        .prepare(
          `insert into goosuke_templates
             (id, name, description, prompt, parameters, default_model_profile_ids, extension_ids, output_kind, created_at, updated_at)
           values ('template_old', 'old-template', '', 'Do {{it}}', '[]', '[]', '[]', 'text', ?, ?)`,
        )
        .run(at, at);
      const insertAction = raw.prepare(
        `insert into goosuke_actions (id, name, template_id, trigger, config, repo_id, enabled, created_at, updated_at)
         values (?, ?, 'template_old', ?, '{"emoji":"eyes"}', ?, 1, ?, ?)`,
      );
      insertAction.run('action_http', 'from-http', 'http', repo.id, at, at);
      insertAction.run('action_cli', 'from-cli', 'cli', null, at, at);
      insertAction.run('action_hook', 'from-webhook', 'webhook', null, at, at);
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    const expectedAction = (id: string, name: string, trigger: string, repoId: string | null) => ({
      id,
      name,
      templateId: 'template_old',
      trigger,
      config: { emoji: 'eyes' },
      repoId,
      ownerId: null,
      callbackUrl: null,
      parameterMapping: {},
      hasWebhookSecret: false,
      enabled: true,
      extensionIds: [],
      createdAt: at,
      updatedAt: at,
    });
    expect((await store.actions.list()).items).toEqual([
      expectedAction('action_cli', 'from-cli', 'manual', null),
      expectedAction('action_hook', 'from-webhook', 'webhook', null),
      expectedAction('action_http', 'from-http', 'manual', repo.id),
    ]);
    expect((await store.templates.get('template_old'))?.repoId).toBeNull();
    expect(await store.actions.getWebhookSecret('action_hook')).toBeNull();

    // The new columns work on the old rows, and their references hold.
    await store.actions.update('action_hook', { ownerId: user.id, parameterMapping: { it: '$.body' } });
    await store.actions.setWebhookSecret('action_hook', 'v1.sealed');
    await store.templates.update('template_old', { repoId: repo.id });
    await expect(store.actions.update('action_cli', { ownerId: 'missing-user' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const task = await store.tasks.insert(
      aTask({ repoId: repo.id, actionId: 'action_hook', createdBy: null }),
    );
    const claim = { actionId: 'action_hook', key: 'delivery-1', taskId: task.id, createdAt: at };
    expect(await store.triggerKeys.claim(claim)).toEqual({ taskId: task.id, created: true });
    expect(await store.triggerKeys.claim(claim)).toEqual({ taskId: task.id, created: false });

    expect(await store.users.delete(user.id)).toBe(true);
    expect(await store.repos.delete(repo.id)).toBe(true);
    expect(await store.actions.get('action_hook')).toMatchObject({ ownerId: null, hasWebhookSecret: true });
    expect((await store.templates.get('template_old'))?.repoId).toBeNull();
    expect(await store.actions.delete('action_hook')).toBe(true);
    const count = (table: string) => store.database.prepare(`select count(*) from ${table}`).pluck().get();
    expect(count('goosuke_action_trigger_keys')).toBe(0);
    // The CHECK keeps the flag a boolean even for writes behind the store's back.
    expect(() => store.database.prepare('update goosuke_actions set has_webhook_secret = 2').run()).toThrow(
      /CHECK/,
    );
  });
});

describe('0007_run_continuation', () => {
  it('reads tasks and runs stored before it with no chosen run and no base source, and keeps both after it', async () => {
    const file = directory.file();
    await migrateOnly(file, [
      '0001_initial_schema',
      '0002_job_queue',
      '0003_model_capabilities',
      '0004_auth_tokens',
      '0005_setting_secrets',
      '0006_action_triggers',
    ]);
    const task = aTask();
    const message = aMessage(task.id);
    const run = aRun(task.id, message.id, { status: 'succeeded', workingBranch: 'goosuke/run-old' });
    const raw = new Database(file);
    try {
      const taskColumns = raw.prepare("select name from pragma_table_info('goosuke_tasks')").pluck().all();
      expect(taskColumns).not.toContain('chosen_run_id');
      const runColumns = raw.prepare("select name from pragma_table_info('goosuke_runs')").pluck().all();
      expect(runColumns).not.toContain('base_source');
      insertTaskAndMessage(raw, task, message);
      raw
        .prepare(
          `insert into goosuke_runs
             (id, task_id, message_id, executor, instruction, base_ref, base_commit, working_branch, status,
              summary, patch, files_changed, warnings, error, usage, created_at, started_at, completed_at)
           values (?, ?, ?, ?, ?, ?, null, ?, ?, null, null, '[]', '[]', null, null, ?, null, null)`,
        )
        .run(
          run.id,
          task.id,
          message.id,
          JSON.stringify(run.executor),
          run.instruction,
          run.baseRef,
          run.workingBranch,
          run.status,
          run.createdAt,
        );
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    // 0017 computes the status of tasks stored before it from their runs.
    expect(await store.tasks.get(task.id)).toEqual({
      ...task,
      chosenRunId: null,
      firedBy: null,
      status: taskStatusOf([run]),
    });
    expect(await store.runs.get(run.id)).toEqual({ ...run, baseSource: null });

    // The new columns work on the old rows, and the reference holds.
    const chose = await store.tasks.update(task.id, { chosenRunId: run.id });
    expect(chose.chosenRunId).toBe(run.id);
    await expect(store.tasks.update(task.id, { chosenRunId: 'missing-run' })).rejects.toMatchObject({
      code: 'invalid_input',
      issues: [expect.objectContaining({ path: ['chosenRunId'] })],
    });
    const later = await store.runs.insert(
      aRun(task.id, message.id, { baseSource: { kind: 'chosen-run', runId: run.id } }),
    );
    expect((await store.runs.get(later.id))?.baseSource).toEqual({ kind: 'chosen-run', runId: run.id });
    // Runs go only with their task through the port; the database still never leaves a dangling
    // choice behind (the reference is ON DELETE SET NULL).
    expect(store.database.prepare('delete from goosuke_runs where id = ?').run(run.id).changes).toBe(1);
    expect((await store.tasks.get(task.id))?.chosenRunId).toBeNull();
    expect(
      store.database.prepare('select base_source from goosuke_runs where id = ?').pluck().get(later.id),
    ).toBe(JSON.stringify({ kind: 'chosen-run', runId: run.id }));
  });
});

describe('0009_session_sign_in_time', () => {
  it("gives refresh tokens stored before it their family's earliest creation as the sign-in time", async () => {
    const file = directory.file();
    await migrateOnly(file, [
      '0001_initial_schema',
      '0002_job_queue',
      '0003_model_capabilities',
      '0004_auth_tokens',
      '0005_setting_secrets',
      '0006_action_triggers',
      '0007_run_continuation',
    ]);
    const user = aUser();
    const signIn = '2026-01-01T00:00:00.000Z';
    const rotated = '2026-01-02T00:00:00.000Z';
    const raw = new Database(file);
    try {
      raw
        .prepare(
          `insert into goosuke_users (id, username, display_name, role, disabled, password_hash, created_at, updated_at)
           values (?, ?, ?, ?, 0, null, ?, ?)`,
        )
        .run(user.id, user.username, user.displayName, user.role, user.createdAt, user.updatedAt);
      const insert = raw.prepare(
        `insert into goosuke_refresh_tokens (id, user_id, family_id, token_hash, expires_at, used_at, revoked_at, created_at)
         values (?, ?, 'family-old', ?, '2026-03-01T00:00:00.000Z', ?, null, ?)`,
      );
      insert.run('refresh-first', user.id, 'hash-first', rotated, signIn);
      insert.run('refresh-second', user.id, 'hash-second', null, rotated);
    } finally {
      raw.close();
    }

    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.refreshTokens.findByHash('hash-second')).toMatchObject({
      id: 'refresh-second',
      createdAt: rotated,
      authenticatedAt: signIn,
    });
    expect(await store.refreshTokens.isFamilyLive('family-old')).toBe(true);
    await store.refreshTokens.revokeFamily('family-old', rotated);
    expect(await store.refreshTokens.isFamilyLive('family-old')).toBe(false);
  });
});

describe('0011_run_authors', () => {
  it("counts the active runs stored before it by their message's author, and every run stored after it", async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0011_run_authors'));
    const author = aUser();
    const other = aUser();
    const task = aTask();
    const mine = aMessage(task.id, { createdBy: author.id });
    const theirs = aMessage(task.id, { createdBy: other.id });
    const raw = new Database(file);
    try {
      const insertUser = raw.prepare(
        `insert into goosuke_users (id, username, display_name, role, disabled, password_hash, created_at, updated_at)
         values (?, ?, ?, ?, 0, null, ?, ?)`,
      );
      for (const user of [author, other])
        insertUser.run(user.id, user.username, user.displayName, user.role, user.createdAt, user.updatedAt);
      raw
        .prepare(
          `insert into goosuke_tasks (id, title, repo_id, base_branch, action_id, created_by, archived, created_at, updated_at)
           values (?, ?, null, null, null, null, 0, ?, ?)`,
        )
        .run(task.id, task.title, task.createdAt, task.updatedAt);
      const insertMessage = raw.prepare(
        `insert into goosuke_messages (id, task_id, role, content, run_id, created_by, created_at)
         values (?, ?, 'user', ?, null, ?, ?)`,
      );
      for (const message of [mine, theirs])
        insertMessage.run(message.id, task.id, message.content, message.createdBy, message.createdAt);
      const columns = raw.prepare("select name from pragma_table_info('goosuke_runs')").pluck().all();
      expect(columns).not.toContain('author_id');
      // Runs stored by the release before this migration, with its columns only.
      const insertRun = raw.prepare(
        `insert into goosuke_runs
           (id, task_id, message_id, executor, instruction, base_ref, base_commit, working_branch, status,
            summary, patch, files_changed, warnings, error, usage, created_at, started_at, completed_at)
         values (?, ?, ?, ?, ?, null, null, null, ?, null, null, '[]', '[]', null, null, ?, null, null)`,
      );
      for (const [message, status] of [
        [mine, 'queued'],
        [mine, 'succeeded'],
        [theirs, 'running'],
      ] as const) {
        const run = aRun(task.id, message.id, { status });
        insertRun.run(
          run.id,
          task.id,
          message.id,
          JSON.stringify(run.executor),
          run.instruction,
          status,
          run.createdAt,
        );
      }
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.runs.countActiveByAuthor(author.id)).toBe(1);
    expect(await store.runs.countActiveByAuthor(other.id)).toBe(1);
    const queued = await store.runs.insert(aRun(task.id, mine.id, { status: 'queued' }));
    await store.runs.insert(aRun(task.id, mine.id, { status: 'running' }));
    await store.runs.insert(aRun(task.id, mine.id, { status: 'succeeded' }));
    await store.runs.insert(aRun(task.id, theirs.id, { status: 'queued' }));
    expect(await store.runs.countActiveByAuthor(author.id)).toBe(3);
    expect(await store.runs.countActiveByAuthor(other.id)).toBe(2);
    await store.runs.update(queued.id, { status: 'running' });
    await store.runs.update(queued.id, { status: 'succeeded' });
    expect(await store.runs.countActiveByAuthor(author.id)).toBe(2);
    // Answered from the partial index of active runs by author, not by reading every active run.
    const plan = store.database
      .prepare(
        `explain query plan select count(*) from goosuke_runs where author_id = ? and status in ('queued', 'running')`,
      )
      .all(author.id) as Array<{ detail: string }>;
    expect(plan.map((step) => step.detail).join(' ')).toContain('goosuke_runs_active_by_author');
  });
});

describe('0012_agents', () => {
  it('turns the agent-cli executors of earlier runs into agent executors, adds run limits and the agents table', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0012_agents'));
    const task = aTask();
    const message = aMessage(task.id);
    const raw = new Database(file);
    const runs = [
      {
        id: 'run_old_gemini',
        executor: { kind: 'agent-cli', cli: 'gemini-cli', modelName: 'gemini-2.5-pro' },
      },
      { id: 'run_old_codex', executor: { kind: 'agent-cli', cli: 'codex', modelName: null } },
      { id: 'run_old_model', executor: { kind: 'model', modelProfileId: 'model_kept' } },
    ];
    try {
      insertTaskAndMessage(raw, task, message);
      const insertRun = raw.prepare(
        `insert into goosuke_runs
           (id, task_id, message_id, executor, instruction, base_ref, base_commit, working_branch, status,
            summary, patch, files_changed, warnings, error, usage, created_at, started_at, completed_at)
         values (?, ?, ?, ?, 'do it', null, null, null, 'failed', null, null, '[]', '[]', null, null, ?, null, null)`,
      );
      for (const run of runs)
        insertRun.run(run.id, task.id, message.id, JSON.stringify(run.executor), message.createdAt);
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    expect((await store.runs.get('run_old_gemini'))?.executor).toEqual({
      kind: 'agent',
      agent: 'gemini',
      modelProfileId: null,
    });
    expect((await store.runs.get('run_old_codex'))?.executor).toEqual({
      kind: 'agent',
      agent: 'codex',
      modelProfileId: null,
    });
    const kept = await store.runs.get('run_old_model');
    expect(kept?.executor).toEqual({ kind: 'model', modelProfileId: 'model_kept' });
    expect(kept).toMatchObject({ maxCostUsd: null, maxTokens: null, allowShell: false });
    const limited = await store.runs.update('run_old_model', { maxCostUsd: 1.25, maxTokens: 9_000 });
    expect(limited).toMatchObject({ maxCostUsd: 1.25, maxTokens: 9_000 });
    expect((await store.agents.list()).items).toEqual([]);
  });
});

describe('0013_agent_templates', () => {
  it('gives templates stored before it no agents, no shell and no limits, and runs no agent session', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0013_agent_templates'));
    const task = aTask();
    const message = aMessage(task.id);
    const raw = new Database(file);
    try {
      raw
        .prepare(
          `insert into goosuke_templates
             (id, name, description, prompt, parameters, default_model_profile_ids, extension_ids, output_kind, repo_id, created_at, updated_at)
           values ('template_before', 'before', '', 'Fix it', '[]', '[]', '[]', 'patch', null, ?, ?)`,
        )
        .run(task.createdAt, task.createdAt);
      insertTaskAndMessage(raw, task, message);
      raw
        .prepare(
          `insert into goosuke_runs
             (id, task_id, message_id, executor, instruction, base_ref, base_commit, working_branch, status,
              summary, patch, files_changed, warnings, error, usage, created_at, started_at, completed_at)
           values ('run_before', ?, ?, '{"kind":"agent","agent":"codex","modelProfileId":null}', 'do it', null, null,
                   null, 'succeeded', null, null, '[]', '[]', null, null, ?, null, null)`,
        )
        .run(task.id, message.id, message.createdAt);
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.templates.get('template_before')).toMatchObject({
      defaultAgents: [],
      allowShell: false,
      maxCostUsd: null,
      maxTokens: null,
    });
    const updated = await store.templates.update('template_before', {
      defaultAgents: [{ agent: 'codex' }],
      allowShell: true,
      maxCostUsd: 0.5,
      maxTokens: 20_000,
    });
    expect(updated).toMatchObject({ defaultAgents: [{ agent: 'codex' }], allowShell: true, maxCostUsd: 0.5 });
    expect((await store.runs.get('run_before'))?.agentSession).toBeNull();
    const session = { id: 'session-1', directoryRunId: 'run_before', resumed: false };
    expect((await store.runs.update('run_before', { agentSession: session })).agentSession).toEqual(session);
  });
});

describe('0014_extension_fields', () => {
  it('turns the header maps of extensions stored before into non-secret entries and adds the new fields', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0014_extension_fields'));
    const at = '2026-01-02T03:04:05.000Z';
    const raw = new Database(file);
    try {
      const insert = raw.prepare(
        `insert into goosuke_extensions (id, name, type, command, args, uri, headers, timeout_seconds, env, enabled, created_at, updated_at)
         values (?, ?, ?, null, '[]', ?, ?, 60, '[]', 1, ?, ?)`,
      );
      insert.run(
        'extension_http',
        'search',
        'streamable_http',
        'https://mcp.example.com/mcp',
        '{"x-team":"widgets","accept":"*/*"}',
        at,
        at,
      );
      insert.run('extension_none', 'plain', 'sse', 'https://mcp.example.com/sse', '{}', at, at);
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.extensions.get('extension_http')).toMatchObject({
      description: '',
      cwd: null,
      alwaysOn: false,
      server: null,
      headers: [
        { name: 'x-team', value: 'widgets', secret: false },
        { name: 'accept', value: '*/*', secret: false },
      ],
    });
    expect((await store.extensions.get('extension_none'))?.headers).toEqual([]);
  });
});

describe('0015_run_extensions', () => {
  it('gives tasks, actions and runs stored before it no extensions, and stores them after it', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0015_run_extensions'));
    const at = '2026-01-02T03:04:05.000Z';
    const raw = new Database(file);
    try {
      insertTaskAndMessage(
        raw,
        { id: 'task_old', title: 'Old task', createdAt: at, updatedAt: at },
        { id: 'message_old', content: 'Fix it', createdAt: at },
      );
      raw
        .prepare(
          `insert into goosuke_runs (id, task_id, message_id, executor, instruction, status, files_changed, warnings, created_at, allow_shell)
           values ('run_old', 'task_old', 'message_old', '{"kind":"model","modelProfileId":"model_x"}', 'Fix it', 'queued', '[]', '[]', ?, 0)`,
        )
        .run(at);
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    expect((await store.tasks.get('task_old'))?.extensionIds).toEqual([]);
    expect((await store.tasks.get('task_old'))?.discordChannel).toBeNull();
    expect((await store.runs.get('run_old'))?.extensions).toEqual([]);
    const extensions = [
      { id: 'extension_a', name: 'files', server: { name: 'fs', version: '1.0.0', checkedAt: at } },
    ];
    expect((await store.runs.update('run_old', { extensions })).extensions).toEqual(extensions);
    expect((await store.runs.get('run_old'))?.extensions).toEqual(extensions);
    expect((await store.tasks.update('task_old', { extensionIds: ['extension_a'] })).extensionIds).toEqual([
      'extension_a',
    ]);
  });
});

describe('0016_extension_deletions', () => {
  it('adds an empty record of deleted names beside the extensions stored before, and drops it going down', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0016_extension_deletions'));
    const store = directory.track(await createSqliteStore({ database: file }));
    expect(await store.extensions.listDeletions()).toEqual([]);
    const deletion = { name: 'github', deletedAt: '2026-01-02T03:04:05.000Z' };
    await store.extensions.recordDeletion(deletion);
    expect(await store.extensions.getDeletion('github')).toEqual(deletion);
    await store.close();

    const all = await sqliteMigrationProvider.getMigrations();
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    try {
      await all['0016_extension_deletions']!.down!(kysely);
      const tables = await kysely.introspection.getTables();
      expect(tables.map((table) => table.name)).not.toContain('goosuke_extension_deletions');
    } finally {
      await kysely.destroy();
    }
  });
});

describe('0017_task_status_origin', () => {
  it('gives tasks stored before it their status from their runs and their action’s template and trigger', async () => {
    const file = directory.file();
    await migrateOnly(file, await migrationsBefore('0017_task_status_origin'));
    const at = (minute: number) => `2026-01-02T03:${String(minute).padStart(2, '0')}:00.000Z`;
    const raw = new Database(file);
    try {
      raw
        .prepare(
          `insert into goosuke_templates (id, name, description, output_kind, prompt, parameters, repo_id, default_model_profile_ids, extension_ids, created_at, updated_at)
           values ('template_old', 'ask', '', 'text', 'Answer', '[]', null, '[]', '[]', ?, ?)`,
        )
        .run(at(0), at(0));
      raw
        .prepare(
          `insert into goosuke_actions (id, name, template_id, trigger, config, repo_id, owner_id, callback_url, parameter_mapping, has_webhook_secret, enabled, created_at, updated_at)
           values ('action_hook', 'hook', 'template_old', 'webhook', '{}', null, null, null, '{}', 0, 1, ?, ?)`,
        )
        .run(at(0), at(0));
      const insertRun = raw.prepare(
        `insert into goosuke_runs (id, task_id, message_id, executor, instruction, status, files_changed, warnings, created_at, allow_shell)
         values (?, ?, ?, '{"kind":"model","modelProfileId":"model_x"}', 'Go', ?, '[]', '[]', ?, 0)`,
      );
      // task_done: its older message failed, its latest succeeded and failed: succeeded.
      insertTaskAndMessage(
        raw,
        { id: 'task_done', title: 'Done', createdAt: at(1), updatedAt: at(1) },
        { id: 'message_1', content: 'Go', createdAt: at(1) },
      );
      raw
        .prepare(
          `insert into goosuke_messages (id, task_id, role, content, run_id, created_by, created_at) values ('message_2', 'task_done', 'user', 'Again', null, null, ?)`,
        )
        .run(at(3));
      insertRun.run('run_1', 'task_done', 'message_1', 'failed', at(2));
      insertRun.run('run_2', 'task_done', 'message_2', 'succeeded', at(4));
      insertRun.run('run_3', 'task_done', 'message_2', 'failed', at(4));
      // task_busy: a run still queued; task_idle: no run; task_hook: from the webhook action.
      insertTaskAndMessage(
        raw,
        { id: 'task_busy', title: 'Busy', createdAt: at(5), updatedAt: at(5) },
        { id: 'message_3', content: 'Go', createdAt: at(5) },
      );
      insertRun.run('run_4', 'task_busy', 'message_3', 'queued', at(6));
      insertTaskAndMessage(
        raw,
        { id: 'task_idle', title: 'Idle', createdAt: at(7), updatedAt: at(7) },
        { id: 'message_4', content: 'Go', createdAt: at(7) },
      );
      insertTaskAndMessage(
        raw,
        { id: 'task_hook', title: 'Hook', createdAt: at(8), updatedAt: at(8) },
        { id: 'message_5', content: 'Go', createdAt: at(8) },
      );
      raw.prepare(`update goosuke_tasks set action_id = 'action_hook' where id = 'task_hook'`).run();
      insertRun.run('run_5', 'task_hook', 'message_5', 'canceled', at(9));
    } finally {
      raw.close();
    }
    const store = directory.track(await createSqliteStore({ database: file }));
    const of = async (id: string) => {
      const task = await store.tasks.get(id);
      return [task?.status, task?.templateId, task?.trigger];
    };
    expect(await of('task_done')).toEqual(['succeeded', null, null]);
    expect(await of('task_busy')).toEqual(['active', null, null]);
    expect(await of('task_idle')).toEqual(['idle', null, null]);
    expect(await of('task_hook')).toEqual(['canceled', 'template_old', 'webhook']);
    expect((await store.tasks.list({ status: 'active' })).items.map((task) => task.id)).toEqual([
      'task_busy',
    ]);
    expect((await store.tasks.list({ templateId: 'template_old' })).items.map((task) => task.id)).toEqual([
      'task_hook',
    ]);
  });
});
