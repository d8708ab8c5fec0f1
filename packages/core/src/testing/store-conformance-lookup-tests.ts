import { describe, expect, it } from 'vitest';
import type { Store } from '../ports/index.ts';
import {
  actionCase,
  agentDefinitionCase,
  type EntityCase,
  extensionCase,
  type StoredEntity,
  templateCase,
  userCase,
} from './store-conformance-cases.ts';
import type { StoreTestContext } from './store-conformance-entity-tests.ts';

// Shared by the store conformance suite; not exported from the package.

interface LookupCase<T extends StoredEntity, F extends object> {
  entityCase: EntityCase<T, F>;
  method: string;
  key(entity: T): string;
  withKey(key: string): Partial<T>;
  lookup(store: Store, key: string): Promise<T | null>;
}

/** Registers the tests of lookups by unique name. */
export function describeLookups(context: StoreTestContext): void {
  describeLookup(context, {
    entityCase: userCase,
    method: 'users.getByUsername',
    key: (user) => user.username,
    withKey: (username) => ({ username }),
    lookup: (store, username) => store.users.getByUsername(username),
  });
  describeLookup(context, {
    entityCase: actionCase,
    method: 'actions.getByName',
    key: (action) => action.name,
    withKey: (name) => ({ name }),
    lookup: (store, name) => store.actions.getByName(name),
  });
  describeLookup(context, {
    entityCase: templateCase,
    method: 'templates.getByName',
    key: (template) => template.name,
    withKey: (name) => ({ name }),
    lookup: (store, name) => store.templates.getByName(name),
  });
  describeLookup(context, {
    entityCase: extensionCase,
    method: 'extensions.getByName',
    key: (extension) => extension.name,
    withKey: (name) => ({ name }),
    lookup: (store, name) => store.extensions.getByName(name),
  });
  describeLookup(context, {
    entityCase: agentDefinitionCase,
    method: 'agents.getByName',
    key: (agent) => agent.name,
    withKey: (name) => ({ name }),
    lookup: (store, name) => store.agents.getByName(name),
  });
}

function describeLookup<T extends StoredEntity, F extends object>(
  context: StoreTestContext,
  lookupCase: LookupCase<T, F>,
): void {
  const { entityCase } = lookupCase;
  describe(lookupCase.method, () => {
    it('finds the entity by its key, every field intact, and gives null for an unknown key', async () => {
      const store = context.store();
      const maker = await entityCase.prepare(store);
      const repository = entityCase.repository(store);
      for (const { label, entity } of maker.variants()) {
        await repository.insert(entity);
        const found = await lookupCase.lookup(store, lookupCase.key(entity));
        expect(found, label).toEqual(entity);
        expect(Object.keys(found ?? {}).sort(), label).toEqual(entityCase.fields);
      }
      expect(await lookupCase.lookup(store, 'no-such-key')).toBeNull();
    });

    it('follows renames and deletes', async () => {
      const store = context.store();
      const maker = await entityCase.prepare(store);
      const repository = entityCase.repository(store);
      const entity = await repository.insert(maker.make());
      const oldKey = lookupCase.key(entity);
      const newKey = lookupCase.key(maker.make());
      // Every looked-up kind (users, actions, templates, extensions) offers update and delete.
      const renamed = await repository.update!(entity.id, lookupCase.withKey(newKey) as never);
      expect(await lookupCase.lookup(store, oldKey)).toBeNull();
      expect(await lookupCase.lookup(store, newKey)).toEqual(renamed);
      expect(await repository.delete!(entity.id)).toBe(true);
      expect(await lookupCase.lookup(store, newKey)).toBeNull();
    });

    it('matches the key exactly, not by prefix or pattern', async () => {
      const store = context.store();
      const maker = await entityCase.prepare(store);
      const repository = entityCase.repository(store);
      const entity = await repository.insert(maker.make());
      const key = lookupCase.key(entity);
      for (const near of [key.slice(0, -1), `${key}x`, `${key.slice(0, -1)}_`, `${key.slice(0, -1)}%`]) {
        expect(await lookupCase.lookup(store, near), near).toBeNull();
      }
    });
  });
}
