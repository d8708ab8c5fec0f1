import { describe, expect, it } from 'vitest';
import type { RunBaseSource } from '../domain/index.ts';
import { collectPages } from '../ports/index.ts';
import { buildId, buildMessage, buildRun } from './entity-builders.ts';
import { later } from './store-conformance-cases.ts';
import type { StoreTestContext } from './store-conformance-entity-tests.ts';
import { seedGraph } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

/**
 * Registers the tests of where work continues: a task's chosen run (kept in every read, gone
 * with its task; runs are deleted only with their task) and a run's base source (every kind
 * round trips).
 */
export function describeContinuation(context: StoreTestContext): void {
  describe('tasks: the chosen run', () => {
    it('is null for a new task, is kept by every read once set, and can be cleared', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      expect(graph.task.chosenRunId).toBeNull();
      const chosen = await store.tasks.update(graph.task.id, {
        chosenRunId: graph.run.id,
        updatedAt: later(graph.task.updatedAt),
      });
      expect(chosen).toEqual({
        ...graph.task,
        chosenRunId: graph.run.id,
        updatedAt: later(graph.task.updatedAt),
      });
      expect(await store.tasks.get(graph.task.id)).toEqual(chosen);
      expect((await store.tasks.list({ repoId: graph.repo.id })).items).toContainEqual(chosen);
      const cleared = await store.tasks.update(graph.task.id, { chosenRunId: null });
      expect(cleared.chosenRunId).toBeNull();
      expect(await store.tasks.get(graph.task.id)).toEqual(cleared);
    });

    it('goes with its task: deleting a task that chose one of its runs deletes both', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      await store.tasks.update(graph.task.id, { chosenRunId: graph.run.id });
      expect(await store.tasks.delete(graph.task.id)).toBe(true);
      expect(await store.tasks.get(graph.task.id)).toBeNull();
      expect(await store.runs.get(graph.run.id)).toBeNull();
    });
  });

  describe('runs: the base source', () => {
    it('keeps every kind, with its run or pull request, and null', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const message = await store.messages.insert(
        buildMessage({ taskId: graph.task.id, role: 'user', runId: null, createdBy: null }),
      );
      const sources: Array<[string | null, RunBaseSource | null]> = [
        ['main', { kind: 'explicit-ref' }],
        [`goosuke/run-${graph.run.id}`, { kind: 'from-run', runId: graph.run.id }],
        ['goosuke/fix-it', { kind: 'pull-request', pullRequestId: buildId('pr'), number: 7 }],
        [`goosuke/run-${graph.run.id}`, { kind: 'chosen-run', runId: graph.run.id }],
        ['develop', { kind: 'base-branch' }],
        [null, null],
      ];
      const inserted = [];
      for (const [baseRef, baseSource] of sources) {
        inserted.push(
          await store.runs.insert(
            buildRun({
              taskId: graph.task.id,
              messageId: message.id,
              executor: { kind: 'model', modelProfileId: graph.model.id },
              baseRef,
              baseSource,
            }),
          ),
        );
      }
      for (const [index, run] of inserted.entries()) {
        expect(run.baseSource).toEqual(sources[index]![1]);
        expect(await store.runs.get(run.id)).toEqual(run);
      }
      const listed = await collectPages((cursor) => store.runs.list({ messageId: message.id, cursor }));
      expect(listed.map((run) => run.baseSource)).toEqual(inserted.map((run) => run.baseSource));
      const updated = await store.runs.update(inserted[5]!.id, {
        baseRef: 'main',
        baseSource: { kind: 'base-branch' },
      });
      expect(await store.runs.get(updated.id)).toEqual({
        ...inserted[5],
        baseRef: 'main',
        baseSource: { kind: 'base-branch' },
      });
    });
  });
}
