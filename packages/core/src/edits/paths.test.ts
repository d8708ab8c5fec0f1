import { describe, expect, it } from 'vitest';
import { matchesAnyGlob, matchesGlob } from './glob.ts';
import { checkEditPath, defaultForbiddenPaths } from './index.ts';

const check = (path: string) => checkEditPath(path, defaultForbiddenPaths);

describe('checkEditPath', () => {
  it('normalizes ./, repeated slashes, inner .. and backslashes', () => {
    expect(check('./src//a.ts')).toEqual({ ok: true, path: 'src/a.ts' });
    expect(check('src/lib/../a.ts')).toEqual({ ok: true, path: 'src/a.ts' });
    expect(check('src\\lib\\a.ts')).toEqual({ ok: true, path: 'src/lib/a.ts' });
    expect(check('src/')).toEqual({ ok: true, path: 'src' });
    expect(check('a/b.txt')).toEqual({ ok: true, path: 'a/b.txt' });
  });

  it.each([
    ['../x', 'leaves'],
    ['a/../../x', 'leaves'],
    ['./../x', 'leaves'],
    ['..', 'leaves'],
    ['/etc/passwd', 'absolute'],
    ['//server/share', 'absolute'],
    ['\\\\server\\share\\x', 'absolute'],
    ['C:\\x', 'absolute'],
    ['c:/x', 'absolute'],
    ['C:x', 'absolute'],
    ['', 'empty'],
    ['.', 'names no file'],
    ['a/..', 'names no file'],
    ['a\u0000b', 'control character'],
    ['a\nb', 'control character'],
  ])('refuses %j as path-escape (%s)', (path, words) => {
    const result = check(path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('path-escape');
    expect(result.message).toContain(words);
  });

  it.each([
    '.git',
    '.git/config',
    '.git/hooks/pre-commit',
    'packages/x/.git/HEAD',
    '.GIT/config',
    '.git./config',
    'GIT~1/config',
    '.env',
    '.env.local',
    'apps/web/.env.production',
    'keys/server.key',
    'prod.secret',
    'credentials.json',
    'config/credentials.yml.enc',
    'credentials.d/token',
    'tls/cert.pem',
    'store.p12',
    'home/.ssh/config',
    'id_rsa',
    'deploy/id_ed25519',
    '.netrc',
  ])('refuses %j as forbidden by default', (path) => {
    expect(check(path)).toMatchObject({ ok: false, reason: 'forbidden-path' });
  });

  it.each([
    'src/git.ts',
    'docs/.github/workflows/ci.yml',
    'environment.ts',
    'keyboard.ts',
    'src/credentials-form.tsx',
    'id_rsa.pub.md',
  ])('accepts %j', (path) => {
    expect(check(path)).toEqual({ ok: true, path });
  });

  it('has an example for every default pattern, each refused by that pattern alone', () => {
    const examples: Record<string, string> = {
      '.git': 'sub/.git',
      '.git/**': '.git/objects/ab/cdef',
      '.env*': 'web/.env.staging',
      '*.key': 'private.key',
      '*.secret': 'db.secret',
      'credentials.*': 'aws/credentials.csv',
      '*.pem': 'ca.pem',
      '*.p12': 'client.p12',
      '*.pfx': 'client.pfx',
      '*.jks': 'android/release.jks',
      '*.keystore': 'debug.keystore',
      id_rsa: 'keys/id_rsa',
      id_dsa: 'id_dsa',
      id_ecdsa: 'id_ecdsa',
      id_ed25519: 'id_ed25519',
      '.ssh': '.ssh/authorized_keys',
      '.netrc': '.netrc',
      '.htpasswd': 'public/.htpasswd',
    };
    expect(Object.keys(examples).sort()).toEqual([...defaultForbiddenPaths].sort());
    for (const [pattern, path] of Object.entries(examples)) {
      expect(checkEditPath(path, [pattern]), `${pattern} on ${path}`).toMatchObject({
        ok: false,
        reason: 'forbidden-path',
      });
      expect(checkEditPath(path, [])).toEqual({ ok: true, path });
    }
  });

  it('uses only the given list', () => {
    expect(checkEditPath('.env', [])).toEqual({ ok: true, path: '.env' });
    expect(checkEditPath('dist/a/b.js', ['dist/**'])).toMatchObject({ ok: false, reason: 'forbidden-path' });
    expect(checkEditPath('src/dist/b.js', ['dist/**'])).toEqual({ ok: true, path: 'src/dist/b.js' });
    expect(checkEditPath('src/dist/b.js', ['**/dist/**'])).toMatchObject({ ok: false });
    expect(checkEditPath('Secret.txt', ['secret.*'])).toEqual({ ok: true, path: 'Secret.txt' });
  });

  it('throws for a non-string path (a programmer error)', () => {
    expect(() => checkEditPath(42 as unknown as string, [])).toThrow(/must be a string/);
  });
});

describe('matchesGlob', () => {
  it.each([
    ['a.ts', '*.ts', true],
    ['src/a.ts', '*.ts', true],
    ['src/a.ts', 'src/*.ts', true],
    ['src/lib/a.ts', 'src/*.ts', false],
    ['src/lib/a.ts', 'src/**/*.ts', true],
    ['src/a.ts', 'src/**/*.ts', true],
    ['src/a.ts', '**/a.ts', true],
    ['a.ts', '**/a.ts', true],
    ['a.tsx', '*.ts', false],
    ['ab.ts', '?b.ts', true],
    ['abc.ts', '?b.ts', false],
    ['src/secrets/x/y', 'src/secrets', true],
    ['src/secrets/x/y', '/src/secrets/**', true],
    ['a+b(c).ts', 'a+b(c).ts', true],
    ['aXb', 'a.b', false],
  ])('%j against %j is %s', (path, pattern, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });
});

describe('matchesAnyGlob', () => {
  const lists: ReadonlyArray<readonly string[]> = [
    defaultForbiddenPaths,
    ['src/*.ts', '/src/secrets/**', '*.pem', 'a+b(c).ts', 'a.b', '**/a.ts', '?b.ts'],
    ['build'],
    [],
  ];
  const paths = [
    'a.ts',
    'src/a.ts',
    'src/lib/a.ts',
    'src/secrets/x/y',
    'a+b(c).ts',
    'aXb',
    'a.b',
    'ab.ts',
    'abc.ts',
    '.env',
    'app/.env.local',
    'config/credentials.json',
    'keys/server.pem',
    'home/.ssh/config',
    '.git/config',
    'sub/.git/HEAD',
    'docs/.gitignore',
    'build/out.js',
    'rebuild/x',
    'id_rsa.pub',
    'x/id_rsa',
    '.netrc',
    'my.key.txt',
    'src/index.ts',
  ];

  // It decides each path as trying every pattern of the list with matchesGlob would.
  it.each(lists.map((list) => [list]))('agrees with matchesGlob for each pattern of %j', (list) => {
    for (const path of paths) {
      expect([path, matchesAnyGlob(path, list)]).toEqual([
        path,
        list.some((pattern) => matchesGlob(path, pattern)),
      ]);
    }
  });

  it('reads a changed list afresh (a list is compiled by content, not only by identity)', () => {
    const list = ['*.ts'];
    expect(matchesAnyGlob('a.ts', list)).toBe(true);
    expect(matchesAnyGlob('a.ts', ['*.js'])).toBe(false);
    expect(matchesAnyGlob('a.js', [...list, '*.js'])).toBe(true);
  });
});

describe('checkEditPath on paths already in normal form', () => {
  // Paths in normal form take a shorter way; `./` in front forces the full one: both must agree.
  it('decides as the full normalization would, for any relative path', () => {
    const pieces = [
      'a',
      'src',
      '.git',
      '.GIT',
      'git~1',
      '.git.',
      '.env',
      '.env.local',
      'x.pem',
      'id_rsa',
      '.',
      '..',
      '',
      'dir.d',
    ];
    let seed = 11;
    const next = (limit: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % limit;
    };
    for (let round = 0; round < 2_000; round++) {
      const path = Array.from({ length: 1 + next(4) }, () => pieces[next(pieces.length)]!).join('/');
      if (path.startsWith('/')) continue;
      for (const forbidden of [defaultForbiddenPaths, ['dir.d/**', '*.local'], []]) {
        // The message names the path as given, so only the verdicts are compared.
        const verdict = (given: string) => {
          const result = checkEditPath(given, forbidden);
          return result.ok ? result.path : result.reason;
        };
        expect([path, verdict(path)]).toEqual([path, verdict(`./${path}`)]);
      }
    }
  });
});
