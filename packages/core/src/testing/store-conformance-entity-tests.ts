import { describe, expect, it } from 'vitest';
import type { ListOptions, Page, Store } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import type { EntityCase, EntityMaker, EntityPatch, StoredEntity } from './store-conformance-cases.ts';
import { lateTimestamp, orderedTimestamps } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

/** Gives each test the store opened for it. */
export interface StoreTestContext {
  store(): Store;
}

/** Sorts as every list must: createdAt, then id, ascending (code-unit order). */
export function byCreatedAtThenId(a: StoredEntity, b: StoredEntity): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/**
 * Follows cursors from the first page to the last and returns every page. Fails on a
 * cursor that repeats or on more pages than items could fill.
 */
export async function walkPages<T>(
  list: (options: ListOptions) => Promise<Page<T>>,
  options: ListOptions = {},
  firstCursor: string | null = null,
): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  const seenCursors = new Set<string>();
  let cursor = firstCursor;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const page = await list({ ...options, cursor });
    pages.push(page);
    if (page.nextCursor === null) return pages;
    expect(seenCursors.has(page.nextCursor), 'a cursor came back twice: the walk would never end').toBe(
      false,
    );
    seenCursors.add(page.nextCursor);
    expect(page.items.length, 'a page with a next cursor must not be empty').toBeGreaterThan(0);
    cursor = page.nextCursor;
  }
  throw new Error('the walk over pages did not end');
}

/** Every item of a repository (optionally filtered), in list order, through pages of `limit`. */
export async function listEverything<T>(
  list: (options: ListOptions) => Promise<Page<T>>,
  options: ListOptions = {},
): Promise<T[]> {
  const pages = await walkPages(list, options);
  return pages.flatMap((page) => page.items);
}

function idsOf(items: ReadonlyArray<{ id: string }>): string[] {
  return items.map((item) => item.id);
}

/** Changes every leaf and container of a JSON-like value in place. */
export function scribble(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) scribble(item);
    value.push('scribbled');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field === 'string') record[key] = `${field}!`;
    else if (typeof field === 'number') record[key] = field + 1;
    else if (typeof field === 'boolean') record[key] = !field;
    else if (field === null) record[key] = 'was null';
    else scribble(field);
  }
  record.scribbled = true;
}

/** Registers the tests every EntityRepository must pass, for one entity kind. */
export function describeEntityRepository<T extends StoredEntity, F extends object>(
  context: StoreTestContext,
  entityCase: EntityCase<T, F>,
): void {
  const prepare = (): Promise<EntityMaker<T>> => entityCase.prepare(context.store());
  // Every filter field is optional, so list options alone are valid filter options.
  const offers = (operation: 'update' | 'delete'): boolean => !entityCase.omits?.includes(operation);
  const repositoryOf = () => {
    const repository = entityCase.repository(context.store());
    const missing = (operation: string) =>
      new Error(`${entityCase.name} offers no ${operation}; the case must not call it`);
    return {
      get: (id: string) => repository.get(id),
      insert: (entity: T) => repository.insert(entity),
      update: (id: string, patch: EntityPatch<T>) => {
        if (repository.update === undefined) throw missing('update');
        return repository.update(id, patch);
      },
      delete: (id: string) => {
        if (repository.delete === undefined) throw missing('delete');
        return repository.delete(id);
      },
      list: (options: ListOptions = {}, filter: Partial<F> = {}) =>
        repository.list({ ...filter, ...options } as ListOptions & F),
    };
  };
  const lister =
    (filter: Partial<F> = {}) =>
    (options: ListOptions) =>
      repositoryOf().list(options, filter);

  async function insertAll(items: T[]): Promise<void> {
    for (const item of items) await repositoryOf().insert(item);
  }

  describe(`${entityCase.name} repository`, () => {
    it('insert returns the entity and get reads back every field intact (every variant)', async () => {
      const maker = await prepare();
      const repository = repositoryOf();
      for (const { label, entity } of maker.variants()) {
        const original = structuredClone(entity);
        const inserted = await repository.insert(entity);
        expect(inserted, `insert result, ${label}`).toEqual(original);
        const read = await repository.get(original.id);
        expect(read, `get, ${label}`).toEqual(original);
        expect(Object.keys(read ?? {}).sort(), `fields of get, ${label}`).toEqual(entityCase.fields);
        expect(Object.keys(inserted).sort(), `fields of insert, ${label}`).toEqual(entityCase.fields);
        const listed = (await listEverything(lister())).find((item) => item.id === original.id);
        expect(listed, `list, ${label}`).toEqual(original);
        expect(Object.keys(listed ?? {}).sort(), `fields of list, ${label}`).toEqual(entityCase.fields);
      }
    });

    it('get of a missing id is null', async () => {
      await prepare();
      expect(await repositoryOf().get('missing-id')).toBeNull();
    });

    it('insert of a taken id is a ConflictError and keeps the stored entity', async () => {
      const maker = await prepare();
      const first = await repositoryOf().insert(maker.make());
      const clash = maker.make({ id: first.id } as Partial<T>);
      await expectRejectsWith(() => repositoryOf().insert(clash), 'conflict');
      expect(await repositoryOf().get(first.id)).toEqual(first);
    });

    if (offers('update')) {
      it('update merges the patch, returns the stored value, and get agrees', async () => {
        const maker = await prepare();
        for (const { label, entity } of maker.variants().slice(0, 2)) {
          const stored = await repositoryOf().insert(entity);
          const patch = maker.patch(stored);
          const expected = { ...stored, ...patch };
          expect(expected, `the patch must change something, ${label}`).not.toEqual(stored);
          const updated = await repositoryOf().update(stored.id, patch);
          expect(updated, `update result, ${label}`).toEqual(expected);
          expect(Object.keys(updated).sort()).toEqual(entityCase.fields);
          expect(await repositoryOf().get(stored.id), `get after update, ${label}`).toEqual(expected);
        }
      });

      it('update ignores keys whose value is undefined and an empty patch changes nothing', async () => {
        const maker = await prepare();
        const stored = await repositoryOf().insert(maker.make());
        const patch = maker.patch(stored) as Record<string, unknown>;
        const [skippedKey, ...keptKeys] = Object.keys(patch);
        expect(skippedKey, 'the patch needs at least two keys').toBeDefined();
        expect(keptKeys.length).toBeGreaterThan(0);
        const kept = Object.fromEntries(keptKeys.map((key) => [key, patch[key]]));
        const updated = await repositoryOf().update(stored.id, {
          ...kept,
          [skippedKey!]: undefined,
        } as never);
        expect(updated).toEqual({ ...stored, ...kept });
        expect(await repositoryOf().get(stored.id)).toEqual({ ...stored, ...kept });
        expect(await repositoryOf().update(stored.id, {})).toEqual({ ...stored, ...kept });
      });

      it('update of a missing id is a NotFoundError and creates nothing', async () => {
        const maker = await prepare();
        const never = maker.make();
        await expectRejectsWith(() => repositoryOf().update(never.id, maker.patch(never)), 'not_found');
        expect(await repositoryOf().get(never.id)).toBeNull();
      });
    }

    if (offers('delete')) {
      it('delete returns true once, then false, and removes only that entity', async () => {
        const maker = await prepare();
        const doomed = await repositoryOf().insert(maker.make());
        const kept = await repositoryOf().insert(maker.make());
        expect(await repositoryOf().delete(doomed.id)).toBe(true);
        expect(await repositoryOf().get(doomed.id)).toBeNull();
        expect(await repositoryOf().get(kept.id)).toEqual(kept);
        expect(idsOf(await listEverything(lister()))).not.toContain(doomed.id);
        expect(await repositoryOf().delete(doomed.id)).toBe(false);
        expect(await repositoryOf().delete('missing-id')).toBe(false);
      });
    }

    for (const operation of entityCase.omits ?? []) {
      it(`offers no ${operation}, as the port leaves it out`, () => {
        expect(entityCase.repository(context.store())[operation]).toBeUndefined();
      });
    }

    it('values are copies: mutating inputs or results never changes what is stored', async () => {
      const maker = await prepare();
      const input = maker.variants()[0]!.entity;
      const original = structuredClone(input);
      const inserted = await repositoryOf().insert(input);
      scribble(input);
      scribble(inserted);
      expect(await repositoryOf().get(original.id)).toEqual(original);
      const read = await repositoryOf().get(original.id);
      scribble(read);
      const listed = await listEverything(lister());
      for (const item of listed) scribble(item);
      expect(await repositoryOf().get(original.id)).toEqual(original);
      if (!offers('update')) return;
      const patch = maker.patch(original);
      const expected = { ...original, ...structuredClone(patch) };
      const updated = await repositoryOf().update(original.id, patch);
      scribble(patch);
      scribble(updated);
      expect(await repositoryOf().get(original.id)).toEqual(expected);
    });

    it('list of an empty repository is one empty last page', async () => {
      expect(await repositoryOf().list()).toEqual({ items: [], nextCursor: null });
      expect(await repositoryOf().list({ limit: 1 })).toEqual({ items: [], nextCursor: null });
    });

    it('list orders by createdAt then id, whatever the insertion order', async () => {
      const maker = await prepare();
      const [t0, t1, t2, t3] = orderedTimestamps;
      // Equal createdAt values, ids inserted against their order, and millisecond gaps.
      const plan: Array<[string, string]> = [
        ['o-08', t2],
        ['o-05', t1],
        ['o-04', t3],
        ['o-01', t2],
        ['o-07', t0],
        ['o-02', t1],
        ['o-06', t3],
        ['o-03', t2],
        ['o-09', lateTimestamp],
      ];
      const items = plan.map(([id, createdAt]) => maker.make({ id, createdAt } as Partial<T>));
      const before = (await repositoryOf().list({ limit: 500 })).items;
      await insertAll(items);
      const expected = [...before, ...items].sort(byCreatedAtThenId);
      const page = await repositoryOf().list({ limit: 500 });
      expect(idsOf(page.items)).toEqual(idsOf(expected));
      expect(page.nextCursor).toBeNull();
      expect(idsOf((await repositoryOf().list()).items)).toEqual(idsOf(expected));
      const mine = page.items.filter((item) => item.id.startsWith('o-'));
      expect(idsOf(mine)).toEqual(['o-07', 'o-02', 'o-05', 'o-01', 'o-03', 'o-08', 'o-04', 'o-06', 'o-09']);
    });

    it('pages walk every item exactly once, with full pages and a null cursor on the last', async () => {
      const maker = await prepare();
      // Nine items on three createdAt values, inserted against their order.
      const items = Array.from({ length: 9 }, (_, index) =>
        maker.make({ createdAt: orderedTimestamps[(index * 4) % 6] } as Partial<T>),
      ).reverse();
      await insertAll(items);
      const everything = (await repositoryOf().list({ limit: 500 })).items;
      expect(everything.length).toBeGreaterThanOrEqual(items.length);
      for (const limit of [1, 2, 3, everything.length - 1, everything.length, everything.length + 1]) {
        const pages = await walkPages(lister(), { limit });
        expect(idsOf(pages.flatMap((page) => page.items)), `limit ${limit}`).toEqual(idsOf(everything));
        expect(pages.length, `limit ${limit}`).toBe(Math.ceil(everything.length / limit));
        for (const page of pages.slice(0, -1)) expect(page.items.length, `limit ${limit}`).toBe(limit);
        expect(pages.at(-1)?.nextCursor, `limit ${limit}`).toBeNull();
      }
    });

    it('the default page size is 50', async () => {
      const maker = await prepare();
      const existing = (await repositoryOf().list({ limit: 500 })).items.length;
      await insertAll(Array.from({ length: Math.max(0, 51 - existing) }, () => maker.make()));
      const total = (await repositoryOf().list({ limit: 500 })).items.length;
      const first = await repositoryOf().list();
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const second = await repositoryOf().list({ cursor: first.nextCursor });
      expect(second.items).toHaveLength(total - 50);
      expect(second.nextCursor).toBeNull();
    });

    it('a cursor continues right after its item when items are inserted between pages', async () => {
      const maker = await prepare();
      const [t0, t1, t2, t3, t4] = orderedTimestamps;
      const make = (id: string, createdAt: string) => maker.make({ id, createdAt } as Partial<T>);
      // These sort before anything `prepare` stored (builder timestamps are in 2026).
      await insertAll([
        make('p-40', t2),
        make('p-10', t1),
        make('p-30', t2),
        make('p-20', t1),
        make('p-50', t3),
      ]);
      const first = await repositoryOf().list({ limit: 3 });
      expect(idsOf(first.items)).toEqual(['p-10', 'p-20', 'p-30']);
      // Before the cursor: must not show up. After it (also on the same createdAt): must.
      await insertAll([
        make('p-25', t2),
        make('p-05', t0),
        make('p-35', t2),
        make('p-45', t4),
        make('p-99', lateTimestamp),
      ]);
      const rest = (await walkPages(lister(), { limit: 2 }, first.nextCursor)).flatMap((page) => page.items);
      const everything = (await repositoryOf().list({ limit: 500 })).items;
      const after = everything.filter((item) => byCreatedAtThenId(item, first.items[2]!) > 0);
      expect(idsOf(rest)).toEqual(idsOf(after));
      expect(idsOf(rest).slice(0, 4)).toEqual(['p-35', 'p-40', 'p-50', 'p-45']);
      expect(idsOf(rest).at(-1)).toBe('p-99');
      expect(idsOf(rest)).not.toContain('p-25');
      expect(idsOf(rest)).not.toContain('p-05');
    });

    if (offers('delete')) {
      it('a cursor still works after its item is deleted', async () => {
        const maker = await prepare();
        const [, t1, t2] = orderedTimestamps;
        const make = (id: string, createdAt: string) => maker.make({ id, createdAt } as Partial<T>);
        await insertAll([make('q-3', t2), make('q-1', t1), make('q-4', t2), make('q-2', t1)]);
        const everything = (await repositoryOf().list({ limit: 500 })).items;
        const first = await repositoryOf().list({ limit: 2 });
        expect(idsOf(first.items)).toEqual(['q-1', 'q-2']);
        expect(await repositoryOf().delete('q-2')).toBe(true);
        const rest = (await walkPages(lister(), { limit: 2 }, first.nextCursor)).flatMap(
          (page) => page.items,
        );
        expect(idsOf(rest)).toEqual(idsOf(everything.slice(2)));
      });
    }

    it('a limit outside 1..500 or a malformed cursor is an InvalidInputError', async () => {
      const maker = await prepare();
      await repositoryOf().insert(maker.make());
      for (const limit of [0, -1, 501, 2.5]) {
        await expectRejectsWith(() => repositoryOf().list({ limit }), 'invalid_input');
      }
      for (const cursor of ['%%not a cursor%%', 'eyJ4IjoxfQ']) {
        await expectRejectsWith(() => repositoryOf().list({ cursor }), 'invalid_input');
      }
      expect((await repositoryOf().list({ limit: 500 })).items.length).toBeGreaterThan(0);
      expect((await repositoryOf().list({ limit: 1, cursor: null })).items).toHaveLength(1);
    });

    for (const unique of entityCase.uniques) {
      it(`insert with a taken ${unique.label} is a ConflictError and stores nothing`, async () => {
        const maker = await prepare();
        const holder = await repositoryOf().insert(maker.make());
        const duplicate = unique.duplicateOf(holder, maker);
        await expectRejectsWith(() => repositoryOf().insert(duplicate), 'conflict');
        expect(await repositoryOf().get(duplicate.id)).toBeNull();
        expect(await repositoryOf().get(holder.id)).toEqual(holder);
      });

      it(`update to a taken ${unique.label} is a ConflictError and changes nothing`, async () => {
        const maker = await prepare();
        const holder = await repositoryOf().insert(maker.make());
        const other = await repositoryOf().insert(maker.make());
        await expectRejectsWith(() => repositoryOf().update(other.id, unique.keyOf(holder)), 'conflict');
        expect(await repositoryOf().get(other.id)).toEqual(other);
        expect(await repositoryOf().get(holder.id)).toEqual(holder);
        // Writing an entity's own key back is no clash.
        expect(await repositoryOf().update(other.id, unique.keyOf(other))).toEqual(other);
      });

      it(`a ${unique.label} is free again once its holder is deleted (where it can be) or given another`, async () => {
        const maker = await prepare();
        if (offers('delete')) {
          const deleted = await repositoryOf().insert(maker.make());
          expect(await repositoryOf().delete(deleted.id)).toBe(true);
          const reuse = unique.duplicateOf(deleted, maker);
          expect(await repositoryOf().insert(reuse)).toEqual(reuse);
        }
        const renamed = await repositoryOf().insert(maker.make());
        await repositoryOf().update(renamed.id, unique.keyOf(maker.make()));
        const takeOver = unique.duplicateOf(renamed, maker);
        expect(await repositoryOf().insert(takeOver)).toEqual(takeOver);
      });

      const partialOverlapOf = unique.partialOverlapOf;
      if (partialOverlapOf) {
        it(`entities that share only part of ${unique.label} are accepted`, async () => {
          const maker = await prepare();
          const holder = await repositoryOf().insert(maker.make());
          const neighbour = await partialOverlapOf(holder, maker, context.store());
          expect(await repositoryOf().insert(neighbour)).toEqual(neighbour);
          expect(await repositoryOf().get(holder.id)).toEqual(holder);
        });
      }
    }

    for (const filterCase of entityCase.filters) {
      it(`filter ${filterCase.label} lists exactly the matching entities, in order, across pages`, async () => {
        const maker = await prepare();
        const { filter, matches } = await filterCase.seed(context.store(), maker);
        const everything = await listEverything(lister(), { limit: 500 });
        const expected = everything.filter(matches);
        expect(expected.length, 'the seed stores matching entities').toBeGreaterThan(1);
        expect(expected.length, 'the seed stores entities that do not match').toBeLessThan(everything.length);
        const filtered = await listEverything(lister(filter), { limit: 1 });
        expect(filtered).toEqual(expected);
        const onePage = await repositoryOf().list({ limit: 500 }, filter);
        expect(onePage).toEqual({ items: expected, nextCursor: null });
      });
    }
  });
}
