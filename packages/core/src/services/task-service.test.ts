import { beforeEach, describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  buildMessage,
  buildRun,
  buildTask,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
} from '../testing/index.ts';
import { createTaskService, type TaskService } from './task-service.ts';

describe('task detail', () => {
  let store: Store;
  let tasks: TaskService;

  beforeEach(async () => {
    store = createMemoryStore();
    tasks = createTaskService({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-task-tests-0123456789' }),
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
  });

  it("returns the task with its own messages and runs, oldest first, and no other task's", async () => {
    const { task, messages } = await tasks.create({ title: 'Fix the build', message: 'Please fix it' });
    const second = await tasks.addMessage(task.id, { content: 'And the tests', role: 'user' });
    const runs = [
      await store.runs.insert(
        buildRun({ taskId: task.id, messageId: messages[0]!.id, createdAt: '2026-01-02T03:04:06.000Z' }),
      ),
      await store.runs.insert(
        buildRun({ taskId: task.id, messageId: second.id, createdAt: '2026-01-02T03:04:07.000Z' }),
      ),
    ];
    const other = await store.tasks.insert(buildTask());
    const otherMessage = await store.messages.insert(buildMessage({ taskId: other.id }));
    await store.runs.insert(buildRun({ taskId: other.id, messageId: otherMessage.id }));

    const detail = await tasks.getDetail(task.id);
    expect(detail.task).toEqual(task);
    expect(detail.messages.map((message) => message.id)).toEqual([messages[0]!.id, second.id]);
    expect(detail.runs.map((run) => run.id)).toEqual(runs.map((run) => run.id));
    expect(detail).toEqual({
      task,
      messages: (await tasks.listMessages(task.id, { limit: 500 })).items,
      runs: (await store.runs.list({ taskId: task.id, limit: 500 })).items,
    });
  });

  it('fails with NotFoundError for a missing task', async () => {
    const error = await tasks.getDetail('task_missing').catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('not_found');
  });

  it('reuses a detail while the store keeps its change token, and reads again once it moves', async () => {
    // The memory store cannot tell changes (its token is null); this one counts its writes.
    let version = 0;
    let listed = 0;
    const memory = createMemoryStore();
    const counting: Store = {
      ...memory,
      runs: {
        ...memory.runs,
        list: (options) => {
          listed++;
          return memory.runs.list(options);
        },
      },
      changeToken: async () => String(version),
    };
    const service = createTaskService({
      store: counting,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-task-tests-0123456789' }),
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
    const { task } = await service.create({ title: 'Cache me', message: 'hello' });
    const first = await service.getDetail(task.id);
    expect(Object.isFrozen(first) && Object.isFrozen(first.task) && Object.isFrozen(first.messages)).toBe(
      true,
    );
    expect(await service.getDetail(task.id)).toBe(first);
    expect(listed).toBe(1);

    await service.addMessage(task.id, { content: 'more', role: 'user' });
    // Unchanged token: still the detail read before (the store promised nothing changed).
    expect(await service.getDetail(task.id)).toBe(first);
    version++;
    const second = await service.getDetail(task.id);
    expect(second).not.toBe(first);
    expect(second.messages).toHaveLength(2);
    expect(listed).toBe(2);

    // A null token (a store that cannot tell, or an open transaction): never reused.
    const cannotTell: Store = { ...counting, changeToken: async () => null };
    const uncached = createTaskService({
      store: cannotTell,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-task-tests-0123456789' }),
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
    const again = await uncached.getDetail(task.id);
    expect(await uncached.getDetail(task.id)).not.toBe(again);
    expect(listed).toBe(4);
  });
});
