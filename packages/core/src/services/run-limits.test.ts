import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import { GoosukeError, PayloadTooLargeError, RateLimitedError } from '../errors/index.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFakePasswordHasher,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  unusedGitBackend,
} from '../testing/index.ts';
import type { RunLimits } from './run-limits.ts';
import { resolveRunLimits } from './run-limits.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Goosuke on the memory store and queue, no workers started: runs stay queued. */
async function compose(limits?: Partial<RunLimits>) {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const store = createMemoryStore();
  const goosuke: Goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-run-limits-tests-0001' }),
    passwordHasher: createFakePasswordHasher(),
    runtime: {
      queue,
      git: unusedGitBackend,
      languageModels: () => createScriptedLanguageModel({ replies: ['ok'] }),
      layout: { cloneDir: () => '/nonexistent/c', workingCopyDir: () => '/nonexistent/w' },
    },
    ...(limits === undefined ? {} : { limits }),
  });
  closers.push(async () => {
    await goosuke.close();
    await queue.close();
  });
  const models = [];
  for (let index = 0; index < 16; index++) {
    models.push((await goosuke.models.create({ provider: 'openai', modelName: `gpt-${index}` })).id);
  }
  const alice = await goosuke.users.create({ username: 'alice', password: 'correct horse battery' });
  const bob = await goosuke.users.create({ username: 'bob', password: 'correct horse battery' });
  const { task } = await goosuke.as(alice).tasks.create({ title: 'a question' });
  return { goosuke, store, models, alice, bob, taskId: task.id };
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return error as GoosukeError;
}

describe('run limits', () => {
  it('defaults to 200 KiB, 8 models and 24 active runs, and refuses values out of range', () => {
    expect(resolveRunLimits()).toEqual({
      maxInstructionBytes: 204_800,
      maxModelsPerMessage: 8,
      maxActiveRunsPerUser: 24,
    });
    expect(() => resolveRunLimits({ maxModelsPerMessage: 17 })).toThrow(/limits/);
    expect(() => resolveRunLimits({ maxInstructionBytes: 0 })).toThrow(/limits/);
  });

  it('refuses an instruction over the limit with a 413-kind error naming the limit, and stores nothing', async () => {
    const { goosuke, store, models, alice, taskId } = await compose();
    const huge = 'x'.repeat(1_000_000);
    for (const call of [
      () => goosuke.as(alice).runs.create(taskId, { instruction: huge, models: [models[0]!] }),
      () => goosuke.runs.create(taskId, { instruction: huge, models: [models[0]!] }),
      // Over the limit in bytes though not in characters: 70,000 three-byte characters.
      () => goosuke.as(alice).runs.create(taskId, { instruction: 'あ'.repeat(70_000), models: [models[0]!] }),
    ]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error).toMatchObject({ code: 'payload_too_large', limit: 204_800 });
    }
    // Even over the schema's own character maximum, it is the size limit that answers.
    const error = await rejection(
      goosuke.as(alice).runs.create(taskId, { instruction: 'x'.repeat(1_000_001), models: [models[0]!] }),
    );
    expect(error.code).toBe('payload_too_large');
    expect((await store.runs.list({ taskId })).items).toEqual([]);
    expect((await store.messages.list({ taskId })).items).toEqual([]);
  });

  it('refuses messages over the limit, on task creation and added to a conversation', async () => {
    const { goosuke, alice, taskId } = await compose({ maxInstructionBytes: 1000 });
    const long = 'y'.repeat(1001);
    expect((await rejection(goosuke.as(alice).tasks.create({ message: long }))).code).toBe(
      'payload_too_large',
    );
    expect((await rejection(goosuke.tasks.create({ message: long }))).code).toBe('payload_too_large');
    expect((await rejection(goosuke.as(alice).tasks.addMessage(taskId, { content: long }))).code).toBe(
      'payload_too_large',
    );
    expect((await rejection(goosuke.tasks.addMessage(taskId, { content: long }))).code).toBe(
      'payload_too_large',
    );
    await expect(
      goosuke.as(alice).tasks.addMessage(taskId, { content: 'y'.repeat(1000) }),
    ).resolves.toBeTruthy();
  });

  it('refuses a model named twice and more models than the limit (invalid input)', async () => {
    const { goosuke, store, models, alice, taskId } = await compose();
    const twice = await rejection(
      goosuke
        .as(alice)
        .runs.create(taskId, { instruction: 'go', models: [models[0]!, models[1]!, models[0]!] }),
    );
    expect(twice).toMatchObject({ code: 'invalid_input', issues: [{ path: ['models', 2] }] });
    const nine = await rejection(
      goosuke.runs.create(taskId, { instruction: 'go', models: models.slice(0, 9) }),
    );
    expect(nine).toMatchObject({ code: 'invalid_input', issues: [{ path: ['models'] }] });
    expect(nine.message).toContain('at most 8 models');
    expect((await store.runs.list({ taskId })).items).toEqual([]);
    const eight = await goosuke
      .as(alice)
      .runs.create(taskId, { instruction: 'go', models: models.slice(0, 8) });
    expect(eight.runs).toHaveLength(8);
  });

  it('limits queued plus running runs per user, retry later, and counts each user apart', async () => {
    const { goosuke, models, alice, bob, taskId } = await compose({ maxActiveRunsPerUser: 5 });
    await goosuke.as(alice).runs.create(taskId, { instruction: 'one', models: models.slice(0, 4) });
    const over = await rejection(
      goosuke.as(alice).runs.create(taskId, { instruction: 'two', models: models.slice(0, 2) }),
    );
    expect(over).toBeInstanceOf(RateLimitedError);
    expect(over).toMatchObject({ code: 'rate_limited', retryable: true, limit: 5 });
    expect((over as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Within the limit still works; another user has a limit of their own.
    await goosuke.as(alice).runs.create(taskId, { instruction: 'three', models: [models[0]!] });
    const { task } = await goosuke.as(bob).tasks.create({ title: 'bob' });
    await goosuke.as(bob).runs.create(task.id, { instruction: 'b', models: models.slice(0, 5) });
    // Ended runs no longer count.
    const first = (await goosuke.runs.list({ taskId, limit: 1 })).items[0]!;
    await goosuke.runs.cancel(first.id);
    await goosuke.as(alice).runs.create(taskId, { instruction: 'four', models: [models[1]!] });
    // Action triggers are held to the same limit (the trigger's author).
    const template = await goosuke.templates.create({
      name: 'ask',
      prompt: 'Answer: {{q}}',
      parameters: [{ name: 'q', type: 'string' }],
    });
    const { action } = await goosuke.actions.create({
      name: 'ask',
      template: template.id,
      trigger: 'manual',
      ownerId: alice.id,
    });
    const triggered = await rejection(
      goosuke.as(alice).actions.trigger(action.id, { parameters: { q: 'why' }, models: [models[2]!] }),
    );
    expect(triggered.code).toBe('rate_limited');
  });
});
