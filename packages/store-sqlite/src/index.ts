/**
 * @goosuke/store-sqlite: the Store and a durable JobQueue on SQLite (kysely + better-sqlite3),
 * Goosuke's embedded default.
 */
export type { SqliteConnectionOptions, SqliteDatabase } from './sqlite-connection.ts';
export { createSqliteJobQueue, type SqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue.ts';
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
