import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';

/** The operations whose requests an `Idempotency-Key` makes safe to retry. */
export const idempotentOperationSchema = z
  .enum(['tasks.create', 'runs.create', 'actions.trigger'])
  .meta({ id: 'IdempotentOperation' });
/** An operation an idempotency key applies to. */
export type IdempotentOperation = z.infer<typeof idempotentOperationSchema>;

/**
 * One caller's idempotency key of one operation: the first request with (`userId`,
 * `operation`, `target`, `key`) records what it created, so that a retry returns that instead of
 * creating it again. Keys are the caller's own: another user's same key is another record.
 * `target` is the resource the operation acts on (the action triggered, the task that gets runs;
 * empty for creating a task). `fingerprint` (SHA-256 hex of the canonical request) tells a retry
 * from a different request reusing the key. The record stands until `expiresAt`.
 */
export const idempotencyRecordSchema = z
  .object({
    userId: idSchema,
    operation: idempotentOperationSchema,
    target: z.string().max(200),
    key: z.string().min(1).max(200),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lower-case hex'),
    /** The task the first request created or added to. */
    taskId: idSchema,
    /** The message the first request stored (its runs are the result), if any. */
    messageId: idSchema.nullable(),
    createdAt: timestampSchema,
    expiresAt: timestampSchema,
  })
  .meta({ id: 'IdempotencyRecord' });
/** A stored idempotency key with what its first request created. */
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;
