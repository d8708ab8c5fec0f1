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
});
