import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GoosukeError } from '@goosuke/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from './default-goosuke.ts';

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const otherKey = 'another-long-master-secret-ZYXWVUTSRQPONMLK';
const apiKey = 'sk-live-do-not-leak-0123456789';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'goosuke-default-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function configError(env: Record<string, string>): GoosukeError {
  try {
    readDefaultGoosukeConfig(env, directory);
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('readDefaultGoosukeConfig', () => {
  it('requires a strong secret key and never echoes it', () => {
    expect(configError({}).code).toBe('secret_key');
    expect(configError({}).message).toContain('GOOSUKE_SECRET_KEY is not set');
    const weak = configError({ GOOSUKE_SECRET_KEY: 'short-but-secret' });
    expect(weak.code).toBe('secret_key');
    expect(weak.message).not.toContain('short-but-secret');
    expect(configError({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PREVIOUS_SECRET_KEYS: 'tiny' }).code).toBe(
      'secret_key',
    );
  });

  it('defaults the data directory under the working directory and reads previous keys', () => {
    expect(readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey }, directory)).toEqual({
      dataDir: path.join(directory, '.goosuke'),
      databasePath: path.join(directory, '.goosuke', 'goosuke.db'),
      secretKey,
      previousSecretKeys: [],
      prices: {},
      // The .env configuration is read from: agents never see it.
      agentHiddenPaths: [path.join(directory, '.env')],
    });
    const config = readDefaultGoosukeConfig(
      {
        GOOSUKE_SECRET_KEY: secretKey,
        GOOSUKE_DATA_DIR: 'state',
        GOOSUKE_PREVIOUS_SECRET_KEYS: ` ${otherKey} ,`,
        GOOSUKE_AGENT_HIDDEN_PATHS: 'secrets: /etc/goosuke ',
        GOOSUKE_UNSAFE_NO_SANDBOX: 'yes',
      },
      directory,
    );
    expect(config.databasePath).toBe(path.join(directory, 'state', 'goosuke.db'));
    expect(config.previousSecretKeys).toEqual([otherKey]);
    expect(config.agentHiddenPaths).toEqual([
      path.join(directory, '.env'),
      path.join(directory, 'secrets'),
      '/etc/goosuke',
    ]);
    expect(config.unsafeNoSandbox).toBe(true);
    expect(() =>
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_UNSAFE_NO_SANDBOX: 'maybe' },
        directory,
      ),
    ).toThrow('GOOSUKE_UNSAFE_NO_SANDBOX must be 1 or 0');
  });

  it('reads the limits from GOOSUKE_MAX_* and names a value out of range', () => {
    const config = readDefaultGoosukeConfig(
      {
        GOOSUKE_SECRET_KEY: secretKey,
        GOOSUKE_MAX_INSTRUCTION_BYTES: '500000',
        GOOSUKE_MAX_MODELS_PER_MESSAGE: '4',
        GOOSUKE_MAX_ACTIVE_RUNS_PER_USER: ' 100 ',
      },
      directory,
    );
    expect(config.limits).toEqual({
      maxInstructionBytes: 500_000,
      maxModelsPerMessage: 4,
      maxActiveRunsPerUser: 100,
    });
    for (const [name, value] of [
      ['GOOSUKE_MAX_MODELS_PER_MESSAGE', '17'],
      ['GOOSUKE_MAX_INSTRUCTION_BYTES', '200kb'],
      ['GOOSUKE_MAX_ACTIVE_RUNS_PER_USER', '0'],
    ] as const) {
      const error = configError({ GOOSUKE_SECRET_KEY: secretKey, [name]: value });
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain(name);
    }
  });

  it('takes the database from GOOSUKE_DATABASE_URL and refuses other kinds of database', () => {
    const read = (url: string) =>
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATABASE_URL: url }, directory)
        .databasePath;
    expect(read('sqlite:data/g.db')).toBe(path.join(directory, 'data', 'g.db'));
    expect(read('sqlite:///var/lib/goosuke.db')).toBe('/var/lib/goosuke.db');
    expect(read('sqlite::memory:')).toBe(':memory:');
    const error = configError({
      GOOSUKE_SECRET_KEY: secretKey,
      GOOSUKE_DATABASE_URL: 'postgres://u:pw@db/goosuke',
    });
    expect(error.code).toBe('unsupported');
    expect(error.message).not.toContain('pw');
  });

  it('reads price overrides from GOOSUKE_MODEL_PRICES and names what is wrong in them', () => {
    const free = { inputPerMillion: 0, cachedInputPerMillion: 0, outputPerMillion: 0 };
    const config = readDefaultGoosukeConfig(
      {
        GOOSUKE_SECRET_KEY: secretKey,
        GOOSUKE_MODEL_PRICES: JSON.stringify({ 'openai-compatible:Qwen3-Coder:30B': free }),
      },
      directory,
    );
    expect(config.prices).toEqual({ 'openai-compatible:qwen3-coder:30b': free });
    const read = (value: string) =>
      configError({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_MODEL_PRICES: value });
    expect(read('{not json').message).toMatch(/^GOOSUKE_MODEL_PRICES is not JSON/);
    expect(read(JSON.stringify({ 'gpt-4.1': free })).message).toMatch(/keys are provider:model/);
    expect(read(JSON.stringify({ 'openai:gpt-4.1': { ...free, outputPerMillion: -1 } })).message).toMatch(
      /^GOOSUKE_MODEL_PRICES\["openai:gpt-4.1"\]\["outputPerMillion"\]: /,
    );
  });
});

describe('readDefaultGoosukeConfig: sign-in settings', () => {
  const jwtSecret = 'a-separate-jwt-signing-secret-0123456789ABCDEF';

  it('reads GOOSUKE_JWT_SECRET and GOOSUKE_SCRYPT_COST only when set', () => {
    const config = readDefaultGoosukeConfig(
      {
        GOOSUKE_SECRET_KEY: secretKey,
        GOOSUKE_JWT_SECRET: ` ${jwtSecret} `,
        GOOSUKE_SCRYPT_COST: 'N=16384,r=8,p=2',
      },
      directory,
    );
    expect(config.jwtSecret).toBe(jwtSecret);
    expect(config.scryptCost).toEqual({ N: 16_384, r: 8, p: 2 });
    const bare = readDefaultGoosukeConfig(
      { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_JWT_SECRET: ' ' },
      directory,
    );
    expect('jwtSecret' in bare || 'scryptCost' in bare).toBe(false);
  });

  it('refuses a weak JWT secret, or one that is also a secret key, without echoing it', () => {
    const weak = configError({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_JWT_SECRET: 'short-jwt-secret' });
    expect(weak.code).toBe('secret_key');
    expect(weak.message).toContain('GOOSUKE_JWT_SECRET');
    expect(weak.message).not.toContain('short-jwt-secret');
    for (const env of [
      { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PREVIOUS_SECRET_KEYS: '', GOOSUKE_JWT_SECRET: secretKey },
      { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PREVIOUS_SECRET_KEYS: otherKey, GOOSUKE_JWT_SECRET: otherKey },
    ]) {
      const reused = configError(env);
      expect(reused.code).toBe('secret_key');
      expect(reused.message).toMatch(/must differ from GOOSUKE_SECRET_KEY/);
      expect(reused.message).not.toContain(env.GOOSUKE_JWT_SECRET);
    }
  });

  it('reads GOOSUKE_PASSWORD_HASH_CONCURRENCY: a whole number from 1 to 64', () => {
    const env = { GOOSUKE_SECRET_KEY: secretKey };
    expect(
      readDefaultGoosukeConfig({ ...env, GOOSUKE_PASSWORD_HASH_CONCURRENCY: ' 4 ' }, directory)
        .passwordHashConcurrency,
    ).toBe(4);
    expect('passwordHashConcurrency' in readDefaultGoosukeConfig(env, directory)).toBe(false);
    for (const value of ['0', '65', '2.5', 'two', '-1']) {
      expect(configError({ ...env, GOOSUKE_PASSWORD_HASH_CONCURRENCY: value }).message).toMatch(
        /^GOOSUKE_PASSWORD_HASH_CONCURRENCY/,
      );
    }
  });

  it('refuses a scrypt cost that is not one', () => {
    for (const cost of ['131072', 'N=1000,r=8,p=1', 'N=1024,r=0,p=1', 'n=1024,r=8,p=1']) {
      expect(configError({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_SCRYPT_COST: cost }).message).toMatch(
        /^GOOSUKE_SCRYPT_COST/,
      );
    }
  });
});

describe('readDefaultGoosukeConfig: pull requests', () => {
  it('reads GOOSUKE_PR_BASE_UPDATE as merge or rebase, and refuses anything else', () => {
    expect(
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey }, directory).pullRequestBaseUpdate,
    ).toBeUndefined();
    for (const value of ['merge', 'rebase'] as const) {
      const config = readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PR_BASE_UPDATE: ` ${value} ` },
        directory,
      );
      expect(config.pullRequestBaseUpdate).toBe(value);
    }
    expect(configError({ GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PR_BASE_UPDATE: 'squash' }).message).toBe(
      'GOOSUKE_PR_BASE_UPDATE must be merge or rebase',
    );
  });
});

describe('createDefaultGoosuke', () => {
  it('keeps data in the SQLite file across restarts, with API keys sealed at rest', async () => {
    const config = readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey }, directory);
    const first = await createDefaultGoosuke(config);
    const profile = await first.models.create({
      provider: 'anthropic',
      modelName: 'claude-sonnet-4-5',
      apiKey,
    });
    const { task } = await first.tasks.create({ message: 'Summarise the thread' });
    await first.close();
    await first.close();

    expect(existsSync(config.databasePath)).toBe(true);
    // The data directory ignores itself for git, and a .gitignore someone edited is kept.
    expect(readFileSync(path.join(config.dataDir, '.gitignore'), 'utf8')).toBe('*\n');
    writeFileSync(path.join(config.dataDir, '.gitignore'), '*\n!notes.md\n');
    await (await createDefaultGoosuke(config)).close();
    expect(readFileSync(path.join(config.dataDir, '.gitignore'), 'utf8')).toBe('*\n!notes.md\n');
    const raw = new Database(config.databasePath, { readonly: true });
    try {
      const dump = JSON.stringify(raw.prepare('select * from goosuke_model_profiles').all());
      expect(dump).toContain(profile.id);
      expect(dump).not.toContain(apiKey);
    } finally {
      raw.close();
    }

    const second = await createDefaultGoosuke(config);
    try {
      expect((await second.tasks.get(task.id)).title).toBe('Summarise the thread');
      expect(await second.models.revealApiKey(profile.id)).toBe(apiKey);
    } finally {
      await second.close();
    }
  });

  it('reads keys sealed with a previous secret after rotation, and refuses without it', async () => {
    const before = readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: otherKey }, directory);
    const old = await createDefaultGoosuke(before);
    const profile = await old.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey });
    await old.close();

    const rotated = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_PREVIOUS_SECRET_KEYS: otherKey },
        directory,
      ),
    );
    try {
      expect(await rotated.models.revealApiKey(profile.id)).toBe(apiKey);
    } finally {
      await rotated.close();
    }

    const withoutOld = await createDefaultGoosuke(
      readDefaultGoosukeConfig({ GOOSUKE_SECRET_KEY: secretKey }, directory),
    );
    try {
      await expect(withoutOld.models.revealApiKey(profile.id)).rejects.toMatchObject({ code: 'secret_key' });
    } finally {
      await withoutOld.close();
    }
  });
});
