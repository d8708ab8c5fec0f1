import { describe, expect, it } from 'vitest';
import { expectRejectsWith } from './conformance-assertions.ts';
import { buildAction, buildRepo, buildTemplate, buildUser } from './entity-builders.ts';
import { later } from './store-conformance-cases.ts';
import { listEverything, type StoreTestContext } from './store-conformance-entity-tests.ts';
import { seedGraph, seedTask } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

function sealedFor(id: string): string {
  return `v1.key-2026.SEALED-WEBHOOK-SECRET-${id}-ZmFrZS1jaXBoZXJ0ZXh0`;
}

const claimedAt = '2026-06-01T10:00:00.000Z';

/**
 * Registers the tests of action webhook secrets (stored beside the action), trigger keys, and
 * the references of actions and templates that become null when their user or repo goes.
 */
export function describeActionsAndTriggerKeys(context: StoreTestContext): void {
  describe('actions: webhook secret', () => {
    it('a new action has none; set, replace and remove it, hasWebhookSecret follows', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const action = graph.action;
      const other = await store.actions.insert(
        buildAction({ templateId: graph.template.id, repoId: null, ownerId: null }),
      );
      expect(action.hasWebhookSecret).toBe(false);
      expect(await store.actions.getWebhookSecret(action.id)).toBeNull();

      await store.actions.setWebhookSecret(action.id, sealedFor('first'));
      expect(await store.actions.getWebhookSecret(action.id)).toBe(sealedFor('first'));
      expect(await store.actions.get(action.id)).toEqual({ ...action, hasWebhookSecret: true });
      expect(await store.actions.getByName(action.name)).toEqual({ ...action, hasWebhookSecret: true });
      const listed = await listEverything((options) => store.actions.list(options));
      expect(listed.find((item) => item.id === action.id)?.hasWebhookSecret).toBe(true);
      // Secrets are per action.
      expect(listed.find((item) => item.id === other.id)?.hasWebhookSecret).toBe(false);
      expect(await store.actions.getWebhookSecret(other.id)).toBeNull();

      await store.actions.setWebhookSecret(action.id, sealedFor('second'));
      expect(await store.actions.getWebhookSecret(action.id)).toBe(sealedFor('second'));
      await store.actions.setWebhookSecret(action.id, null);
      expect(await store.actions.getWebhookSecret(action.id)).toBeNull();
      expect(await store.actions.get(action.id)).toEqual(action);
      await store.actions.setWebhookSecret(action.id, null);
      expect(await store.actions.get(action.id)).toEqual(action);
    });

    it('hasWebhookSecret always tells whether a secret is stored: insert and update cannot set it', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const claimed = buildAction({
        templateId: graph.template.id,
        repoId: graph.repo.id,
        ownerId: graph.user.id,
        hasWebhookSecret: true,
      });
      expect((await store.actions.insert(claimed)).hasWebhookSecret).toBe(false);
      expect((await store.actions.get(claimed.id))?.hasWebhookSecret).toBe(false);
      expect((await store.actions.update(claimed.id, { hasWebhookSecret: true })).hasWebhookSecret).toBe(
        false,
      );
      await store.actions.setWebhookSecret(claimed.id, sealedFor(claimed.id));
      const updated = await store.actions.update(claimed.id, {
        hasWebhookSecret: false,
        name: `${claimed.name}-renamed`,
        updatedAt: later(claimed.updatedAt),
      });
      expect(updated.hasWebhookSecret).toBe(true);
      expect(updated.name).toBe(`${claimed.name}-renamed`);
      expect(await store.actions.getWebhookSecret(claimed.id)).toBe(sealedFor(claimed.id));
    });

    it('no read of an action ever contains the secret', async () => {
      const store = context.store();
      const { action } = await seedGraph(store);
      await store.actions.setWebhookSecret(action.id, sealedFor(action.id));
      const reads: unknown[] = [
        await store.actions.get(action.id),
        await store.actions.getByName(action.name),
        await store.actions.list(),
        await store.actions.list({ templateId: action.templateId }),
        await store.actions.list({ limit: 1 }),
        await store.actions.update(action.id, { enabled: false, updatedAt: later(action.updatedAt) }),
      ];
      for (const read of reads) expect(JSON.stringify(read)).not.toContain('SEALED-WEBHOOK-SECRET');
      expect(Object.keys((await store.actions.get(action.id)) ?? {})).not.toContain('webhookSecret');
    });

    it('secret calls on a missing action are NotFoundErrors; deleting an action deletes its secret', async () => {
      const store = context.store();
      await expectRejectsWith(() => store.actions.setWebhookSecret('missing-action', 'x'), 'not_found');
      await expectRejectsWith(() => store.actions.setWebhookSecret('missing-action', null), 'not_found');
      await expectRejectsWith(() => store.actions.getWebhookSecret('missing-action'), 'not_found');
      const { action } = await seedGraph(store);
      await store.actions.setWebhookSecret(action.id, sealedFor(action.id));
      expect(await store.actions.delete(action.id)).toBe(true);
      await expectRejectsWith(() => store.actions.getWebhookSecret(action.id), 'not_found');
      const again = await store.actions.insert(action);
      expect(again.hasWebhookSecret).toBe(false);
      expect(await store.actions.getWebhookSecret(action.id)).toBeNull();
    });
  });

  describe('actions and templates: references that become null', () => {
    it("deleting a user clears ownerId of that user's actions and nothing else", async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const owner = await store.users.insert(buildUser());
      const owned = await store.actions.insert(
        buildAction({ templateId: graph.template.id, repoId: graph.repo.id, ownerId: owner.id }),
      );
      expect(await store.users.delete(owner.id)).toBe(true);
      expect(await store.actions.get(owned.id)).toEqual({ ...owned, ownerId: null });
      expect(await store.actions.get(graph.action.id)).toEqual(graph.action);
      expect((await store.actions.list({ ownerId: owner.id })).items).toEqual([]);
    });

    it('deleting a repo clears repoId of templates on it and nothing else', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const repo = await store.repos.insert(buildRepo());
      const onRepo = await store.templates.insert(
        buildTemplate({ defaultModelProfileIds: [], extensionIds: [], repoId: repo.id }),
      );
      expect(await store.repos.delete(repo.id)).toBe(true);
      expect(await store.templates.get(onRepo.id)).toEqual({ ...onRepo, repoId: null });
      expect(await store.templates.get(graph.template.id)).toEqual(graph.template);
    });
  });

  describe('trigger keys', () => {
    it('the first claim stores the key; later claims return its task without storing', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const second = await seedTask(store, graph);
      const claim = {
        actionId: graph.action.id,
        key: 'delivery-1',
        taskId: graph.task.id,
        createdAt: claimedAt,
      };
      expect(await store.triggerKeys.claim(claim)).toEqual({ taskId: graph.task.id, created: true });
      expect(await store.triggerKeys.claim({ ...claim, taskId: second.task.id })).toEqual({
        taskId: graph.task.id,
        created: false,
      });
      expect(await store.triggerKeys.claim(claim)).toEqual({ taskId: graph.task.id, created: false });
      // Keys are per action and exact.
      expect(await store.triggerKeys.claim({ ...claim, key: 'Delivery-1', taskId: second.task.id })).toEqual({
        taskId: second.task.id,
        created: true,
      });
      const otherAction = await store.actions.insert(
        buildAction({ templateId: graph.template.id, repoId: null, ownerId: null }),
      );
      expect(
        await store.triggerKeys.claim({ ...claim, actionId: otherAction.id, taskId: second.task.id }),
      ).toEqual({ taskId: second.task.id, created: true });
    });

    it('of two concurrent claims of one key, one wins and both get its task', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const second = await seedTask(store, graph);
      const claim = { actionId: graph.action.id, key: 'same-key', createdAt: claimedAt };
      const results = await Promise.all([
        store.triggerKeys.claim({ ...claim, taskId: graph.task.id }),
        store.triggerKeys.claim({ ...claim, taskId: second.task.id }),
      ]);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(results[0]?.taskId).toBe(results[1]?.taskId);
      expect([graph.task.id, second.task.id]).toContain(results[0]?.taskId);
    });

    it('keys of 1 and 200 characters are accepted, unicode kept; others are InvalidInputErrors', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const claim = { actionId: graph.action.id, taskId: graph.task.id, createdAt: claimedAt };
      for (const key of ['k', 'x'.repeat(200), '\u65e5\u672c\ud83d\udc4b \'"%_']) {
        expect(await store.triggerKeys.claim({ ...claim, key })).toEqual({
          taskId: graph.task.id,
          created: true,
        });
        expect((await store.triggerKeys.claim({ ...claim, key })).created).toBe(false);
      }
      await expectRejectsWith(() => store.triggerKeys.claim({ ...claim, key: '' }), 'invalid_input');
      await expectRejectsWith(
        () => store.triggerKeys.claim({ ...claim, key: 'x'.repeat(201) }),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.triggerKeys.claim({ ...claim, key: 'k2', createdAt: 'yesterday' }),
        'invalid_input',
      );
    });

    it('a claim for a missing action or task is an InvalidInputError and stores nothing', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const claim = { actionId: graph.action.id, key: 'k', taskId: graph.task.id, createdAt: claimedAt };
      await expectRejectsWith(
        () => store.triggerKeys.claim({ ...claim, actionId: 'missing-action' }),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.triggerKeys.claim({ ...claim, taskId: 'missing-task' }),
        'invalid_input',
      );
      expect(await store.triggerKeys.claim(claim)).toEqual({ taskId: graph.task.id, created: true });
    });

    it('deleting the action or the task deletes its keys', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const second = await seedTask(store, graph);
      const claim = { actionId: graph.action.id, key: 'k', taskId: graph.task.id, createdAt: claimedAt };
      await store.triggerKeys.claim(claim);
      await store.triggerKeys.claim({ ...claim, key: 'other', taskId: second.task.id });
      expect(await store.tasks.delete(graph.task.id)).toBe(true);
      expect(await store.triggerKeys.claim({ ...claim, taskId: second.task.id })).toEqual({
        taskId: second.task.id,
        created: true,
      });
      expect(await store.actions.delete(graph.action.id)).toBe(true);
      await store.actions.insert(graph.action);
      expect(await store.triggerKeys.claim({ ...claim, taskId: second.task.id })).toEqual({
        taskId: second.task.id,
        created: true,
      });
      expect(await store.triggerKeys.claim({ ...claim, key: 'other', taskId: second.task.id })).toEqual({
        taskId: second.task.id,
        created: true,
      });
    });

    it('a claim rolled back with its transaction is gone', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const claim = { actionId: graph.action.id, key: 'k', taskId: graph.task.id, createdAt: claimedAt };
      const failure = new Error('task creation failed');
      await expect(
        store.transaction(async (transaction) => {
          expect((await transaction.triggerKeys.claim(claim)).created).toBe(true);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await store.triggerKeys.claim(claim)).created).toBe(true);
    });
  });

  describe('idempotency keys', () => {
    const fingerprint = 'a'.repeat(64);
    const expiresAt = '2026-06-02T10:00:00.000Z';

    it('are per user, operation, target and key; a live record wins, an expired one is replaced', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const second = await seedTask(store, graph);
      const other = await store.users.insert(buildUser());
      const record = {
        userId: graph.user.id,
        operation: 'actions.trigger' as const,
        target: graph.action.id,
        key: 'k',
        fingerprint,
        taskId: graph.task.id,
        messageId: null,
        createdAt: claimedAt,
        expiresAt,
      };
      const lookup = { userId: record.userId, operation: record.operation, target: record.target, key: 'k' };
      expect(await store.idempotencyKeys.find({ ...lookup, now: claimedAt })).toBeNull();
      expect(await store.idempotencyKeys.claim(record)).toEqual({ record, created: true });
      expect(await store.idempotencyKeys.find({ ...lookup, now: claimedAt })).toEqual(record);
      const retry = { ...record, fingerprint: 'b'.repeat(64), taskId: second.task.id };
      expect(await store.idempotencyKeys.claim(retry)).toEqual({ record, created: false });
      // Another user's same key, another operation or another target are other records.
      for (const variant of [
        { userId: other.id },
        { operation: 'tasks.create' as const, target: '' },
        { target: 'another-action' },
      ]) {
        expect((await store.idempotencyKeys.claim({ ...retry, ...variant })).created).toBe(true);
      }
      // Expired: absent for find, replaced by a claim.
      expect(await store.idempotencyKeys.find({ ...lookup, now: expiresAt })).toBeNull();
      const renewed = { ...retry, createdAt: expiresAt, expiresAt: '2026-06-03T10:00:00.000Z' };
      expect(await store.idempotencyKeys.claim(renewed)).toEqual({ record: renewed, created: true });
      expect(await store.idempotencyKeys.deleteExpired('2026-06-02T10:00:00.000Z')).toBe(3);
      expect(await store.idempotencyKeys.find({ ...lookup, now: expiresAt })).toEqual(renewed);
    });

    it('refuse missing references and go with their user, task or message', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const record = {
        userId: graph.user.id,
        operation: 'runs.create' as const,
        target: graph.task.id,
        key: 'k',
        fingerprint,
        taskId: graph.task.id,
        messageId: graph.userMessage.id,
        createdAt: claimedAt,
        expiresAt,
      };
      await expectRejectsWith(
        () => store.idempotencyKeys.claim({ ...record, userId: 'nobody' }),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.idempotencyKeys.claim({ ...record, taskId: 'no-task' }),
        'invalid_input',
      );
      await expectRejectsWith(
        () => store.idempotencyKeys.claim({ ...record, fingerprint: 'x' }),
        'invalid_input',
      );
      expect((await store.idempotencyKeys.claim(record)).created).toBe(true);
      expect(await store.tasks.delete(graph.task.id)).toBe(true);
      const lookup = { userId: record.userId, operation: record.operation, target: record.target, key: 'k' };
      expect(await store.idempotencyKeys.find({ ...lookup, now: claimedAt })).toBeNull();
    });
  });

  describe('tasks fired by hand', () => {
    it('keep who fired them, which becomes null when that user is deleted', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const admin = await store.users.insert(buildUser());
      const fired = await store.tasks.update(graph.task.id, { firedBy: admin.id });
      expect(fired.firedBy).toBe(admin.id);
      expect((await store.tasks.get(graph.task.id))?.firedBy).toBe(admin.id);
      expect(await store.users.delete(admin.id)).toBe(true);
      expect((await store.tasks.get(graph.task.id))?.firedBy).toBeNull();
    });
  });
}
