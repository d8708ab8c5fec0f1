import { describe, expect, it } from 'vitest';
import { buildMessage, buildRun, buildUser } from './entity-builders.ts';
import type { StoreTestContext } from './store-conformance-entity-tests.ts';
import { seedGraph } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

/** Registers the tests of `runs.countActiveByAuthor` (the per-user limit of active runs reads it). */
export function describeActiveRunCounts(context: StoreTestContext): void {
  describe('runs.countActiveByAuthor', () => {
    it("counts the queued and running runs of each author's messages, and follows status changes", async () => {
      const store = context.store();
      // The graph's own run is finished (failed): it does not count.
      const graph = await seedGraph(store);
      const other = await store.users.insert(buildUser());
      const othersMessage = await store.messages.insert(
        buildMessage({ taskId: graph.task.id, role: 'user', runId: null, createdBy: other.id }),
      );
      const unattributed = await store.messages.insert(
        buildMessage({ taskId: graph.task.id, role: 'user', runId: null, createdBy: null }),
      );
      const run = (messageId: string, status: 'queued' | 'running' | 'succeeded' | 'canceled') =>
        store.runs.insert(
          buildRun({
            taskId: graph.task.id,
            messageId,
            executor: { kind: 'model', modelProfileId: graph.model.id },
            status,
          }),
        );
      const queued = await run(graph.userMessage.id, 'queued');
      await run(graph.userMessage.id, 'queued');
      await run(graph.userMessage.id, 'running');
      await run(graph.userMessage.id, 'succeeded');
      await run(graph.userMessage.id, 'canceled');
      await run(othersMessage.id, 'running');
      await run(unattributed.id, 'queued');

      expect(await store.runs.countActiveByAuthor(graph.user.id)).toBe(3);
      expect(await store.runs.countActiveByAuthor(other.id)).toBe(1);
      expect(await store.runs.countActiveByAuthor('user_never_existed')).toBe(0);

      await store.runs.update(queued.id, { status: 'running' });
      expect(await store.runs.countActiveByAuthor(graph.user.id)).toBe(3);
      await store.runs.update(queued.id, { status: 'succeeded' });
      expect(await store.runs.countActiveByAuthor(graph.user.id)).toBe(2);
      // Inside a transaction it sees the transaction's own writes.
      await store.transaction(async (transaction) => {
        await transaction.runs.insert(
          buildRun({
            taskId: graph.task.id,
            messageId: graph.userMessage.id,
            executor: { kind: 'model', modelProfileId: graph.model.id },
            status: 'queued',
          }),
        );
        expect(await transaction.runs.countActiveByAuthor(graph.user.id)).toBe(3);
      });
    });
  });
}
