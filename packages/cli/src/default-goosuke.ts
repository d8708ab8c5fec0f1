import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  assertStrongSecret,
  createGoosuke,
  createWebCryptoSecretBox,
  type Goosuke,
  GoosukeError,
} from '@goosuke/core';
import { createSqliteStore, type SqliteStore } from '@goosuke/store-sqlite';

/** What the default composition root is built from. */
export interface DefaultGoosukeConfig {
  /** The SQLite database file (created with its directory when missing), or `:memory:`. */
  databasePath: string;
  /** The master secret that seals provider keys and other secrets at rest. */
  secretKey: string;
  /** Former master secrets, still accepted for reading while keys rotate. */
  previousSecretKeys: string[];
}

/** The database file used when `GOOSUKE_DATABASE` is not set, relative to the working directory. */
export const defaultDatabasePath = path.join('.goosuke', 'goosuke.db');

const generateHint = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;

/**
 * Reads the configuration from environment variables:
 * - `GOOSUKE_SECRET_KEY` (required): at least 32 characters, not trivially repetitive;
 * - `GOOSUKE_PREVIOUS_SECRET_KEYS`: former secret keys, comma-separated, for rotation;
 * - `GOOSUKE_DATABASE`: the SQLite file (default `.goosuke/goosuke.db` under `cwd`).
 *
 * @throws GoosukeError `secret_key` when the secret key is missing or weak; the message says
 *   how to make one and never contains the key.
 */
export function readDefaultGoosukeConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): DefaultGoosukeConfig {
  const secretKey = env.GOOSUKE_SECRET_KEY?.trim() ?? '';
  if (secretKey === '') {
    throw new GoosukeError('secret_key', `GOOSUKE_SECRET_KEY is not set; ${generateHint}`);
  }
  const previousSecretKeys = (env.GOOSUKE_PREVIOUS_SECRET_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  try {
    assertStrongSecret(secretKey, 'GOOSUKE_SECRET_KEY');
    for (const key of previousSecretKeys) assertStrongSecret(key, 'a key in GOOSUKE_PREVIOUS_SECRET_KEYS');
  } catch (error) {
    // A weak key is a configuration problem, not bad command-line input.
    throw new GoosukeError('secret_key', (error as Error).message, { cause: error });
  }
  const database = env.GOOSUKE_DATABASE?.trim() || defaultDatabasePath;
  return {
    databasePath: database === ':memory:' ? database : path.resolve(cwd, database),
    secretKey,
    previousSecretKeys,
  };
}

/** Goosuke on the embedded defaults, with the store it opened. */
export interface DefaultGoosuke extends Goosuke {
  /** The SQLite store; `close()` closes it. */
  readonly store: SqliteStore;
}

/**
 * The default composition root: Goosuke on a SQLite file store and a Web Crypto SecretBox.
 * Later issues add the git backend, the providers and the durable queue here, so that the
 * CLI, the HTTP server and the Discord bot share one wiring.
 *
 * The database directory is created (owner-only permissions) when missing. If anything fails
 * after the store is opened, the store is closed before the error is rethrown.
 */
export async function createDefaultGoosuke(config: DefaultGoosukeConfig): Promise<DefaultGoosuke> {
  if (config.databasePath !== ':memory:') {
    await mkdir(path.dirname(config.databasePath), { recursive: true, mode: 0o700 });
  }
  const store = await createSqliteStore({ database: config.databasePath });
  try {
    const secretBox = await createWebCryptoSecretBox({
      secret: config.secretKey,
      previousSecrets: config.previousSecretKeys,
    });
    return { ...createGoosuke({ store, secretBox }), store };
  } catch (error) {
    await store.close();
    throw error;
  }
}
