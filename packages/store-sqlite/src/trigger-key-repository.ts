import { actionTriggerKeySchema, InvalidInputError, type TriggerKeyRepository } from '@goosuke/core';
import { missingReferenceError } from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { translateSqliteError } from './sqlite-error.ts';

/** The table of claimed trigger keys (see migration 0006). */
export const triggerKeyTableName = 'goosuke_action_trigger_keys';

const subject = {
  entity: 'trigger key',
  fieldOf: (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()),
};

// `on conflict do nothing` makes the claim one atomic statement, even across connections: of
// two claims of one key exactly one inserts, and both then read the row that won.
const insertSql = `insert into "${triggerKeyTableName}" ("action_id", "key", "task_id", "created_at")
  values (?, ?, ?, ?) on conflict ("action_id", "key") do nothing`;
const selectSql = `select "task_id" from "${triggerKeyTableName}" where "action_id" = ? and "key" = ?`;

const references = [
  { field: 'actionId', entity: 'action', table: 'goosuke_actions' },
  { field: 'taskId', entity: 'task', table: 'goosuke_tasks' },
] as const;

/**
 * The TriggerKeyRepository on SQLite: one row per (action, key), cascading from the action and
 * the task. Invalid claims and missing actions or tasks are InvalidInputErrors.
 */
export function createTriggerKeyRepository(scope: ExecutionScope): TriggerKeyRepository {
  const connection = scope.connection;
  return {
    claim(claim) {
      return scope.run(() => {
        const parsed = actionTriggerKeySchema.safeParse(claim);
        if (!parsed.success) throw InvalidInputError.fromIssues('trigger key', parsed.error.issues);
        const { actionId, key, taskId, createdAt } = parsed.data;
        try {
          const existing = connection.statement(selectSql).get([actionId, key]) as
            | { task_id: string }
            | undefined;
          if (existing !== undefined) return { taskId: existing.task_id, created: false };
          const changes = connection.statement(insertSql).run([actionId, key, taskId, createdAt]).changes;
          if (changes === 1) return { taskId, created: true };
          // Another connection claimed the key between the two statements.
          const winner = connection.statement(selectSql).get([actionId, key]) as { task_id: string };
          return { taskId: winner.task_id, created: false };
        } catch (error) {
          throw (
            missingReferenceError(error, connection, 'trigger key', references, parsed.data) ??
            translateSqliteError(error, subject)
          );
        }
      });
    },
  };
}
