import { ConflictError, GoosukeError, InvalidInputError } from '@goosuke/core';

/** What a failing statement was about, so that errors name entities and fields, not SQL. */
export interface ErrorSubject {
  /** The entity in words, e.g. `pull request`. */
  readonly entity: string;
  /** The entity field stored in `column`, or the column itself when unknown. */
  fieldOf(column: string): string;
}

function sqliteCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** True for a better-sqlite3 foreign key violation. */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

// SQLite names the failing unique index's columns as `table.column, table.column`.
function uniqueFields(error: unknown, subject: ErrorSubject | undefined): string[] {
  const message = error instanceof Error ? error.message : '';
  const match = /constraint failed: (.+)$/i.exec(message);
  if (!match?.[1]) return [];
  return match[1].split(',').map((qualified) => {
    const column = qualified.trim().split('.').pop() ?? qualified.trim();
    return subject ? subject.fieldOf(column) : column;
  });
}

function article(entity: string): string {
  return /^[aeiou]/i.test(entity) ? 'an' : 'a';
}

/**
 * Translates a better-sqlite3 error into a GoosukeError: a unique or primary key violation
 * becomes ConflictError naming the entity and its fields; a foreign key violation becomes
 * InvalidInputError (the written entity references something that does not exist);
 * SQLITE_BUSY/SQLITE_LOCKED become a retryable `storage` error; anything else a `storage`
 * error. The original error is kept as `cause`; messages never contain SQL. GoosukeErrors
 * pass through unchanged.
 */
export function translateSqliteError(error: unknown, subject?: ErrorSubject): GoosukeError {
  if (GoosukeError.isInstance(error)) return error;
  const code = sqliteCode(error);
  const entity = subject?.entity ?? 'record';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const fields = uniqueFields(error, subject);
    const what = fields.length > 0 ? fields.join(' and ') : 'key';
    return new ConflictError(`${article(entity)} ${entity} with this ${what} already exists`, {
      cause: error,
    });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new InvalidInputError(
      `invalid ${entity}: it references an entity that does not exist`,
      [{ path: [], message: 'references an entity that does not exist' }],
      { cause: error },
    );
  }
  if (code !== null && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new GoosukeError('storage', 'the SQLite database is busy; try again', {
      cause: error,
      retryable: true,
    });
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new GoosukeError('storage', 'the SQLite database connection is closed', { cause: error });
  }
  const detail = code ?? (error instanceof Error ? error.name : 'unknown error');
  return new GoosukeError('storage', `the SQLite ${entity} operation failed (${detail})`, { cause: error });
}
