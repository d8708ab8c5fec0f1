import { describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import { buildRepo, buildRunEvent, buildTask } from './entity-builders.ts';
import { createMemoryStore } from './memory-store.ts';
import { describeStoreConformance } from './store-conformance.ts';

describeStoreConformance('memory', { open: async () => createMemoryStore() });

describe('createMemoryStore', () => {
  it('refuses entities that break their schema with an InvalidInputError', async () => {
    const store = createMemoryStore();
    const error = await store.repos.insert({ ...buildRepo(), url: '' }).catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('invalid_input');
    const task = await store.tasks.insert(buildTask({ repoId: null, actionId: null, createdBy: null }));
    const updateError = await store.tasks.update(task.id, { title: '' }).catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(updateError) && updateError.code).toBe('invalid_input');
    expect(await store.tasks.get(task.id)).toEqual(task);
  });

  it('drops fields that are not part of the entity', async () => {
    const store = createMemoryStore();
    const repo = buildRepo();
    await store.repos.insert({ ...repo, secret: 'not stored' } as typeof repo);
    expect(await store.repos.get(repo.id)).toEqual(repo);
  });

  it('ignores a sequence given to append', async () => {
    const store = createMemoryStore();
    const event = await store.runEvents.append({
      ...buildRunEvent({ runId: 'run-1' }),
      sequence: 99,
    } as never);
    expect(event.sequence).toBe(1);
  });

  it('refuses calls on a transaction handle once its transaction has ended', async () => {
    const store = createMemoryStore();
    let leaked: Parameters<Parameters<typeof store.transaction>[0]>[0] | null = null;
    await store.transaction(async (transaction) => {
      leaked = transaction;
    });
    const error = await leaked!.repos.get('x').catch((caught: unknown) => caught);
    expect(GoosukeError.isInstance(error) && error.code).toBe('storage');
  });
});
