import {
  type IdempotencyKeyRepository,
  type IdempotencyRecord,
  InvalidInputError,
  idempotencyRecordSchema,
} from '@goosuke/core';
import { missingReferenceError } from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { translateSqliteError } from './sqlite-error.ts';

/** The table of callers' idempotency keys (see migration 0008). */
export const idempotencyKeyTableName = 'goosuke_idempotency_keys';

const subject = {
  entity: 'idempotency key',
  fieldOf: (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()),
};

const slot = `"user_id" = ? and "operation" = ? and "target" = ? and "key" = ?`;
const selectSql = `select * from "${idempotencyKeyTableName}" where ${slot}`;
// An expired row is replaced in the same statement that would otherwise keep it: the claim stays
// one atomic statement, so that of two concurrent claims exactly one writes.
const upsertSql = `insert into "${idempotencyKeyTableName}"
  ("user_id", "operation", "target", "key", "fingerprint", "task_id", "message_id", "created_at", "expires_at")
  values (?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict ("user_id", "operation", "target", "key") do update set
    "fingerprint" = excluded."fingerprint", "task_id" = excluded."task_id",
    "message_id" = excluded."message_id", "created_at" = excluded."created_at",
    "expires_at" = excluded."expires_at"
  where "${idempotencyKeyTableName}"."expires_at" <= excluded."created_at"`;
const deleteExpiredSql = `delete from "${idempotencyKeyTableName}" where "expires_at" <= ?`;

interface Row {
  user_id: string;
  operation: string;
  target: string;
  key: string;
  fingerprint: string;
  task_id: string;
  message_id: string | null;
  created_at: string;
  expires_at: string;
}

function recordOf(row: Row): IdempotencyRecord {
  return idempotencyRecordSchema.parse({
    userId: row.user_id,
    operation: row.operation,
    target: row.target,
    key: row.key,
    fingerprint: row.fingerprint,
    taskId: row.task_id,
    messageId: row.message_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  });
}

const references = [
  { field: 'userId', entity: 'user', table: 'goosuke_users' },
  { field: 'taskId', entity: 'task', table: 'goosuke_tasks' },
  { field: 'messageId', entity: 'message', table: 'goosuke_messages' },
] as const;

/**
 * The IdempotencyKeyRepository on SQLite: one row per (user, operation, target, key), cascading
 * from the user, the task and the message. Invalid records and missing references are
 * InvalidInputErrors.
 */
export function createIdempotencyKeyRepository(scope: ExecutionScope): IdempotencyKeyRepository {
  const connection = scope.connection;
  return {
    find(lookup) {
      return scope.run(() => {
        const row = connection
          .statement(selectSql)
          .get([lookup.userId, lookup.operation, lookup.target, lookup.key]) as Row | undefined;
        return row === undefined || row.expires_at <= lookup.now ? null : recordOf(row);
      });
    },
    claim(record) {
      return scope.run(() => {
        const parsed = idempotencyRecordSchema.safeParse(record);
        if (!parsed.success) throw InvalidInputError.fromIssues('idempotency key', parsed.error.issues);
        const r = parsed.data;
        const lookup = [r.userId, r.operation, r.target, r.key];
        try {
          const changes = connection
            .statement(upsertSql)
            .run([...lookup, r.fingerprint, r.taskId, r.messageId, r.createdAt, r.expiresAt]).changes;
          if (changes === 1) return { record: r, created: true };
          return { record: recordOf(connection.statement(selectSql).get(lookup) as Row), created: false };
        } catch (error) {
          throw (
            missingReferenceError(error, connection, 'idempotency key', references, r) ??
            translateSqliteError(error, subject)
          );
        }
      });
    },
    deleteExpired(now) {
      return scope.run(() => connection.statement(deleteExpiredSql).run([now]).changes);
    },
  };
}
