import { GoosukeError } from '@goosuke/core';
import type { SqliteConnection, TransactionToken } from './sqlite-connection.ts';

/**
 * Where repositories run their statements: the connection at large (waiting for any open
 * transaction) or one transaction (refusing once it has ended).
 */
export interface ExecutionScope {
  readonly connection: SqliteConnection;
  /** The transaction this scope is bound to, or null for the connection at large. */
  readonly transaction: TransactionToken | null;
  /** Runs the synchronous `operation` when the scope allows; its errors reject unchanged. */
  run<T>(operation: () => T): Promise<T>;
}

/** The scope of a store or queue handle: refuses once `isClosed()` says the handle is closed. */
export function connectionScope(
  connection: SqliteConnection,
  isClosed: () => boolean,
  closedMessage: string,
): ExecutionScope {
  return {
    connection,
    transaction: null,
    run(operation) {
      if (isClosed()) return Promise.reject(new GoosukeError('storage', closedMessage));
      return connection.execute(operation);
    },
  };
}

/** The scope of one transaction: runs at once while it is open, refuses after it ends. */
export function transactionScope(connection: SqliteConnection, token: TransactionToken): ExecutionScope {
  return {
    connection,
    transaction: token,
    run(operation) {
      if (connection.activeTransaction !== token) {
        return Promise.reject(
          new GoosukeError(
            'storage',
            'this transaction has ended; use the store passed to transaction() only inside its work',
          ),
        );
      }
      try {
        return Promise.resolve(operation());
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
