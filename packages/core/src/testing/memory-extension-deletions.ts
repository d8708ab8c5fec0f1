import { type ExtensionDeletion, extensionDeletionSchema } from '../domain/index.ts';
import type { ExtensionRepository } from '../ports/index.ts';
import { copy, type MemoryRunner, validate } from './memory-entity-repository.ts';

// A building block of the in-memory store; not exported from the package.

/** The deleted-name records of ExtensionRepository, kept in the map `rows` picks from the state. */
export function createMemoryExtensionDeletions<State>(
  run: MemoryRunner<State>,
  rows: (state: State) => Map<string, ExtensionDeletion>,
): Pick<ExtensionRepository, 'recordDeletion' | 'getDeletion' | 'clearDeletion' | 'listDeletions'> {
  return {
    recordDeletion: (deletion) =>
      run((state) => {
        const stored = copy(validate(extensionDeletionSchema, deletion, 'extension deletion'));
        rows(state).set(stored.name, stored);
        return copy(stored);
      }),
    getDeletion: (name) => run((state) => copy(rows(state).get(name) ?? null)),
    clearDeletion: (name) => run((state) => rows(state).delete(name)),
    listDeletions: () =>
      run((state) =>
        copy([...rows(state).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))),
      ),
  };
}
