import {
  type AccessToken,
  type AccessTokenRepository,
  InvalidInputError,
  type ListOptions,
  NotFoundError,
  type Page,
  type RefreshToken,
  type RefreshTokenRepository,
  timestampSchema,
} from '@goosuke/core';
import {
  createEntityRepository,
  decodeRow,
  encodeRow,
  translateWriteError,
  validateEntity,
} from './entity-repository.ts';
import type { ExecutionScope } from './execution-scope.ts';
import { compileTemplate, type QueryTemplate, queryBuilder, slot } from './query-template.ts';
import type { ErrorSubject } from './sqlite-error.ts';
import { translateSqliteError } from './sqlite-error.ts';
import { accessTokenTable, refreshTokenTable, type TableDefinition } from './table-definitions.ts';

type Row = Record<string, unknown>;
type TokenRecord = { id: string; userId: string; createdAt: string };

const hashColumn = 'token_hash';

/** The statements every token table needs, compiled once per table. */
interface TokenTemplates {
  readonly insert: QueryTemplate;
  readonly findByHash: QueryTemplate;
  /** Sets `revoked_at` on the live rows whose `column` equals the value. */
  readonly revokeWhere: Map<string, QueryTemplate>;
}

const templatesByTable = new WeakMap<object, TokenTemplates>();

function templatesOf(definition: TableDefinition<unknown>, revokeColumns: readonly string[]): TokenTemplates {
  let templates = templatesByTable.get(definition);
  if (templates === undefined) {
    const db = queryBuilder();
    const columns = definition.columns.map((entry) => entry.column);
    const values = Object.fromEntries([...columns, hashColumn].map((name) => [name, slot(name)]));
    templates = {
      insert: compileTemplate(db.insertInto(definition.table).values(values)),
      findByHash: compileTemplate(
        db.selectFrom(definition.table).select(columns).where(hashColumn, '=', slot('hash')),
      ),
      revokeWhere: new Map(
        revokeColumns.map((column) => [
          column,
          compileTemplate(
            db
              .updateTable(definition.table)
              .set({ revoked_at: slot('at') })
              .where(column, '=', slot('value'))
              .where('revoked_at', 'is', null),
          ),
        ]),
      ),
    };
    templatesByTable.set(definition, templates);
  }
  return templates;
}

function readHash(entity: string, tokenHash: unknown): string {
  if (typeof tokenHash !== 'string' || tokenHash === '') {
    throw new InvalidInputError(`invalid ${entity}: the token hash must be a non-empty string`, [
      { path: ['tokenHash'], message: 'a non-empty string' },
    ]);
  }
  return tokenHash;
}

function readInstant(at: unknown, field: string): string {
  const parsed = timestampSchema.safeParse(at);
  if (!parsed.success) throw InvalidInputError.fromIssues(field, parsed.error.issues);
  return parsed.data;
}

/** What both token repositories share: insert with hash, lookups, lists per user, revocation. */
function createTokenTable<T extends TokenRecord>(
  definition: TableDefinition<T>,
  scope: ExecutionScope,
  revokeColumns: readonly string[],
) {
  const connection = scope.connection;
  const generic = definition as TableDefinition<unknown>;
  const entities = createEntityRepository<T, { userId?: string }>(definition, scope);
  const templates = templatesOf(generic, revokeColumns);
  // Names the hash, not its column, when a duplicate is refused.
  const subject: ErrorSubject = {
    entity: definition.entity,
    fieldOf: (column) => (column === hashColumn ? 'hash' : definition.fieldOf(column)),
  };
  const run = <R>(operation: () => R): Promise<R> =>
    scope.run(() => {
      try {
        return operation();
      } catch (error) {
        throw translateSqliteError(error, subject);
      }
    });

  return {
    entities,
    run,
    insert(token: T, tokenHash: string): Promise<T> {
      return scope.run(() => {
        const valid = validateEntity(definition.entity, definition.schema, token);
        const hash = readHash(definition.entity, tokenHash);
        try {
          connection
            .statement(templates.insert.sql)
            .run(templates.insert.bind({ ...encodeRow(generic, valid), [hashColumn]: hash }));
        } catch (error) {
          const translated = translateWriteError(error, generic, connection, valid);
          throw translated.code === 'conflict' ? translateSqliteError(error, subject) : translated;
        }
        return valid;
      });
    },
    findByHash(tokenHash: string): Promise<T | null> {
      return run(() => {
        const row = connection
          .statement(templates.findByHash.sql)
          .get(templates.findByHash.bind({ hash: tokenHash })) as Row | undefined;
        return row === undefined ? null : decodeRow(definition, row);
      });
    },
    list(options: ListOptions & { userId: string }): Promise<Page<T>> {
      return entities.list(options);
    },
    revokeWhere(column: string, value: string, at: string): Promise<number> {
      let instant: string;
      try {
        instant = readInstant(at, 'revocation time');
      } catch (error) {
        return Promise.reject(error);
      }
      const template = templates.revokeWhere.get(column)!;
      return run(() => connection.statement(template.sql).run(template.bind({ value, at: instant })).changes);
    },
  };
}

let accessTemplates: { setLastUsedAt: QueryTemplate; revoke: QueryTemplate } | undefined;

/**
 * Personal access tokens in `scope`: records in `goosuke_access_tokens` with the token's hash
 * in the unique `token_hash` column, which no read selects. A token of a user that does not
 * exist is an InvalidInputError (foreign key); a taken id or hash a ConflictError.
 */
export function createAccessTokenRepository(scope: ExecutionScope): AccessTokenRepository {
  const connection = scope.connection;
  const table = createTokenTable<AccessToken>(accessTokenTable, scope, ['user_id']);
  accessTemplates ??= (() => {
    const db = queryBuilder();
    const columns = accessTokenTable.columns.map((entry) => entry.column);
    return {
      setLastUsedAt: compileTemplate(
        db
          .updateTable(accessTokenTable.table)
          .set({ last_used_at: slot('at') })
          .where('id', '=', slot('id')),
      ),
      // The first revocation time is kept.
      revoke: compileTemplate(
        db
          .updateTable(accessTokenTable.table)
          .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(slot('at'))) }))
          .where('id', '=', slot('id'))
          .returning(columns),
      ),
    };
  })();
  const templates = accessTemplates;

  return {
    insert: (token, tokenHash) => table.insert(token, tokenHash),
    get: (id) => table.entities.get(id),
    findByHash: (tokenHash) => table.findByHash(tokenHash),
    list: (options) => table.list(options),
    async setLastUsedAt(id, at) {
      const instant = readInstant(at, 'last use time');
      await table.run(() => {
        const { changes } = connection
          .statement(templates.setLastUsedAt.sql)
          .run(templates.setLastUsedAt.bind({ id, at: instant }));
        if (changes === 0) throw new NotFoundError('access token', id);
      });
    },
    async revoke(id, at) {
      const instant = readInstant(at, 'revocation time');
      return table.run(() => {
        const row = connection
          .statement(templates.revoke.sql)
          .get(templates.revoke.bind({ id, at: instant })) as Row | undefined;
        if (row === undefined) throw new NotFoundError('access token', id);
        return decodeRow(accessTokenTable, row);
      });
    },
    revokeAllOfUser: (userId, at) => table.revokeWhere('user_id', userId, at),
  };
}

let refreshTemplates:
  | { markUsed: QueryTemplate; exists: QueryTemplate; familyState: QueryTemplate }
  | undefined;

/**
 * Refresh tokens in `scope`: records in `goosuke_refresh_tokens` with the token's hash in the
 * unique `token_hash` column, which no read selects. `markUsed` is one conditional UPDATE, so
 * that of two concurrent uses of a token (even from two processes) exactly one wins.
 */
export function createRefreshTokenRepository(scope: ExecutionScope): RefreshTokenRepository {
  const connection = scope.connection;
  const table = createTokenTable<RefreshToken>(refreshTokenTable, scope, ['user_id', 'family_id']);
  refreshTemplates ??= (() => {
    const db = queryBuilder();
    return {
      markUsed: compileTemplate(
        db
          .updateTable(refreshTokenTable.table)
          .set({ used_at: slot('at') })
          .where('id', '=', slot('id'))
          .where('used_at', 'is', null)
          .where('revoked_at', 'is', null),
      ),
      exists: compileTemplate(
        db.selectFrom(refreshTokenTable.table).select('id').where('id', '=', slot('id')),
      ),
      // One pass over the family's index entries: how many tokens, how many revoked.
      familyState: compileTemplate(
        db
          .selectFrom(refreshTokenTable.table)
          .select((eb) => [eb.fn.countAll().as('tokens'), eb.fn.count('revoked_at').as('revoked')])
          .where('family_id', '=', slot('familyId')),
      ),
    };
  })();
  const templates = refreshTemplates;

  return {
    insert: (token, tokenHash) => table.insert(token, tokenHash),
    findByHash: (tokenHash) => table.findByHash(tokenHash),
    async markUsed(id, at) {
      const instant = readInstant(at, 'use time');
      return table.run(() => {
        const { changes } = connection
          .statement(templates.markUsed.sql)
          .run(templates.markUsed.bind({ id, at: instant }));
        if (changes > 0) return true;
        if (connection.statement(templates.exists.sql).get(templates.exists.bind({ id })) === undefined) {
          throw new NotFoundError('refresh token', id);
        }
        return false;
      });
    },
    revokeFamily: (familyId, at) => table.revokeWhere('family_id', familyId, at),
    isFamilyLive: (familyId) =>
      table.run(() => {
        const row = connection
          .statement(templates.familyState.sql)
          .get(templates.familyState.bind({ familyId })) as { tokens: number; revoked: number };
        return row.tokens > 0 && row.revoked === 0;
      }),
    revokeAllOfUser: (userId, at) => table.revokeWhere('user_id', userId, at),
  };
}
