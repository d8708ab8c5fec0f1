import { AsyncLocalStorage } from 'node:async_hooks';
import { GoosukeError } from '@goosuke/core';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { ChangeTokenSource } from './change-token.ts';
import { migrationLockTableName, migrationTableName, sqliteMigrationProvider } from './migrations/index.ts';
import { translateSqliteError } from './sqlite-error.ts';

/** A better-sqlite3 database handle. */
export type SqliteDatabase = Database.Database;

/** A prepared better-sqlite3 statement. */
export type SqliteStatement = Database.Statement<unknown[], unknown>;

/** How to reach the database: a filename to open, or a handle the host owns. */
export interface SqliteConnectionOptions {
  /**
   * A filename (created if missing; `:memory:` for a private in-memory database) or an open
   * better-sqlite3 `Database`. A handle passed in belongs to the host: closing the store or
   * queue never closes it.
   */
  database: string | SqliteDatabase;
  /** How long a statement waits for another connection's write lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/** Marks one open transaction; repositories bound to it run only while it is the active one. */
export class TransactionToken {}

// One SqliteConnection per better-sqlite3 handle, so that a store and a queue sharing a
// handle also share its transaction lock and statement cache.
const connections = new WeakMap<SqliteDatabase, SqliteConnection>();

/**
 * The single better-sqlite3 connection a store or queue works through, with what makes it
 * safe to share between asynchronous callers:
 *
 * - a lock: a transaction spans awaits, so while one is open every statement from outside it
 *   waits (otherwise it would silently become part of the transaction);
 * - an AsyncLocalStorage context: statements issued from inside the transaction's async
 *   context (even through the outer store) join it instead of waiting for it, which would
 *   deadlock;
 * - a cache of prepared statements keyed by SQL text.
 */
export class SqliteConnection {
  /** The better-sqlite3 handle. */
  readonly database: SqliteDatabase;
  /** A kysely instance executing on the handle; used by the migrator only. */
  readonly kysely: Kysely<unknown>;
  #locked = false;
  readonly #waiters: Array<() => void> = [];
  #activeTransaction: TransactionToken | null = null;
  readonly #transactionContext = new AsyncLocalStorage<TransactionToken>();
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #caches = new Map<object, unknown>();
  #closed = false;
  #transactionsEnded = 0;
  readonly #changeTokens: ChangeTokenSource;

  /** Wraps `database`; {@link openSqliteConnection} configures and migrates it. */
  constructor(database: SqliteDatabase) {
    this.database = database;
    this.kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const connection = this;
    this.#changeTokens = new ChangeTokenSource({
      database,
      get transactionsEnded() {
        return connection.#transactionsEnded;
      },
    });
  }

  /** See `Store.changeToken` and {@link ChangeTokenSource.token}; null inside a transaction. */
  changeToken(): string | null {
    return this.#changeTokens.token();
  }

  /** Whether close() ran or the host closed the handle. */
  get closed(): boolean {
    return this.#closed || !this.database.open;
  }

  /** The transaction currently open on this connection, if any. */
  get activeTransaction(): TransactionToken | null {
    return this.#activeTransaction;
  }

  /** A prepared statement for `sql`, prepared once per connection. */
  statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** A value built once per connection for `key` (e.g. a repository's prepared statements). */
  cached<T>(key: object, build: () => T): T {
    let value = this.#caches.get(key) as T | undefined;
    if (value === undefined) {
      value = build();
      this.#caches.set(key, value);
    }
    return value;
  }

  /**
   * Runs the synchronous `operation` as soon as no transaction stands in its way: at once
   * when none is open or when the caller is inside the open one, else after it ends.
   * Errors thrown by `operation` reject the promise unchanged.
   */
  execute<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    if (!this.#locked || this.#insideActiveTransaction()) {
      try {
        return Promise.resolve(operation());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#acquire().then(() => {
      try {
        if (this.closed) throw closedError();
        return operation();
      } finally {
        this.#release();
      }
    });
  }

  /**
   * Runs `work` inside one transaction (BEGIN IMMEDIATE, so that it holds the write lock from
   * the start and cannot fail half-way on a lock upgrade). Commits when `work` resolves,
   * rolls back and rethrows unchanged when it throws. A call from inside the open
   * transaction's async context joins it.
   */
  async transaction<T>(work: (token: TransactionToken) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    const current = this.#transactionContext.getStore();
    if (current !== undefined && current === this.#activeTransaction) return work(current);
    await this.#acquire();
    const token = new TransactionToken();
    try {
      if (this.closed) throw closedError();
      this.database.exec('begin immediate');
    } catch (error) {
      this.#release();
      throw translateSqliteError(error);
    }
    this.#activeTransaction = token;
    try {
      let result: T;
      try {
        result = await this.#transactionContext.run(token, () => work(token));
      } catch (error) {
        this.#rollback();
        throw error;
      }
      try {
        this.database.exec('commit');
      } catch (error) {
        this.#rollback();
        throw translateSqliteError(error);
      }
      return result;
    } finally {
      this.#transactionsEnded++;
      this.#activeTransaction = null;
      this.#release();
    }
  }

  /** Runs `callback` outside any transaction context, e.g. to start timers that outlive it. */
  outsideTransaction<T>(callback: () => T): T {
    return this.#transactionContext.exit(callback);
  }

  /**
   * Runs `operation` with the connection to itself: waits for any open transaction, and no
   * statement from elsewhere runs until it settles. For work that spans awaits outside
   * {@link transaction} (migrations).
   */
  async exclusive<T>(operation: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await operation();
    } finally {
      this.#release();
    }
  }

  /** Waits for the open transaction, then closes the handle. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#acquire();
    try {
      this.#changeTokens.close();
      connections.delete(this.database);
      if (this.database.open) this.database.close();
    } finally {
      this.#release();
    }
  }

  #insideActiveTransaction(): boolean {
    return (
      this.#activeTransaction !== null && this.#transactionContext.getStore() === this.#activeTransaction
    );
  }

  #rollback(): void {
    try {
      if (this.database.open && this.database.inTransaction) this.database.exec('rollback');
    } catch {
      // The original error matters more; SQLite already rolled back if this fails.
    }
  }

  #acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

function closedError(): GoosukeError {
  return new GoosukeError('storage', 'the SQLite database connection is closed');
}

function configure(database: SqliteDatabase, busyTimeoutMs: number): void {
  // busy_timeout first, so that switching the journal mode waits for other connections.
  database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  if (!database.memory) database.pragma('journal_mode = WAL');
  // NORMAL is durable against application crashes under WAL and much faster than FULL;
  // only an OS crash or power loss can lose the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
}

async function migrate(connection: SqliteConnection): Promise<void> {
  const migrator = new Migrator({
    db: connection.kysely,
    provider: sqliteMigrationProvider,
    migrationTableName,
    migrationLockTableName,
  });
  await connection.exclusive(async () => {
    // kysely runs SQLite migrations without a transaction; one BEGIN IMMEDIATE around the
    // whole run makes them all-or-nothing and serialises processes opening the file at once.
    connection.database.exec('begin immediate');
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) {
      if (connection.database.inTransaction) connection.database.exec('rollback');
      throw error;
    }
    connection.database.exec('commit');
  });
}

/** An open connection and whether its handle belongs to the caller (and so is closed by it). */
export interface OpenedConnection {
  connection: SqliteConnection;
  owned: boolean;
}

const pending = new WeakMap<SqliteDatabase, Promise<SqliteConnection>>();

/**
 * Opens (or, for a handle already in use by another store or queue, joins) the connection
 * for `options.database`, configures it (WAL for files, synchronous NORMAL, foreign keys,
 * busy timeout) and runs pending migrations in one transaction.
 *
 * @throws GoosukeError `storage` when the file cannot be opened or a migration fails.
 */
export async function openSqliteConnection(options: SqliteConnectionOptions): Promise<OpenedConnection> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (typeof options.database === 'string') {
    let database: SqliteDatabase;
    try {
      database = new Database(options.database);
    } catch (error) {
      throw new GoosukeError('storage', 'could not open the SQLite database file', { cause: error });
    }
    try {
      const connection = await prepareConnection(database, busyTimeoutMs);
      return { connection, owned: true };
    } catch (error) {
      if (database.open) database.close();
      throw error;
    }
  }
  const database = options.database;
  if (!database.open) throw closedError();
  const existing = connections.get(database);
  if (existing !== undefined && !existing.closed) return { connection: existing, owned: false };
  let opening = pending.get(database);
  if (opening === undefined) {
    opening = prepareConnection(database, busyTimeoutMs).finally(() => pending.delete(database));
    pending.set(database, opening);
  }
  return { connection: await opening, owned: false };
}

async function prepareConnection(database: SqliteDatabase, busyTimeoutMs: number): Promise<SqliteConnection> {
  const connection = new SqliteConnection(database);
  try {
    configure(database, busyTimeoutMs);
    await migrate(connection);
  } catch (error) {
    if (GoosukeError.isInstance(error)) throw error;
    const translated = translateSqliteError(error);
    throw new GoosukeError(
      'storage',
      'could not prepare the SQLite database (configuration or migration failed)',
      { cause: error, retryable: translated.retryable },
    );
  }
  connections.set(database, connection);
  return connection;
}
