import { describe, expect, it } from 'vitest';
import { collectPages, type Store } from '../ports/index.ts';
import { expectGoosukeError, rejectionOf } from './conformance-assertions.ts';
import {
  buildExtension,
  buildMessage,
  buildModelProfile,
  buildPullRequest,
  buildRepo,
  buildRun,
  buildRunEvent,
  buildTask,
  buildUser,
} from './entity-builders.ts';
import type { StoreTestContext } from './store-conformance-entity-tests.ts';
import { lateTimestamp, seedGraph, seedTask } from './store-conformance-graph.ts';
import { waitUntil } from './wait-until.ts';

// Shared by the store conformance suite; not exported from the package.

/** Everything a store holds, read through its public API, for before/after comparisons. */
async function readEverything(store: Store, runIds: string[]): Promise<Record<string, unknown>> {
  const all = collectPages;
  const models = await all((cursor) => store.models.list({ cursor, limit: 500 }));
  const users = await all((cursor) => store.users.list({ cursor, limit: 500 }));
  return {
    models,
    modelKeys: await Promise.all(models.map((model) => store.models.getEncryptedApiKey(model.id))),
    repos: await all((cursor) => store.repos.list({ cursor, limit: 500 })),
    tasks: await all((cursor) => store.tasks.list({ cursor, limit: 500 })),
    messages: await all((cursor) => store.messages.list({ cursor, limit: 500 })),
    runs: await all((cursor) => store.runs.list({ cursor, limit: 500 })),
    runEvents: await Promise.all(runIds.map((runId) => store.runEvents.list({ runId }))),
    pullRequests: await all((cursor) => store.pullRequests.list({ cursor, limit: 500 })),
    users,
    passwordHashes: await Promise.all(users.map((user) => store.users.getPasswordHash(user.id))),
    actions: await all((cursor) => store.actions.list({ cursor, limit: 500 })),
    templates: await all((cursor) => store.templates.list({ cursor, limit: 500 })),
    extensions: await all((cursor) => store.extensions.list({ cursor, limit: 500 })),
    settings: await store.settings.list(),
  };
}

/** Registers the tests of cascading deletes, transactions and close. */
export function describeStoreLifecycle(context: StoreTestContext): void {
  describe('deleting a task', () => {
    it('deletes its messages, runs, run events and pull requests, and nothing else', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const doomed = graph.task;
      const secondRun = await store.runs.insert(
        buildRun({
          taskId: doomed.id,
          messageId: graph.userMessage.id,
          executor: { kind: 'agent', agent: 'goose', modelProfileId: null },
        }),
      );
      // An assistant message pointing at a run, and runs pointing at messages: a cycle to cut.
      const answer = await store.messages.insert(
        buildMessage({ taskId: doomed.id, runId: graph.run.id, createdBy: null }),
      );
      for (const runId of [graph.run.id, secondRun.id, graph.run.id]) {
        await store.runEvents.append(buildRunEvent({ runId }));
      }
      const doomedPullRequest = await store.pullRequests.insert(
        buildPullRequest({ taskId: doomed.id, repoId: graph.repo.id, runId: graph.run.id }),
      );
      const kept = await seedTask(store, graph);
      const keptAnswer = await store.messages.insert(
        buildMessage({ taskId: kept.task.id, runId: kept.run.id, createdBy: null }),
      );
      const keptEvent = await store.runEvents.append(buildRunEvent({ runId: kept.run.id }));
      const keptPullRequest = await store.pullRequests.insert(
        buildPullRequest({ taskId: kept.task.id, repoId: graph.repo.id, runId: kept.run.id }),
      );

      expect(await store.tasks.delete(doomed.id)).toBe(true);

      expect(await store.tasks.get(doomed.id)).toBeNull();
      for (const id of [graph.userMessage.id, answer.id]) expect(await store.messages.get(id)).toBeNull();
      for (const id of [graph.run.id, secondRun.id]) {
        expect(await store.runs.get(id)).toBeNull();
        expect(await store.runEvents.list({ runId: id })).toEqual([]);
      }
      expect(await store.pullRequests.get(doomedPullRequest.id)).toBeNull();
      expect((await store.messages.list({ taskId: doomed.id })).items).toEqual([]);
      expect((await store.runs.list({ taskId: doomed.id })).items).toEqual([]);
      expect((await store.pullRequests.list({ taskId: doomed.id })).items).toEqual([]);

      expect(await store.tasks.get(kept.task.id)).toEqual(kept.task);
      expect(await store.messages.get(kept.userMessage.id)).toEqual(kept.userMessage);
      expect(await store.messages.get(keptAnswer.id)).toEqual(keptAnswer);
      expect(await store.runs.get(kept.run.id)).toEqual(kept.run);
      expect(await store.runEvents.list({ runId: kept.run.id })).toEqual([keptEvent]);
      expect(await store.pullRequests.get(keptPullRequest.id)).toEqual(keptPullRequest);
      expect(await store.users.get(graph.user.id)).toEqual(graph.user);
      expect(await store.repos.get(graph.repo.id)).toEqual(graph.repo);
      expect(await store.models.get(graph.model.id)).toEqual(graph.model);
      expect(await store.actions.get(graph.action.id)).toEqual(graph.action);
      expect(await store.templates.get(graph.template.id)).toEqual(graph.template);
      expect(await store.extensions.get(graph.extension.id)).toEqual(graph.extension);

      expect(await store.tasks.delete(doomed.id)).toBe(false);
      // Nothing of the deleted task lingers in unique keys or event sequences.
      await store.tasks.insert(doomed);
      await store.pullRequests.insert({ ...doomedPullRequest, runId: kept.run.id });
      await store.messages.insert(graph.userMessage);
      await store.runs.insert(graph.run);
      expect((await store.runEvents.append(buildRunEvent({ runId: graph.run.id }))).sequence).toBe(1);
    });
  });

  describe('changeToken', () => {
    it('stays the same while nothing is written, and changes with every write, committed or rolled back; null inside a transaction', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const first = await store.changeToken();
      if (first === null) {
        // A store that cannot tell: callers never reuse reads; nothing more to hold it to.
        expect(await store.changeToken()).toBeNull();
        return;
      }
      expect(typeof first).toBe('string');
      await store.tasks.get(graph.task.id);
      await store.runs.list({ taskId: graph.task.id });
      expect(await store.changeToken()).toBe(first);

      const seen = new Set([first]);
      const expectChanged = async (what: string) => {
        const token = await store.changeToken();
        expect(token, what).not.toBeNull();
        expect(seen.has(token!), `${what} changes the token`).toBe(false);
        seen.add(token!);
      };
      await store.tasks.update(graph.task.id, { title: 'changed' });
      await expectChanged('an update');
      await store.repos.insert(buildRepo());
      await expectChanged('an insert');
      await store.runEvents.append(buildRunEvent({ runId: graph.run.id }));
      await expectChanged('an appended event');
      await store.settings.set({
        secret: false,
        description: null,
        key: 'conformance.token',
        value: 'x',
        updatedAt: lateTimestamp,
      });
      await expectChanged('a setting');
      await store.users.setPasswordHash(graph.user.id, '$hash$token');
      await expectChanged('a secret column');
      await store.extensions.delete(graph.extension.id);
      await expectChanged('a delete');
      await store.transaction(async (transaction) => {
        expect(await transaction.changeToken()).toBeNull();
        await transaction.messages.insert(
          buildMessage({ taskId: graph.task.id, runId: null, createdBy: graph.user.id }),
        );
      });
      await expectChanged('a committed transaction');
      await rejectionOf(() =>
        store.transaction(async (transaction) => {
          await transaction.repos.insert(buildRepo());
          throw new Error('roll back');
        }),
      );
      await expectChanged('a rolled back transaction that wrote');
      expect(await store.changeToken()).toBe([...seen].pop());
    });
  });

  describe('transaction', () => {
    it('commits every write when work resolves, returns its value, and reads inside see the writes', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const repo = buildRepo();
      const message = buildMessage({ taskId: graph.task.id, runId: graph.run.id, createdBy: graph.user.id });
      const result = await store.transaction(async (transaction) => {
        await transaction.repos.insert(repo);
        expect(await transaction.repos.get(repo.id)).toEqual(repo);
        await transaction.tasks.update(graph.task.id, { title: 'renamed in a transaction' });
        await transaction.messages.insert(message);
        const event = await transaction.runEvents.append(buildRunEvent({ runId: graph.run.id }));
        expect(event.sequence).toBe(1);
        await transaction.settings.set({
          secret: false,
          description: null,
          key: 'committed',
          value: true,
          updatedAt: lateTimestamp,
        });
        await transaction.models.setEncryptedApiKey(graph.model.id, 'v1.k.committed');
        await transaction.users.setPasswordHash(graph.user.id, '$hash$committed');
        expect(await transaction.extensions.delete(graph.extension.id)).toBe(true);
        return { value: 42 };
      });
      expect(result).toEqual({ value: 42 });
      expect(await store.repos.get(repo.id)).toEqual(repo);
      expect((await store.tasks.get(graph.task.id))?.title).toBe('renamed in a transaction');
      expect(await store.messages.get(message.id)).toEqual(message);
      expect(await store.runEvents.list({ runId: graph.run.id })).toHaveLength(1);
      expect((await store.settings.get('committed'))?.value).toBe(true);
      expect(await store.models.getEncryptedApiKey(graph.model.id)).toBe('v1.k.committed');
      expect((await store.models.get(graph.model.id))?.hasApiKey).toBe(true);
      expect(await store.users.getPasswordHash(graph.user.id)).toBe('$hash$committed');
      expect(await store.extensions.get(graph.extension.id)).toBeNull();
    });

    it('rolls back every write of every repository when work throws, and rethrows the same error', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const other = await seedTask(store, graph);
      const pullRequest = await store.pullRequests.insert(
        buildPullRequest({ taskId: other.task.id, repoId: graph.repo.id, runId: other.run.id }),
      );
      await store.runEvents.append(buildRunEvent({ runId: graph.run.id }));
      await store.runEvents.append(buildRunEvent({ runId: graph.run.id }));
      await store.runEvents.append(buildRunEvent({ runId: other.run.id }));
      await store.settings.set({
        secret: false,
        description: null,
        key: 'kept',
        value: { before: true },
        updatedAt: lateTimestamp,
      });
      await store.settings.set({
        secret: false,
        description: null,
        key: 'removed.inside',
        value: 1,
        updatedAt: lateTimestamp,
      });
      await store.models.setEncryptedApiKey(graph.model.id, 'v1.k.before');
      await store.users.setPasswordHash(graph.user.id, '$hash$before');
      const spareRepo = await store.repos.insert(buildRepo());
      const runIds = [graph.run.id, other.run.id];
      const before = await readEverything(store, runIds);

      const error = new Error('work failed');
      const caught = await rejectionOf(() =>
        store.transaction(async (transaction) => {
          const repo = await transaction.repos.insert(buildRepo());
          expect(await transaction.repos.get(repo.id)).toEqual(repo);
          await transaction.repos.delete(spareRepo.id);
          await transaction.tasks.insert(buildTask({ repoId: repo.id, actionId: null, createdBy: null }));
          await transaction.tasks.update(graph.task.id, { title: 'changed', archived: true });
          await transaction.messages.insert(
            buildMessage({ taskId: graph.task.id, runId: graph.run.id, createdBy: graph.user.id }),
          );
          await transaction.runs.update(graph.run.id, { status: 'canceled', summary: null });
          const appended = await transaction.runEvents.append(buildRunEvent({ runId: graph.run.id }));
          expect(appended.sequence).toBe(3);
          await transaction.pullRequests.update(pullRequest.id, { state: 'merged' });
          // A cascading delete inside the transaction must come back whole.
          expect(await transaction.tasks.delete(other.task.id)).toBe(true);
          await transaction.users.insert(buildUser());
          await transaction.users.setPasswordHash(graph.user.id, null);
          await transaction.models.insert(buildModelProfile());
          await transaction.models.setEncryptedApiKey(graph.model.id, 'v1.k.inside');
          await transaction.actions.update(graph.action.id, { enabled: false, config: {} });
          await transaction.templates.update(graph.template.id, { prompt: 'changed {{x}}' });
          await transaction.extensions.insert(buildExtension());
          await transaction.extensions.delete(graph.extension.id);
          await transaction.settings.set({
            secret: false,
            description: null,
            key: 'kept',
            value: 'changed',
            updatedAt: lateTimestamp,
          });
          await transaction.settings.set({
            secret: false,
            description: null,
            key: 'added.inside',
            value: 1,
            updatedAt: lateTimestamp,
          });
          await transaction.settings.delete('removed.inside');
          throw error;
        }),
      );
      expect(caught).toBe(error);
      expect(await readEverything(store, runIds)).toEqual(before);
      // No sequence was used up by the rolled-back append.
      expect((await store.runEvents.append(buildRunEvent({ runId: graph.run.id }))).sequence).toBe(3);
      // The store keeps working after a rollback.
      const repo = buildRepo();
      await store.transaction(async (transaction) => transaction.repos.insert(repo));
      expect(await store.repos.get(repo.id)).toEqual(repo);
    });

    it('rethrows whatever work throws, unchanged, even a non-Error', async () => {
      const store = context.store();
      const thrown = { reason: 'not an Error instance' };
      const repo = buildRepo();
      const caught = await rejectionOf(() =>
        store.transaction(async (transaction) => {
          await transaction.repos.insert(repo);
          throw thrown;
        }),
      );
      expect(caught).toBe(thrown);
      expect(await store.repos.get(repo.id)).toBeNull();
      // A failing store call inside work rolls back the writes before it.
      const first = buildRepo();
      const conflict = await rejectionOf(() =>
        store.transaction(async (transaction) => {
          await transaction.repos.insert(first);
          await transaction.repos.insert(buildRepo({ url: first.url }));
        }),
      );
      expectGoosukeError(conflict, 'conflict');
      expect(await store.repos.get(first.id)).toBeNull();
    });

    it('a nested transaction joins the outer one: it commits and rolls back with it', async () => {
      const store = context.store();
      const innerRepo = buildRepo();
      const outerRepo = buildRepo();
      const value = await store.transaction(async (outer) => {
        const inner = await outer.transaction(async (nested) => {
          await nested.repos.insert(innerRepo);
          return 'inner value';
        });
        await outer.repos.insert(outerRepo);
        expect(await outer.repos.get(innerRepo.id)).toEqual(innerRepo);
        return inner;
      });
      expect(value).toBe('inner value');
      expect(await store.repos.get(innerRepo.id)).toEqual(innerRepo);
      expect(await store.repos.get(outerRepo.id)).toEqual(outerRepo);

      const rolledInner = buildRepo();
      const rolledOuter = buildRepo();
      const error = new Error('outer failed after the nested transaction resolved');
      const caught = await rejectionOf(() =>
        store.transaction(async (outer) => {
          await outer.transaction(async (nested) => {
            await nested.repos.insert(rolledInner);
            await nested.settings.set({
              secret: false,
              description: null,
              key: 'nested',
              value: 1,
              updatedAt: lateTimestamp,
            });
          });
          await outer.repos.insert(rolledOuter);
          throw error;
        }),
      );
      expect(caught).toBe(error);
      expect(await store.repos.get(rolledInner.id)).toBeNull();
      expect(await store.repos.get(rolledOuter.id)).toBeNull();
      expect(await store.settings.get('nested')).toBeNull();
    });

    it('a write made outside an open transaction survives its rollback', async () => {
      const store = context.store();
      const inside = buildRepo();
      const outside = buildRepo();
      let insertedInside = false;
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const error = new Error('rolled back');
      const transaction = rejectionOf(() =>
        store.transaction(async (handle) => {
          await handle.repos.insert(inside);
          insertedInside = true;
          await gate;
          throw error;
        }),
      );
      await waitUntil(() => insertedInside, { message: 'the transaction has written' });
      const outsideWrite = store.repos.insert(outside);
      release();
      expect(await transaction).toBe(error);
      expect(await outsideWrite).toEqual(outside);
      expect(await store.repos.get(outside.id)).toEqual(outside);
      expect(await store.repos.get(inside.id)).toBeNull();
    });

    it('concurrent transactions do not undo each other', async () => {
      const store = context.store();
      const failing = buildRepo();
      const succeeding = buildRepo();
      let failingHasWritten = false;
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const error = new Error('first transaction fails');
      const first = rejectionOf(() =>
        store.transaction(async (handle) => {
          await handle.repos.insert(failing);
          failingHasWritten = true;
          await gate;
          throw error;
        }),
      );
      await waitUntil(() => failingHasWritten, { message: 'the first transaction has written' });
      const second = store.transaction(async (handle) => {
        await handle.repos.insert(succeeding);
        await handle.settings.set({
          secret: false,
          description: null,
          key: 'second',
          value: true,
          updatedAt: lateTimestamp,
        });
        return 'second';
      });
      release();
      expect(await first).toBe(error);
      expect(await second).toBe('second');
      expect(await store.repos.get(succeeding.id)).toEqual(succeeding);
      expect((await store.settings.get('second'))?.value).toBe(true);
      expect(await store.repos.get(failing.id)).toBeNull();
    });
  });

  describe('close', () => {
    it('is idempotent, and every call after it rejects with a GoosukeError', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['models.get', () => store.models.get(graph.model.id)],
        ['models.getEncryptedApiKey', () => store.models.getEncryptedApiKey(graph.model.id)],
        ['repos.insert', () => store.repos.insert(buildRepo())],
        ['tasks.list', () => store.tasks.list()],
        [
          'messages.insert',
          () => store.messages.insert(buildMessage({ taskId: graph.task.id, runId: null, createdBy: null })),
        ],
        ['runs.update', () => store.runs.update(graph.run.id, { status: 'running' })],
        ['runEvents.append', () => store.runEvents.append(buildRunEvent({ runId: graph.run.id }))],
        ['runEvents.list', () => store.runEvents.list({ runId: graph.run.id })],
        ['pullRequests.list', () => store.pullRequests.list({ taskId: graph.task.id })],
        ['users.getByUsername', () => store.users.getByUsername(graph.user.username)],
        ['users.setPasswordHash', () => store.users.setPasswordHash(graph.user.id, null)],
        ['actions.getByName', () => store.actions.getByName(graph.action.name)],
        ['templates.get', () => store.templates.get(graph.template.id)],
        ['extensions.list', () => store.extensions.list()],
        ['settings.get', () => store.settings.get('any')],
        [
          'settings.set',
          () =>
            store.settings.set({
              secret: false,
              description: null,
              key: 'any',
              value: 1,
              updatedAt: lateTimestamp,
            }),
        ],
        ['settings.list', () => store.settings.list()],
        ['transaction', () => store.transaction(async () => 'never')],
      ];
      for (const [label, call] of calls) {
        const error = await rejectionOf(call);
        expect(error, label).toBeDefined();
        expectGoosukeError(error);
      }
    });
  });
}
