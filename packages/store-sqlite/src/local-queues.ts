import { resolve } from 'node:path';
import type { SqliteDatabase } from './sqlite-connection.ts';

// The running handlers of every queue handle of this process, by database, so that a cancel
// through one handle aborts a handler of another handle at once instead of at its next
// lease renewal. Handles in other processes still notice on renewal.

/** A queue handle of this process, as a cancel through another handle sees it. */
export interface LocalQueue {
  readonly identity: string | SqliteDatabase;
  abortJob(id: string): void;
}

/** Every open queue handle of this process. */
export const localQueues = new Set<LocalQueue>();

/** What names a database across handles: its file, or the handle itself for `:memory:`. */
export function databaseIdentity(database: SqliteDatabase): string | SqliteDatabase {
  return database.memory ? database : resolve(database.name);
}
