import { type IdempotencyRecord, idempotencyRecordSchema } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import type { IdempotencyKeyRepository, IdempotencyLookup } from '../ports/index.ts';
import { copy, type MemoryRunner, validate } from './memory-entity-repository.ts';

/** What the idempotency keys need of the memory store's state. */
export interface IdempotencyState {
  /** Records by JSON `[userId, operation, target, key]`. */
  idempotencyKeys: Map<string, IdempotencyRecord>;
  users: Map<string, unknown>;
  tasks: Map<string, unknown>;
  messages: Map<string, unknown>;
}

const slotOf = (lookup: IdempotencyLookup): string =>
  JSON.stringify([lookup.userId, lookup.operation, lookup.target, lookup.key]);

/** Deletes the records of a deleted user or task (the cascade the port asks for). */
export function deleteIdempotencyKeysOf(
  state: IdempotencyState,
  owner: { userId?: string; taskId?: string },
): void {
  for (const [slot, record] of [...state.idempotencyKeys]) {
    if (record.userId === owner.userId || record.taskId === owner.taskId) state.idempotencyKeys.delete(slot);
  }
}

/** The in-memory IdempotencyKeyRepository over the memory store's state. */
export function createMemoryIdempotencyKeys<State extends IdempotencyState>(
  run: MemoryRunner<State>,
): IdempotencyKeyRepository {
  return {
    find: (lookup) =>
      run((state) => {
        const record = state.idempotencyKeys.get(slotOf(lookup));
        return record === undefined || record.expiresAt <= lookup.now ? null : copy(record);
      }),
    claim: (record) =>
      run((state) => {
        const parsed = validate(idempotencyRecordSchema, record, 'idempotency key');
        const slot = slotOf(parsed);
        const existing = state.idempotencyKeys.get(slot);
        if (existing !== undefined && existing.expiresAt > parsed.createdAt) {
          return { record: copy(existing), created: false };
        }
        for (const [field, entity, rows] of [
          ['userId', 'user', state.users],
          ['taskId', 'task', state.tasks],
          ['messageId', 'message', state.messages],
        ] as const) {
          const id = parsed[field];
          if (id !== null && !rows.has(id)) {
            throw new InvalidInputError(
              `invalid idempotency key: ${entity} ${JSON.stringify(id)} does not exist`,
              [{ path: [field], message: `no ${entity} with this id exists`, code: 'custom' }],
            );
          }
        }
        state.idempotencyKeys.set(slot, copy(parsed));
        return { record: copy(parsed), created: true };
      }),
    deleteExpired: (now) =>
      run((state) => {
        let deleted = 0;
        for (const [slot, record] of [...state.idempotencyKeys]) {
          if (record.expiresAt <= now) {
            state.idempotencyKeys.delete(slot);
            deleted += 1;
          }
        }
        return deleted;
      }),
  };
}
