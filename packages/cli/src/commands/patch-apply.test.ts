import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  copyProject,
  fixture,
  readFixture,
  removeTemporaryDirectories,
  runMain,
  snapshot,
  temporaryDirectory,
} from '../../test/helpers.ts';

afterEach(removeTemporaryDirectories);

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('goosuke patch apply', () => {
  describe('with a real git diff', () => {
    it('creates, deletes and modifies files and reports each with its tier', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', fixture('rate-limiter.diff')], { cwd: project });

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(lines(run.stdout)).toEqual([
        'A src/clock.ts            +5 -0   (new-file)',
        'D src/legacy-throttle.ts  +0 -11  (delete)',
        'M src/rate-limiter.ts     +12 -4  (exact)',
        '3 files changed, +17 -15',
      ]);
      expect(await readFile(path.join(project, 'src/rate-limiter.ts'), 'utf8')).toBe(
        await readFixture('rate-limiter.expected.ts'),
      );
      expect(Object.keys(await snapshot(project)).sort()).toEqual([
        'src/',
        'src/clock.ts',
        'src/format-duration.ts',
        'src/rate-limiter.ts',
      ]);
    });

    it('leaves the tree exactly as git would: git diff of the result is the input diff', async () => {
      const project = await copyProject();
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: project,
          encoding: 'utf8',
        });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-q', '-m', 'base');

      const run = await runMain(['patch', 'apply', '--dir', project, fixture('rate-limiter.diff')], {
        cwd: path.dirname(project),
      });

      expect(run.code).toBe(0);
      git('add', '-A');
      expect(git('diff', '--cached')).toBe(await readFixture('rate-limiter.diff'));
    });

    it('reads the patch from stdin with -', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', '-'], {
        cwd: project,
        stdin: await readFixture('rate-limiter.diff'),
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('3 files changed');
      expect(await readFile(path.join(project, 'src/clock.ts'), 'utf8')).toContain('systemClock');
    });

    it('reads stdin that arrives in several chunks, split inside a multi-byte character', async () => {
      const project = await copyProject();
      const diff = [
        '--- a/src/format-duration.ts',
        '+++ b/src/format-duration.ts',
        '@@ -1,2 +1,2 @@',
        '-/** Formats milliseconds as `1h 2m 3s`, dropping zero units; `0s` for zero. */',
        '+/** Formats milliseconds as `1h 2m 3s` — dropping zero units; `0s` for zero. */',
        ' export function formatDuration(milliseconds: number): string {',
        '',
      ].join('\n');
      const bytes = Buffer.from(diff);
      const split = bytes.indexOf(Buffer.from('—')) + 1;
      const run = await runMain(['patch', 'apply', '-'], {
        cwd: project,
        stdin: Readable.from([bytes.subarray(0, split), bytes.subarray(split)]),
      });
      expect(run.code).toBe(0);
      expect(await readFile(path.join(project, 'src/format-duration.ts'), 'utf8')).toContain(
        '`1h 2m 3s` — dropping',
      );
    });
  });

  describe('with a model reply (prose, a fenced diff with wrong line numbers and drifted indentation, SEARCH/REPLACE)', () => {
    it('applies every block and names the looser tiers it needed', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', fixture('model-reply.md')], { cwd: project });

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = lines(run.stdout);
      expect(report).toHaveLength(3);
      expect(report[0]).toMatch(/^M src\/rate-limiter\.ts\s+\+7 -0\s+\(exact, indentation\)$/);
      expect(report[1]).toMatch(/^M src\/format-duration\.ts\s+\+1 -0\s+\(exact\)$/);
      expect(report[2]).toBe('2 files changed, +8 -0');

      const limiter = await readFile(path.join(project, 'src/rate-limiter.ts'), 'utf8');
      expect(limiter).toContain(
        'export interface RateLimiterOptions {\n  /** Maximum tokens a key can hold. */\n  capacity: number;',
      );
      // The hunk was written without the class's indentation; the added method gets it back.
      expect(limiter).toContain(
        [
          '    return Math.floor(this.#refill(key).tokens);',
          '  }',
          '',
          '  /** Milliseconds until `key` can take one token again; 0 when it can now. */',
          '  retryAfterMilliseconds(key: string): number {',
          '    const missing = 1 - this.#refill(key).tokens;',
          '    return missing <= 0 ? 0 : Math.ceil((missing / this.#refillPerSecond) * 1000);',
          '  }',
          '',
          '  #refill(key: string): Bucket {',
        ].join('\n'),
      );
      const formatter = await readFile(path.join(project, 'src/format-duration.ts'), 'utf8');
      const negativeGuard = '  if (milliseconds < 0) return `-$' + '{formatDuration(-milliseconds)}`;';
      expect(formatter).toContain(`string {\n${negativeGuard}\n  const totalSeconds`);
    });

    it('--check reports what would change and writes nothing', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const run = await runMain(['patch', 'apply', '--check', fixture('model-reply.md')], { cwd: project });

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const report = lines(run.stdout);
      expect(report[0]).toMatch(/^M src\/rate-limiter\.ts\s+\+7 -0\s+\(exact, indentation\)$/);
      expect(report.at(-1)).toBe('2 files would change, +8 -0; nothing was written (--check)');
      expect(await snapshot(project)).toEqual(before);
    });
  });

  it('reports a patch that is already applied as up to date, changes nothing and succeeds', async () => {
    const project = await copyProject();
    expect((await runMain(['patch', 'apply', fixture('rate-limiter.diff')], { cwd: project })).code).toBe(0);
    const after = await snapshot(project);
    const again = await runMain(['patch', 'apply', fixture('rate-limiter.diff')], { cwd: project });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(lines(again.stdout)).toEqual([
      '= src/clock.ts            +0 -0  (already-applied)',
      '= src/legacy-throttle.ts  +0 -0  (already-applied)',
      '= src/rate-limiter.ts     +0 -0  (already-applied)',
      'nothing to change: every edit is already applied',
    ]);
    expect(await snapshot(project)).toEqual(after);
  });

  describe('when an edit does not apply', () => {
    it('exits 1, prints each failure with the closest region, and changes nothing', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const run = await runMain(['patch', 'apply', fixture('stale-reply.md')], { cwd: project });

      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(
        /^goosuke: 1 edit did not apply \(in src\/rate-limiter\.ts\); nothing was changed\n$/,
      );
      // The failure names the file and shows the region of the file closest to what the hunk expected.
      expect(run.stdout).toContain('src/rate-limiter.ts');
      expect(run.stdout).toContain('#refill(key: string): Bucket {');
      expect(run.stdout).toContain('const elapsedSeconds = (now - bucket.updatedAt) / 1000;');
      expect(run.stdout).toMatch(/\b4[4-9]\b/);
      // The first hunk of the same reply would have applied: all or nothing means it was not written.
      expect(await snapshot(project)).toEqual(before);
    });

    it('--json reports failures as data and prints nothing else on stdout', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const run = await runMain(['patch', 'apply', '--json', fixture('stale-reply.md')], { cwd: project });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      const document = JSON.parse(run.stdout);
      expect(document).toMatchObject({ ok: false, check: false, written: false, formats: ['unified-diff'] });
      expect(document.failures).toHaveLength(1);
      expect(document.failures[0]).toMatchObject({
        path: 'src/rate-limiter.ts',
        hunkIndex: 1,
        reason: 'not-found',
      });
      expect(document.failures[0].text).toContain('#refill(key: string): Bucket {');
      expect(document.failures[0].closest.startLine).toBeGreaterThan(40);
      expect(await snapshot(project)).toEqual(before);
    });

    it('exits 1 with one line when the text holds no edit at all', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', '-'], {
        cwd: project,
        stdin: 'I looked at rate-limiter.ts and it seems fine to me. No changes needed!\n',
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^goosuke: no edit found in stdin/);
    });

    it('names the parse problems with their line numbers when nothing could be read', async () => {
      const project = await copyProject();
      const reply = [
        'Here is the fix:',
        '',
        'src/format-duration.ts',
        '```ts',
        '<<<<<<< SEARCH',
        '  const totalSeconds = Math.round(milliseconds / 1000);',
        '=======',
        '  const totalSeconds = Math.floor(milliseconds / 1000);',
        '```',
        '',
      ].join('\n');
      const run = await runMain(['patch', 'apply', '-'], { cwd: project, stdin: reply });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^goosuke: no edit found in stdin: line \d+: /);
      expect(run.stdout).toMatch(/^line \d+: /);
    });

    it('refuses a whole reply when one of its blocks cannot be read, even though another could apply', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const reply = [
        (await readFixture('rate-limiter.diff')).trimEnd(),
        '',
        'And the formatter:',
        '',
        'src/format-duration.ts',
        '```ts',
        '<<<<<<< SEARCH',
        '  const totalSeconds = Math.round(milliseconds / 1000);',
        '=======',
        '  const totalSeconds = Math.floor(milliseconds / 1000);',
        '```',
        '',
      ].join('\n');
      const run = await runMain(['patch', 'apply', '-'], { cwd: project, stdin: reply });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/line \d+: SEARCH\/REPLACE block without its >>>>>>> REPLACE marker/);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^goosuke: 1 edit did not apply.*; nothing was changed$/),
      ]);
      expect(await snapshot(project)).toEqual(before);
    });

    it('--json reports a text without edits as not ok, with its problems', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', '--json', '-'], { cwd: project, stdin: 'nothing here\n' });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, files: [], failures: [], source: '-' });
    });
  });

  describe('--json', () => {
    it('prints one JSON document describing every file and its hunks', async () => {
      const project = await copyProject();
      const run = await runMain(['patch', 'apply', '--json', fixture('model-reply.md')], { cwd: project });

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const document = JSON.parse(run.stdout);
      expect(document).toMatchObject({
        ok: true,
        check: false,
        written: true,
        source: fixture('model-reply.md'),
        failures: [],
        summary: '2 files changed, +8 -0',
      });
      expect(document.formats).toEqual(['unified-diff', 'search-replace']);
      expect(document.files).toEqual([
        expect.objectContaining({
          path: 'src/rate-limiter.ts',
          operation: 'modify',
          added: 7,
          removed: 0,
          tiers: ['exact', 'indentation'],
        }),
        expect.objectContaining({ path: 'src/format-duration.ts', operation: 'modify', tiers: ['exact'] }),
      ]);
      expect(document.files[0].hunks.map((hunk: { tier: string }) => hunk.tier)).toEqual([
        'exact',
        'indentation',
      ]);
    });

    it('with --check says nothing was written', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const run = await runMain(['patch', 'apply', '--json', '--check', fixture('rate-limiter.diff')], {
        cwd: project,
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, check: true, written: false });
      expect(await snapshot(project)).toEqual(before);
    });
  });

  describe('forbidden paths', () => {
    it('--forbid refuses matching paths and changes nothing', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const run = await runMain(['patch', 'apply', '--forbid', 'src/clock.*', fixture('rate-limiter.diff')], {
        cwd: project,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('src/clock.ts');
      expect(run.stdout).toContain('src/clock.ts');
      expect(await snapshot(project)).toEqual(before);
    });

    it('--forbid adds to the defaults: .env stays forbidden', async () => {
      const project = await copyProject();
      await writeFile(path.join(project, '.env'), 'TOKEN=old\n');
      const before = await snapshot(project);
      const diff = ['--- a/.env', '+++ b/.env', '@@ -1 +1 @@', '-TOKEN=old', '+TOKEN=stolen', ''].join('\n');
      const run = await runMain(['patch', 'apply', '--forbid', 'docs/**', '--json', '-'], {
        cwd: project,
        stdin: diff,
      });
      expect(run.code).toBe(1);
      const document = JSON.parse(run.stdout);
      expect(document.failures[0]).toMatchObject({ path: '.env', reason: 'forbidden-path' });
      expect(await snapshot(project)).toEqual(before);
    });

    it('refuses a path that climbs out with ..', async () => {
      const project = await copyProject();
      const before = await snapshot(project);
      const diff = ['--- /dev/null', '+++ b/../escaped.ts', '@@ -0,0 +1 @@', '+export {};', ''].join('\n');
      const run = await runMain(['patch', 'apply', '-'], { cwd: project, stdin: diff });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('path-escape');
      expect(await snapshot(project)).toEqual(before);
      expect(await snapshot(path.dirname(project))).not.toHaveProperty('escaped.ts');
    });

    it('refuses to write through a symbolic link that leads outside DIR', async () => {
      const project = await copyProject();
      const outside = await temporaryDirectory('goosuke-outside-');
      await symlink(outside, path.join(project, 'vendor'));
      const diff = [
        '--- /dev/null',
        '+++ b/vendor/planted.ts',
        '@@ -0,0 +1 @@',
        '+export const planted = true;',
        '',
      ].join('\n');
      const run = await runMain(['patch', 'apply', '-'], { cwd: project, stdin: diff });
      expect(run.code).toBe(2);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^goosuke: .*vendor\/planted\.ts.*symbolic link/),
      ]);
      expect(await snapshot(outside)).toEqual({});
    });
  });

  it('exits 74 and restores every file when a write fails midway', async () => {
    const project = await copyProject();
    const before = await snapshot(project);
    // The diff is valid, but src/format-duration.ts is a file, so nothing can be created under it.
    const diff = [
      (await readFixture('rate-limiter.diff')).trimEnd(),
      '--- /dev/null',
      '+++ b/src/format-duration.ts/helpers.ts',
      '@@ -0,0 +1 @@',
      '+export const pad = (value: number) => String(value).padStart(2, "0");',
      '',
    ].join('\n');
    const run = await runMain(['patch', 'apply', '-'], { cwd: project, stdin: diff });
    expect(run.code).toBe(74);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(
        /^goosuke: could not write src\/format-duration\.ts\/helpers\.ts .*no file was changed$/,
      ),
    ]);
    expect(await snapshot(project)).toEqual(before);
  });

  it('exits with each code its help documents, for the case the help gives', async () => {
    const help = await runMain(['patch', 'apply', '--help'], { cwd: await temporaryDirectory() });
    const documented = [
      ...help.stdout.slice(help.stdout.indexOf('Exit codes:')).matchAll(/^ {2}(\d+) /gm),
    ].map((match) => Number(match[1]));
    const newFile = (file: string) =>
      ['--- /dev/null', `+++ b/${file}`, '@@ -0,0 +1 @@', '+export {};', ''].join('\n');
    const cases: Array<[string, number, string, (project: string) => Promise<void>]> = [
      ['applied', 0, await readFixture('rate-limiter.diff'), async () => {}],
      ['no edit found', 1, 'Nothing to change.\n', async () => {}],
      ['an edit that does not apply', 1, await readFixture('stale-reply.md'), async () => {}],
      ['a forbidden path', 1, newFile('.env'), async () => {}],
      ['a path that climbs out with ..', 1, newFile('../escaped.ts'), async () => {}],
      ['FILE not found', 2, '', async () => {}],
      [
        'a symbolic link to outside DIR',
        2,
        newFile('vendor/planted.ts'),
        async (project) =>
          symlink(await temporaryDirectory('goosuke-outside-'), path.join(project, 'vendor')),
      ],
      ['a write that fails', 74, newFile('src/format-duration.ts/helpers.ts'), async () => {}],
    ];
    for (const [name, code, patch, prepare] of cases) {
      const project = await copyProject();
      await prepare(project);
      const argv = patch === '' ? ['patch', 'apply', 'missing.diff'] : ['patch', 'apply', '-'];
      const run = await runMain(argv, { cwd: project, stdin: patch });
      expect(run.code, name).toBe(code);
      expect(lines(run.stderr), name).toHaveLength(code === 0 ? 0 : 1);
    }
    // Every documented code but 70 (a bug, which no input should cause) has its case above.
    expect(documented).toEqual([0, 1, 2, 70, 74]);
    expect(new Set(cases.map(([, code]) => code))).toEqual(new Set(documented.filter((code) => code !== 70)));
  });

  describe('usage errors exit 2 with one line on stderr and nothing on stdout', () => {
    const cases: Array<[string, string[], RegExp]> = [
      [
        'a missing FILE',
        ['patch', 'apply'],
        /^goosuke: patch apply needs a FILE \(or - for stdin\); see goosuke patch apply --help$/,
      ],
      ['two FILEs', ['patch', 'apply', 'a.diff', 'b.diff'], /takes one FILE but was given 2/],
      [
        'an unknown flag',
        ['patch', 'apply', '--force', 'x.diff'],
        /^goosuke: unknown option --force for patch apply; see goosuke patch apply --help$/,
      ],
      [
        'an unknown short flag',
        ['patch', 'apply', '-f', 'x.diff'],
        /^goosuke: unknown option -f for patch apply/,
      ],
      [
        '--dir without a value',
        ['patch', 'apply', 'x.diff', '--dir'],
        /^goosuke: option --dir needs a value \(DIR\) for patch apply/,
      ],
      [
        'a value for a boolean flag',
        ['patch', 'apply', '--check=yes', 'x.diff'],
        /^goosuke: option --check takes no value/,
      ],
      ['an empty --forbid', ['patch', 'apply', '--forbid', '', 'x.diff'], /--forbid needs a non-empty GLOB/],
      [
        'an unknown command',
        ['frobnicate'],
        /^goosuke: unknown command frobnicate \(try: run, serve, discord, patch, pr, runs, tasks, models, agents, extensions, users, actions\); see goosuke --help$/,
      ],
      [
        'an unknown subcommand',
        ['patch', 'revert'],
        /^goosuke: unknown command patch revert \(try: apply\); see goosuke patch --help$/,
      ],
      [
        'an unknown global flag',
        ['--verbose'],
        /^goosuke: unknown option --verbose for goosuke; see goosuke --help$/,
      ],
      ['help for an unknown command', ['help', 'nope'], /^goosuke: no help for nope/],
      [
        'a FILE that does not exist',
        ['patch', 'apply', 'missing.diff'],
        /^goosuke: patch file missing\.diff does not exist/,
      ],
      ['a FILE that is a directory', ['patch', 'apply', 'src'], /^goosuke: src is a directory/],
      [
        'a DIR that does not exist',
        ['patch', 'apply', '--dir', 'nowhere', 'x.diff'],
        /^goosuke: --dir nowhere does not exist/,
      ],
      [
        'a DIR that is a file',
        ['patch', 'apply', '--dir', 'src/clock.ts', 'x.diff'],
        /^goosuke: --dir src\/clock\.ts is not a directory/,
      ],
    ];

    it.each(cases)('%s', async (_name, argv, message) => {
      const project = await copyProject();
      await writeFile(path.join(project, 'x.diff'), await readFixture('rate-limiter.diff'));
      await mkdir(path.join(project, 'src'), { recursive: true });
      await writeFile(path.join(project, 'src/clock.ts'), 'export {};\n');
      const before = await snapshot(project);
      const run = await runMain(argv, { cwd: project });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr.trimEnd()).toMatch(message);
      expect(await snapshot(project)).toEqual(before);
    });
  });
});
