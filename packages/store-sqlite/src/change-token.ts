// The store's change token (`Store.changeToken`) without a read transaction on every call.
//
// Seeing another connection's commit needs `PRAGMA data_version`, which opens a read
// transaction: in WAL mode that is a lock and an unlock on the `-shm` file, 4-20 us a call on
// this machine kind and two calls per authenticated GET (the change token was a fifth of a
// GET's time). Asked once per turn of the event loop instead, it tells commits by other
// processes from the next turn at the latest: a request reads under a state the database held
// while the request was being served. What must be seen at once is read without a lock: the
// connection's own writes (`total_changes()`, which also counts a host's writes through an
// injected handle), and the writes and commits of the other connections this process has open
// on the same file (another store, say), whose own marks are read the same way.
import { resolve } from 'node:path';
import type { SqliteDatabase, SqliteStatement } from './sqlite-connection.ts';

/** What the change token of one connection reads; kept by its SqliteConnection. */
export interface ChangeMarks {
  readonly database: SqliteDatabase;
  /** Transactions ended through the connection (commit or rollback). */
  readonly transactionsEnded: number;
}

interface Sibling {
  readonly marks: ChangeMarks;
  totalChanges: SqliteStatement | null;
}

interface FileConnections {
  // Weak: a host's handle that it drops without closing must not stay alive through this map.
  readonly members: Set<WeakRef<Sibling>>;
  /** Moves when a connection opens or closes, so that marks of different sets never compare equal. */
  generation: number;
}

// Connections of this process by database file: the only other writers whose commits cannot
// wait for the next turn (an SDK user may well write through one store and read through another).
const files = new Map<string, FileConnections>();

function fileKey(database: SqliteDatabase): string | null {
  // In-memory and temporary databases are private to their connection.
  if (database.memory || database.name === '' || database.name === ':memory:') return null;
  return resolve(database.name);
}

/**
 * The change token of one connection; {@link ChangeTokenSource.token} implements
 * `Store.changeToken` for it. {@link ChangeTokenSource.close} when the connection closes.
 */
export class ChangeTokenSource {
  readonly #self: Sibling;
  readonly #ref: WeakRef<Sibling>;
  readonly #file: FileConnections | null;
  readonly #key: string | null;
  #dataVersion: SqliteStatement | null = null;
  #version: number | null = null;
  readonly #forget = (): void => {
    this.#version = null;
  };

  constructor(marks: ChangeMarks) {
    this.#self = { marks, totalChanges: null };
    this.#ref = new WeakRef(this.#self);
    this.#key = fileKey(marks.database);
    let file = this.#key === null ? null : (files.get(this.#key) ?? null);
    if (this.#key !== null && file === null) {
      file = { members: new Set(), generation: 0 };
      files.set(this.#key, file);
    }
    this.#file = file;
    if (file !== null) {
      file.members.add(this.#ref);
      file.generation++;
    }
  }

  /**
   * A token that differs whenever committed data may have changed since it was last given: a
   * write or transaction end through this connection or another one of this process on the same
   * file, at once; a commit by any other connection, from the next turn of the event loop. Null
   * inside a transaction on the connection.
   */
  token(): string | null {
    const database = this.#self.marks.database;
    if (database.inTransaction) return null;
    if (this.#version === null) {
      this.#dataVersion ??= database.prepare('pragma data_version').pluck();
      this.#version = this.#dataVersion.get() as number;
      // Unref'd: a pending turn must not keep a process alive that has nothing else to do.
      setImmediate(this.#forget).unref();
    }
    const file = this.#file;
    if (file === null) return `${this.#version}.${marksOf(this.#self)}`;
    let marks = '';
    for (const ref of file.members) {
      const sibling = ref.deref();
      if (sibling?.marks.database.open) marks += `.${marksOf(sibling)}`;
      else {
        // Closed by its host without closing the store, or collected.
        file.members.delete(ref);
        file.generation++;
      }
    }
    return `${this.#version}.${file.generation}${marks}`;
  }

  /** Leaves the file's set of connections; idempotent. */
  close(): void {
    const file = this.#file;
    if (file === null || !file.members.delete(this.#ref)) return;
    file.generation++;
    if (file.members.size === 0 && this.#key !== null) files.delete(this.#key);
  }
}

function marksOf(sibling: Sibling): string {
  sibling.totalChanges ??= sibling.marks.database.prepare('select total_changes()').pluck();
  return `${sibling.totalChanges.get() as number}:${sibling.marks.transactionsEnded}`;
}
