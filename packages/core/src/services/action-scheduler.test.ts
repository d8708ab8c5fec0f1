import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Action, Task } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  type FixedClock,
  type MemoryJobQueue,
  unusedGitBackend,
} from '../testing/index.ts';
import {
  type ActionScheduler,
  type ActionSchedulerOptions,
  startActionScheduler,
} from './action-scheduler.ts';

const hour = 3_600_000;
// Long enough that only explicit tick() calls look during a test, short enough for setTimeout.
const maxWaitMs = 24 * hour;
const apiKey = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Text tasks never touch git, so every git call is a test failure. The core package has no
 * in-memory GitBackend; this stands in for one only to satisfy the runtime's shape.
 */

describe('startActionScheduler', () => {
  let store: Store;
  let clock: FixedClock;
  let queue: MemoryJobQueue;
  let goosuke: Goosuke;
  let schedulers: ActionScheduler[];

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock('2026-01-02T10:30:00.000Z');
    queue = createMemoryJobQueue();
    schedulers = [];
    goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-scheduler-tests-0123' }),
      clock,
      ids: createSequentialIdGenerator(),
      runtime: {
        queue,
        git: unusedGitBackend,
        languageModels: () => createScriptedLanguageModel({ replies: ['The hourly report.'] }),
        layout: {
          cloneDir: (repo) => `/nonexistent/clones/${repo.id}`,
          workingCopyDir: (run) => `/nonexistent/worktrees/${run.id}`,
        },
      },
    });
  });

  afterEach(async () => {
    for (const scheduler of schedulers) await scheduler.stop();
    await goosuke.close();
    await queue.close();
  });

  /** A text template and an hourly `schedule` action on it; `models: false` leaves the template without models. */
  async function createHourlyAction(
    options: { models?: boolean; enabled?: boolean; name?: string } = {},
  ): Promise<Action> {
    const name = options.name ?? 'hourly-report';
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey });
    const template = await goosuke.templates.create({
      name: `${name}-template`,
      prompt: 'Write the {{kind}} report for team {{team}}.',
      parameters: [
        { name: 'kind', type: 'string', required: true },
        { name: 'team', type: 'string', required: true },
      ],
      defaultModelProfileIds: options.models === false ? [] : [profile.id],
      outputKind: 'text',
    });
    const { action } = await goosuke.actions.create({
      name,
      template: template.name,
      trigger: 'schedule',
      config: { cron: '0 * * * *', timeZone: 'UTC', parameters: { kind: 'hourly', team: 'core' } },
      enabled: options.enabled ?? true,
    });
    return action;
  }

  /**
   * Starts a scheduler and lets its first look (on a 0 ms timer) begin, so that no later
   * tick() overlaps it: tick() waits for a look in progress before it looks itself.
   */
  async function startScheduler(options: ActionSchedulerOptions = {}): Promise<ActionScheduler> {
    const scheduler = startActionScheduler(
      { store, clock, actions: goosuke.actions },
      { maxWaitMs, ...options },
    );
    schedulers.push(scheduler);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return scheduler;
  }

  async function tasks(): Promise<Task[]> {
    return (await store.tasks.list({ limit: 500 })).items;
  }

  it('fires nothing before the first fire time', async () => {
    await createHourlyAction();
    const scheduler = await startScheduler();
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-01-02T10:59:59.999Z');
    expect(await scheduler.tick()).toBe(0);
    expect(await tasks()).toEqual([]);
  });

  it('fires once when the hour has come, with the tick in the title, and not again that hour', async () => {
    const action = await createHourlyAction();
    const fired: Array<{ action: string; tick: string; taskId: string }> = [];
    const scheduler = await startScheduler({
      onFired: (firedAction, tick, taskId) =>
        fired.push({ action: firedAction.id, tick: tick.toISOString(), taskId }),
    });
    clock.set('2026-01-02T11:00:30.000Z');
    expect(await scheduler.tick()).toBe(1);

    const [task, ...others] = await tasks();
    expect(others).toEqual([]);
    expect(task).toMatchObject({ actionId: action.id, repoId: null });
    expect(task!.title).toContain('2026-01-02T11:00:00.000Z');
    expect(task!.title).toBe('hourly-report (2026-01-02T11:00:00.000Z)');
    expect(fired).toEqual([{ action: action.id, tick: '2026-01-02T11:00:00.000Z', taskId: task!.id }]);
    // The action's parameters fill the template of the run that was queued.
    const runs = (await store.runs.list({ taskId: task!.id, limit: 500 })).items;
    expect(runs.map((run) => [run.status, run.instruction])).toEqual([
      ['queued', 'Write the hourly report for team core.'],
    ]);

    clock.set('2026-01-02T11:59:59.000Z');
    expect(await scheduler.tick()).toBe(0);
    expect(await tasks()).toHaveLength(1);
    expect(fired).toHaveLength(1);

    clock.set('2026-01-02T12:00:00.000Z');
    expect(await scheduler.tick()).toBe(1);
    expect((await tasks()).map((each) => each.title).sort()).toEqual([
      'hourly-report (2026-01-02T11:00:00.000Z)',
      'hourly-report (2026-01-02T12:00:00.000Z)',
    ]);
  });

  it('after 5 hours without a look fires the latest tick once, not 5 times', async () => {
    await createHourlyAction();
    const scheduler = await startScheduler();
    clock.advance(5 * hour);
    expect(await scheduler.tick()).toBe(1);
    expect(await scheduler.tick()).toBe(0);
    expect((await tasks()).map((task) => task.title)).toEqual(['hourly-report (2026-01-02T15:00:00.000Z)']);
  });

  it('after 5 hours with no scheduler running, a new one fires the latest tick once on its first look', async () => {
    await createHourlyAction();
    const first = await startScheduler();
    expect(await first.tick()).toBe(0);
    await first.stop();

    clock.advance(5 * hour);
    const fired: string[] = [];
    const second = await startScheduler({ onFired: (_action, tick) => fired.push(tick.toISOString()) });
    // Waits for the first look, then looks again: the tick was already taken by that first look.
    expect(await second.tick()).toBe(0);
    expect(fired).toEqual(['2026-01-02T15:00:00.000Z']);
    expect((await tasks()).map((task) => task.title)).toEqual(['hourly-report (2026-01-02T15:00:00.000Z)']);
  });

  it('does nothing for a disabled action', async () => {
    await createHourlyAction({ enabled: false });
    const errors: unknown[] = [];
    const scheduler = await startScheduler({ onError: (_action, error) => errors.push(error) });
    clock.advance(2 * hour);
    expect(await scheduler.tick()).toBe(0);
    expect(await tasks()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('stops firing an action once it is disabled, and does not make up for the ticks it missed', async () => {
    const action = await createHourlyAction();
    const scheduler = await startScheduler();
    clock.set('2026-01-02T10:45:00.000Z');
    await goosuke.actions.update(action.id, { enabled: false });
    clock.set('2026-01-02T11:30:00.000Z');
    expect(await scheduler.tick()).toBe(0);
    await goosuke.actions.update(action.id, { enabled: true });
    // The 11:00 tick came before the action was last changed.
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-01-02T12:00:00.000Z');
    expect(await scheduler.tick()).toBe(1);
    expect((await tasks()).map((task) => task.title)).toEqual(['hourly-report (2026-01-02T12:00:00.000Z)']);
  });

  it('reports a tick that cannot start once, and does not retry it in a loop', async () => {
    const action = await createHourlyAction({ models: false });
    const errors: Array<{ action: string; error: unknown }> = [];
    const scheduler = await startScheduler({
      onError: (failed, error) => errors.push({ action: failed.id, error }),
    });
    clock.set('2026-01-02T11:00:05.000Z');
    expect(await scheduler.tick()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.action).toBe(action.id);
    expect(GoosukeError.isInstance(errors[0]!.error) && errors[0]!.error.code).toBe('invalid_input');
    expect((errors[0]!.error as Error).message).toContain('no default models');

    clock.set('2026-01-02T11:40:00.000Z');
    expect(await scheduler.tick()).toBe(0);
    expect(await scheduler.tick()).toBe(0);
    expect(errors).toHaveLength(1);

    // The next tick is a new attempt.
    clock.set('2026-01-02T12:00:00.000Z');
    expect(await scheduler.tick()).toBe(0);
    expect(errors).toHaveLength(2);
    expect(await tasks()).toEqual([]);
  });

  it('keeps firing the other actions when one fails', async () => {
    await createHourlyAction({ models: false, name: 'broken' });
    const working = await createHourlyAction({ name: 'working' });
    const errors: string[] = [];
    const scheduler = await startScheduler({ onError: (failed) => errors.push(failed.name) });
    clock.set('2026-01-02T11:00:00.000Z');
    expect(await scheduler.tick()).toBe(1);
    expect(errors).toEqual(['broken']);
    expect((await tasks()).map((task) => task.actionId)).toEqual([working.id]);
  });

  it('starts one task per tick when two schedulers look at it one after the other', async () => {
    await createHourlyAction();
    const a = await startScheduler();
    const b = await startScheduler();
    clock.set('2026-01-02T11:00:10.000Z');
    expect(await a.tick()).toBe(1);
    expect(await b.tick()).toBe(0);
    expect(await a.tick()).toBe(0);
    const all = await tasks();
    expect(all).toHaveLength(1);
    expect((await store.runs.list({ taskId: all[0]!.id, limit: 500 })).items).toHaveLength(1);
  });

  // The task, its key and its runs commit in one transaction: the loser of the key claim finds
  // the winner's task with its runs and starts nothing (this once started runs twice).
  it('starts one task with one run per tick when two schedulers look at the same time', async () => {
    await createHourlyAction();
    const a = await startScheduler();
    const b = await startScheduler();
    clock.set('2026-01-02T11:00:10.000Z');
    const [firedByA, firedByB] = await Promise.all([a.tick(), b.tick()]);
    expect(firedByA + firedByB).toBe(1);
    expect(await a.tick()).toBe(0);
    expect(await b.tick()).toBe(0);
    const all = await tasks();
    expect(all).toHaveLength(1);
    expect((await store.runs.list({ taskId: all[0]!.id, limit: 500 })).items).toHaveLength(1);
  });

  it('stop is idempotent and leaves no look running', async () => {
    await createHourlyAction();
    const scheduler = await startScheduler();
    await scheduler.stop();
    await scheduler.stop();
    expect(await tasks()).toEqual([]);
  });
});
