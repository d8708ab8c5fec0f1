import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import { taskStatusOf } from '../domain/index.ts';
import { ProviderError } from '../errors/index.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFakePasswordHasher,
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  unusedGitBackend,
} from '../testing/index.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Text tasks answered by a model whose reply depends on the instruction: FAIL fails, else answers. */
async function compose() {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const goosuke: Goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-task-status-tests' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
    passwordHasher: createFakePasswordHasher(),
    runtime: {
      queue,
      git: unusedGitBackend,
      languageModels: () =>
        createScriptedLanguageModel({
          replies: [
            (request) => {
              const last = request.messages.at(-1)?.content ?? '';
              if (last.includes('FAIL'))
                throw new ProviderError('openai', 'the provider refused', { status: 400 });
              return 'An answer.';
            },
          ],
        }),
      layout: {
        cloneDir: (repo) => `/nonexistent/${repo.id}`,
        workingCopyDir: (run) => `/nonexistent/${run.id}`,
      },
    },
  });
  closers.push(async () => {
    await goosuke.close();
    await queue.close();
  });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' });
  const admin = await goosuke.users.create({
    username: 'ada',
    password: 'a-long-password-1234',
    role: 'admin',
  });
  return { goosuke, modelId: model.id, admin };
}

describe("a task's status and origin", () => {
  it('follows its runs: idle, active, then the outcome of its latest message', async () => {
    const { goosuke, modelId } = await compose();
    const { task } = await goosuke.tasks.create({ title: 'q' });
    expect(task.status).toBe('idle');
    expect([task.templateId, task.trigger]).toEqual([null, null]);

    const first = await goosuke.runs.create(task.id, { instruction: 'Answer', models: [modelId] });
    expect((await goosuke.tasks.get(task.id)).status).toBe('active');
    const workers = goosuke.runs.startWorkers();
    await goosuke.runs.waitFor(first.runs.map((run) => run.id));
    expect((await goosuke.tasks.get(task.id)).status).toBe('succeeded');

    const second = await goosuke.runs.create(task.id, { instruction: 'FAIL please', models: [modelId] });
    await goosuke.runs.waitFor(second.runs.map((run) => run.id));
    expect((await goosuke.tasks.get(task.id)).status).toBe('failed');

    await workers.stop();
    expect((await goosuke.tasks.list({ status: 'failed' })).items.map((item) => item.id)).toEqual([task.id]);
    expect((await goosuke.tasks.list({ status: 'succeeded' })).items).toEqual([]);

    // Canceled while queued (no worker runs here).
    const other = await compose();
    const { task: waiting } = await other.goosuke.tasks.create({ title: 'later' });
    const third = await other.goosuke.runs.create(waiting.id, {
      instruction: 'Answer',
      models: [other.modelId],
    });
    expect((await other.goosuke.tasks.get(waiting.id)).status).toBe('active');
    await other.goosuke.runs.cancel(third.runs[0]!.id);
    expect((await other.goosuke.tasks.get(waiting.id)).status).toBe('canceled');
  });

  it('records the template and trigger of a task an action started, manual when fired by hand', async () => {
    const { goosuke, modelId, admin } = await compose();
    const template = await goosuke.templates.create({ name: 'ask', outputKind: 'text', prompt: 'Answer' });
    const hook = await goosuke.actions.create({ name: 'hook', template: template.name, trigger: 'webhook' });
    const byTrigger = await goosuke.actions.trigger(hook.action.id, { models: [modelId] });
    expect(byTrigger.task).toMatchObject({ templateId: template.id, trigger: 'webhook', status: 'active' });
    const byHand = await goosuke.actions.trigger(hook.action.id, { models: [modelId], firedBy: admin.id });
    expect(byHand.task).toMatchObject({
      templateId: template.id,
      trigger: 'manual',
      actionId: hook.action.id,
    });

    const ids = (page: { items: Array<{ id: string }> }) => page.items.map((item) => item.id).sort();
    expect(ids(await goosuke.tasks.list({ templateId: template.id }))).toEqual(
      [byTrigger.task.id, byHand.task.id].sort(),
    );
    expect(ids(await goosuke.tasks.list({ trigger: 'webhook' }))).toEqual([byTrigger.task.id]);
    expect(ids(await goosuke.tasks.list({ trigger: 'manual', actionId: hook.action.id }))).toEqual([
      byHand.task.id,
    ]);
    // Members list their own only, by the same filters.
    const actor = {
      userId: admin.id,
      username: 'ada',
      role: 'admin' as const,
      via: 'jwt' as const,
      authenticatedAt: '2026-01-02T03:04:05.000Z',
    };
    expect(ids(await goosuke.as(actor).tasks.list({ status: 'active' }))).toEqual(
      [byTrigger.task.id, byHand.task.id].sort(),
    );
  });

  it('is computed from the runs of the latest message that ran', () => {
    expect(taskStatusOf([])).toBe('idle');
    expect(taskStatusOf([{ status: 'failed' }, { status: 'running' }])).toBe('active');
    expect(taskStatusOf([{ status: 'failed' }, { status: 'succeeded' }])).toBe('succeeded');
    expect(taskStatusOf([{ status: 'canceled' }, { status: 'failed' }])).toBe('failed');
    expect(taskStatusOf([{ status: 'canceled' }])).toBe('canceled');
  });
});
