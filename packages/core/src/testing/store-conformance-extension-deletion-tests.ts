import { describe, expect, it } from 'vitest';
import type { ExtensionDeletion } from '../domain/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import { buildExtension } from './entity-builders.ts';
import type { StoreTestContext } from './store-conformance-entity-tests.ts';
import { orderedTimestamps, unicodeSample } from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

/** Registers the tests of the deleted-extension-name records of `extensions`. */
export function describeExtensionDeletions(context: StoreTestContext): void {
  describe('extension deletions', () => {
    it('get of a name never recorded is null, and list of none is empty', async () => {
      const { extensions } = context.store();
      expect(await extensions.getDeletion('never-deleted')).toBeNull();
      expect(await extensions.listDeletions()).toEqual([]);
      expect(await extensions.clearDeletion('never-deleted')).toBe(false);
    });

    it('records a name, reads it back intact, replaces it when recorded again and forgets it when cleared', async () => {
      const { extensions } = context.store();
      const first: ExtensionDeletion = { name: `github ${unicodeSample}`, deletedAt: orderedTimestamps[1]! };
      expect(await extensions.recordDeletion(structuredClone(first))).toEqual(first);
      expect(await extensions.getDeletion(first.name)).toEqual(first);
      // Names are exact: another case is another name.
      expect(await extensions.getDeletion(first.name.toUpperCase())).toBeNull();

      const again: ExtensionDeletion = { ...first, deletedAt: orderedTimestamps[3]! };
      expect(await extensions.recordDeletion(structuredClone(again))).toEqual(again);
      expect(await extensions.listDeletions()).toEqual([again]);

      expect(await extensions.clearDeletion(first.name)).toBe(true);
      expect(await extensions.getDeletion(first.name)).toBeNull();
      expect(await extensions.clearDeletion(first.name)).toBe(false);
    });

    it('lists every record by name', async () => {
      const { extensions } = context.store();
      for (const [index, name] of ['search', 'Github', 'fetch', 'github'].entries()) {
        await extensions.recordDeletion({ name, deletedAt: orderedTimestamps[index]! });
      }
      expect((await extensions.listDeletions()).map((deletion) => deletion.name)).toEqual([
        'Github',
        'fetch',
        'github',
        'search',
      ]);
    });

    it('keeps records apart from extensions: an extension may have a recorded name, and deleting one records nothing', async () => {
      const store = context.store();
      const extension = await store.extensions.insert(buildExtension({ name: 'memory' }));
      const deletion = { name: 'memory', deletedAt: orderedTimestamps[2]! };
      await store.extensions.recordDeletion(deletion);
      expect(await store.extensions.getByName('memory')).toEqual(extension);
      expect(await store.extensions.delete(extension.id)).toBe(true);
      expect(await store.extensions.getDeletion('memory')).toEqual(deletion);
      await store.extensions.clearDeletion('memory');
      const other = await store.extensions.insert(buildExtension({ name: 'other' }));
      await store.extensions.delete(other.id);
      expect(await store.extensions.listDeletions()).toEqual([]);
    });

    it('refuses an invalid record with invalid_input', async () => {
      const { extensions } = context.store();
      const invalid: unknown[] = [
        { name: '', deletedAt: orderedTimestamps[0] },
        { name: 'x'.repeat(201), deletedAt: orderedTimestamps[0] },
        { name: 'fetch', deletedAt: 'yesterday' },
        { name: 'fetch' },
      ];
      for (const record of invalid) {
        await expectRejectsWith(
          () => extensions.recordDeletion(record as ExtensionDeletion),
          'invalid_input',
        );
      }
      expect(await extensions.listDeletions()).toEqual([]);
    });

    it('rolls records back with their transaction', async () => {
      const store = context.store();
      await expect(
        store.transaction(async (transaction) => {
          await transaction.extensions.recordDeletion({ name: 'fetch', deletedAt: orderedTimestamps[0]! });
          expect(await transaction.extensions.getDeletion('fetch')).not.toBeNull();
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await store.extensions.getDeletion('fetch')).toBeNull();
    });
  });
}
