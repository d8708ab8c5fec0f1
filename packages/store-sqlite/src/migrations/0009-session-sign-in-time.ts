import { type Kysely, sql } from 'kysely';

/**
 * Refresh tokens get `authenticated_at`: when the session's user signed in with their password,
 * carried unchanged through every rotation, so that an access token made by a refresh says when
 * its user last proved who they are (the `auth_time` claim), not when the token was refreshed.
 * Tokens stored before take the earliest `created_at` of their family (the sign-in, or the
 * oldest rotation kept). The migrator runs this in one transaction.
 */
export const sessionSignInTimeMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_refresh_tokens').addColumn('authenticated_at', 'text').execute();
    await sql`update goosuke_refresh_tokens set authenticated_at = (
        select min(family.created_at) from goosuke_refresh_tokens as family
        where family.family_id = goosuke_refresh_tokens.family_id
      )`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('goosuke_refresh_tokens').dropColumn('authenticated_at').execute();
  },
};
