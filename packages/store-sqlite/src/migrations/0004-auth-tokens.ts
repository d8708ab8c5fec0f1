import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

function strict<TableName extends string, ColumnName extends string>(
  builder: CreateTableBuilder<TableName, ColumnName>,
): CreateTableBuilder<TableName, ColumnName> {
  return builder.modifyEnd(sql`strict`);
}

/**
 * Personal access tokens and refresh tokens. Each row holds the SHA-256 hash of its token
 * (`token_hash`, unique: tokens are found by it), never the token. Both belong to their user
 * and cascade when the user is deleted. Refresh tokens are also indexed by family, which is
 * revoked as a whole when a used token comes back.
 */
export const authTokensMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await strict(
      db.schema
        .createTable('goosuke_access_tokens')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('user_id', 'text', (column) =>
          column.notNull().references('goosuke_users.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('prefix', 'text', (column) => column.notNull())
        .addColumn('token_hash', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_access_tokens_hash')
      .on('goosuke_access_tokens')
      .column('token_hash')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_access_tokens_user')
      .on('goosuke_access_tokens')
      .columns(['user_id', 'created_at', 'id'])
      .execute();

    await strict(
      db.schema
        .createTable('goosuke_refresh_tokens')
        .addColumn('id', 'text', (column) => column.primaryKey().notNull())
        .addColumn('user_id', 'text', (column) =>
          column.notNull().references('goosuke_users.id').onDelete('cascade'),
        )
        .addColumn('family_id', 'text', (column) => column.notNull())
        .addColumn('token_hash', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addColumn('used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull()),
    ).execute();
    await db.schema
      .createIndex('goosuke_refresh_tokens_hash')
      .on('goosuke_refresh_tokens')
      .column('token_hash')
      .unique()
      .execute();
    await db.schema
      .createIndex('goosuke_refresh_tokens_user')
      .on('goosuke_refresh_tokens')
      .columns(['user_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('goosuke_refresh_tokens_family')
      .on('goosuke_refresh_tokens')
      .column('family_id')
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('goosuke_refresh_tokens').ifExists().execute();
    await db.schema.dropTable('goosuke_access_tokens').ifExists().execute();
  },
};
