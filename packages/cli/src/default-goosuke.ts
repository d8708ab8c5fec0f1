import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertStrongSecret,
  type BuiltinExtensions,
  createGoosuke,
  createWebCryptoSecretBox,
  type EventSink,
  type ExtensionConnector,
  type Goosuke,
  GoosukeError,
  gitHubSettingKeys,
  InvalidInputError,
  type Logger,
  type ModelPriceOverrides,
  modelPriceSchema,
  type RunLayout,
  type RunLimits,
  type RunSettings,
  resolveRunLimits,
  secretGitHubSettingKeys,
  UnsupportedError,
} from '@goosuke/core';
import { createGitHubCodeHostResolver, type GitHubCodeHostOptions, readGitHubConfig } from '@goosuke/github';
import { createScryptPasswordHasher, type ScryptCost } from '@goosuke/scrypt';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { z } from 'zod';
import {
  createDefaultAgentRuntime,
  createDefaultExtensionConnector,
  type DefaultAgentRuntime,
  type DefaultAgentRuntimeOptions,
} from './agent-runtime.ts';
import { createDefaultGitBackend, readGitBackendKind } from './git-backend-choice.ts';
import { createLanguageModelResolver, type Environment } from './language-models.ts';

/** What the default composition root is built from. */
export interface DefaultGoosukeConfig {
  /** Where Goosuke keeps its files (the SQLite database; later clones and working copies). */
  dataDir: string;
  /** The SQLite database file (created with its directory when missing), or `:memory:`. */
  databasePath: string;
  /** The master secret that seals provider keys and other secrets at rest. */
  secretKey: string;
  /** Former master secrets, still accepted for reading while keys rotate. */
  previousSecretKeys: string[];
  /** Per-model price overrides from `GOOSUKE_MODEL_PRICES`, keyed `provider:model`. */
  prices: ModelPriceOverrides;
  /**
   * The secret access JWTs are signed with (`GOOSUKE_JWT_SECRET`); absent when not set, in which
   * case sign-in is unavailable (the server command requires it). Never the secret key.
   */
  jwtSecret?: string;
  /**
   * The scrypt cost of new password hashes (`GOOSUKE_SCRYPT_COST`); absent means the default,
   * OWASP's N=2^17, r=8, p=1. Lowering it weakens stored passwords: for tests only.
   */
  scryptCost?: ScryptCost;
  /**
   * How many password hashes run at once (`GOOSUKE_PASSWORD_HASH_CONCURRENCY`); absent means
   * core's default (2). Each scrypt hash at the default cost holds 128 MiB while it runs.
   */
  passwordHashConcurrency?: number;
  /**
   * How a pull request follows its base branch when that moved (`GOOSUKE_PR_BASE_UPDATE`):
   * `merge` (the default) or `rebase` (which force-pushes the pull request's branch).
   */
  pullRequestBaseUpdate?: 'merge' | 'rebase';
  /**
   * Overrides of Goosuke's limits (`GOOSUKE_MAX_INSTRUCTION_BYTES`, `GOOSUKE_MAX_MODELS_PER_MESSAGE`,
   * `GOOSUKE_MAX_ACTIVE_RUNS_PER_USER`); the defaults are 200 KiB, 8 and 24.
   */
  limits?: Partial<RunLimits>;
  /**
   * The GitBackend (`GOOSUKE_GIT_BACKEND`): `system` (git >= 2.30 on PATH) or `isomorphic`;
   * absent means the system git when there is one, else isomorphic-git.
   */
  gitBackend?: 'system' | 'isomorphic';
  /**
   * Run coding agents unconfined where bubblewrap cannot run (`GOOSUKE_UNSAFE_NO_SANDBOX=1`, the
   * configuration twin of `--unsafe-no-sandbox`): the agent then has Goosuke's user, files and
   * network. Default false: an agent Goosuke cannot confine is not started.
   */
  unsafeNoSandbox?: boolean;
  /**
   * Files and directories coding agents must not read, besides Goosuke's data directory (which is
   * always hidden from them, but for each run's own working copy and git directory): by default
   * the `.env` file configuration is read from; `GOOSUKE_AGENT_HIDDEN_PATHS` (a `:`-separated
   * list) adds more. The Goosuke user's home is hidden too (see `createAcpAgentHost`).
   */
  agentHiddenPaths?: string[];
}

/** The data directory used when `GOOSUKE_DATA_DIR` is not set, relative to the working directory. */
export const defaultDataDir = '.goosuke';

const generateHint = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;

function databasePathFrom(url: string, cwd: string): string {
  const match = /^sqlite:(.+)$/.exec(url);
  if (!match) {
    throw new UnsupportedError(
      `GOOSUKE_DATABASE_URL ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))} is not supported; use sqlite:PATH`,
    );
  }
  const location = match[1]!.replace(/^\/\/(?=\/)/, '');
  return location === ':memory:' ? location : path.resolve(cwd, location);
}

const pricesSchema = z.record(z.string(), modelPriceSchema).superRefine((prices, context) => {
  for (const key of Object.keys(prices)) {
    if (!/^(openai|anthropic|google|openai-compatible):.+$/.test(key)) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: 'keys are provider:model, e.g. openai:gpt-4.1',
      });
    }
  }
});

/** `GOOSUKE_MODEL_PRICES`: a JSON object of price overrides; model names compare lower-cased. */
function readPrices(text: string | undefined): ModelPriceOverrides {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError(
      'GOOSUKE_MODEL_PRICES is not JSON; give {"provider:model": {"inputPerMillion": 0, "cachedInputPerMillion": 0, "outputPerMillion": 0}}',
    );
  }
  const parsed = pricesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(
      `GOOSUKE_MODEL_PRICES${issue.path.map((part) => `[${JSON.stringify(part)}]`).join('')}: ${issue.message}`,
    );
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([key, price]) => [key.toLowerCase(), price]));
}

/** `GOOSUKE_SCRYPT_COST`: `N=16384,r=8,p=1`, checked by building a hasher with it. */
function readScryptCost(text: string | undefined): ScryptCost | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(text.trim());
  if (!match) {
    throw new InvalidInputError('GOOSUKE_SCRYPT_COST must look like N=131072,r=8,p=1');
  }
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    createScryptPasswordHasher({ cost });
  } catch (error) {
    throw new InvalidInputError(`GOOSUKE_SCRYPT_COST: ${(error as Error).message}`, [], { cause: error });
  }
  return cost;
}

const limitVariables = {
  GOOSUKE_MAX_INSTRUCTION_BYTES: 'maxInstructionBytes',
  GOOSUKE_MAX_MODELS_PER_MESSAGE: 'maxModelsPerMessage',
  GOOSUKE_MAX_ACTIVE_RUNS_PER_USER: 'maxActiveRunsPerUser',
} as const satisfies Record<string, keyof RunLimits>;

/** The limits set in the environment, each a whole number in core's range; undefined when none is set. */
function readLimits(env: Readonly<Record<string, string | undefined>>): Partial<RunLimits> | undefined {
  const limits: Partial<RunLimits> = {};
  for (const [name, key] of Object.entries(limitVariables)) {
    const text = env[name]?.trim() ?? '';
    if (text === '') continue;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    try {
      resolveRunLimits({ [key]: value });
    } catch (error) {
      throw new InvalidInputError(
        `${name} must be a whole number in range: ${(error as Error).message}`,
        [],
        {
          cause: error,
        },
      );
    }
    limits[key] = value;
  }
  return Object.keys(limits).length === 0 ? undefined : limits;
}

/** `GOOSUKE_JWT_SECRET`, when set: strong, and not one of the SecretBox keys. */
function readJwtSecret(text: string | undefined, secretKeys: readonly string[]): string | undefined {
  const secret = text?.trim() ?? '';
  if (secret === '') return undefined;
  try {
    assertStrongSecret(secret, 'GOOSUKE_JWT_SECRET');
  } catch (error) {
    throw new GoosukeError('secret_key', (error as Error).message, { cause: error });
  }
  if (secretKeys.includes(secret)) {
    throw new GoosukeError(
      'secret_key',
      `GOOSUKE_JWT_SECRET must differ from GOOSUKE_SECRET_KEY (one signs tokens, the other seals secrets); ${generateHint}`,
    );
  }
  return secret;
}

/**
 * Reads the configuration from environment variables:
 * - `GOOSUKE_SECRET_KEY` (required): at least 32 characters, not trivially repetitive;
 * - `GOOSUKE_PREVIOUS_SECRET_KEYS`: former secret keys, comma-separated, for rotation;
 * - `GOOSUKE_DATA_DIR`: where Goosuke keeps its files (default `.goosuke` under `cwd`);
 * - `GOOSUKE_DATABASE_URL`: `sqlite:PATH` (or `sqlite::memory:`) overrides the database, which
 *   is otherwise `goosuke.db` in the data directory;
 * - `GOOSUKE_MODEL_PRICES`: JSON price overrides, `{"provider:model": {"inputPerMillion": 3,
 *   "cachedInputPerMillion": 0.3, "outputPerMillion": 15}}` (USD per million tokens);
 * - `GOOSUKE_JWT_SECRET`: the key access JWTs are signed with; optional here (adding users does
 *   not need it), but when set it must be strong and differ from the secret keys;
 * - `GOOSUKE_SCRYPT_COST`: `N=...,r=...,p=...`, the scrypt cost of new password hashes
 *   (default N=131072,r=8,p=1); lower it for tests only;
 * - `GOOSUKE_PASSWORD_HASH_CONCURRENCY`: how many password hashes run at once, 1 to 64
 *   (default 2); sign-ins beyond wait their turn;
 * - `GOOSUKE_PR_BASE_UPDATE`: `merge` (default) or `rebase`, how a pull request follows a base
 *   branch that moved;
 * - `GOOSUKE_MAX_INSTRUCTION_BYTES` (default 204800), `GOOSUKE_MAX_MODELS_PER_MESSAGE` (default 8,
 *   at most 16), `GOOSUKE_MAX_ACTIVE_RUNS_PER_USER` (default 24): Goosuke's limits;
 * - `GOOSUKE_GIT_BACKEND`: `system` (git >= 2.30), `isomorphic` or `auto` (default: the system
 *   git when it is on PATH).
 *
 * @throws InvalidInputError for `GOOSUKE_MODEL_PRICES` that is not valid JSON of prices.
 * @throws GoosukeError `secret_key` when the secret key is missing or weak, or the JWT secret is
 *   weak or equal to a secret key (the message says how to make one and never contains a key);
 *   UnsupportedError for a database URL of another kind; InvalidInputError for a bad scrypt cost
 *   or hashing concurrency.
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
  const jwtSecret = readJwtSecret(env.GOOSUKE_JWT_SECRET, [secretKey, ...previousSecretKeys]);
  const scryptCost = readScryptCost(env.GOOSUKE_SCRYPT_COST);
  const concurrencyText = env.GOOSUKE_PASSWORD_HASH_CONCURRENCY?.trim() || undefined;
  const passwordHashConcurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (
    passwordHashConcurrency !== undefined &&
    !(/^\d+$/.test(concurrencyText!) && passwordHashConcurrency >= 1 && passwordHashConcurrency <= 64)
  ) {
    throw new InvalidInputError('GOOSUKE_PASSWORD_HASH_CONCURRENCY must be a whole number from 1 to 64');
  }
  const baseUpdate = env.GOOSUKE_PR_BASE_UPDATE?.trim() || undefined;
  if (baseUpdate !== undefined && baseUpdate !== 'merge' && baseUpdate !== 'rebase') {
    throw new InvalidInputError('GOOSUKE_PR_BASE_UPDATE must be merge or rebase');
  }
  const limits = readLimits(env);
  const dataDir = path.resolve(cwd, env.GOOSUKE_DATA_DIR?.trim() || defaultDataDir);
  const databaseUrl = env.GOOSUKE_DATABASE_URL?.trim();
  const gitBackend = readGitBackendKind(env.GOOSUKE_GIT_BACKEND);
  const unsafeNoSandbox = readFlag(env.GOOSUKE_UNSAFE_NO_SANDBOX, 'GOOSUKE_UNSAFE_NO_SANDBOX');
  const agentHiddenPaths = [
    path.join(cwd, '.env'),
    ...(env.GOOSUKE_AGENT_HIDDEN_PATHS ?? '')
      .split(':')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => path.resolve(cwd, entry)),
  ];
  return {
    dataDir,
    databasePath: databaseUrl ? databasePathFrom(databaseUrl, cwd) : path.join(dataDir, 'goosuke.db'),
    secretKey,
    previousSecretKeys,
    prices: readPrices(env.GOOSUKE_MODEL_PRICES),
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
    ...(scryptCost === undefined ? {} : { scryptCost }),
    ...(passwordHashConcurrency === undefined ? {} : { passwordHashConcurrency }),
    ...(baseUpdate === undefined ? {} : { pullRequestBaseUpdate: baseUpdate }),
    ...(limits === undefined ? {} : { limits }),
    ...(gitBackend === undefined ? {} : { gitBackend }),
    ...(unsafeNoSandbox ? { unsafeNoSandbox } : {}),
    agentHiddenPaths,
  };
}

/** A yes/no variable: `1`, `true`, `yes` or `0`, `false`, `no` (any case); unset or blank is no. */
function readFlag(text: string | undefined, name: string): boolean {
  const value = text?.trim().toLowerCase() ?? '';
  if (value === '' || value === '0' || value === 'false' || value === 'no') return false;
  if (value === '1' || value === 'true' || value === 'yes') return true;
  throw new InvalidInputError(`${name} must be 1 or 0 (true/false, yes/no)`);
}

/**
 * Goosuke on the embedded defaults: the facade itself, whose `close()` also stops the job queue
 * and closes the SQLite store it opened. The store, the git backend, the file layout and the code
 * hosts stay inside: `goosuke.pipeline` runs what needs them (clones in
 * `<dataDir>/clones/<repo-id>`, working copies in `<dataDir>/worktrees/<run-id>`).
 */
export type DefaultGoosuke = Goosuke;

/** Options of {@link createDefaultGoosuke} beyond the configuration. */
export interface DefaultGoosukeOptions {
  /**
   * Where provider keys and base URLs come from for profiles without them (`OPENAI_API_KEY`,
   * `ANTHROPIC_BASE_URL`, ...). Default: none, so only stored keys work.
   */
  env?: Environment;
  /** How runs execute (prices, retries, the agent). */
  runs?: RunSettings;
  /** Live views of run events. */
  eventSinks?: readonly EventSink[];
  /** The fetch the providers and the model gateway use (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /**
   * Where coding agents are found and how long they may take (the agent host's options:
   * `executables`, `nodeModules`, `searchPath`, time limits). Default: agents on the
   * environment's PATH or in the working directory's node_modules.
   */
  agentHost?: DefaultAgentRuntimeOptions['host'];
  /** Retries of provider calls after the first attempt; the providers' default when absent. */
  maxProviderRetries?: number;
  /** Serves the built-in extensions (`goosuke discord` passes its Discord tool server's). */
  builtinExtensions?: BuiltinExtensions;
  /** Lease of a claimed run job in ms (default 30 s): how soon a run of a dead process is taken over. */
  leaseMs?: number;
  /**
   * Where Goosuke, the adapters built on it and the providers' SDK notices log (see
   * `createPinoLogger`); nowhere when absent.
   */
  logger?: Logger;
}

/**
 * The MCP connector of runs and of `goosuke extensions test`, from the configuration: stdio
 * servers confined as agents are (the data directory, the `.env` and the user's HOME hidden),
 * with the environment's PATH.
 */
export function configuredExtensionConnector(
  config: Pick<DefaultGoosukeConfig, 'dataDir' | 'agentHiddenPaths' | 'unsafeNoSandbox'>,
  env: Readonly<Record<string, string | undefined>>,
): ExtensionConnector {
  return createDefaultExtensionConnector({
    path: env.PATH,
    dataDir: config.dataDir,
    hiddenPaths: config.agentHiddenPaths ?? [],
    ...(config.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
  });
}

/**
 * The default composition root, shared by the CLI, the HTTP server and the Discord bot: Goosuke
 * on a SQLite file store, a Web Crypto SecretBox, scrypt password hashing (sign-in also needs
 * `config.jwtSecret`), the durable SQLite job queue on the same
 * database, the system git or isomorphic-git (clones in `<dataDir>/clones/<repo-id>`, working copies in
 * `<dataDir>/worktrees/<run-id>`) and the OpenAI, Anthropic and Google providers. Runs execute
 * once `goosuke.runs.startWorkers()` is called.
 *
 * The data directory and the database's directory are created (owner-only permissions) when missing. If anything fails
 * after the store is opened, the store is closed before the error is rethrown.
 */
export async function createDefaultGoosuke(
  config: DefaultGoosukeConfig,
  options: DefaultGoosukeOptions = {},
): Promise<DefaultGoosuke> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // The default data directory sits inside the user's checkout (`goosuke run --repo .`): keep
  // git from listing Goosuke's database and clones there, as Python's venvs and caches do.
  await writeFile(path.join(config.dataDir, '.gitignore'), '*\n', { flag: 'wx' }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  if (config.databasePath !== ':memory:') {
    await mkdir(path.dirname(config.databasePath), { recursive: true, mode: 0o700 });
  }
  const store = await createSqliteStore({ database: config.databasePath });
  let agents: DefaultAgentRuntime | null = null;
  try {
    const secretBox = await createWebCryptoSecretBox({
      secret: config.secretKey,
      previousSecrets: config.previousSecretKeys,
    });
    const queue = await createSqliteJobQueue({
      database: store.database,
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });
    // Hard-linked working copies (from a read-only per-commit snapshot) instead of writing every
    // blob: several times faster on large trees (docs/performance.md). Safe because every write a
    // run makes goes through the Workspace's writeFiles, which writes a new file and renames it
    // over the old one, never into a shared inode (ADR 0002). Agent CLIs, which write in place,
    // get copies written file by file (`inPlaceWrites`). The system git does clones, fetches and checkouts when it is
    // on PATH (GOOSUKE_GIT_BACKEND chooses).
    const { git } = await createDefaultGitBackend(config.gitBackend);
    const layout: RunLayout = {
      cloneDir: (repo) => path.join(config.dataDir, 'clones', repo.id),
      workingCopyDir: (run) => path.join(config.dataDir, 'worktrees', run.id),
    };
    // Settings are read through the facade, which exists only once createGoosuke returns.
    let settings: Goosuke['settings'] | null = null;
    const codeHosts = createGitHubCodeHostResolver({
      config: () => gitHubConfig(options.env ?? {}, settings),
    });
    agents = createDefaultAgentRuntime({
      env: options.env ?? {},
      dataDir: config.dataDir,
      hiddenPaths: config.agentHiddenPaths ?? [],
      ...(config.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.agentHost === undefined ? {} : { host: options.agentHost }),
    });
    const goosuke = createGoosuke({
      store,
      secretBox,
      codeHosts,
      runtime: {
        queue,
        git,
        agentHost: agents.agentHost,
        modelGateway: agents.modelGateway,
        ...(options.builtinExtensions === undefined ? {} : { builtinExtensions: options.builtinExtensions }),
        extensionConnector: configuredExtensionConnector(config, options.env ?? {}),
        modelEndpoint: agents.modelEndpoint,
        languageModels: createLanguageModelResolver({
          env: options.env ?? {},
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(options.maxProviderRetries === undefined ? {} : { maxRetries: options.maxProviderRetries }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        }),
        layout,
      },
      runs: { ...options.runs, prices: { ...config.prices, ...options.runs?.prices } },
      passwordHasher: createScryptPasswordHasher(
        config.scryptCost === undefined ? {} : { cost: config.scryptCost },
      ),
      ...(config.jwtSecret === undefined ? {} : { jwtSecret: config.jwtSecret }),
      ...(config.passwordHashConcurrency === undefined
        ? {}
        : { auth: { passwordHashing: { maxConcurrent: config.passwordHashConcurrency } } }),
      ...(config.limits === undefined ? {} : { limits: config.limits }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.eventSinks === undefined ? {} : { eventSinks: options.eventSinks }),
      ...(config.pullRequestBaseUpdate === undefined
        ? {}
        : { pullRequests: { baseUpdate: config.pullRequestBaseUpdate } }),
    });
    settings = goosuke.settings;
    return {
      ...goosuke,
      async close() {
        // The queue shares the store's connection: stop it (and the runs it executes) first.
        await queue.close();
        await goosuke.close();
        await agents?.close();
      },
    };
  } catch (error) {
    await agents?.close();
    await store.close();
    throw error;
  }
}

/**
 * The GitHub configuration: from the environment when any GitHub variable is set there
 * (`GITHUB_TOKEN`, `GOOSUKE_GITHUB_APP_*`, `GOOSUKE_GITHUB_API_URL`), else from the stored
 * settings (`gitHubSettingKeys` of @goosuke/core, written by `PUT /api/v1/github/config`);
 * null when neither configures GitHub.
 */
async function gitHubConfig(
  env: Environment,
  settings: Goosuke['settings'] | null,
): Promise<{ options: GitHubCodeHostOptions; source: 'environment' | 'settings' } | null> {
  const fromEnvironment = Object.keys(gitHubSettingKeys).some((name) => (env[name]?.trim() ?? '') !== '');
  if (fromEnvironment || settings === null) {
    const options = readGitHubConfig(env);
    return options === null ? null : { options, source: 'environment' };
  }
  const stored: Record<string, string | undefined> = {};
  for (const [name, key] of Object.entries(gitHubSettingKeys)) {
    if (secretGitHubSettingKeys.has(key)) stored[name] = await settings.readSecret(key);
    else {
      const value = await settings.readValue(key);
      stored[name] = value === undefined || value === null ? undefined : String(value);
    }
  }
  const options = readGitHubConfig(stored);
  return options === null ? null : { options, source: 'settings' };
}
