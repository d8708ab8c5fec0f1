import { beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from './create-goosuke.ts';
import { GoosukeError } from './errors/index.ts';
import type { SecretBox } from './ports/secret-box.ts';
import type { Store } from './ports/store.ts';
import { createWebCryptoSecretBox } from './secrets/index.ts';
import {
  createFakePasswordHasher,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
} from './testing/index.ts';

const apiKey = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('expected a GoosukeError');
}

describe('createGoosuke', () => {
  let store: Store;
  let secretBox: SecretBox;
  let goosuke: Goosuke;

  beforeEach(async () => {
    store = createMemoryStore();
    secretBox = await createWebCryptoSecretBox({ secret: 'test-master-secret-0123456789-abcdefghij' });
    goosuke = createGoosuke({
      store,
      secretBox,
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
  });

  describe('models', () => {
    it('stores the API key encrypted and never returns it', async () => {
      const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey });
      expect(profile).toMatchObject({
        provider: 'openai',
        modelName: 'gpt-5.1',
        displayName: 'gpt-5.1',
        hasApiKey: true,
      });
      expect(JSON.stringify(profile)).not.toContain(apiKey);
      expect(JSON.stringify(await goosuke.models.get(profile.id))).not.toContain(apiKey);
      expect(JSON.stringify(await goosuke.models.list())).not.toContain(apiKey);
      const stored = await store.models.getEncryptedApiKey(profile.id);
      expect(stored).not.toBeNull();
      expect(stored).not.toContain(apiKey);
      expect(await goosuke.models.revealApiKey(profile.id)).toBe(apiKey);
    });

    it('binds the encrypted key to its profile', async () => {
      const a = await goosuke.models.create({ provider: 'openai', modelName: 'a', apiKey });
      const b = await goosuke.models.create({ provider: 'openai', modelName: 'b' });
      expect(b.hasApiKey).toBe(false);
      await store.models.setEncryptedApiKey(b.id, (await store.models.getEncryptedApiKey(a.id))!);
      expect(await codeOf(goosuke.models.revealApiKey(b.id))).toBe('secret_key');
    });

    it('replaces and removes keys on update', async () => {
      const profile = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude', apiKey });
      const renamed = await goosuke.models.update(profile.id, {
        displayName: 'Claude',
        apiKey: 'sk-new-key',
      });
      expect(renamed.displayName).toBe('Claude');
      expect(await goosuke.models.revealApiKey(profile.id)).toBe('sk-new-key');
      const cleared = await goosuke.models.update(profile.id, { apiKey: null });
      expect(cleared.hasApiKey).toBe(false);
      expect(await goosuke.models.revealApiKey(profile.id)).toBeNull();
    });

    it('refuses bad input with every issue listed', async () => {
      expect(await codeOf(goosuke.models.create({ provider: 'openai-compatible', modelName: 'qwen' }))).toBe(
        'invalid_input',
      );
      const error = await goosuke.models
        .create({ provider: 'nope' as 'openai', modelName: '', apiKey: '' })
        .catch((caught: unknown) => caught);
      expect(GoosukeError.isInstance(error) && error.code).toBe('invalid_input');
      expect((error as { issues: unknown[] }).issues.length).toBeGreaterThanOrEqual(3);
      expect(await codeOf(goosuke.models.get('missing'))).toBe('not_found');
      expect(await codeOf(goosuke.models.delete('missing'))).toBe('not_found');
    });

    it('accepts an openai-compatible server with a base URL', async () => {
      const profile = await goosuke.models.create({
        provider: 'openai-compatible',
        modelName: 'qwen3-coder:30b',
        baseUrl: 'http://127.0.0.1:11434/v1',
      });
      expect(profile.baseUrl).toBe('http://127.0.0.1:11434/v1');
      expect(await codeOf(goosuke.models.update(profile.id, { baseUrl: null }))).toBe('invalid_input');
    });
  });

  describe('repos', () => {
    it('registers a repository, deriving its name and code host', async () => {
      const repo = await goosuke.repos.create({ url: 'https://github.com/acme/widgets.git' });
      expect(repo).toMatchObject({ name: 'acme/widgets', defaultBranch: 'main', codeHost: 'github' });
      const scp = await goosuke.repos.create({
        url: 'git@gitlab.com:acme/tools.git',
        defaultBranch: 'trunk',
      });
      expect(scp).toMatchObject({ name: 'acme/tools', codeHost: null, defaultBranch: 'trunk' });
      expect(await codeOf(goosuke.repos.create({ url: 'https://github.com/acme/widgets.git' }))).toBe(
        'conflict',
      );
    });

    it('refuses URLs with credentials and unknown protocols', async () => {
      expect(await codeOf(goosuke.repos.create({ url: 'https://user:ghp_secret@github.com/a/b.git' }))).toBe(
        'invalid_input',
      );
      expect(await codeOf(goosuke.repos.create({ url: 'https://ghp_secret@github.com/a/b.git' }))).toBe(
        'invalid_input',
      );
      expect(await codeOf(goosuke.repos.create({ url: 'ftp://example.com/a.git' }))).toBe('invalid_input');
      expect(await codeOf(goosuke.repos.create({ url: 'not a url' }))).toBe('invalid_input');
    });
  });

  describe('tasks', () => {
    it('creates a repo task with its first message in one step', async () => {
      const repo = await goosuke.repos.create({ url: '/srv/git/app.git', defaultBranch: 'develop' });
      const { task, messages } = await goosuke.tasks.create({
        repoId: repo.id,
        message: 'Fix the login bug\nDetails…',
      });
      expect(task).toMatchObject({
        title: 'Fix the login bug',
        repoId: repo.id,
        baseBranch: 'develop',
        archived: false,
      });
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ role: 'user', taskId: task.id });
      const reply = await goosuke.tasks.addMessage(task.id, { role: 'assistant', content: 'Done.' });
      const page = await goosuke.tasks.listMessages(task.id);
      expect(page.items.map((message) => message.id)).toEqual([messages[0]!.id, reply.id]);
    });

    it('creates a text task without a repo', async () => {
      const { task } = await goosuke.tasks.create({ title: 'Summarise #general' });
      expect(task).toMatchObject({ repoId: null, baseBranch: null });
    });

    it('refuses inconsistent input and rolls back half-done work', async () => {
      expect(await codeOf(goosuke.tasks.create({ repoId: 'missing', message: 'x' }))).toBe('not_found');
      expect((await store.tasks.list()).items).toHaveLength(0);
      expect((await store.messages.list()).items).toHaveLength(0);
      expect(await codeOf(goosuke.tasks.create({ baseBranch: 'main', title: 't' }))).toBe('invalid_input');
      expect(await codeOf(goosuke.tasks.create({}))).toBe('invalid_input');
      expect(await codeOf(goosuke.tasks.addMessage('missing', { content: 'x' }))).toBe('not_found');
      const { task } = await goosuke.tasks.create({ title: 't' });
      expect(await codeOf(goosuke.tasks.addMessage(task.id, { content: '' }))).toBe('invalid_input');
    });

    it('archives, renames and deletes with the conversation', async () => {
      const { task } = await goosuke.tasks.create({ message: 'hello' });
      expect((await goosuke.tasks.setArchived(task.id, true)).archived).toBe(true);
      expect((await goosuke.tasks.list({ archived: true })).items).toHaveLength(1);
      expect((await goosuke.tasks.rename(task.id, 'renamed')).title).toBe('renamed');
      await goosuke.tasks.delete(task.id);
      expect((await store.messages.list()).items).toHaveLength(0);
      expect(await codeOf(goosuke.tasks.get(task.id))).toBe('not_found');
    });
  });

  describe('users, auth and tokens', () => {
    const jwtSecret = 'jwt-secret-for-create-goosuke-tests-0123456789';

    it('answers UnsupportedError, saying what to pass, while the hasher or JWT secret is missing', async () => {
      const users = await goosuke.users
        .create({ username: 'ada', password: 'correct horse battery' })
        .catch((error: GoosukeError) => error);
      expect((users as GoosukeError).code).toBe('unsupported');
      expect((users as GoosukeError).message).toContain('passwordHasher');
      expect(await codeOf(goosuke.auth.authenticate('anything'))).toBe('unsupported');
      // The stand-ins are not thenables: awaiting them is harmless.
      expect(await Promise.resolve(goosuke.auth)).toBe(goosuke.auth);

      const hasherOnly = createGoosuke({ store, secretBox, passwordHasher: createFakePasswordHasher() });
      expect(
        (await hasherOnly.users.create({ username: 'ada', password: 'correct horse battery' })).role,
      ).toBe('member');
      const login = await hasherOnly.auth
        .login({ username: 'ada', password: 'x' })
        .catch((error: GoosukeError) => error);
      expect((login as GoosukeError).code).toBe('unsupported');
      expect((login as GoosukeError).message).toContain('GOOSUKE_JWT_SECRET');
    });

    it('refuses a weak JWT secret at once, without echoing it', () => {
      const weak = 'jwt-secret-too-short';
      let caught: unknown;
      try {
        createGoosuke({ store, secretBox, passwordHasher: createFakePasswordHasher(), jwtSecret: weak });
      } catch (error) {
        caught = error;
      }
      expect(GoosukeError.isInstance(caught) && caught.code).toBe('invalid_input');
      expect((caught as Error).message).toContain('GOOSUKE_JWT_SECRET');
      expect((caught as Error).message).not.toContain(weak);
    });

    it('signs a user in end to end with both given', async () => {
      const full = createGoosuke({ store, secretBox, passwordHasher: createFakePasswordHasher(), jwtSecret });
      const user = await full.users.create({
        username: 'ada',
        password: 'correct horse battery',
        role: 'admin',
      });
      const { accessToken } = await full.auth.login({ username: 'ada', password: 'correct horse battery' });
      expect(await full.auth.authenticate(accessToken)).toEqual({
        userId: user.id,
        username: 'ada',
        role: 'admin',
        via: 'jwt',
        authenticatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sessionId: expect.any(String),
      });
    });
  });

  it('close() closes the store and is idempotent', async () => {
    await goosuke.close();
    await goosuke.close();
    await expect(store.tasks.list()).rejects.toSatisfy(GoosukeError.isInstance);
  });
});
