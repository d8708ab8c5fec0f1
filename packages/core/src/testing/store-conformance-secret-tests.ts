import { describe, expect, it } from 'vitest';
import { expectRejectsWith } from './conformance-assertions.ts';
import { buildModelProfile, buildUser } from './entity-builders.ts';
import { later } from './store-conformance-cases.ts';
import { listEverything, type StoreTestContext } from './store-conformance-entity-tests.ts';

// Shared by the store conformance suite; not exported from the package.

function envelopeFor(id: string): string {
  return `v1.key-2026.SEALED-API-KEY-${id}-ZmFrZS1jaXBoZXJ0ZXh0`;
}

function hashFor(id: string): string {
  return `$scrypt$ln=15,r=8,p=1$PASSWORD-HASH-${id}$c2FsdGVkLWhhc2g`;
}

/** Registers the tests of model API keys and user password hashes, stored beside their entities. */
export function describeSecretsBesideEntities(context: StoreTestContext): void {
  describe('models: encrypted API key', () => {
    it('a new profile has no key', async () => {
      const model = await context.store().models.insert(buildModelProfile());
      expect(model.hasApiKey).toBe(false);
      expect(await context.store().models.getEncryptedApiKey(model.id)).toBeNull();
    });

    it('setEncryptedApiKey stores the envelope and turns hasApiKey on, leaving other fields alone', async () => {
      const { models } = context.store();
      const model = await models.insert(buildModelProfile());
      const other = await models.insert(buildModelProfile());
      await models.setEncryptedApiKey(model.id, envelopeFor(model.id));
      expect(await models.getEncryptedApiKey(model.id)).toBe(envelopeFor(model.id));
      expect(await models.get(model.id)).toEqual({ ...model, hasApiKey: true });
      const listed = await listEverything((options) => models.list(options));
      expect(listed.find((item) => item.id === model.id)?.hasApiKey).toBe(true);
      // Keys are per profile.
      expect(listed.find((item) => item.id === other.id)?.hasApiKey).toBe(false);
      expect(await models.getEncryptedApiKey(other.id)).toBeNull();
      expect(
        (await models.list({ provider: model.provider })).items.find((item) => item.id === model.id),
      ).toEqual({
        ...model,
        hasApiKey: true,
      });
    });

    it('a key can be replaced, then removed with null; hasApiKey follows', async () => {
      const { models } = context.store();
      const model = await models.insert(buildModelProfile());
      await models.setEncryptedApiKey(model.id, envelopeFor('first'));
      await models.setEncryptedApiKey(model.id, envelopeFor('second'));
      expect(await models.getEncryptedApiKey(model.id)).toBe(envelopeFor('second'));
      expect((await models.get(model.id))?.hasApiKey).toBe(true);
      await models.setEncryptedApiKey(model.id, null);
      expect(await models.getEncryptedApiKey(model.id)).toBeNull();
      expect(await models.get(model.id)).toEqual(model);
      // Removing twice is harmless.
      await models.setEncryptedApiKey(model.id, null);
      expect(await models.get(model.id)).toEqual(model);
    });

    it('hasApiKey always tells whether a key is stored: insert and update cannot set it', async () => {
      const { models } = context.store();
      const claimed = buildModelProfile({ hasApiKey: true });
      expect((await models.insert(claimed)).hasApiKey).toBe(false);
      expect((await models.get(claimed.id))?.hasApiKey).toBe(false);
      expect((await models.update(claimed.id, { hasApiKey: true })).hasApiKey).toBe(false);
      expect((await models.get(claimed.id))?.hasApiKey).toBe(false);
      await models.setEncryptedApiKey(claimed.id, envelopeFor(claimed.id));
      const updated = await models.update(claimed.id, { hasApiKey: false, displayName: 'still keyed' });
      expect(updated.hasApiKey).toBe(true);
      expect(updated.displayName).toBe('still keyed');
      expect(await models.getEncryptedApiKey(claimed.id)).toBe(envelopeFor(claimed.id));
    });

    it('no read of a profile ever contains the key', async () => {
      const { models } = context.store();
      const model = await models.insert(buildModelProfile());
      const envelope = envelopeFor(model.id);
      await models.setEncryptedApiKey(model.id, envelope);
      const reads: unknown[] = [
        await models.get(model.id),
        await models.list(),
        await models.list({ provider: model.provider, limit: 1 }),
        await models.update(model.id, { displayName: 'renamed', updatedAt: later(model.updatedAt) }),
      ];
      for (const read of reads) {
        expect(JSON.stringify(read)).not.toContain(envelope);
        expect(JSON.stringify(read)).not.toContain('SEALED-API-KEY');
      }
      const read = await models.get(model.id);
      expect(Object.keys(read ?? {})).not.toContain('encryptedApiKey');
      expect(Object.keys(read ?? {})).not.toContain('apiKey');
    });

    it('key calls on a missing profile are NotFoundErrors', async () => {
      const { models } = context.store();
      await expectRejectsWith(
        () => models.setEncryptedApiKey('missing-model', envelopeFor('x')),
        'not_found',
      );
      await expectRejectsWith(() => models.setEncryptedApiKey('missing-model', null), 'not_found');
      await expectRejectsWith(() => models.getEncryptedApiKey('missing-model'), 'not_found');
      expect(await models.get('missing-model')).toBeNull();
    });

    it('deleting a profile deletes its key', async () => {
      const { models } = context.store();
      const model = await models.insert(buildModelProfile());
      await models.setEncryptedApiKey(model.id, envelopeFor(model.id));
      expect(await models.delete(model.id)).toBe(true);
      await expectRejectsWith(() => models.getEncryptedApiKey(model.id), 'not_found');
      const again = await models.insert(model);
      expect(again.hasApiKey).toBe(false);
      expect(await models.getEncryptedApiKey(model.id)).toBeNull();
    });
  });

  describe('users: password hash', () => {
    it('a new user has no password hash', async () => {
      const user = await context.store().users.insert(buildUser());
      expect(await context.store().users.getPasswordHash(user.id)).toBeNull();
    });

    it('setPasswordHash stores, replaces and (with null) clears the hash, per user', async () => {
      const { users } = context.store();
      const user = await users.insert(buildUser());
      const other = await users.insert(buildUser());
      await users.setPasswordHash(user.id, hashFor('first'));
      expect(await users.getPasswordHash(user.id)).toBe(hashFor('first'));
      expect(await users.getPasswordHash(other.id)).toBeNull();
      await users.setPasswordHash(user.id, hashFor('second'));
      expect(await users.getPasswordHash(user.id)).toBe(hashFor('second'));
      expect(await users.get(user.id)).toEqual(user);
      await users.setPasswordHash(user.id, null);
      expect(await users.getPasswordHash(user.id)).toBeNull();
      expect(await users.get(user.id)).toEqual(user);
    });

    it('no read of a user ever contains the hash', async () => {
      const { users } = context.store();
      const user = await users.insert(buildUser());
      await users.setPasswordHash(user.id, hashFor(user.id));
      const reads: unknown[] = [
        await users.get(user.id),
        await users.getByUsername(user.username),
        await users.list(),
        await users.list({ limit: 1 }),
        await users.update(user.id, { displayName: 'renamed', updatedAt: later(user.updatedAt) }),
      ];
      for (const read of reads) {
        expect(JSON.stringify(read)).not.toContain('PASSWORD-HASH');
      }
      expect(Object.keys((await users.get(user.id)) ?? {})).not.toContain('passwordHash');
    });

    it('hash calls on a missing user are NotFoundErrors', async () => {
      const { users } = context.store();
      await expectRejectsWith(() => users.setPasswordHash('missing-user', hashFor('x')), 'not_found');
      await expectRejectsWith(() => users.setPasswordHash('missing-user', null), 'not_found');
      await expectRejectsWith(() => users.getPasswordHash('missing-user'), 'not_found');
      expect(await users.get('missing-user')).toBeNull();
    });

    it('deleting a user deletes the hash', async () => {
      const { users } = context.store();
      const user = await users.insert(buildUser());
      await users.setPasswordHash(user.id, hashFor(user.id));
      expect(await users.delete(user.id)).toBe(true);
      await expectRejectsWith(() => users.getPasswordHash(user.id), 'not_found');
      await users.insert(user);
      expect(await users.getPasswordHash(user.id)).toBeNull();
    });
  });
}
