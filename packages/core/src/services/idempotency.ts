import { z } from 'zod';
import type { IdempotencyRecord, IdempotentOperation } from '../domain/index.ts';
import { ConflictError } from '../errors/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import { toHex } from '../secrets/base64url.ts';
import { parseInput } from './parse-input.ts';

/** How long an idempotency key stands: a retry within it gets the first result. */
export const idempotencyKeyLifetimeMs = 24 * 60 * 60 * 1000;

/** An `Idempotency-Key` as a caller sends it: 1 to 190 characters. */
export const idempotencyKeySchema = z.string().trim().min(1).max(190);

/**
 * A caller's idempotency key for one call: whose it is (keys never reach across users) and
 * the key. Given to `tasks.create`, `runs.create` and `actions.trigger` of the system view by the
 * actor-scoped facade.
 */
export interface IdempotencyOptions {
  userId: string;
  key: string;
}

/** Records the key with what the call created; called inside the creating transaction. */
export type IdempotencyClaim = (
  tx: Store,
  created: { taskId: string; messageId: string | null },
) => Promise<void>;

/** Thrown inside the creating transaction to roll it back when a concurrent call claimed the key first. */
class KeyClaimed extends Error {
  readonly record: IdempotencyRecord;

  constructor(record: IdempotencyRecord) {
    super(`idempotency key ${record.key} was claimed first by another request`);
    this.record = record;
  }
}

/** JSON with object keys sorted at every level, so that equal requests give equal text. */
function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** SHA-256 (lower-case hex) of the canonical JSON of `value`. */
export async function requestFingerprint(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(value)));
  return toHex(new Uint8Array(digest));
}

/** What {@link runIdempotent} needs. */
export interface IdempotentCall<T> {
  store: Store;
  clock: Clock;
  operation: IdempotentOperation;
  /** The resource acted on (the action, the task); empty when none. */
  target: string;
  /** The caller's key, or undefined for a call without one (then `create` runs with no claim). */
  options: IdempotencyOptions | undefined;
  /** The request as validated: its canonical form is fingerprinted. */
  request: unknown;
  /** What the first call created, as the operation answers it. */
  replay(record: IdempotencyRecord): Promise<T>;
  /** Creates; must call `claim` (when given) inside the transaction that creates. */
  create(claim: IdempotencyClaim | undefined): Promise<T>;
}

/**
 * Runs a creating call under a caller's idempotency key: the first call with the key creates and
 * records the key with its result in the same transaction; a later (or concurrent) call with the
 * same key and the same request gets the first result again and creates nothing; the same key
 * with a different request is a ConflictError. Keys expire after {@link idempotencyKeyLifetimeMs}.
 *
 * @throws InvalidInputError for a malformed key.
 * @throws ConflictError for a key reused with a different request.
 */
export async function runIdempotent<T>(call: IdempotentCall<T>): Promise<T> {
  if (call.options === undefined) return call.create(undefined);
  const key = parseInput(idempotencyKeySchema, call.options.key, 'Idempotency-Key');
  const fingerprint = await requestFingerprint({
    operation: call.operation,
    target: call.target,
    request: call.request,
  });
  const lookup = { userId: call.options.userId, operation: call.operation, target: call.target, key };
  const matching = (record: IdempotencyRecord): IdempotencyRecord => {
    if (record.fingerprint !== fingerprint) {
      throw new ConflictError(
        `Idempotency-Key ${JSON.stringify(key)} was used with a different request: use a new key for a new request`,
      );
    }
    return record;
  };
  const now = call.clock.now();
  const existing = await call.store.idempotencyKeys.find({ ...lookup, now: new Date(now).toISOString() });
  if (existing !== null) return call.replay(matching(existing));
  try {
    return await call.create(async (tx, created) => {
      // Expired keys go as new ones come: the sweep is one indexed delete.
      await tx.idempotencyKeys.deleteExpired(new Date(now).toISOString());
      const claimed = await tx.idempotencyKeys.claim({
        ...lookup,
        fingerprint,
        taskId: created.taskId,
        messageId: created.messageId,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + idempotencyKeyLifetimeMs).toISOString(),
      });
      if (!claimed.created) throw new KeyClaimed(claimed.record);
    });
  } catch (error) {
    if (!(error instanceof KeyClaimed)) throw error;
    return call.replay(matching(error.record));
  }
}
