import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { GoosukeError } from '@goosuke/core';
import type { CliIo } from './cli-io.ts';
import { ConfigurationError } from './configuration-error.ts';
import {
  createDefaultGoosuke,
  type DefaultGoosuke,
  type DefaultGoosukeConfig,
  readDefaultGoosukeConfig,
} from './default-goosuke.ts';

/** Environment variables as commands read them: `.env` merged under the real environment. */
export type CliEnvironment = Readonly<Record<string, string>>;

/** What {@link readCliConfiguration} returns. */
export interface CliConfiguration {
  /** The merged environment (see {@link readCliEnvironment}); holds secrets, never print it. */
  env: CliEnvironment;
  /** The default composition root's configuration read from `env`. */
  config: DefaultGoosukeConfig;
}

/**
 * The environment commands read: the variables of `.env` in `io.cwd` (when that file exists,
 * parsed by `node:util` parseEnv), overridden by every variable set in `io.env`. A missing `.env`
 * is no error; an unreadable one is a ConfigurationError. Values are never printed.
 */
export async function readCliEnvironment(io: Pick<CliIo, 'cwd' | 'env'>): Promise<CliEnvironment> {
  const file = path.join(io.cwd, '.env');
  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new ConfigurationError(
        'storage',
        `cannot read ${file} (${code ?? 'unknown error'}); fix or remove it`,
        {
          cause: error,
        },
      );
    }
  }
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(text === null ? {} : parseEnv(text))) {
    if (value !== undefined) merged[name] = value;
  }
  for (const [name, value] of Object.entries(io.env)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

/**
 * Reads the merged environment ({@link readCliEnvironment}) and Goosuke's configuration from it
 * (readDefaultGoosukeConfig). Every problem is a ConfigurationError (exit code 3) whose one-line
 * message names the variable to set: a missing or weak `GOOSUKE_SECRET_KEY` keeps the code
 * `secret_key`, an unsupported `GOOSUKE_DATABASE_URL` keeps `unsupported`.
 */
export async function readCliConfiguration(io: Pick<CliIo, 'cwd' | 'env'>): Promise<CliConfiguration> {
  const env = await readCliEnvironment(io);
  try {
    return { env, config: readDefaultGoosukeConfig(env, io.cwd) };
  } catch (error) {
    if (!GoosukeError.isInstance(error)) throw error;
    const where = error.code === 'secret_key' ? '; set it in the environment or in .env' : '';
    throw new ConfigurationError(error.code, `${error.message}${where}`, { cause: error });
  }
}

/**
 * Opens Goosuke on the default composition root from `configuration`, runs `use` with it and closes
 * it (and its store) afterwards, whether `use` succeeds or throws. Resolves to what `use` resolves to.
 */
export async function withDefaultGoosuke<Result>(
  configuration: CliConfiguration,
  use: (goosuke: DefaultGoosuke) => Promise<Result>,
): Promise<Result> {
  const goosuke = await createDefaultGoosuke(configuration.config);
  try {
    return await use(goosuke);
  } finally {
    await goosuke.close();
  }
}
