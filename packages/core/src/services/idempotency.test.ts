import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  buildUser,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
  type FixedClock,
} from '../testing/index.ts';
import { idempotencyKeyLifetimeMs, requestFingerprint } from './idempotency.ts';
import { createTaskService, type TaskService } from './task-service.ts';

describe('idempotency keys of callers', () => {
  let store: Store;
  let clock: FixedClock;
  let tasks: TaskService;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    store = createMemoryStore();
    clock = createFixedClock('2026-01-02T03:04:05.000Z');
    tasks = createTaskService({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-idempotency-0123456789' }),
      clock,
      ids: createSequentialIdGenerator(),
    });
    alice = (await store.users.insert(buildUser())).id;
    bob = (await store.users.insert(buildUser())).id;
  });

  it('answer a retry with the first result, per user, and a changed request with a ConflictError', async () => {
    const key = (userId: string) => ({ idempotency: { userId, key: 'k-1' } });
    const first = await tasks.create({ title: 'Plan', message: 'Write it', createdBy: alice }, key(alice));
    const again = await tasks.create({ message: 'Write it', title: 'Plan', createdBy: alice }, key(alice));
    expect(again).toEqual(first);
    const bobs = await tasks.create({ title: 'Plan', message: 'Write it', createdBy: bob }, key(bob));
    expect(bobs.task.id).not.toBe(first.task.id);
    await expect(tasks.create({ title: 'Other', createdBy: alice }, key(alice))).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await store.tasks.list({ limit: 500 })).items).toHaveLength(2);
  });

  it('expire after 24 hours: the same key then creates again', async () => {
    const options = { idempotency: { userId: alice, key: 'k-2' } };
    const first = await tasks.create({ title: 'Daily', createdBy: alice }, options);
    clock.advance(idempotencyKeyLifetimeMs - 1);
    expect((await tasks.create({ title: 'Daily', createdBy: alice }, options)).task.id).toBe(first.task.id);
    clock.advance(1);
    const later = await tasks.create({ title: 'Daily', createdBy: alice }, options);
    expect(later.task.id).not.toBe(first.task.id);
  });

  it('fingerprint requests by content, whatever the order of their keys', async () => {
    expect(await requestFingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      await requestFingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(await requestFingerprint({ a: 1 })).not.toBe(await requestFingerprint({ a: 2 }));
    expect(await requestFingerprint({ a: 1, b: undefined })).toBe(await requestFingerprint({ a: 1 }));
  });
});
