import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createScryptPasswordHasher } from '@goosuke/scrypt';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '../default-goosuke.ts';

afterEach(removeTemporaryDirectories);

const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
const jwtSecret = 'a-separate-jwt-signing-secret-0123456789ABCDEF';
const password = 'never print me: correct horse battery staple';
// Cheap scrypt parameters: these tests check behaviour, not strength.
const cheapCost = 'N=1024,r=8,p=1';

interface Project {
  env: Record<string, string>;
  cwd: string;
  databasePath: string;
  goosuke(argv: string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<MainRun>;
}

async function project(): Promise<Project> {
  const cwd = await temporaryDirectory();
  const dataDir = await temporaryDirectory('goosuke-data-');
  const env = { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir, GOOSUKE_SCRYPT_COST: cheapCost };
  return {
    env,
    cwd,
    databasePath: path.join(dataDir, 'goosuke.db'),
    goosuke: (argv, options = {}) =>
      runMain(argv, {
        cwd,
        env: { ...env, ...options.env },
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      }),
  };
}

function dumpUsers(databasePath: string): Array<Record<string, unknown>> {
  const database = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return database.prepare('select * from goosuke_users order by created_at').all() as Array<
      Record<string, unknown>
    >;
  } finally {
    database.close();
  }
}

function expectNoPassword(run: MainRun, secret = password): void {
  expect(run.stdout).not.toContain(secret);
  expect(run.stderr).not.toContain(secret);
}

describe('goosuke users add', () => {
  it('creates the first admin from a password on stdin, stored only as a scrypt hash', async () => {
    const workspace = await project();
    const run = await workspace.goosuke(
      ['users', 'add', 'Ada', '--admin', '--display-name', 'Ada Lovelace', '--password-stdin'],
      { stdin: `${password}\nsecond line is ignored\n` },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expectNoPassword(run);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id: +user_\S+$/);
    expect(lines.slice(1)).toEqual(['username: ada', 'name:     Ada Lovelace', 'role:     admin']);

    const [row] = dumpUsers(workspace.databasePath);
    expect(row).toMatchObject({ username: 'ada', display_name: 'Ada Lovelace', role: 'admin', disabled: 0 });
    expect(String(row?.password_hash)).toMatch(/^scrypt\$N=1024,r=8,p=1\$/);
    expect(await createScryptPasswordHasher().verify(password, String(row?.password_hash))).toBe(true);
    expect(JSON.stringify(row)).not.toContain('second line');
    expect((await readFile(workspace.databasePath)).includes(Buffer.from(password))).toBe(false);
  });

  it('lets the new user sign in through the default composition root when GOOSUKE_JWT_SECRET is set', async () => {
    const workspace = await project();
    const added = await workspace.goosuke(['users', 'add', 'grace', '--password-stdin', '--json'], {
      stdin: `${password}\r\n`,
    });
    expect(added.code).toBe(0);
    // The first user is no admin: say how to make one.
    expect(added.stderr).toBe(
      'goosuke: note: there is no admin yet; create one with goosuke users add NAME --admin\n',
    );
    const user = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(user).toMatchObject({ username: 'grace', displayName: 'grace', role: 'member', disabled: false });
    expect(Object.keys(user).some((key) => /password|hash/i.test(key))).toBe(false);

    const config = readDefaultGoosukeConfig(
      { ...workspace.env, GOOSUKE_JWT_SECRET: jwtSecret },
      workspace.cwd,
    );
    const goosuke = await createDefaultGoosuke(config);
    try {
      // The trailing CR of a CRLF line is not part of the password.
      const tokens = await goosuke.auth.login({ username: 'grace', password });
      expect(await goosuke.auth.authenticate(tokens.accessToken)).toMatchObject({
        username: 'grace',
        role: 'member',
        via: 'jwt',
      });
    } finally {
      await goosuke.close();
    }
  });

  it('refuses a password from anywhere but stdin, without echoing it, and stores nothing', async () => {
    const workspace = await project();
    const asArgument = await workspace.goosuke(['users', 'add', 'ada', password, '--password-stdin'], {
      stdin: `${password}\n`,
    });
    expect(asArgument.code).toBe(2);
    expect(asArgument.stderr).toMatch(/password is read from stdin only/);
    expectNoPassword(asArgument);

    const asFlag = await workspace.goosuke(['users', 'add', 'ada', '--password', password]);
    expect(asFlag.code).toBe(2);
    expect(asFlag.stderr).toMatch(/unknown option --password\b/);
    expectNoPassword(asFlag);

    const inline = await workspace.goosuke(['users', 'add', 'ada', `--password=${password}`]);
    expect(inline.code).toBe(2);
    expectNoPassword(inline);

    const withoutFlag = await workspace.goosuke(['users', 'add', 'ada'], { stdin: `${password}\n` });
    expect(withoutFlag.code).toBe(2);
    expect(withoutFlag.stderr).toMatch(/needs --password-stdin/);

    const emptyStdin = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], { stdin: '\n' });
    expect(emptyStdin.code).toBe(2);
    expect(emptyStdin.stderr).toMatch(/first line of stdin is empty/);

    const terminal = Object.assign(Readable.from([Buffer.from(`${password}\n`)]), { isTTY: true });
    const fromTerminal = await runMain(['users', 'add', 'ada', '--password-stdin'], {
      cwd: workspace.cwd,
      env: workspace.env,
      stdin: terminal,
    });
    expect(fromTerminal.code).toBe(2);
    expect(fromTerminal.stderr).toMatch(/reads a pipe, not a terminal/);

    const noName = await workspace.goosuke(['users', 'add', '--password-stdin'], { stdin: `${password}\n` });
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/needs NAME/);
    // Nothing was stored: the database was never opened by any of these.
    expect(
      await readFile(workspace.databasePath).then(
        () => dumpUsers(workspace.databasePath),
        () => [],
      ),
    ).toEqual([]);
  });

  it('names what to fix for a weak password or a bad name, never echoing the password', async () => {
    const workspace = await project();
    const short = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: 'tiny-pass\n',
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(
      'goosuke: invalid password (stdin): use at least 12 characters; see goosuke users add --help\n',
    );
    expectNoPassword(short, 'tiny-pass');
    const repeated = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: `${'z'.repeat(20)}\n`,
    });
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toMatch(/one character repeated/);
    expectNoPassword(repeated, 'z'.repeat(20));
    const badName = await workspace.goosuke(['users', 'add', 'has space', '--password-stdin'], {
      stdin: `${password}\n`,
    });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/^goosuke: invalid NAME: /);
    expectNoPassword(badName);
    expect(dumpUsers(workspace.databasePath)).toEqual([]);
  });

  it('refuses a taken name with exit code 1', async () => {
    const workspace = await project();
    expect(
      (await workspace.goosuke(['users', 'add', 'ada', '--admin', '--password-stdin'], { stdin: password }))
        .code,
    ).toBe(0);
    const again = await workspace.goosuke(['users', 'add', 'ADA', '--password-stdin'], { stdin: password });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('goosuke: a user named "ada" already exists\n');
    expect(dumpUsers(workspace.databasePath)).toHaveLength(1);
  });

  it('needs GOOSUKE_SECRET_KEY but not GOOSUKE_JWT_SECRET; a weak or reused JWT secret is a configuration error', async () => {
    const workspace = await project();
    const withoutKey = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: password,
      env: { GOOSUKE_SECRET_KEY: '' },
    });
    expect(withoutKey.code).toBe(3);
    expect(withoutKey.stderr).toMatch(/GOOSUKE_SECRET_KEY is not set/);

    const weakJwt = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: password,
      env: { GOOSUKE_JWT_SECRET: 'weak-jwt-secret' },
    });
    expect(weakJwt.code).toBe(3);
    expect(weakJwt.stderr).toMatch(/GOOSUKE_JWT_SECRET must be at least 32 characters/);
    expect(weakJwt.stderr).not.toContain('weak-jwt-secret');

    const reused = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: password,
      env: { GOOSUKE_JWT_SECRET: secretKey },
    });
    expect(reused.code).toBe(3);
    expect(reused.stderr).toMatch(/GOOSUKE_JWT_SECRET must differ from GOOSUKE_SECRET_KEY/);
    expect(reused.stderr).not.toContain(secretKey);

    const badCost = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: password,
      env: { GOOSUKE_SCRYPT_COST: 'N=1000,r=8,p=1' },
    });
    expect(badCost.code).toBe(3);
    expect(badCost.stderr).toMatch(/GOOSUKE_SCRYPT_COST: invalid scrypt cost: N must be a power of two/);

    const withJwt = await workspace.goosuke(['users', 'add', 'ada', '--password-stdin'], {
      stdin: password,
      env: { GOOSUKE_JWT_SECRET: jwtSecret },
    });
    expect(withJwt.code).toBe(0);
    expect(withJwt.stdout + withJwt.stderr).not.toContain(jwtSecret);
  });

  it('is listed in help', async () => {
    const workspace = await project();
    const help = await workspace.goosuke(['users', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('goosuke users add [options] NAME');
    expect(help.stdout).toContain('--password-stdin');
    const root = await workspace.goosuke(['--help']);
    expect(root.stdout).toMatch(/users add +Create a user/);
  });
});
